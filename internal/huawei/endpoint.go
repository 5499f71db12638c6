package huawei

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Service host prefixes, as in https://{service}.{region}.myhuaweicloud.com.
const (
	ServiceCodeArtsDeploy = "codearts-deploy"
	ServiceServiceStage   = "servicestage"
	ServiceRTS            = "rts"
)

// GlobalIAMEndpoint is IAM's global endpoint: every IAM API can be called
// there (support.huaweicloud.com/intl/en-us/api-iam/iam_01_0004.html), and
// the SDK falls back to it for a region its table does not list
// (huaweicloud-sdk-go-v3 v0.1.207 core/auth/internal/iam_helper.go,
// DefaultIamEndpoint).
const GlobalIAMEndpoint = "https://iam.myhuaweicloud.com"

// regionPattern is the shape of a region name (huawei-api.md §1), the one
// place it is written: the action's region input is checked with it too.
var regionPattern = regexp.MustCompile(`^[a-z]{2,}-[a-z]+-[0-9]+$`)

// ValidRegion reports whether region has the shape of a Huawei Cloud region.
// Unknown but well-formed regions are accepted (eu-west-101 exists, and new
// ones appear regularly): never hard-fail on an unknown region, only on a
// malformed one.
func ValidRegion(region string) bool { return regionPattern.MatchString(region) }

// KnownRegion reports whether region is one the action's tables know (see
// knownRegions). For a region they do not know, Endpoint still builds the
// usual host; the caller should say so in the log.
func KnownRegion(region string) bool {
	_, ok := sort.Find(len(knownRegions), func(i int) int { return strings.Compare(region, knownRegions[i]) })
	return ok
}

// Endpoint returns the base URL of service in region, or override when it is
// set (private deployments, new regions, the simulator).
//
// The host comes from the service's table (regions.go): not every region is
// under myhuaweicloud.com (Huawei Cloud Europe uses myhuaweicloud.eu). A
// region no table knows gets https://{service}.{region}.myhuaweicloud.com;
// a known region whose table lacks the service is a *ServiceRegionError, so
// nothing is sent to a host that does not exist.
func Endpoint(service, region, override string) (string, error) {
	if override != "" {
		return override, nil
	}
	if !ValidRegion(region) {
		return "", fmt.Errorf("region %q is not a region name such as cn-north-4", region)
	}
	t, ok := serviceTables[service]
	if !ok {
		// No table for this service (RTS): the usual host everywhere.
		return defaultHost(service, region), nil
	}
	if u, ok := t.lookup(region); ok {
		return u, nil
	}
	if KnownRegion(region) {
		return "", &ServiceRegionError{Service: t.name, Region: region, Regions: t.regionNames()}
	}
	return defaultHost(service, region), nil
}

// IAMEndpoint returns the IAM endpoint for region: the regional one from
// the IAM table (iam.eu-west-101.myhuaweicloud.eu for Huawei Cloud Europe,
// whose accounts the global endpoint does not serve), or GlobalIAMEndpoint
// for a region the table does not list, as the SDK's GetIamEndpointById
// does (huaweicloud-sdk-go-v3 v0.1.207 core/auth/internal/iam_helper.go).
func IAMEndpoint(region string) string {
	if u, ok := iamTable.lookup(region); ok {
		return u
	}
	return GlobalIAMEndpoint
}

func defaultHost(service, region string) string {
	return "https://" + service + "." + region + ".myhuaweicloud.com"
}

// ServiceRegionError says that a region the action knows does not offer a
// service, according to the service's endpoint table.
type ServiceRegionError struct {
	Service string   // the service's name, e.g. "CodeArts Deploy"
	Region  string   // the region asked for
	Regions []string // the regions that offer the service, sorted
}

// Error names the input, lists the regions that do offer the service and
// says how to proceed if the table is out of date.
func (e *ServiceRegionError) Error() string {
	return fmt.Sprintf("region: %s is not offered in region %s; it is offered in %s. "+
		"If it has come to %s since, set the input endpoint to its URL (from the service's API reference, \"Endpoints\")",
		e.Service, e.Region, strings.Join(e.Regions, ", "), e.Region)
}

// regionHost is one row of an endpoint table.
type regionHost struct {
	region string
	url    string
}

// endpointTable lists where one service is offered.
type endpointTable struct {
	name  string       // for messages
	hosts []regionHost // sorted by region, unique
}

func (t endpointTable) lookup(region string) (string, bool) {
	i, ok := sort.Find(len(t.hosts), func(i int) int { return strings.Compare(region, t.hosts[i].region) })
	if !ok {
		return "", false
	}
	return t.hosts[i].url, true
}

func (t endpointTable) regionNames() []string {
	out := make([]string, len(t.hosts))
	for i, h := range t.hosts {
		out[i] = h.region
	}
	return out
}
