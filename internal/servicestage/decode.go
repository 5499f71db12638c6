package servicestage

import (
	"encoding/json"
	"fmt"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// How answers are read. Only what a verdict depends on is read strictly:
// each component's status, id, name and seq (the release batch), and the
// plan's status. Everything else is read leniently and left empty when it
// is odd, so that one odd optional field (a time as "soon", a version as
// an object) cannot make every answer unreadable. Optional texts are
// shortened to huawei.MaxText.

// MaxComponents bounds the components read from one answer. A verdict is
// about every component, so an answer listing more is refused rather than
// cut: a plan whose first thousand components succeeded may have failed
// in the next one. 1000 components are far beyond any release plan, and
// decode to a few hundred kilobytes.
const MaxComponents = 1000

// errTooManyComponents refuses an answer with more than MaxComponents.
var errTooManyComponents = fmt.Errorf("it lists more than %d components, more than the action follows; the release plan's page in the ServiceStage console shows them", MaxComponents)

// UnmarshalJSON reads a component of an execution: status, id, name and
// seq strictly, the rest leniently.
func (c *Component) UnmarshalJSON(b []byte) error {
	var w struct {
		Status              string                      `json:"status"`
		ID                  string                      `json:"id"`
		Name                string                      `json:"name"`
		Seq                 Seq                         `json:"seq"`
		JobID               huawei.Text                 `json:"job_id"`
		JobStatus           huawei.Text                 `json:"job_status"`
		Version             huawei.Text                 `json:"version"`
		RollbackJobID       huawei.Text                 `json:"rollback_job_id"`
		StartTime           huawei.Lenient[EpochMillis] `json:"start_time"`
		EndTime             huawei.Lenient[EpochMillis] `json:"end_time"`
		RollbackJobStatus   huawei.Text                 `json:"rollback_job_status"`
		RollbackStartTime   huawei.Lenient[EpochMillis] `json:"rollback_start_time"`
		RollbackEndTime     huawei.Lenient[EpochMillis] `json:"rollback_end_time"`
		FailMessage         huawei.Text                 `json:"fail_message"`
		RollbackFailMessage huawei.Text                 `json:"rollback_fail_message"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Component{
		Status: w.Status, ID: huawei.Shorten(w.ID, huawei.MaxText), Name: huawei.Shorten(w.Name, huawei.MaxText), Seq: w.Seq,
		JobID: string(w.JobID), JobStatus: string(w.JobStatus), Version: string(w.Version),
		RollbackJobID: string(w.RollbackJobID), StartTime: w.StartTime.V, EndTime: w.EndTime.V,
		RollbackJobStatus: string(w.RollbackJobStatus), RollbackStartTime: w.RollbackStartTime.V,
		RollbackEndTime: w.RollbackEndTime.V, FailMessage: string(w.FailMessage),
		RollbackFailMessage: string(w.RollbackFailMessage),
	}
	return nil
}

// components is a list of components read whole, or refused when it
// holds more than MaxComponents.
type components []Component

func (l *components) UnmarshalJSON(b []byte) error {
	list, more, err := huawei.DecodeList[Component](b, MaxComponents)
	if err != nil {
		return err
	}
	if more {
		return errTooManyComponents
	}
	*l = list
	return nil
}

// UnmarshalJSON reads a deploy-info answer: its components as Component
// says, its own id and status (which no verdict uses) leniently.
func (d *DeployInfo) UnmarshalJSON(b []byte) error {
	var w struct {
		ID         huawei.Text `json:"id"`
		Status     huawei.Text `json:"status"`
		Components components  `json:"components"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = DeployInfo{ID: string(w.ID), Status: string(w.Status), Components: w.Components}
	return nil
}

// MaxPlanMembers bounds the components kept from a plan's own list, which
// only the log's count of them uses: the verdict comes from deploy-info.
const MaxPlanMembers = MaxComponents

// UnmarshalJSON reads a release plan: its status strictly (it settles a
// plan whose later batches will never run), the rest leniently, at most
// MaxPlanMembers of its components.
func (p *Plan) UnmarshalJSON(b []byte) error {
	var w struct {
		Status       string                         `json:"status"`
		ID           huawei.Text                    `json:"id"`
		Name         huawei.Text                    `json:"name"`
		Action       huawei.Text                    `json:"action"`
		FailStrategy huawei.Text                    `json:"fail_strategy"`
		CreateTime   huawei.Lenient[EpochMillis]    `json:"create_time"`
		ExecuteTime  huawei.Lenient[EpochMillis]    `json:"execute_time"`
		Creator      huawei.Text                    `json:"creator"`
		Components   huawei.LimitedList[PlanMember] `json:"components"`
	}
	w.Components.Max = MaxPlanMembers
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Plan{
		Status: w.Status, ID: string(w.ID), Name: string(w.Name), Action: string(w.Action),
		FailStrategy: string(w.FailStrategy), CreateTime: w.CreateTime.V,
		ExecuteTime: w.ExecuteTime.V, Creator: string(w.Creator),
		Components: w.Components.Items, ComponentsCut: w.Components.More,
	}
	return nil
}

// UnmarshalJSON reads a component as the plan lists it, leniently: the
// verdict reads components from deploy-info, not from here.
func (m *PlanMember) UnmarshalJSON(b []byte) error {
	var l huawei.Lenient[struct {
		ID      huawei.Text         `json:"id"`
		Name    huawei.Text         `json:"name"`
		Seq     huawei.Lenient[Seq] `json:"seq"`
		Version huawei.Text         `json:"version"`
		Status  huawei.Text         `json:"status"`
	}]
	_ = l.UnmarshalJSON(b) // a member it cannot read stays empty
	w := l.V
	*m = PlanMember{ID: string(w.ID), Name: string(w.Name), Seq: w.Seq.V, Version: string(w.Version), Status: string(w.Status)}
	return nil
}
