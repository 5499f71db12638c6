package huawei

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEndpointTablesSortedAndUnique(t *testing.T) {
	t.Parallel()
	assert.True(t, slices.IsSorted(knownRegions), "knownRegions is sorted")
	assert.Len(t, slices.Compact(slices.Clone(knownRegions)), len(knownRegions), "knownRegions has no duplicates")
	for _, r := range knownRegions {
		assert.True(t, ValidRegion(r), "known region %s is well-formed", r)
	}
	tables := map[string]endpointTable{"iam": iamTable}
	for prefix, tab := range serviceTables {
		tables[prefix] = tab
	}
	for prefix, tab := range tables {
		regions := tab.regionNames()
		assert.True(t, slices.IsSorted(regions), "%s table is sorted by region", prefix)
		assert.Len(t, slices.Compact(slices.Clone(regions)), len(regions), "%s table has no duplicate region", prefix)
		for _, h := range tab.hosts {
			assert.True(t, KnownRegion(h.region), "%s: region %s of the table is a known region", prefix, h.region)
			u, err := url.Parse(h.url)
			require.NoError(t, err)
			assert.Equal(t, "https", u.Scheme, h.url)
			assert.Empty(t, u.Path, h.url)
			// Each host names its service and its region.
			assert.True(t, strings.HasPrefix(u.Host, prefix+"."+h.region+".myhuaweicloud."), h.url)
		}
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, service, region, override string
		want                            string
		wantErr                         string
	}{
		{"table host", ServiceCodeArtsDeploy, "cn-north-4", "", "https://codearts-deploy.cn-north-4.myhuaweicloud.com", ""},
		{"Huawei Cloud Europe", ServiceCodeArtsDeploy, "eu-west-101", "", "https://codearts-deploy.eu-west-101.myhuaweicloud.eu", ""},
		{"ServiceStage", ServiceServiceStage, "ap-southeast-1", "", "https://servicestage.ap-southeast-1.myhuaweicloud.com", ""},
		{"unknown region gets the usual host", ServiceCodeArtsDeploy, "xx-north-9", "", "https://codearts-deploy.xx-north-9.myhuaweicloud.com", ""},
		{"RTS has no table", ServiceRTS, "eu-west-101", "", "https://rts.eu-west-101.myhuaweicloud.com", ""},
		{"override wins", ServiceCodeArtsDeploy, "ap-southeast-1", "http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"override without region", ServiceServiceStage, "", "https://ss.example.com", "https://ss.example.com", ""},
		{"malformed region", ServiceCodeArtsDeploy, "north-4", "", "", `region "north-4" is not a region name`},
		{"known region without the service", ServiceCodeArtsDeploy, "ap-southeast-1", "",
			"", "region: CodeArts Deploy is not offered in region ap-southeast-1; it is offered in ap-southeast-3, cn-east-2, cn-east-3, " +
				"cn-north-1, cn-north-4, cn-south-1, eu-west-101, la-north-2, sa-brazil-1, tr-west-1. If it has come to ap-southeast-1 since, " +
				"set the input endpoint to its URL (from the service's API reference, \"Endpoints\")"},
		{"ServiceStage not in Europe", ServiceServiceStage, "eu-west-101", "", "", "region: ServiceStage is not offered in region eu-west-101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Endpoint(tt.service, tt.region, tt.override)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEndpointAbsentServiceIsTyped(t *testing.T) {
	t.Parallel()
	_, err := Endpoint(ServiceServiceStage, "eu-west-101", "")
	var re *ServiceRegionError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, "ServiceStage", re.Service)
	assert.Equal(t, serviceStageTable.regionNames(), re.Regions)
}

func TestIAMEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct{ region, want string }{
		{"eu-west-101", "https://iam.eu-west-101.myhuaweicloud.eu"},
		{"cn-north-4", "https://iam.cn-north-4.myhuaweicloud.com"},
		{"ap-southeast-5", GlobalIAMEndpoint}, // known, but not in the IAM table
		{"xx-north-9", GlobalIAMEndpoint},
		{"", GlobalIAMEndpoint},
	}
	for _, tt := range tests {
		got := IAMEndpoint(tt.region)
		assert.Equal(t, tt.want, got, tt.region)
	}
}

func TestKnownRegion(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]bool{"cn-north-4": true, "eu-west-101": true, "sa-peru-1": true, "xx-north-9": false, "": false, "cn-north": false} {
		assert.Equal(t, want, KnownRegion(region), region)
	}
}
