// Package rts is a client of the Resource Template Service's software
// deployments, the OpenStack Heat API a server (or a workflow) uses to
// report how a deployment went: a status, a reason and output values.
package rts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// ServiceName names the service in messages.
const ServiceName = "RTS"

// Statuses of a software deployment.
const (
	StatusComplete   = "COMPLETE"
	StatusInProgress = "IN_PROGRESS"
	StatusFailed     = "FAILED"
)

// Client calls RTS.
type Client struct{ api *huawei.Client }

// New returns a client of the RTS endpoint at baseURL.
func New(baseURL string, creds huawei.Credentials, opts ...huawei.Option) (*Client, error) {
	return huawei.NewService(func(api *huawei.Client) *Client { return &Client{api: api} }, ServiceName, baseURL, creds, opts...)
}

// Update is the body of a software deployment update. Every field is
// optional; empty ones are not sent, so they keep their stored values.
type Update struct {
	Action       string         `json:"action,omitempty"`
	ConfigID     string         `json:"config_id,omitempty"`
	InputValues  map[string]any `json:"input_values,omitempty"`
	OutputValues map[string]any `json:"output_values,omitempty"`
	Status       string         `json:"status,omitempty"` // COMPLETE | IN_PROGRESS | FAILED
	StatusReason string         `json:"status_reason,omitempty"`
}

// SoftwareDeployment is the object RTS answers with.
type SoftwareDeployment struct {
	Action       string `json:"action"`
	ConfigID     string `json:"config_id"`
	CreationTime string `json:"creation_time"`
	ID           string `json:"id"`
	ServerID     string `json:"server_id"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason"`
	UpdatedTime  string `json:"updated_time"`
	// The value maps are kept as sent: an answer whose values have an
	// unexpected shape must not turn an accepted signal into an error.
	InputValues  json.RawMessage `json:"input_values"`
	OutputValues json.RawMessage `json:"output_values"`
}

// Answer is a decoded answer with the bytes it came from.
type Answer struct {
	Deployment SoftwareDeployment
	// Object is the software_deployment object exactly as sent, so values
	// can be passed on without a round trip through Go types (which would
	// turn large integers into floats).
	Object json.RawMessage
	// Raw is the whole answer.
	Raw []byte
}

// DeploymentPath is the path of a software deployment, as the calls and
// a dry run's report name it.
func DeploymentPath(projectID, deploymentID string) string {
	return "/v1/" + url.PathEscape(projectID) + "/software_deployments/" + url.PathEscape(deploymentID)
}

// UpdateSoftwareDeployment sets the status, reason and values of a
// software deployment: the Heat "signal".
//
// The PUT replaces state rather than creating anything, so sending the
// same body twice leaves the deployment as sending it once does: the call
// is marked idempotent and retried after 5xx answers and dropped
// connections like a read.
//
// API: https://support.huaweicloud.com/intl/en-us/api-rts/ (UpdateSoftwareDeployment)
func (c *Client) UpdateSoftwareDeployment(ctx context.Context, projectID, deploymentID string, body Update) (*Answer, error) {
	return c.call(ctx, deploymentID, huawei.Request{
		Method:     "PUT",
		Path:       DeploymentPath(projectID, deploymentID),
		Body:       body,
		Idempotent: true,
	})
}

// GetSoftwareDeployment reads a software deployment.
//
// API: https://support.huaweicloud.com/intl/en-us/api-rts/ (ShowSoftwareDeployment)
func (c *Client) GetSoftwareDeployment(ctx context.Context, projectID, deploymentID string) (*Answer, error) {
	return c.call(ctx, deploymentID, huawei.Request{
		Method:     "GET",
		Path:       DeploymentPath(projectID, deploymentID),
		Idempotent: true,
	})
}

func (c *Client) call(ctx context.Context, deploymentID string, req huawei.Request) (*Answer, error) {
	resp, err := c.api.Do(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	out, err := decodeAnswer(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: the answer to %s %s (request id %s): %w", ServiceName, req.Method, req.Path, resp.RequestID, err)
	}
	if id := out.Deployment.ID; id != "" && id != deploymentID || huawei.DuplicateKeys(resp.Body) {
		// An answer about another software deployment must not be
		// reported as this one's: never a verdict.
		return nil, &huawei.ProtocolError{Service: ServiceName, Method: req.Method, Path: req.Path, RequestID: resp.RequestID,
			Problem: "it is about another software deployment than the one asked for, or has a key twice"}
	}
	return out, nil
}

// errNoDeployment is an answer without its software_deployment object.
var errNoDeployment = errors.New("it has no software_deployment")

// decodeAnswer reads an answer, {software_deployment: {...}}, as
// SoftwareDeployment says.
func decodeAnswer(body []byte) (*Answer, error) {
	var env struct {
		SoftwareDeployment json.RawMessage `json:"software_deployment"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("decoding it: %w", err)
	}
	if len(env.SoftwareDeployment) == 0 || string(env.SoftwareDeployment) == "null" {
		return nil, errNoDeployment
	}
	out := &Answer{Object: env.SoftwareDeployment, Raw: body}
	if err := json.Unmarshal(env.SoftwareDeployment, &out.Deployment); err != nil {
		return nil, fmt.Errorf("decoding its software_deployment: %w", err)
	}
	return out, nil
}

// IsNotFound reports whether err says the software deployment does not exist.
func IsNotFound(err error) bool {
	var apiErr *huawei.APIError
	return errors.As(err, &apiErr) && apiErr.NotFound()
}

// UnmarshalJSON reads a software deployment: its status strictly (the
// signal reports it), the rest leniently, so that one odd field (a time as
// a number, a reason as an object) cannot make an accepted signal look
// refused. The value maps are kept as sent, whatever their shape.
func (d *SoftwareDeployment) UnmarshalJSON(b []byte) error {
	var w struct {
		Status       string          `json:"status"`
		Action       huawei.Text     `json:"action"`
		ConfigID     huawei.Text     `json:"config_id"`
		CreationTime huawei.Text     `json:"creation_time"`
		ID           huawei.Text     `json:"id"`
		ServerID     huawei.Text     `json:"server_id"`
		StatusReason huawei.Text     `json:"status_reason"`
		UpdatedTime  huawei.Text     `json:"updated_time"`
		InputValues  json.RawMessage `json:"input_values"`
		OutputValues json.RawMessage `json:"output_values"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = SoftwareDeployment{
		Status: w.Status, Action: string(w.Action), ConfigID: string(w.ConfigID),
		CreationTime: string(w.CreationTime), ID: string(w.ID), ServerID: string(w.ServerID),
		StatusReason: string(w.StatusReason), UpdatedTime: string(w.UpdatedTime),
		InputValues: w.InputValues, OutputValues: w.OutputValues,
	}
	return nil
}
