package servicestage_test

import (
	"encoding/json"
	"testing"

	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// FuzzDecodeDeployInfo feeds the deploy-info decoder arbitrary answers: it
// must never panic, and a decoded seq or time must be what a plain integer
// reading of the same field gives.
func FuzzDecodeDeployInfo(f *testing.F) {
	f.Add([]byte(seedDeployInfo))
	f.Add([]byte(`{"id":"p","components":[{"seq":"2","start_time":"1722933924962","end_time":null}]}`))
	f.Add([]byte(`{"components":[{"seq":1.0,"status":null,"fail_message":null}]}`))
	f.Add([]byte(`{"components":[{"seq":"x"}]}`))
	f.Add([]byte(`{"components":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var info servicestage.DeployInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return
		}
		for _, c := range info.Components {
			_ = servicestage.Classify(c.Status)
			if tm, ok := c.StartTime.Time(); ok && tm.UnixMilli() != int64(c.StartTime) {
				t.Fatalf("start_time %d reads as %v", c.StartTime, tm)
			}
		}
	})
}
