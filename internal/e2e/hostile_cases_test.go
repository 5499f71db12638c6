package e2e

import (
	"encoding/json"
	"strings"
	"syscall"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numberedHostileCases are the cases of issue 10's list, by its numbers.
func numberedHostileCases() []hostileCase {
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
			check:  checkErrorShown("access_key_id"),
		},
		{
			name:   "17 security_token with CR LF: refused before anything is sent",
			inputs: map[string]string{"security_token": testSecurityToken + "\r\nX-Injected: yes"},
			want:   hostileWant{code: 1, noRequest: true},
			check:  checkErrorShown("security_token"),
		},
	}
}
