package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/utils"
	codeartsdeploy "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsdeploy/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsdeploy/v2/model"
)

// apiDef is one operation the action may call: as the SDK defines it or,
// where the SDK has none, as its API page describes it.
type apiDef struct {
	name   string
	source string // the SDK file or the API page the definition comes from
	method string
	path   string // template: literal segments and {name} variables
	// vars checks the path variables the docs constrain.
	vars map[string]*regexp.Regexp
	// query lists the query parameters the operation takes; any other
	// is an error.
	query map[string]param
	// headers are the request headers the operation declares beyond those
	// every call carries (commonHeaders), canonical names.
	headers []string
	// contentType is the media type the request must declare in
	// Content-Type, "" when none is required.
	contentType string
	// body checks a request body; nil means the request has none.
	body func([]byte) []string
	// answer checks a 2xx answer.
	answer func([]byte) []string
}

// param is one query parameter.
type param struct {
	required bool
	valid    func(string) bool // nil: any value
	rule     string            // what valid checks, for messages
}

// commonHeaders are the headers any call may carry: authentication
// (huawei-api.md §3, from the signing guide and the SDK's signer) and
// HTTP's own.
var commonHeaders = map[string]bool{
	"Authorization": true, "X-Sdk-Date": true, "X-Project-Id": true,
	"X-Security-Token": true, "X-Auth-Token": true,
	"Host": true, "User-Agent": true, "Accept": true, "Accept-Encoding": true,
	"Content-Type": true, "Content-Length": true,
}

// sdkSource names the SDK file the CodeArts Deploy definitions come from.
const sdkSource = "huaweicloud-sdk-go-v3 v0.1.207 services/codeartsdeploy/v2/codeArtsDeploy_meta.go"

// sdkDefs are the operations the SDK defines, read from its request
// definitions (GenReqDefFor...) and request and response models, never
// written out by hand.
func sdkDefs() []apiDef {
	return []apiDef{
		fromSDK("StartDeployTask", codeartsdeploy.GenReqDefForStartDeployTask(), model.StartDeployTaskRequest{}),
		fromSDK("ShowDeployTaskDetail", codeartsdeploy.GenReqDefForShowDeployTaskDetail(), model.ShowDeployTaskDetailRequest{}),
		fromSDK("ShowAppDetailById", codeartsdeploy.GenReqDefForShowAppDetailById(), model.ShowAppDetailByIdRequest{}),
		fromSDK("ListDeployTaskHistoryByDate", codeartsdeploy.GenReqDefForListDeployTaskHistoryByDate(), model.ListDeployTaskHistoryByDateRequest{}),
		fromSDK("ShowExecutionParams", codeartsdeploy.GenReqDefForShowExecutionParams(), model.ShowExecutionParamsRequest{}),
	}
}

// fromSDK turns the SDK's definition of an operation into an apiDef. A
// query parameter is required when its field in the request model is not
// a pointer (the SDK's generator makes optional ones pointers), and its
// value must parse as the field's type. The SDK sends the definition's
// Content-Type on every call, GET included (core/hc_http_client.go
// fillParamsFromReq; core/config/http_config.go leaves
// IgnoreContentTypeForGetRequest false).
func fromSDK(name string, d *def.HttpRequestDef, reqModel any) apiDef {
	t := reflect.TypeOf(reqModel)
	a := apiDef{
		name:   name,
		source: sdkSource + " GenReqDefFor" + name,
		method: d.Method,
		path:   d.Path,
		query:  map[string]param{},
	}
	if d.ContentType != "" {
		a.contentType = mediaType(d.ContentType)
	}
	for _, f := range d.RequestFields {
		field, ok := t.FieldByName(f.Name)
		if !ok {
			panic(fmt.Sprintf("%s: the request model has no field %s", name, f.Name))
		}
		switch f.LocationType {
		case def.Query:
			a.query[f.JsonTag] = sdkQueryParam(field.Type)
		case def.Header:
			a.headers = append(a.headers, http.CanonicalHeaderKey(f.JsonTag))
		case def.Body:
			a.body = sdkBody(field.Type)
		}
	}
	respType := reflect.TypeOf(d.Response).Elem()
	a.answer = func(b []byte) []string { return sdkAnswer(respType, b) }
	for _, f := range d.ResponseFields {
		if body, ok := respType.FieldByName("Body"); ok && f.LocationType == def.Body {
			// The whole answer is the Body field, a bare array for
			// ShowExecutionParams (core/hc_http_client.go
			// deserializeResponseBody).
			a.answer = func(b []byte) []string { return sdkBodyAnswer(body.Type, b) }
		}
	}
	return a
}

// sdkBodyAnswer decodes an answer the SDK reads whole into its response
// model's Body field, with the SDK's own decoder.
func sdkBodyAnswer(t reflect.Type, b []byte) []string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if err := utils.Unmarshal(b, reflect.New(t).Interface()); err != nil {
		return []string{fmt.Sprintf("the answer does not decode into the SDK's Body (%s): %v", t, err)}
	}
	return nil
}

// sdkQueryParam is a query parameter of the Go type t.
func sdkQueryParam(t reflect.Type) param {
	p := param{required: t.Kind() != reflect.Pointer}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		p.rule = t.Kind().String()
		p.valid = func(s string) bool { _, err := strconv.ParseInt(s, 10, bits); return err == nil }
	case reflect.Bool:
		p.rule = "true or false"
		p.valid = func(s string) bool { _, err := strconv.ParseBool(s); return err == nil }
	}
	return p
}

// sdkBody checks a request body the way the service reads the SDK's: it
// must decode into the body model, with no field the model lacks.
// encoding/json is what the SDK encodes request bodies with
// (core/request/default_http_request.go GetBodyToBytes); its errors name
// the field and never echo the body, which may hold secret parameters.
func sdkBody(t reflect.Type) func([]byte) []string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return func(b []byte) []string {
		if len(bytes.TrimSpace(b)) == 0 {
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(reflect.New(t).Interface()); err != nil {
			return []string{fmt.Sprintf("the body does not decode into the SDK's %s: %v", t.Name(), err)}
		}
		return nil
	}
}

// sdkAnswer decodes an answer into the SDK's response model with the
// SDK's own decoder (core/utils/json_utils.go Unmarshal, as
// core/hc_http_client.go does): a field of the wrong type fails. An answer
// that sets none of the model's fields (a wrapper, say) does not decode
// into it at all.
func sdkAnswer(t reflect.Type, b []byte) []string {
	if err := utils.Unmarshal(b, reflect.New(t).Interface()); err != nil {
		return []string{fmt.Sprintf("the answer does not decode into the SDK's %s: %v", t.Name(), err)}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return []string{"the answer is not a JSON object"}
	}
	known := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag != "" && tag != "-" {
			known[tag] = true
		}
	}
	for k := range top {
		if known[k] {
			return nil
		}
	}
	return []string{fmt.Sprintf("the answer sets none of the fields of the SDK's %s (it has %s)", t.Name(), strings.Join(sortedKeys(top), ", "))}
}

// mediaType is the media type of a Content-Type value, lower-cased.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// Pages the doc-derived definitions come from.
const (
	pageShowDeployStatus = "https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployStatus.html"
	pageGetDeployStatus  = "https://support.huaweicloud.com/intl/id-id/api-deployman/GetDeployStatus.html"
	pageStopRecord       = "https://support.huaweicloud.com/intl/en-us/api-deployman/StopDeployTaskRecordV2.html"
	pageStopV2           = "https://support.huaweicloud.com/intl/tr-tr/api-deployman/StopDeployTaskV2.html"
	pageShowAppLog       = "https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html"
	pagePlan             = "https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0233.html"
	pageDeployInfo       = "https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0234.html"
	pageExecute          = "https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0235.html"
	pageRollback         = "https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0236.html"
	pageAbort            = "https://support.huaweicloud.com/intl/pt-br/api-servicestage/servicestage_06_0251.html"
	pageHeatDeployments  = "https://docs.openstack.org/api-ref/orchestration/v1/index.html#software-deployment"
)

var (
	// idRE: "32 characters, letters and digits" (ShowDeployStatus,
	// StopDeployTaskRecordV2, ShowAppLog path parameters).
	idRE = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	// offsetRE: "1-19 digits" (ShowAppLog offset and end_offset).
	offsetRE = regexp.MustCompile(`^[0-9]{1,19}$`)
	// stepIDRE: "1-32 characters, letters and digits" (ShowAppLog step_id).
	stepIDRE = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)
)

func matches(re *regexp.Regexp, rule string) param {
	return param{valid: re.MatchString, rule: rule}
}

func required(p param) param { p.required = true; return p }

// codeArtsContentType: every CodeArts Deploy call declares Content-Type
// application/json. The SDK's definitions of this service all carry it
// (codeArtsDeploy_meta.go, WithContentType) and the SDK sends it on GETs
// too; the older pages mark it mandatory (GetDeployStatus.html,
// StopDeployTaskV2.html), the current ones list only X-Auth-Token. Sending
// it is right under both readings.
const codeArtsContentType = "application/json"

// docDefs are the operations the SDK does not define, written from their
// API pages (cited in each source).
func docDefs() []apiDef {
	return []apiDef{
		{
			name:   "ShowDeployStatus",
			source: pageShowDeployStatus + " (and " + pageGetDeployStatus + " for the older typing of step_state)",
			method: "GET", path: "/v2/tasks/{task_id}/state",
			vars: map[string]*regexp.Regexp{"task_id": idRE},
			query: map[string]param{
				"record_id":  matches(idRE, "32 letters and digits"),
				"step_state": {valid: func(s string) bool { return s == "true" || s == "false" }, rule: "true or false"},
			},
			contentType: codeArtsContentType,
			answer:      shapeAnswer(showDeployStatusAnswer),
		},
		{
			name:   "StopDeployTaskRecordV2",
			source: pageStopRecord + " (and " + pageStopV2 + ")",
			method: "PUT", path: "/v2/tasks/{task_id}/records/{record_id}/stop",
			vars:        map[string]*regexp.Regexp{"task_id": idRE, "record_id": idRE},
			query:       map[string]param{},
			contentType: codeArtsContentType,
			answer: shapeAnswer(obj(map[string]shape{
				"status": str(),
				"result": obj(map[string]shape{"id": str(), "task_id": str()}),
			})),
		},
		{
			name:   "ShowAppLog",
			source: pageShowAppLog,
			method: "GET", path: "/v1/applications/{app_id}/records/{record_id}/logs",
			vars: map[string]*regexp.Regexp{"app_id": idRE, "record_id": idRE},
			query: map[string]param{
				"offset":     required(matches(offsetRE, "1-19 digits")),
				"end_offset": required(matches(offsetRE, "1-19 digits")),
				"step_id":    matches(stepIDRE, "1-32 letters and digits (a step's id from the application detail)"),
			},
			contentType: codeArtsContentType,
			answer: shapeAnswer(obj(map[string]shape{
				"status": str(),
				"result": obj(map[string]shape{"has_more": boolean(), "text": str(), "offset": str(), "end_offset": str()}),
			})),
		},
		servicestage("ShowReleasePlan", pagePlan, "GET", "", shapeAnswer(obj(map[string]shape{
			"id": str(), "name": str(), "action": str(), "status": str(), "fail_strategy": str(),
			"desc": str(), "swimlane_id": str(), "components": arr(anyObj()),
		}))),
		servicestage("ShowReleasePlanDeployInfo", pageDeployInfo, "GET", "/deploy-info", shapeAnswer(deployInfoAnswer)),
		// "Response: None" on the three actions: nothing to check.
		servicestage("ExecuteReleasePlan", pageExecute, "POST", "/execute", anyAnswer),
		servicestage("RollbackReleasePlan", pageRollback, "POST", "/rollback", anyAnswer),
		servicestage("AbortReleasePlan", pageAbort, "POST", "/abort", anyAnswer),
		{
			name:   "UpdateSoftwareDeployment",
			source: pageHeatDeployments + " (Update deployment; RTS is Heat-compatible, huawei-api.md §5)",
			method: "PUT", path: "/v1/{project_id}/software_deployments/{deployment_id}",
			query:       map[string]param{},
			contentType: "application/json",
			body:        shapeBody(softwareDeploymentUpdate),
			answer:      shapeAnswer(softwareDeploymentAnswer),
		},
		{
			name:   "ShowSoftwareDeployment",
			source: pageHeatDeployments + " (Show deployment details)",
			method: "GET", path: "/v1/{project_id}/software_deployments/{deployment_id}",
			query:  map[string]param{},
			answer: shapeAnswer(softwareDeploymentAnswer),
		},
	}
}

// servicestage is one of the old release-management APIs: no query, no
// body, and a mandatory Content-Type ("application/json;charset=utf8" by
// default) on every call, GET and body-less POST included.
func servicestage(name, page, method, suffix string, answer func([]byte) []string) apiDef {
	return apiDef{
		name: name, source: page,
		method: method, path: "/v3/{project_id}/cas/release-plans/{release_plan_id}" + suffix,
		query:       map[string]param{},
		contentType: "application/json",
		answer:      answer,
	}
}

// showDeployStatusAnswer: StateInfo and StepInfo. The older page types
// every StepInfo field as String, the SDK-era ones use numbers and
// booleans: both are accepted (huawei-api.md §1, "decode both").
var showDeployStatusAnswer = obj(map[string]shape{
	"status": str(),
	"result": obj(map[string]shape{
		"status": str(), "nick_name": str(), "record_id": str(), "task_id": str(),
		"step": str(), "start_time": str(), "end_time": str(), "executor": str(), "task_name": str(),
		"step_state": arr(obj(map[string]shape{
			"region": str(), "id": strOrNum(), "offset": strOrNum(), "enable": strOrBool(),
			"name": str(), "current_offset": strOrNum(), "elapsed_time": strOrNum(), "faq_url": str(),
		})),
	}),
})

// deployInfoAnswer: job_info. seq is typed String but the example shows a
// number; the times are epoch milliseconds, numbers in the example.
var deployInfoAnswer = obj(map[string]shape{
	"id": str(),
	"components": arr(obj(map[string]shape{
		"job_id": str(), "status": str(), "job_status": str(), "name": str(), "id": str(),
		"seq": strOrNum(), "version": str(),
		"rollback_job_id": str(), "rollback_job_status": str(),
		"start_time": strOrNum(), "end_time": strOrNum(),
		"rollback_start_time": strOrNum(), "rollback_end_time": strOrNum(),
		"fail_message": str(), "rollback_fail_message": str(),
	})),
})

// softwareDeploymentUpdate: the fields Heat's update takes, all optional.
var softwareDeploymentUpdate = obj(map[string]shape{
	"action": str(), "config_id": str(), "input_values": anyObj(), "output_values": anyObj(),
	"status": str(), "status_reason": str(),
})

var softwareDeploymentAnswer = obj(map[string]shape{
	"software_deployment": obj(map[string]shape{
		"action": str(), "config_id": str(), "creation_time": str(), "id": str(),
		"input_values": anyObj(), "output_values": anyObj(), "server_id": str(),
		"status": str(), "status_reason": str(), "updated_time": str(),
	}),
})

func shapeAnswer(s shape) func([]byte) []string {
	return func(b []byte) []string { return checkShape(b, s) }
}

// shapeBody checks a request body: the documented kinds, and no field the
// page does not list (a service may refuse one it does not know).
func shapeBody(s shape) func([]byte) []string {
	return func(b []byte) []string {
		out := checkShape(b, s)
		var top map[string]json.RawMessage
		if json.Unmarshal(b, &top) == nil {
			for _, k := range sortedKeys(top) {
				if _, ok := s.fields[k]; !ok {
					out = append(out, "the body has the undocumented field "+k)
				}
			}
		}
		return out
	}
}

// anyAnswer is for operations whose page documents no answer body.
func anyAnswer([]byte) []string { return nil }

// matchDef finds the definition of a request by method and path template;
// where several match, the one with the most literal segments wins.
func matchDef(defs []apiDef, method, escapedPath string) (apiDef, map[string]string, bool) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var best apiDef
	var bestVars map[string]string
	bestLiterals := -1
	for _, d := range defs {
		tsegs := strings.Split(strings.TrimPrefix(d.path, "/"), "/")
		if d.method != method || len(tsegs) != len(segs) {
			continue
		}
		vars := map[string]string{}
		literals := 0
		ok := true
		for i, ts := range tsegs {
			seg, err := url.PathUnescape(segs[i])
			if err != nil {
				ok = false
				break
			}
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				if seg == "" {
					ok = false
					break
				}
				vars[ts[1:len(ts)-1]] = seg
				continue
			}
			if ts != seg {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > bestLiterals {
			best, bestVars, bestLiterals = d, vars, literals
		}
	}
	return best, bestVars, bestLiterals >= 0
}
