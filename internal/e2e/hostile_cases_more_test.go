package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// moreHostileCases are the cases beyond issue 10's numbered list: release
// plans, RTS signals, the stop operation, redirects, broken answers on the
// wire and odd values.
func moreHostileCases() []hostileCase {
	return []hostileCase{
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
			scenario: runningTask,
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
