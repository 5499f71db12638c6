package codearts

import (
	"strings"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// Error codes of CodeArts Deploy the action reacts to (API notes §1; the
// API pages' error code tables, e.g.
// https://support.huaweicloud.com/intl/en-us/api-deployman/StartDeployTask.html).
const (
	CodeAlreadyDeploying = "Deploy.00011027" // the application is already being deployed
	CodeNotFound         = "Deploy.00011303" // record or parameters not found
	CodeNoApplication    = "Deploy.00011020" // no such application, or deleted
)

// IsAlreadyDeploying recognises the answer to a start while the task
// deploys.
func IsAlreadyDeploying(err error) bool { return hasCode(err, CodeAlreadyDeploying) }

// IsRecordMissing recognises the service's "record not found" answer.
func IsRecordMissing(err error) bool { return hasCode(err, CodeNotFound) }

// IsEndedRefusal recognises a stop refused because the record had ended:
// the service answers 400 with a code of its own (which one is not
// documented), so any 400 Deploy.* code to a stop counts.
func IsEndedRefusal(err error) bool {
	apiErr, ok := huawei.AsAPIError(err)
	return ok && apiErr.HTTPStatus == 400 && strings.HasPrefix(apiErr.Code, "Deploy.")
}

func hasCode(err error, code string) bool {
	apiErr, ok := huawei.AsAPIError(err)
	return ok && apiErr.Code == code
}

// protocolError is the error of an answer to method path that cannot be
// used, and why: the one shape of such errors in this package.
func protocolError(method, path string, resp *huawei.Response, problem string) *huawei.ProtocolError {
	return &huawei.ProtocolError{Service: ServiceName, Method: method, Path: path, RequestID: resp.RequestID, Problem: problem}
}
