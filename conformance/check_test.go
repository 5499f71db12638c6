package conformance

import (
	"slices"
	"strings"
	"testing"
)

// TestCheckExchangeCanFail feeds the request checker exchanges that break
// each rule once, so a checker that silently passes everything is caught.
func TestCheckExchangeCanFail(t *testing.T) {
	t.Parallel()
	defs := append(sdkDefs(), docDefs()...)
	const task = "/v2/tasks/0123456789abcdef0123456789abcdef"
	const logs = "/v1/applications/0123456789abcdef0123456789abcdef/records/fedcba9876543210fedcba9876543210/logs"
	const plan = "/v3/p/cas/release-plans/716eda33-dbc6-47f3-953f-29119edd5e5c"
	base := []string{"Accept", "Authorization", "Host", "User-Agent", "X-Sdk-Date"}
	withCT := append(slices.Clone(base), "Content-Type")
	ok := func(e exchange) exchange {
		if e.status == 0 {
			e.status = 200
		}
		if e.headerNames == nil {
			e.headerNames = withCT
			e.contentType = "application/json"
		}
		return e
	}
	tests := []struct {
		name     string
		ex       exchange
		wantName string
		want     string // a problem that must be reported; "" for none
	}{
		{"start conforms", ok(exchange{method: "POST", escapedPath: task + "/start",
			body:   []byte(`{"params":[{"key":"v","value":"1","type":"text"}],"trigger_source":"0"}`),
			answer: []byte(`{"id":"r","task_id":"t","job_name":"j","app_component_list":[]}`)}), "StartDeployTask", ""},
		{"unknown path", ok(exchange{method: "GET", escapedPath: "/v2/nothing/here"}), "", "no SDK or documented definition"},
		{"unknown method", ok(exchange{method: "DELETE", escapedPath: task + "/start"}), "", "no SDK or documented definition"},
		{"start body field the SDK lacks", ok(exchange{method: "POST", escapedPath: task + "/start", body: []byte(`{"parameters":[]}`)}), "StartDeployTask", `unknown field "parameters"`},
		{"start body value of the wrong type", ok(exchange{method: "POST", escapedPath: task + "/start", body: []byte(`{"params":[{"key":"v","value":1}]}`)}), "StartDeployTask", "cannot unmarshal number"},
		{"start answer field of the wrong type", ok(exchange{method: "POST", escapedPath: task + "/start", answer: []byte(`{"id":5}`)}), "StartDeployTask", "does not decode into the SDK's StartDeployTaskResponse"},
		{"detail answer wrapped", ok(exchange{method: "GET", escapedPath: task, answer: []byte(`{"status":"success","result":{"id":"x"}}`)}), "ShowDeployTaskDetail", "sets none of the fields"},
		{"no Content-Type", exchange{method: "GET", escapedPath: task, headerNames: base, status: 200}, "ShowDeployTaskDetail", "no Content-Type"},
		{"other Content-Type", ok(exchange{method: "GET", escapedPath: task, headerNames: withCT, contentType: "text/plain"}), "ShowDeployTaskDetail", "Content-Type is text/plain"},
		{"undeclared header", ok(exchange{method: "GET", escapedPath: task, headerNames: append(slices.Clone(withCT), "X-Debug"), contentType: "application/json"}), "ShowDeployTaskDetail", "header X-Debug"},
		{"body on a body-less call", ok(exchange{method: "GET", escapedPath: task, body: []byte(`{}`)}), "ShowDeployTaskDetail", "has a body"},
		{"unknown query parameter", ok(exchange{method: "GET", escapedPath: task + "/state", rawQuery: "step_state=true&verbose=1"}), "ShowDeployStatus", "verbose is not a parameter"},
		{"bad query value", ok(exchange{method: "GET", escapedPath: task + "/state", rawQuery: "step_state=yes"}), "ShowDeployStatus", "step_state=\"yes\""},
		{"plus in the query", ok(exchange{method: "GET", escapedPath: task + "/state", rawQuery: "record_id=a+b"}), "ShowDeployStatus", `has a "+"`},
		{"repeated parameter", ok(exchange{method: "GET", escapedPath: task + "/state", rawQuery: "step_state=true&step_state=false"}), "ShowDeployStatus", "given 2 times"},
		{"bad path id", ok(exchange{method: "GET", escapedPath: "/v2/tasks/short/state"}), "ShowDeployStatus", "path variable task_id"},
		{"logs without end_offset", ok(exchange{method: "GET", escapedPath: logs, rawQuery: "offset=0"}), "ShowAppLog", "end_offset is missing"},
		{"logs with offsets", ok(exchange{method: "GET", escapedPath: logs, rawQuery: "offset=0&end_offset=2048&step_id=abc123",
			answer: []byte(`{"status":"success","result":{"has_more":false,"text":"x","offset":"0","end_offset":"1"}}`)}), "ShowAppLog", ""},
		{"log offsets as numbers", ok(exchange{method: "GET", escapedPath: logs, rawQuery: "offset=0&end_offset=2048",
			answer: []byte(`{"status":"success","result":{"offset":0}}`)}), "ShowAppLog", "offset is a number"},
		{"refused", ok(exchange{method: "GET", escapedPath: plan, status: 404, answer: []byte(`{}`)}), "ShowReleasePlan", "answered 404"},
		{"signal body field Heat lacks", ok(exchange{method: "PUT", escapedPath: "/v1/p/software_deployments/sd", body: []byte(`{"state":"COMPLETE"}`)}), "UpdateSoftwareDeployment", "undocumented field state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, problems := checkExchange(defs, tt.ex)
			if name != tt.wantName {
				t.Errorf("matched %q, want %q", name, tt.wantName)
			}
			if tt.want == "" {
				if len(problems) > 0 {
					t.Errorf("unexpected problems: %q", problems)
				}
				return
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("no problem mentions %q; got %q", tt.want, problems)
			}
		})
	}
}

// TestCheckStepIDs: a step_id that no detail named is reported.
func TestCheckStepIDs(t *testing.T) {
	t.Parallel()
	exchanges := []exchange{
		{method: "GET", escapedPath: "/v2/tasks/t", status: 200, answer: []byte(`{"steps":{"step1":{"id":"a1b2"}}}`)},
		{method: "GET", escapedPath: "/v1/applications/a/info", status: 200, answer: []byte(`{"result":{"arrange_infos":[{"steps":{"step1":{"id":"c3d4"}}}]}}`)},
		{method: "GET", escapedPath: "/v1/applications/a/records/r/logs", rawQuery: "offset=0&end_offset=1&step_id=a1b2"},
		{method: "GET", escapedPath: "/v1/applications/a/records/r/logs", rawQuery: "offset=0&end_offset=1&step_id=c3d4"},
		{method: "GET", escapedPath: "/v1/applications/a/records/r/logs", rawQuery: "offset=0&end_offset=1&step_id=2"},
	}
	got := checkStepIDs(exchanges)
	if len(got) != 1 || !strings.Contains(got[0], `step_id "2"`) {
		t.Errorf("checkStepIDs = %q, want one problem about step_id 2", got)
	}
}
