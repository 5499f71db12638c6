package huawei

import (
	"fmt"
	"regexp"
)

// Service host prefixes, as in https://{service}.{region}.myhuaweicloud.com.
const (
	ServiceCodeArtsDeploy = "codearts-deploy"
	ServiceServiceStage   = "servicestage"
	ServiceRTS            = "rts"
)

var regionPattern = regexp.MustCompile(`^[a-z]{2,}-[a-z]+-[0-9]+$`)

// ValidRegion reports whether region has the shape of a Huawei Cloud region.
// Unknown but well-formed regions are accepted: new ones appear regularly.
func ValidRegion(region string) bool { return regionPattern.MatchString(region) }

// Endpoint returns the base URL of service in region, or override when it is
// set (private deployments, new regions, the simulator).
func Endpoint(service, region, override string) (string, error) {
	if override != "" {
		return override, nil
	}
	if !ValidRegion(region) {
		return "", fmt.Errorf("region %q is not a region name such as cn-north-4", region)
	}
	return "https://" + service + "." + region + ".myhuaweicloud.com", nil
}
