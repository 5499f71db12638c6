package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileServer is issue 10's suite: "Never a false verdict, never an
// orphaned deployment: the action against a hostile server". Each case is
// a server that breaks one assumption, in front of the simulator (which
// still checks every signature), and what the action must do about it.
// Every case runs the built binary as the runner does, then its post step
// with the main step's state, and checks (hostile_helpers_test.go): the
// exit codes, the status output, that the post step started nothing, that
// no deployment or release plan is left running (unless the case says so),
// that no record id in the outputs or state is one the server made up, the
// peak memory of both steps (under 64 MB), the size of the log and of each
// output, and that no secret, nor any 12 characters of one, shows anywhere.
//
// To add a case, write a few lines in the table: a scenario (optional),
// inputs over hostileInputs, a hostile handler (see exchange: pass, process,
// edit, reply, drop, hang, trickle, and the filters on, firstOf, polls,
// mainOnly), and the outcome wanted.
func TestHostileServer(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runHostile(t, tc)
		})
	}
}

// The error bodies a hostile server sends keep the shapes and codes of the
// real ones: the gateway's {"error_code":"APIGW.xxxx",...} (its code list,
// https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html:
// APIGW.0308 throttled, APIGW.0203 backend unavailable) and CodeArts
// Deploy's {"error_code":"Deploy.xxxxxxxx",...} (the error tables of
// https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployStatus.html
// and StartDeployTask.html: Deploy.00011303 no such record, Deploy.00011154
// insufficient permissions, Deploy.00011042 a draft cannot be executed).
const (
	// hostileDeployment is the RTS software deployment of the signal cases.
	hostileDeployment = "sd-hostile-1"
	// otherPlan is a release plan that is not the one asked about.
	otherPlan = "0d5c2b7a-9e41-4f3a-8c6d-2b1e0f9a7c35"
	// gateway503 is the gateway's answer for a backend that is down.
	gateway503 = `{"error_code":"APIGW.0203","error_msg":"Backend unavailable.","request_id":"hostile"}`
	// notFound is CodeArts Deploy's "no such record".
	notFound = `{"error_code":"Deploy.00011303","error_msg":"The deployment record does not exist."}`
)

// Scenarios the cases share.
var (
	longTask = "tasks:\n  - {task_id: " + taskOK + ", duration: 5m}\n"
	failTask = "tasks:\n  - {task_id: " + taskOK + ", fail_at_step: 2}\n"
	longPlan = "release_plans:\n  - id: " + planOK + "\n    components: [{name: api, seq: 1, duration: 5m}, {name: web, seq: 2}]\n"
)

// Inputs the cases share.
var (
	planInputs   = map[string]string{"operation": "release-plan", "release_plan_id": planOK, "execute": "true"}
	signalInputs = map[string]string{"operation": "signal", "deployment_id": hostileDeployment, "status": "COMPLETE"}
)

// with returns a copy of a with the inputs kv (name, value, ...) set.
func with(a map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// seedSucceeded seeds a record of taskOK that succeeded an hour ago.
func seedSucceeded(h *hostileRun) { h.seeded = h.srv.SeedRecord(taskOK, "succeeded", time.Hour) }

// recordStarted reports that the simulator created the run's record.
func recordStarted(h *hostileRun) bool { return h.srv.StartCount(taskOK) >= 1 }

// lieAboutRecord answers a state read of one record with the state of
// the seeded one, which succeeded an hour ago.
func lieAboutRecord(x *exchange) {
	x.editResult(func(res map[string]any) { pretendRecord(res, x.h.seeded, "succeeded") })
}

// lagging is a state API that does not show the record a start created
// for 3 s after the start, whose answer is lost: the latest record is the
// seeded one (or, without one, there is none), and the history leaves the
// new record out.
func lagging(x *exchange) {
	if x.op == "start" && x.n == 1 {
		rec := x.process()
		var started struct{ ID string }
		_ = json.Unmarshal(rec.Body.Bytes(), &started)
		x.h.remember("new", started.ID)
		x.h.remember("at", time.Now())
		x.drop()
		return
	}
	at, ok := x.h.recall("at").(time.Time)
	if !ok || time.Since(at) > 3*time.Second {
		return
	}
	newID, _ := x.h.recall("new").(string)
	switch {
	case x.op == "state" && x.query("record_id") == "" && x.h.seeded != "":
		x.editResult(func(res map[string]any) { pretendRecord(res, x.h.seeded, "succeeded") })
	case x.op == "state" && x.query("record_id") == "":
		x.reply(http.StatusNotFound, notFound)
	case x.op == "history":
		x.edit(func(m map[string]any) {
			list, _ := m["result"].([]any)
			kept := []any{}
			for _, e := range list {
				if r, ok := e.(map[string]any); !ok || r["execution_id"] != newID {
					kept = append(kept, e)
				}
			}
			m["result"], m["total_num"] = kept, len(kept)
		})
	}
}

// hugeLogPages is a log API that always says has_more, with pages of
// 1 MiB, for 32 MiB in all (then empty pages, still has_more), so an
// unbounded reader would hold it all.
func hugeLogPages(x *exchange) {
	var off int64
	fmt.Sscan(x.query("offset"), &off)
	if x.h.bump("log pages") > 32 {
		x.reply(http.StatusOK, fmt.Sprintf(`{"status":"success","result":{"has_more":true,"text":"","offset":"%d","end_offset":"%d"}}`, off, off))
		return
	}
	page := logPage()
	x.reply(http.StatusOK, fmt.Sprintf(`{"status":"success","result":{"has_more":true,"text":%s,"offset":"%d","end_offset":"%d"}}`, page, off, off+1<<20))
}

// logPage is 1 MiB of log lines as a JSON string, made once.
var logPage = sync.OnceValue(func() string {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20-100; i++ {
		fmt.Fprintf(&b, "build output line %07d: %s\n", i, strings.Repeat("x", 60))
	}
	q, _ := json.Marshal(b.String())
	return string(q)
})

// markdown is remote text that would be a heading, links, an image and
// HTML if the summary took it as Markdown.
const markdown = "### ✅ Deployment succeeded [click](https://evil.example/x) ![img](https://evil.example/i.png) <img src=x onerror=alert(1)> **bold** | cell"

// checkSummaryEscaped checks the summary shows markdown as text. Code
// spans show their text literally, so they are left out of the check.
func checkSummaryEscaped(h *hostileRun) {
	sum := regexp.MustCompile("`[^`\n]*`").ReplaceAllString(h.main.summary(), "")
	require.NotEmpty(h.t, sum)
	for _, l := range lines(sum) {
		assert.False(h.t, strings.HasPrefix(strings.TrimSpace(l), "### ✅"), "a heading from the server: %q", l)
	}
	for _, bad := range []string{"[click](", "![img](", "](https://", "**bold**"} {
		assert.NotContains(h.t, sum, bad)
	}
	assert.NotRegexp(h.t, `(^|[^\\])<img`, sum, "HTML from the server")
}

// manyComponents adds n made-up components that succeeded, each in a
// batch of its own, to a deploy-info answer: about 6.6 MB for 20,000.
func manyComponents(n int) func(x *exchange) {
	extra := sync.OnceValue(func() []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, `,{"job_id":"job-%06d","status":"SUCCESS","job_status":"SUCCEEDED","name":"extra-%06d",`+
				`"id":"00000000-0000-4000-8000-%012d","seq":%d,"version":"1.0.0","rollback_job_id":null,"start_time":1,"end_time":2,`+
				`"rollback_job_status":null,"rollback_start_time":0,"rollback_end_time":0,"fail_message":null,"rollback_fail_message":null}`,
				i, i, i, i+3)
		}
		return b.Bytes()
	})
	return on("deploy_info", func(x *exchange) {
		rec := x.process()
		body := rec.Body.Bytes()
		end := bytes.LastIndex(body, []byte("]}"))
		if end < 0 || rec.Code != http.StatusOK {
			x.answer(rec, body)
			return
		}
		x.answer(rec, slices.Concat(body[:end], extra(), body[end:]))
	})
}

// answerAbout rewrites an RTS answer to be about another deployment.
func answerAbout(id string) func(x *exchange) {
	return func(x *exchange) {
		if x.op != "signal" && x.op != "deployment" {
			return
		}
		x.edit(func(m map[string]any) {
			if sd, ok := m["software_deployment"].(map[string]any); ok {
				sd["id"], sd["server_id"] = id, "someone-elses-server"
			}
		})
	}
}

// echoEscaped has the simulator answer, adds the fields echo_0, echo_1,
// ... (to the "result" object when inResult) holding values spelled in
// \uXXXX escapes, and sends it.
func echoEscaped(x *exchange, inResult bool, values ...string) {
	rec := x.process()
	b := editJSON(rec.Body.Bytes(), func(m map[string]any) {
		if inResult {
			m, _ = m["result"].(map[string]any)
		}
		if m == nil {
			return
		}
		for i := range values {
			m[fmt.Sprintf("echo_%d", i)] = fmt.Sprintf("@@ECHO%d@@", i)
		}
	})
	for i, v := range values {
		b = bytes.ReplaceAll(b, []byte(fmt.Sprintf("@@ECHO%d@@", i)), []byte(uEscape(v)))
	}
	x.answer(rec, b)
}

// checkRecordInLog checks that the steps' logs name the run's record.
func checkRecordInLog(h *hostileRun) {
	ours := h.ours()
	require.Len(h.t, ours, 1)
	assert.Contains(h.t, h.main.stdout.String()+h.post.stdout.String(), ours[0].ID, "the logs name the record")
}

// echoed is the request's token over and over, for 1,000 characters and
// more: wherever a message is cut, 300 or 500 characters in, the cut
// falls inside one, leaving a piece of it unless the token was masked
// before the cut.
func echoed(x *exchange) string { return strings.Repeat(x.token()+" ", 1000/len(x.token())+1) }

// checkErrorShown checks that the error annotation shows the server's
// message (where the case hid a secret).
func checkErrorShown(text string) func(h *hostileRun) {
	return func(h *hostileRun) {
		errs := annotations(h.main.stdout.String(), "error")
		require.Len(h.t, errs, 1)
		assert.Contains(h.t, errs[0], text)
	}
}

// checkNotDone checks that the main step did not tell the post step that
// nothing is left to do.
func checkNotDone(h *hostileRun) {
	assert.NotEqual(h.t, "true", h.mainState["done"], "the state says done while the deployment runs")
}

func hostileCases() []hostileCase {
	return []hostileCase{
		// ---- 1. A state answer about another record is no verdict. ----
		{
			name:     "1 state answers about another record: no verdict, fails, record stopped",
			scenario: longTask, setup: seedSucceeded,
			hostile: polls(lieAboutRecord),
			want:    hostileWant{code: 1, status: "failed", never: "succeeded", starts: 1, adopt: true, stopped: true},
		},
		{
			name:     "1 state answers about another record with stop_on_timeout false: fails, record left alone",
			scenario: longTask, setup: seedSucceeded, inputs: map[string]string{"stop_on_timeout": "false"},
			hostile: polls(lieAboutRecord),
			want:    hostileWant{code: 1, status: "failed", never: "succeeded", starts: 1, adopt: true, running: true},
			check: func(h *hostileRun) {
				ours := h.ours()
				require.Len(h.t, ours, 1)
				assert.False(h.t, ours[0].Stopped, "stop_on_timeout is false")
			},
		},
		{
			name:     "1 state answers about another record twice, then about ours: the true verdict",
			scenario: failTask, setup: seedSucceeded,
			hostile: firstPolls(2, lieAboutRecord),
			want:    hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
		},

		// ---- 2. A start answer without a record id: unknown outcome. ----
		{
			name:    "2 start answered 200 {}: the record is found and adopted",
			hostile: on("start", processThenAnswer(200, `{}`)),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:    "2 start answered 204 without a body: the record is found and adopted",
			hostile: on("start", processThenAnswer(204, ``)),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:    "2 start answered with an empty id: the record is found and adopted",
			hostile: on("start", processThenAnswer(200, `{"id":"","task_id":"`+taskOK+`","job_name":""}`)),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:    "2 start answered with a null id: the record is found and adopted",
			hostile: on("start", processThenAnswer(200, `{"id":null,"task_id":"`+taskOK+`"}`)),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},

		// ---- 3. A 2xx start answer that cannot be read: unknown outcome. ----
		{
			name:    "3 start answered 200 with broken JSON: the record is found and adopted",
			hostile: on("start", processThenAnswer(200, `{"id":"`)),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:    "3 start answered 200 with an HTML page: the record is found and adopted",
			hostile: on("start", processThenAnswer(200, `<html><body><h1>OK</h1></body></html>`, "Content-Type", "text/html")),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:   "3 start answered 200 with 9 MiB, past the body limit: the record is found and adopted",
			inputs: map[string]string{"request_timeout": "10s"},
			hostile: on("start", func(x *exchange) {
				rec := x.process()
				x.answer(rec, editJSON(rec.Body.Bytes(), func(m map[string]any) { m["padding"] = strings.Repeat("a", 9<<20) }))
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},

		// ---- 4. A lagging state API after a lost start answer. ----
		{
			name:     "4 lost start answer, the latest record lags behind: no second start, adopted",
			scenario: "tasks:\n  - {task_id: " + taskOK + ", duration: 6s}\n", setup: seedSucceeded,
			inputs:  map[string]string{"timeout": "20s"},
			hostile: lagging,
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:     "4 lost start answer on a task without records, the state API lags: no second start, adopted",
			scenario: "tasks:\n  - {task_id: " + taskOK + ", duration: 6s}\n",
			inputs:   map[string]string{"timeout": "20s"},
			hostile:  lagging,
			want:     hostileWant{status: "succeeded", starts: 1, adopt: true},
		},

		// ---- 5. Only the gateway's 429 proves a start was not processed. ----
		{
			name:    "5 start processed, answered 429 with a service code: unknown outcome, adopted",
			hostile: firstOf(1, "start", processThenAnswer(429, `{"error_code":"Deploy.00011999","error_msg":"Too many requests, try again later."}`)),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:    "5 start processed, answered 429 without a body: unknown outcome, adopted",
			hostile: firstOf(1, "start", processThenAnswer(429, ``, "Content-Type", "text/plain")),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name: "5 start throttled by the gateway (APIGW.0308): not processed, started once",
			hostile: firstOf(1, "start", func(x *exchange) {
				x.reply(429, `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached","request_id":"hostile"}`, "Retry-After", "1")
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},

		// ---- 6. Cancelled or killed while the start's outcome is unknown. ----
		{
			name:     "6 SIGINT while the processed start hangs: the record is stopped",
			scenario: longTask, inputs: map[string]string{"timeout": "30s", "request_timeout": "20s"},
			hostile: on("start", func(x *exchange) { x.process(); x.hang() }),
			drive:   signalWhen(syscall.SIGINT, "the start", recordStarted),
			want:    hostileWant{code: 1, never: "succeeded", starts: 1, stopped: true},
			check:   checkRecordInLog,
		},
		{
			name:     "6 SIGKILL while the processed start hangs: the post step finds the record and stops it",
			scenario: longTask, inputs: map[string]string{"timeout": "30s", "request_timeout": "20s"},
			hostile: on("start", func(x *exchange) { x.process(); x.hang() }),
			drive:   signalWhen(syscall.SIGKILL, "the start", recordStarted),
			want:    hostileWant{code: killed, starts: 1, stopped: true},
			check: func(h *hostileRun) {
				assert.NotEmpty(h.t, h.mainState, "the state holds what the post step needs before the start is sent")
				ours := h.ours()
				require.Len(h.t, ours, 1)
				assert.Contains(h.t, h.post.stdout.String(), ours[0].ID, "the post step's log names the record it stopped")
			},
		},
		{
			name:     "6 SIGKILL while an unprocessed start hangs: the post step finds nothing and starts nothing",
			scenario: longTask, setup: seedSucceeded, inputs: map[string]string{"timeout": "30s", "request_timeout": "20s"},
			hostile: on("start", func(x *exchange) { x.hang() }),
			drive:   signalWhen(syscall.SIGKILL, "the start", func(h *hostileRun) bool { return h.count("start") >= 1 }),
			want:    hostileWant{code: killed, starts: none},
			check: func(h *hostileRun) {
				assert.Empty(h.t, pathCalls(h.srv, "PUT", "/stop"), "the seeded record is not the run's to stop")
			},
		},

		// ---- 7. The stop fails: the post step tries again. ----
		{
			name:     "7 timeout, and the stop request fails: not done, the post step stops the record",
			scenario: longTask, inputs: map[string]string{"timeout": "3s"},
			hostile: mainOnly(on("stop", func(x *exchange) { x.reply(503, gateway503) })),
			want:    hostileWant{code: 1, status: "timed_out", starts: 1, adopt: true, stopped: true},
			check:   checkNotDone,
		},
		{
			name:     "7 SIGINT, and the stop request is refused: not done, the post step stops the record",
			scenario: longTask,
			hostile: mainOnly(on("stop", func(x *exchange) {
				x.reply(403, `{"error_code":"Deploy.00011154","error_msg":"Insufficient permissions."}`)
			})),
			drive: signalWhen(syscall.SIGINT, "the record_id output", func(h *hostileRun) bool { return h.out()["record_id"] != "" }),
			want:  hostileWant{code: 1, never: "succeeded", starts: 1, adopt: true, stopped: true},
			check: checkNotDone,
		},

		// ---- 8. A release plan left executing. ----
		{
			name:     "8 release plan executing when the step is killed: the post step aborts it",
			scenario: longPlan, inputs: planInputs,
			drive: signalWhen(syscall.SIGKILL, "the execution", func(h *hostileRun) bool { return h.srv.PlanStatus(planOK) == "RUNNING" }),
			want:  hostileWant{code: killed},
			check: func(h *hostileRun) {
				assert.Equal(h.t, 1, h.srv.PlanExecutions(planOK))
				assert.Equal(h.t, 1, h.srv.PlanAborts(planOK), "the post step aborts the plan")
				assert.Equal(h.t, "ABORTED", h.srv.PlanStatus(planOK))
			},
		},
		{
			name:     "8 release plan executing when the step is killed, stop_on_cancel false: left alone",
			scenario: longPlan, inputs: with(planInputs, "stop_on_cancel", "false"),
			drive: signalWhen(syscall.SIGKILL, "the execution", func(h *hostileRun) bool { return h.srv.PlanStatus(planOK) == "RUNNING" }),
			want:  hostileWant{code: killed, running: true},
			check: func(h *hostileRun) { assert.Zero(h.t, h.srv.PlanAborts(planOK)) },
		},
		{
			name:     "8 release plan timeout, and the abort fails: not done, the post step aborts it",
			scenario: longPlan, inputs: with(planInputs, "timeout", "3s"),
			hostile: mainOnly(on("abort", func(x *exchange) { x.reply(503, gateway503) })),
			want:    hostileWant{code: 1, status: "timed_out"},
			check: func(h *hostileRun) {
				checkNotDone(h)
				assert.Equal(h.t, 1, h.srv.PlanAborts(planOK), "the post step aborts the plan")
			},
		},

		// ---- 9. A log that never ends. ----
		{
			name:    "9 log pages of 1 MiB that always have more: bounded memory and log, a cut line",
			inputs:  map[string]string{"request_timeout": "10s"},
			hostile: on("logs", hugeLogPages),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
			check: func(h *hostileRun) {
				assert.Contains(h.t, strings.ToLower(h.main.stdout.String()), "cut", "the log says it was cut")
			},
		},

		// ---- 10. Retry-After far in the future. ----
		{
			name: "10 Retry-After in the year 9999: no wait past the timeout, said in the log",
			hostile: firstPolls(1, func(x *exchange) {
				x.reply(429, `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}`, "Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")
			}),
			want:  hostileWant{status: "succeeded", starts: 1, adopt: true},
			check: func(h *hostileRun) { assert.Contains(h.t, h.main.stdout.String(), "the server asked for") },
		},
		{
			name: "10 Retry-After of 10^20 seconds: no wait past the timeout, said in the log",
			hostile: firstPolls(1, func(x *exchange) {
				x.reply(429, `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}`, "Retry-After", "99999999999999999999")
			}),
			want:  hostileWant{status: "succeeded", starts: 1, adopt: true},
			check: func(h *hostileRun) { assert.Contains(h.t, h.main.stdout.String(), "the server asked for") },
		},

		// ---- 11. One odd optional field does not hide the verdict. ----
		{
			name:     `11 step id "1e400": a failed record fails, not timed_out`,
			scenario: failTask, inputs: map[string]string{"timeout": "5s"},
			hostile: polls(func(x *exchange) { x.editResult(func(r map[string]any) { steps(r)[0]["id"] = "1e400" }) }),
			want:    hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
		},
		{
			name:     `11 step enable "yes": a failed record fails, not timed_out`,
			scenario: failTask, inputs: map[string]string{"timeout": "5s"},
			hostile: polls(func(x *exchange) { x.editResult(func(r map[string]any) { steps(r)[1]["enable"] = "yes" }) }),
			want:    hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
		},
		{
			name:     "11 numeric step name: a failed record fails, not timed_out",
			scenario: failTask, inputs: map[string]string{"timeout": "5s"},
			hostile: polls(func(x *exchange) { x.editResult(func(r map[string]any) { steps(r)[2]["name"] = json.Number("12345") }) }),
			want:    hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
		},

		// ---- 12. A record id that is no record id. ----
		{
			// The answer is a protocol error: the start's outcome is
			// unknown, so the record is looked up and adopted.
			name: "12 start answer's id echoes the security token: never an output, the record is adopted",
			hostile: on("start", func(x *exchange) {
				rec := x.process()
				x.answer(rec, editJSON(rec.Body.Bytes(), func(m map[string]any) { m["id"] = x.token() }))
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name: "12 start answer's id is a path: never an output, the record is adopted",
			hostile: on("start", func(x *exchange) {
				rec := x.process()
				x.answer(rec, editJSON(rec.Body.Bytes(), func(m map[string]any) { m["id"] = "../../../v2/tasks/" + taskOK + "/start" }))
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},

		// ---- 13. A token where the 500-character cut falls. ----
		{
			name: "13 error body echoes the security token across the 500-character cut: no part of it in the log",
			hostile: on("start", func(x *exchange) {
				x.reply(400, `{"error_code":"Deploy.00011042","error_msg":"`+echoed(x)+`"}`)
			}),
			want:  hostileWant{code: 1, status: "failed", starts: none},
			check: checkErrorShown("Deploy.00011042: ***"),
		},
		{
			name: "13 plain-text error body echoes the security token across the cut: no part of it in the log",
			hostile: on("start", func(x *exchange) {
				x.reply(400, echoed(x), "Content-Type", "text/plain")
			}),
			want:  hostileWant{code: 1, status: "failed", starts: none},
			check: checkErrorShown("answered HTTP 400: ***"),
		},
		{
			name:   "13 error body echoes the auth token across the cut: no part of it in the log",
			inputs: map[string]string{"access_key_id": "", "secret_access_key": "", "security_token": "", "auth_token": testAuthToken},
			hostile: on("start", func(x *exchange) {
				x.reply(400, `{"error_code":"Deploy.00011042","error_msg":"`+echoed(x)+`"}`)
			}),
			want:  hostileWant{code: 1, status: "failed", starts: none},
			check: checkErrorShown("Deploy.00011042: ***"),
		},

		// ---- 14. A secret spelled in \u escapes. ----
		{
			name: `14 state answer spells the token and an encrypt value in \u escapes: masked in the result output`,
			hostile: polls(func(x *exchange) {
				echoEscaped(x, true, x.token(), encryptValue)
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
			check: func(h *hostileRun) {
				result := h.out()["result"]
				assert.True(h.t, json.Valid([]byte(result)), "result is JSON: %.200s", result)
				assert.Contains(h.t, result, `"echo_0":"***"`)
				assert.Contains(h.t, result, `"echo_1":"***"`)
			},
		},

		// ---- 15. Markdown from the server. ----
		{
			name:     "15 Markdown in the task and step names: escaped in the summary",
			scenario: failTask,
			hostile: on("state", func(x *exchange) {
				x.editResult(func(r map[string]any) {
					r["task_name"] = markdown
					for _, s := range steps(r) {
						s["name"] = markdown
					}
				})
			}),
			want:  hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
			check: checkSummaryEscaped,
		},
		{
			name: "15 Markdown as the final status: a failure, escaped in the summary",
			hostile: polls(func(x *exchange) {
				x.editResult(func(r map[string]any) {
					if stateFinal(r) {
						r["status"] = markdown
					}
				})
			}),
			want:  hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
			check: checkSummaryEscaped,
		},

		// ---- 16. Terminal control in the deployment's log. ----
		{
			name: "16 terminal escapes in the log: dropped, colour kept",
			hostile: on("logs", func(x *exchange) {
				x.editResult(func(r map[string]any) {
					if text, _ := r["text"].(string); text != "" {
						r["text"] = "\x1b[2J\x1b[1;1Hwiped \x1b]0;pwned title\x07 \x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ \x1b[31mred\x1b[0m\n" + text
					}
				})
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
			check: func(h *hostileRun) {
				out := h.main.stdout.String()
				require.Contains(h.t, out, "wiped", "the injected line is shown")
				for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[1;1H", "\x07"} {
					assert.NotContains(h.t, out, bad)
				}
				assert.Contains(h.t, out, "\x1b[31mred\x1b[0m", "colour is kept")
			},
		},

		// ---- 17. Credentials with line breaks. ----
		{
			name:   "17 access_key_id with a line break: refused before anything is sent",
			inputs: map[string]string{"access_key_id": testAK + "\nX-Injected: yes"},
			want:   hostileWant{code: 1, noRequest: true},
			check: func(h *hostileRun) {
				errs := annotations(h.main.stdout.String(), "error")
				require.Len(h.t, errs, 1)
				assert.Contains(h.t, errs[0], "access_key_id")
			},
		},
		{
			name:   "17 security_token with CR LF: refused before anything is sent",
			inputs: map[string]string{"security_token": testSecurityToken + "\r\nX-Injected: yes"},
			want:   hostileWant{code: 1, noRequest: true},
			check: func(h *hostileRun) {
				errs := annotations(h.main.stdout.String(), "error")
				require.Len(h.t, errs, 1)
				assert.Contains(h.t, errs[0], "security_token")
			},
		},

		// ---- Release plans. ----
		{
			// Once the plan is executed, deploy-info answers about
			// another plan whose components all succeeded just now.
			name:     "release plan deploy-info about another plan: no verdict, nothing left executing",
			scenario: longPlan, inputs: planInputs,
			hostile: func(x *exchange) {
				switch {
				case x.op == "execute":
					x.pass()
					x.h.remember("executed", true)
				case x.op == "deploy_info" && x.h.recall("executed") != nil:
					x.edit(func(m map[string]any) {
						now := time.Now().UnixMilli()
						m["id"] = otherPlan
						comps, _ := m["components"].([]any)
						for _, c := range comps {
							if c, ok := c.(map[string]any); ok {
								c["status"], c["job_status"], c["start_time"], c["end_time"] = "SUCCESS", "SUCCEEDED", now-1000, now
							}
						}
					})
				}
			},
			want: hostileWant{code: 1, never: "succeeded"},
		},
		{
			name:    "release plan execute answered 200 without executing: never succeeded",
			inputs:  with(planInputs, "timeout", "4s"),
			hostile: on("execute", func(x *exchange) { x.reply(200, `{}`) }),
			want:    hostileWant{code: 1, never: "succeeded"},
			check:   func(h *hostileRun) { assert.Zero(h.t, h.srv.PlanExecutions(planOK)) },
		},
		{
			name:    "release plan execute processed, answered 502 with an HTML page: adopted, executed once",
			inputs:  planInputs,
			hostile: firstOf(1, "execute", processThenAnswer(502, `<html><body><h1>502 Bad Gateway</h1></body></html>`, "Content-Type", "text/html")),
			want:    hostileWant{status: "succeeded"},
			check:   func(h *hostileRun) { assert.Equal(h.t, 1, h.srv.PlanExecutions(planOK)) },
		},
		{
			// More components than any plan has (1000) is refused rather
			// than cut: a component left out could be the one that failed.
			// The plan is then never executed.
			name:    "release plan deploy-info with 20,000 components: refused, nothing executed, bounded memory",
			inputs:  with(planInputs, "request_timeout", "10s"),
			hostile: manyComponents(20000),
			want:    hostileWant{code: 1, status: "failed"},
			check: func(h *hostileRun) {
				assert.Zero(h.t, h.srv.PlanExecutions(planOK))
				assert.Contains(h.t, h.main.stdout.String(), "components")
			},
		},

		// ---- RTS signals. ----
		{
			name:    "signal answered about another software deployment: not a success",
			inputs:  signalInputs,
			hostile: answerAbout("sd-someone-else"),
			want:    hostileWant{code: 1, never: "COMPLETE"},
			check: func(h *hostileRun) {
				assert.NotContains(h.t, h.out()["software_deployment"], "sd-someone-else")
			},
		},
		{
			name:   `signal answer spells the token in \u escapes: masked in the outputs`,
			inputs: signalInputs,
			hostile: on("signal", func(x *exchange) {
				echoEscaped(x, false, x.token(), encryptValue)
			}),
			want: hostileWant{status: "COMPLETE"},
			check: func(h *hostileRun) {
				assert.Contains(h.t, h.out()["result"], `"echo_0":"***"`)
			},
		},

		// ---- The stop operation. ----
		{
			name:     "stop: state answers about another record: never its verdict",
			scenario: "tasks:\n  - {task_id: " + taskOK + ", already_running: 5m}\n",
			setup: func(h *hostileRun) {
				running := h.srv.Running()
				require.Len(h.t, running, 1)
				h.in["operation"], h.in["record_id"] = "stop", running[0].ID
				seedSucceeded(h)
			},
			hostile: polls(lieAboutRecord),
			want:    hostileWant{anyCode: true, never: "succeeded", starts: none, running: true},
			check: func(h *hostileRun) {
				if h.out()["status"] == "stopped" {
					for _, rec := range h.srv.Records(taskOK) {
						if rec.ID == h.in["record_id"] {
							assert.True(h.t, rec.Stopped, "reported stopped, but it runs")
						}
					}
				}
			},
		},

		// ---- Redirects. ----
		{
			name: "start redirected to another host: not followed, not started",
			hostile: on("start", func(x *exchange) {
				x.reply(307, ``, "Location", x.h.evilURL()+x.r.URL.RequestURI())
			}),
			want: hostileWant{code: 1, never: "succeeded", starts: none},
		},
		{
			name:     "state reads redirected to another host: not followed, no verdict, record stopped",
			scenario: longTask,
			hostile: polls(func(x *exchange) {
				x.reply(302, ``, "Location", x.h.evilURL()+x.r.URL.RequestURI())
			}),
			want: hostileWant{code: 1, never: "succeeded", starts: 1, adopt: true, stopped: true},
		},

		// ---- Broken answers on the wire. ----
		{
			name: "start processed, connection closed mid-body: adopted",
			hostile: firstOf(1, "start", func(x *exchange) {
				rec := x.process()
				x.cutShort(200, rec.Body.Bytes(), 10)
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name: "start processed, answered a byte every 500ms (slowloris): adopted",
			hostile: firstOf(1, "start", func(x *exchange) {
				rec := x.process()
				x.trickle(200, rec.Body.Bytes(), 500*time.Millisecond)
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:   "state read answered a byte every 500ms (slowloris): abandoned, read again",
			inputs: map[string]string{"timeout": "15s"},
			hostile: firstPolls(1, func(x *exchange) {
				rec := x.process()
				x.trickle(200, rec.Body.Bytes(), 500*time.Millisecond)
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:    "start processed, answered 502 with an HTML page: adopted",
			hostile: firstOf(1, "start", processThenAnswer(502, `<html><body><h1>502 Bad Gateway</h1></body></html>`, "Content-Type", "text/html")),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name: "start refused with an HTML 403 page: fails, nothing started",
			hostile: on("start", func(x *exchange) {
				x.reply(403, `<html><head><title>403 Forbidden</title></head><body><h1>Request blocked</h1></body></html>`, "Content-Type", "text/html")
			}),
			want: hostileWant{code: 1, status: "failed", starts: none},
		},
		{
			name:    "start processed, answered 200 with an error body: adopted",
			hostile: firstOf(1, "start", processThenAnswer(200, `{"error_code":"Deploy.00011027","error_msg":"The application is being deployed. Try again later."}`)),
			want:    hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name: "state read answered 200 with an error body saying failed: no verdict, read again",
			hostile: firstPolls(2, func(x *exchange) {
				x.reply(200, `{"status":"error","error_code":"Deploy.00011500","error_msg":"Internal error","result":{"status":"failed","step":"finish"}}`)
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},
		{
			name:     "start answer names an old record: the new one is found and adopted",
			scenario: "tasks:\n  - {task_id: " + taskOK + ", duration: 2s}\n", setup: seedSucceeded,
			hostile: on("start", func(x *exchange) {
				rec := x.process()
				x.answer(rec, editJSON(rec.Body.Bytes(), func(m map[string]any) { m["id"] = x.h.seeded }))
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
		},

		// ---- Odd values. ----
		{
			name: "absurd times (1970, 9999, negative step time): sane outputs",
			hostile: polls(func(x *exchange) {
				x.editResult(func(r map[string]any) {
					r["start_time"] = "1970-01-01 08:00:00"
					if stateFinal(r) {
						r["end_time"] = "9999-12-31 23:59:59"
					}
					for _, s := range steps(r) {
						s["elapsed_time"] = json.Number("-5000")
					}
				})
			}),
			want: hostileWant{status: "succeeded", starts: 1, adopt: true},
			check: func(h *hostileRun) {
				out := h.out()
				for _, name := range []string{"started_at", "finished_at"} {
					at, err := time.Parse(time.RFC3339, out[name])
					if assert.NoError(h.t, err, name) {
						assert.WithinDuration(h.t, time.Now(), at, time.Hour, name)
					}
				}
				var secs int
				_, err := fmt.Sscan(out["duration_seconds"], &secs)
				assert.NoError(h.t, err)
				assert.True(h.t, secs >= 0 && secs < 3600, "duration_seconds %q", out["duration_seconds"])
				assert.NotContains(h.t, h.main.summary(), "-5", "a negative time in the summary")
			},
		},
		{
			name:     "duplicate JSON keys (failed, then succeeded): never succeeded",
			scenario: failTask,
			hostile: polls(func(x *exchange) {
				rec := x.process()
				x.answer(rec, bytes.Replace(rec.Body.Bytes(), []byte(`"status":"failed"`), []byte(`"status":"failed","status":"succeeded"`), 1))
			}),
			want: hostileWant{code: 1, never: "succeeded", starts: 1, adopt: true},
		},
		{
			name:     "workflow commands in the deployment's log: shown, never run",
			scenario: failTask,
			hostile: on("logs", func(x *exchange) {
				x.editResult(func(r map[string]any) {
					if text, _ := r["text"].(string); text != "" {
						r["text"] = "::set-output name=status::succeeded\n::stop-commands::pwned\n  ::error::indented fake\n##[error]old-style fake\n::add-mask::\n" + text
					}
				})
			}),
			want: hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
			check: func(h *hostileRun) {
				out := h.main.stdout.String()
				require.Contains(h.t, out, "set-output name=status", "the injected lines are shown")
				for _, l := range lines(out) {
					l = strings.TrimSpace(l)
					for _, bad := range []string{"::set-output", "::stop-commands", "::error::indented", "::add-mask::\n"} {
						assert.False(h.t, strings.HasPrefix(l, bad), "a command from the server: %q", l)
					}
					assert.NotContains(h.t, l, "##[error]")
				}
				assert.Len(h.t, annotations(out, "error"), 1, "only the action's own error")
			},
		},
		{
			name:     "history without end (total_num 10^9, the same page again): the rollback search is bounded",
			scenario: failTask, inputs: map[string]string{"rollback_on_failure": "true"},
			hostile: on("history", func(x *exchange) {
				var entries []string
				for i := range 100 {
					entries = append(entries, fmt.Sprintf(`{"execution_id":"%032x","state":"failed","start_time":"2024-01-01 00:00:00","end_time":"2024-01-01 00:01:00","duration":"00:01:00","release_id":%d}`, i+1, i+1))
				}
				x.reply(200, `{"total_num":999999999,"result":[`+strings.Join(entries, ",")+`]}`)
			}),
			want: hostileWant{code: 1, status: "failed", starts: 1, adopt: true},
			check: func(h *hostileRun) {
				assert.Positive(h.t, h.count("history"), "the rollback looked for an earlier success")
				assert.LessOrEqual(h.t, h.count("history"), 20, "history pages read")
			},
		},
	}
}
