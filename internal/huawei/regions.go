package huawei

// The endpoint tables. Keep every list sorted by region and free of
// duplicates (TestEndpointTablesSortedAndUnique checks it); cite the source
// of every row.

// knownRegions are the regions the action knows: the union of the regions
// of every service's table in huaweicloud-sdk-go-v3 v0.1.207
// (services/*/*/region/region.go, 35 regions). In a known region a service
// missing from its own table is taken to be absent there; a region outside
// this list gets the usual host and a note in the log.
var knownRegions = []string{
	"ae-ad-1", "af-north-1", "af-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "cn-east-2", "cn-east-3", "cn-east-4", "cn-east-5",
	"cn-north-1", "cn-north-11", "cn-north-12", "cn-north-2", "cn-north-4", "cn-north-9",
	"cn-south-1", "cn-south-2", "cn-south-4", "cn-southwest-2", "cn-southwest-3", "eu-west-0",
	"eu-west-101", "la-north-2", "la-south-2", "me-east-1", "my-kualalumpur-1", "na-mexico-1",
	"ru-moscow-1", "ru-northwest-2", "sa-brazil-1", "sa-peru-1", "tr-west-1",
}

// serviceTables maps a service host prefix to where the service is offered.
// RTS has none: the SDK has no RTS package, and no RTS endpoint table
// could be found in Huawei's API reference, so RTS gets
// https://rts.{region}.myhuaweicloud.com in every well-formed region and is
// never reported absent (the endpoint input covers a region where that host
// is wrong).
var serviceTables = map[string]endpointTable{
	ServiceCodeArtsDeploy: codeArtsDeployTable,
	ServiceServiceStage:   serviceStageTable,
}

// codeArtsDeployTable: huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/region/region.go, plus eu-west-101 from the
// Huawei Cloud Europe API reference
// (support.huaweicloud.com/eu/api-deployman/CloudDeploy_api_3001.html,
// "CodeArts Deploy endpoints"), which the SDK does not list.
var codeArtsDeployTable = endpointTable{
	name: "CodeArts Deploy",
	hosts: []regionHost{
		{"ap-southeast-3", "https://codearts-deploy.ap-southeast-3.myhuaweicloud.com"},
		{"cn-east-2", "https://codearts-deploy.cn-east-2.myhuaweicloud.com"},
		{"cn-east-3", "https://codearts-deploy.cn-east-3.myhuaweicloud.com"},
		{"cn-north-1", "https://codearts-deploy.cn-north-1.myhuaweicloud.com"},
		{"cn-north-4", "https://codearts-deploy.cn-north-4.myhuaweicloud.com"},
		{"cn-south-1", "https://codearts-deploy.cn-south-1.myhuaweicloud.com"},
		{"eu-west-101", "https://codearts-deploy.eu-west-101.myhuaweicloud.eu"},
		{"la-north-2", "https://codearts-deploy.la-north-2.myhuaweicloud.com"},
		{"sa-brazil-1", "https://codearts-deploy.sa-brazil-1.myhuaweicloud.com"},
		{"tr-west-1", "https://codearts-deploy.tr-west-1.myhuaweicloud.com"},
	},
}

// serviceStageTable: huaweicloud-sdk-go-v3 v0.1.207
// services/servicestage/v2/region/region.go. The release-plan API (v3) is
// served by the same host.
var serviceStageTable = endpointTable{
	name: "ServiceStage",
	hosts: []regionHost{
		{"af-south-1", "https://servicestage.af-south-1.myhuaweicloud.com"},
		{"ap-southeast-1", "https://servicestage.ap-southeast-1.myhuaweicloud.com"},
		{"ap-southeast-2", "https://servicestage.ap-southeast-2.myhuaweicloud.com"},
		{"ap-southeast-3", "https://servicestage.ap-southeast-3.myhuaweicloud.com"},
		{"ap-southeast-4", "https://servicestage.ap-southeast-4.myhuaweicloud.com"},
		{"cn-east-2", "https://servicestage.cn-east-2.myhuaweicloud.com"},
		{"cn-east-3", "https://servicestage.cn-east-3.myhuaweicloud.com"},
		{"cn-east-4", "https://servicestage.cn-east-4.myhuaweicloud.com"},
		{"cn-north-1", "https://servicestage.cn-north-1.myhuaweicloud.com"},
		{"cn-north-12", "https://servicestage.cn-north-12.myhuaweicloud.com"},
		{"cn-north-4", "https://servicestage.cn-north-4.myhuaweicloud.com"},
		{"cn-north-9", "https://servicestage.cn-north-9.myhuaweicloud.com"},
		{"cn-south-1", "https://servicestage.cn-south-1.myhuaweicloud.com"},
		{"cn-south-4", "https://servicestage.cn-south-4.myhuaweicloud.com"},
		{"cn-southwest-2", "https://servicestage.cn-southwest-2.myhuaweicloud.com"},
		{"la-north-2", "https://servicestage.la-north-2.myhuaweicloud.com"},
		{"la-south-2", "https://servicestage.la-south-2.myhuaweicloud.com"},
		{"me-east-1", "https://servicestage.me-east-1.myhuaweicloud.com"},
		{"my-kualalumpur-1", "https://servicestage.my-kualalumpur-1.myhuaweicloud.com"},
		{"ru-moscow-1", "https://servicestage.ru-moscow-1.myhuaweicloud.com"},
		{"sa-brazil-1", "https://servicestage.sa-brazil-1.myhuaweicloud.com"},
		{"tr-west-1", "https://servicestage.tr-west-1.myhuaweicloud.com"},
	},
}

// iamTable: huaweicloud-sdk-go-v3 v0.1.207 services/iam/v3/region/region.go.
// It is core/auth/internal/iam_endpoint.go (the table the SDK's credentials
// use to pick IAM by region) plus eu-west-101, whose accounts live in Huawei
// Cloud Europe and are served by its own IAM.
var iamTable = endpointTable{
	name: "IAM",
	hosts: []regionHost{
		{"ae-ad-1", "https://iam.ae-ad-1.myhuaweicloud.com"},
		{"af-south-1", "https://iam.af-south-1.myhuaweicloud.com"},
		{"ap-southeast-1", "https://iam.ap-southeast-1.myhuaweicloud.com"},
		{"ap-southeast-2", "https://iam.ap-southeast-2.myhuaweicloud.com"},
		{"ap-southeast-3", "https://iam.ap-southeast-3.myhuaweicloud.com"},
		{"ap-southeast-4", "https://iam.ap-southeast-4.myhuaweicloud.com"},
		{"cn-east-2", "https://iam.cn-east-2.myhuaweicloud.com"},
		{"cn-east-3", "https://iam.cn-east-3.myhuaweicloud.com"},
		{"cn-east-4", "https://iam.cn-east-4.myhuaweicloud.com"},
		{"cn-east-5", "https://iam.cn-east-5.myhuaweicloud.com"},
		{"cn-north-1", "https://iam.cn-north-1.myhuaweicloud.com"},
		{"cn-north-12", "https://iam.cn-north-12.myhuaweicloud.com"},
		{"cn-north-2", "https://iam.cn-north-2.myhuaweicloud.com"},
		{"cn-north-4", "https://iam.cn-north-4.myhuaweicloud.com"},
		{"cn-north-9", "https://iam.cn-north-9.myhuaweicloud.com"},
		{"cn-south-1", "https://iam.cn-south-1.myhuaweicloud.com"},
		{"cn-south-2", "https://iam.cn-south-2.myhuaweicloud.com"},
		{"cn-southwest-2", "https://iam.cn-southwest-2.myhuaweicloud.com"},
		{"eu-west-0", "https://iam.eu-west-0.myhuaweicloud.com"},
		{"eu-west-101", "https://iam.eu-west-101.myhuaweicloud.eu"},
		{"la-north-2", "https://iam.la-north-2.myhuaweicloud.com"},
		{"la-south-2", "https://iam.la-south-2.myhuaweicloud.com"},
		{"me-east-1", "https://iam.me-east-1.myhuaweicloud.com"},
		{"my-kualalumpur-1", "https://iam.my-kualalumpur-1.myhuaweicloud.com"},
		{"na-mexico-1", "https://iam.na-mexico-1.myhuaweicloud.com"},
		{"ru-moscow-1", "https://iam.ru-moscow-1.myhuaweicloud.com"},
		{"sa-brazil-1", "https://iam.sa-brazil-1.myhuaweicloud.com"},
		{"tr-west-1", "https://iam.tr-west-1.myhuaweicloud.com"},
	},
}
