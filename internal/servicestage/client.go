// Package servicestage is a client of ServiceStage release plans: read a
// plan and its deploy-info, execute it, roll it back, abort it. Every path
// carries the IAM project id, so it is an argument of each call.
package servicestage

import (
	"context"
	"net/url"
	"strings"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// ServiceName names the service in messages.
const ServiceName = "ServiceStage"

// Error codes of ServiceStage (API notes §4; ServiceStage error codes,
// https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0162.html).
// A 404 status is answered for both "not found" codes.
const (
	CodeInvalid             = "SVCSTG.00100400" // invalid parameter; also a plan that cannot do what was asked now
	CodeAppNotFound         = "SVCSTG.00100403" // the application does not exist
	CodeReleaseTaskNotFound = "SVCSTG.00100433" // the release task (plan) does not exist
)

// NotFound tells what an error says does not exist: "application",
// "release plan", or "" when it says nothing of the kind. A bare 404 is
// taken as the plan, the only thing a release-plan call names.
func NotFound(err error) string {
	apiErr, ok := huawei.AsAPIError(err)
	switch {
	case !ok:
		return ""
	case apiErr.Code == CodeAppNotFound:
		return "application"
	case apiErr.Code == CodeReleaseTaskNotFound || apiErr.NotFound():
		return "release plan"
	}
	return ""
}

// Client calls ServiceStage.
type Client struct{ api *huawei.Client }

// New returns a client of the ServiceStage endpoint at baseURL.
func New(baseURL string, creds huawei.Credentials, opts ...huawei.Option) (*Client, error) {
	return huawei.NewService(func(api *huawei.Client) *Client { return &Client{api: api} }, ServiceName, baseURL, creds, opts...)
}

// PlanPath is the path of a release plan, as every plan call and a dry
// run's report name it.
func PlanPath(projectID, planID string) string {
	return "/v3/" + url.PathEscape(projectID) + "/cas/release-plans/" + url.PathEscape(planID)
}

func planPath(projectID, planID string, more string) string {
	return PlanPath(projectID, planID) + more
}

// Plan is a release plan as ShowReleasePlan returns it.
type Plan struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Action       string       `json:"action"`
	Status       string       `json:"status"`        // the component status set: CREATED, RUNNING, SUCCESS, ...
	FailStrategy string       `json:"fail_strategy"` // continue | stop
	CreateTime   EpochMillis  `json:"create_time"`
	ExecuteTime  EpochMillis  `json:"execute_time"` // when the latest execution started; 0 before any
	Creator      string       `json:"creator"`
	Components   []PlanMember `json:"components"`
	// ComponentsCut says the plan listed more than MaxPlanMembers
	// components: Components holds the first MaxPlanMembers.
	ComponentsCut bool   `json:"-"`
	Raw           []byte `json:"-"`
}

// PlanMember is a component as the plan itself lists it.
type PlanMember struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Seq     Seq    `json:"seq"`
	Version string `json:"version"`
	Status  string `json:"status"`
}

// Show reads a release plan, with its status.
//
// API: https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0233.html
func (c *Client) Show(ctx context.Context, projectID, planID string) (*Plan, error) {
	var out Plan
	resp, err := c.getPlan(ctx, projectID, planID, "", &out, func() string { return out.ID })
	if err != nil {
		return nil, err
	}
	out.Raw = resp.Body
	return &out, nil
}

// getPlan reads what path planPath(projectID, planID, more) holds into out,
// and refuses an answer about another plan; answered names the plan out
// is about once it is decoded.
func (c *Client) getPlan(ctx context.Context, projectID, planID, more string, out any, answered func() string) (*huawei.Response, error) {
	path := planPath(projectID, planID, more)
	resp, err := c.api.Get(ctx, path, nil, out)
	if err != nil {
		return nil, err
	}
	if err := otherPlan(answered(), planID, resp, "GET", path); err != nil {
		return nil, err
	}
	return resp, nil
}

// otherPlan refuses an answer about another plan than the one asked for:
// it must never decide a verdict. An answer without an id is tolerated.
func otherPlan(got, want string, resp *huawei.Response, method, path string) error {
	problem := ""
	switch {
	case got != "" && !strings.EqualFold(got, want):
		problem = "it is about another release plan than the one asked for"
	case huawei.DuplicateKeys(resp.Body):
		problem = "a JSON object in it has a key twice, so its values are ambiguous"
	default:
		return nil
	}
	return &huawei.ProtocolError{Service: ServiceName, Method: method, Path: path, RequestID: resp.RequestID, Problem: problem}
}

// DeployInfo is the answer of the deploy-info API: the plan's components
// in their latest execution.
type DeployInfo struct {
	ID         string      `json:"id"`
	Status     string      `json:"status"` // not in the API notes; kept if a service version sends it
	Components []Component `json:"components"`
	Raw        []byte      `json:"-"`
}

// Component is one component of a release plan's execution. Strings the
// service sends as null decode as "", times it sends as 0 or null as 0.
type Component struct {
	JobID               string      `json:"job_id"`
	Status              string      `json:"status"`     // CREATED, RUNNING, SUCCESS, FAILED, PARTIALLY_FAILED, ROLLBACK_FAILED, ROLLBACK_SUCCEED, ABORTED
	JobStatus           string      `json:"job_status"` // CREATED, RUNNING, SUCCEEDED, FAILED
	Name                string      `json:"name"`
	ID                  string      `json:"id"`
	Seq                 Seq         `json:"seq"` // the release batch: batch n+1 starts after batch n
	Version             string      `json:"version"`
	RollbackJobID       string      `json:"rollback_job_id"`
	StartTime           EpochMillis `json:"start_time"`
	EndTime             EpochMillis `json:"end_time"`
	RollbackJobStatus   string      `json:"rollback_job_status"`
	RollbackStartTime   EpochMillis `json:"rollback_start_time"`
	RollbackEndTime     EpochMillis `json:"rollback_end_time"`
	FailMessage         string      `json:"fail_message"`
	RollbackFailMessage string      `json:"rollback_fail_message"`
}

// DeployInfo reads the components of a release plan's latest execution.
//
// API: https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0234.html
func (c *Client) DeployInfo(ctx context.Context, projectID, planID string) (*DeployInfo, error) {
	var out DeployInfo
	resp, err := c.getPlan(ctx, projectID, planID, "/deploy-info", &out, func() string { return out.ID })
	if err != nil {
		return nil, err
	}
	out.Raw = resp.Body
	return &out, nil
}

// Execute starts an execution of a release plan and returns the answer's
// body (the service sends no useful content).
//
// The call is not idempotent: a second execute deploys everything again.
// After an error for which huawei.IsUnknownOutcome is true the plan may be
// executing all the same; look at DeployInfo before trying again.
//
// API: https://support.huaweicloud.com/intl/en-us/api-servicestage/ (release plans: execute)
func (c *Client) Execute(ctx context.Context, projectID, planID string) ([]byte, error) {
	return c.post(ctx, planPath(projectID, planID, "/execute"), false)
}

// Rollback rolls back a release plan's failed execution. Like Execute it
// is not idempotent and must be looked into after an unknown outcome.
//
// API: https://support.huaweicloud.com/intl/en-us/api-servicestage/ (release plans: rollback)
func (c *Client) Rollback(ctx context.Context, projectID, planID string) ([]byte, error) {
	return c.post(ctx, planPath(projectID, planID, "/rollback"), false)
}

// Abort stops a release plan's running execution. Aborting twice is
// harmless (the second is refused because nothing runs), so the call is
// retried like a read.
//
// API: https://support.huaweicloud.com/intl/en-us/api-servicestage/ (release plans: abort)
func (c *Client) Abort(ctx context.Context, projectID, planID string) ([]byte, error) {
	return c.post(ctx, planPath(projectID, planID, "/abort"), true)
}

func (c *Client) post(ctx context.Context, path string, idempotent bool) ([]byte, error) {
	resp, err := c.api.Do(ctx, huawei.Request{Method: "POST", Path: path, Idempotent: idempotent}, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
