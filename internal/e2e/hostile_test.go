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
// with the main step's state, and checks (hostile_run_test.go): the
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

// signalInputs are the inputs of the signal cases.
var signalInputs = map[string]string{"operation": "signal", "deployment_id": hostileDeployment, "status": "COMPLETE"}

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

// checkErrorShown checks that the one error annotation shows text: the
// server's message (where the case hid a secret), or the input refused.
func checkErrorShown(text string) func(h *hostileRun) {
	return func(h *hostileRun) {
		assert.Contains(h.t, oneError(h.t, h.main), text)
	}
}

// checkNotDone checks that the main step did not tell the post step that
// nothing is left to do.
func checkNotDone(h *hostileRun) {
	assert.NotEqual(h.t, "true", h.mainState["done"], "the state says done while the deployment runs")
}

// hostileCases are the cases of the suite: issue 10's numbered ones
// (hostile_cases_test.go), then those of the other operations and of the
// wire (hostile_cases_more_test.go).
func hostileCases() []hostileCase {
	return append(numberedHostileCases(), moreHostileCases()...)
}
