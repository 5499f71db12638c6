package codearts

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
)

// ExecutionParam is one parameter a record ran with: ConfigInfo of
// huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_config_info.go.
type ExecutionParam struct {
	Name string `json:"name"`
	// Type is text, host_group, enum or encrypt (the API page's values).
	Type string `json:"type"`
	// Value is kept undecoded and never shown: the model types it as a
	// string, the page's example answers a number (8080), and an encrypt
	// value (answered "" in the example) must not be printed anyway.
	Value json.RawMessage `json:"value"`
}

// ExecutionParams reads the parameters record recordID of task taskID was
// executed with.
//
//	GET /v2/history/tasks/{task_id}/params?record_id=
//
// The answer is a bare JSON array of ConfigInfo {name, type, value}: the
// SDK's response model reads the whole body as its Body field
// (huaweicloud-sdk-go-v3 v0.1.207 core/hc_http_client.go,
// deserializeResponseBody). An array
// wrapped in "result" or "body", as other CodeArts answers are, is
// accepted too. record_id is optional in the API; the action always sends
// it, since which record the answer is about without it is not said.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowExecutionParams.html
// SDK: huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/codeArtsDeploy_meta.go
// (GenReqDefForShowExecutionParams) and
// services/codeartsdeploy/v2/model/model_show_execution_params_response.go.
func (c *Client) ExecutionParams(ctx context.Context, taskID, recordID string) ([]ExecutionParam, error) {
	path := "/v2/history/tasks/" + url.PathEscape(taskID) + "/params"
	resp, err := c.api.Get(ctx, path, url.Values{"record_id": {recordID}}, nil)
	if err != nil {
		return nil, err
	}
	if params, ok := decodeExecutionParams(resp.Body); ok {
		return params, nil
	}
	return nil, protocolError("GET", path, resp, "it is not a list of parameters {name, type, value}")
}

// decodeExecutionParams reads the parameters from a bare array, or from
// one wrapped in "result" or "body"; false when body is neither.
func decodeExecutionParams(body []byte) ([]ExecutionParam, bool) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var params []ExecutionParam
		if err := json.Unmarshal(body, &params); err != nil {
			return nil, false
		}
		return params, true
	}
	return unwrapExecutionParams(body)
}

// unwrapExecutionParams reads the parameters from {"result": [...]} or
// {"body": [...]}.
func unwrapExecutionParams(body []byte) ([]ExecutionParam, bool) {
	var wrapped struct {
		Result *[]ExecutionParam `json:"result"`
		Body   *[]ExecutionParam `json:"body"`
	}
	if err := json.Unmarshal(body, &wrapped); err != nil {
		return nil, false
	}
	switch {
	case wrapped.Result != nil:
		return *wrapped.Result, true
	case wrapped.Body != nil:
		return *wrapped.Body, true
	}
	return nil, false
}
