package servicestage_test

import (
	"encoding/json"
	"testing"

	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// FuzzDecodeDeployInfo feeds the deploy-info decoder arbitrary answers: it
// must never panic, a decoded seq or time must be what a plain integer
// reading of the same field gives, it keeps at most MaxComponents, and
// only what a verdict needs may make it fail: an answer whose components
// read with their status, id, name and seq alone must be read, unless it
// lists more components than the action follows.
func FuzzDecodeDeployInfo(f *testing.F) {
	f.Add([]byte(seedDeployInfo))
	f.Add([]byte(`{"id":"p","components":[{"seq":"2","start_time":"1722933924962","end_time":null}]}`))
	f.Add([]byte(`{"components":[{"seq":1.0,"status":null,"fail_message":null}]}`))
	f.Add([]byte(`{"components":[{"seq":"x"}]}`))
	f.Add([]byte(`{"components":null}`))
	f.Add([]byte(`{"components":[{"status":"FAILED","name":"a","seq":1,"start_time":"soon","version":{},"job_status":7}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var info servicestage.DeployInfo
		if err := json.Unmarshal(data, &info); err != nil {
			var verdict struct {
				Components []struct {
					Status string           `json:"status"`
					ID     string           `json:"id"`
					Name   string           `json:"name"`
					Seq    servicestage.Seq `json:"seq"`
				} `json:"components"`
			}
			if json.Unmarshal(data, &verdict) == nil && len(verdict.Components) <= servicestage.MaxComponents {
				t.Fatalf("the verdict's fields read, deploy-info did not: %v", err)
			}
			return
		}
		if len(info.Components) > servicestage.MaxComponents {
			t.Fatalf("%d components kept", len(info.Components))
		}
		for _, c := range info.Components {
			_ = servicestage.Classify(c.Status)
			if tm, ok := c.StartTime.Time(); ok && tm.UnixMilli() != int64(c.StartTime) {
				t.Fatalf("start_time %d reads as %v", c.StartTime, tm)
			}
		}
	})
}

// FuzzDecodePlan feeds the plan decoder arbitrary answers: it must never
// panic, keep at most MaxPlanMembers components, and fail only when the
// plan's status cannot be read.
func FuzzDecodePlan(f *testing.F) {
	f.Add([]byte(`{"id":"716eda33-dbc6-47f3-953f-29119edd5e5c","name":"checkout","status":"RUNNING","fail_strategy":"stop","execute_time":1722933924962,"components":[{"id":"c","name":"api","seq":1,"version":"1.0.0","status":"RUNNING"}]}`))
	f.Add([]byte(`{"status":"SUCCESS","execute_time":"x","components":[{"seq":"two"},"web",null]}`))
	f.Add([]byte(`{"status":7}`))
	f.Add([]byte(`{"name":{"en":"p"},"components":{"a":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var plan servicestage.Plan
		if err := json.Unmarshal(data, &plan); err != nil {
			var verdict struct {
				Status string `json:"status"`
			}
			if json.Unmarshal(data, &verdict) == nil {
				t.Fatalf("the plan's status read, the plan did not: %v", err)
			}
			return
		}
		if len(plan.Components) > servicestage.MaxPlanMembers {
			t.Fatalf("%d components kept", len(plan.Components))
		}
		_ = servicestage.Classify(plan.Status)
		_, _ = plan.ExecuteTime.Time()
	})
}
