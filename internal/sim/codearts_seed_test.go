package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedRecord(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, FailAtStep: 2}}}
	h := newHarness(t, Options{Scenario: sc})
	now := h.clock.Now()
	older := h.srv.SeedRecord(testTask, "failed", 2*time.Hour)
	newer := h.srv.SeedRecord(testTask, "succeeded", time.Hour)
	brief := h.srv.SeedRecord(testTask, "succeeded", 10*time.Millisecond)

	recs := h.srv.Records(testTask)
	require.Len(t, recs, 3)
	assert.Equal(t, []string{older, newer, brief}, []string{recs[0].ID, recs[1].ID, recs[2].ID}, "oldest first")
	assert.Equal(t, "failed", recs[0].Status)
	assert.Equal(t, now.Add(-2*time.Hour), recs[0].CreatedAt)
	assert.Equal(t, now.Add(-2*time.Hour+200*time.Millisecond), recs[0].StoppedAt)
	assert.Equal(t, "succeeded", recs[1].Status)
	assert.Equal(t, "succeeded", recs[2].Status, "squeezed to end now")
	assert.Equal(t, now, recs[2].StoppedAt)
	assert.Empty(t, h.srv.Running())
	assert.Zero(t, h.srv.StartCount(testTask), "seeding is not a start")

	assert.Panics(t, func() { h.srv.SeedRecord(testTask, "running", 0) })
	assert.Panics(t, func() { h.srv.SeedRecord("short", "succeeded", 0) })
}

func TestAlreadyRunning(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, AlreadyRunning: 30 * time.Second}}}
	h := newHarness(t, Options{Scenario: sc})

	running := h.srv.Running()
	require.Len(t, running, 1)
	res := h.stateResult(testTask, "")
	assert.Equal(t, running[0].ID, res["record_id"])
	assert.Equal(t, "another_user", res["executor"])

	assert.Equal(t, "Deploy.00011027", h.start(testTask, "").errorCode(t))
	h.clock.Advance(30 * time.Second)
	assert.Empty(t, h.srv.Running())
	h.startOK(testTask, "")
	assert.Equal(t, 1, h.srv.StartCount(testTask), "the other user's record is not a start")
}
