package e2e

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// These tests prove which host the binary builds for a region without
// sending anything beyond loopback: the binary runs with HTTPS_PROXY set to
// a loopback proxy that records each CONNECT target and refuses it, so no
// name is ever resolved and no packet leaves the machine. Loopback URLs
// (the simulator, its OIDC token endpoint) are never proxied.

// recordingProxy is a loopback HTTP proxy that refuses every request,
// recording "METHOD host" for each.
type recordingProxy struct {
	URL string
	mu  sync.Mutex
	got []string
}

func newRecordingProxy(t *testing.T) *recordingProxy {
	t.Helper()
	p := &recordingProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.got = append(p.got, r.Method+" "+r.Host)
		p.mu.Unlock()
		http.Error(w, "refused by the test proxy", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *recordingProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.got...)
}

// offline makes a step send nothing beyond loopback: every https request to
// a remote host goes to the refusing proxy, and the Go resolver (which
// never queries DNS for .onion names) is used instead of the C library's.
func offline(s *step, p *recordingProxy) {
	if p != nil {
		s.env["HTTPS_PROXY"] = p.URL
	}
	s.env["GODEBUG"] = "netdns=go"
	// Bound the step, so that a build that retries what cannot succeed
	// ends as "Timed out" (what these tests rule out) instead of hanging.
	s.env["INPUT_TIMEOUT"] = "10s"
}

// assertFailedAtOnce checks that the step failed with one error annotation
// holding each of want, without retrying and without a timeout.
func assertFailedAtOnce(t *testing.T, s *step, code int, want ...string) {
	t.Helper()
	out := s.stdout.String()
	require.Equal(t, 1, code, out)
	err := oneError(t, s)
	for _, w := range want {
		assert.Contains(t, err, w)
	}
	assert.NotContains(t, out, "Timed out")
	assert.NotContains(t, out, "retrying", "what cannot succeed is not retried")
}

func TestRegionHosts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		inputs      map[string]string
		keyless     bool
		wantConnect string
		wantNotice  string // "" when the region is known
	}{
		{
			name:        "Huawei Cloud Europe is under myhuaweicloud.eu",
			inputs:      map[string]string{"region": "eu-west-101", "task_id": taskOK},
			wantConnect: "codearts-deploy.eu-west-101.myhuaweicloud.eu:443",
		},
		{
			name:        "a region no table knows gets the usual host and a notice",
			inputs:      map[string]string{"region": "xx-north-9", "task_id": taskOK},
			wantConnect: "codearts-deploy.xx-north-9.myhuaweicloud.com:443",
			wantNotice:  "Region xx-north-9 is not in the action's list of Huawei Cloud regions; using the usual host https://codearts-deploy.xx-north-9.myhuaweicloud.com",
		},
		{
			name:        "RTS, which has no table, gets the usual host",
			inputs:      map[string]string{"region": "cn-north-4", "operation": "signal", "deployment_id": "sd-e2e-1"},
			wantConnect: "rts.cn-north-4.myhuaweicloud.com:443",
		},
		{
			name:        "keyless in Europe exchanges the token at Europe's IAM",
			inputs:      map[string]string{"region": "eu-west-101"},
			keyless:     true,
			wantConnect: "iam.eu-west-101.myhuaweicloud.eu:443",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			proxy := newRecordingProxy(t)
			var s *step
			var srv *sim.Server
			if tt.keyless {
				var url string
				srv, url = simulator(t, "")
				// The simulator serves the job's ID token and the
				// deployment (endpoint); IAM is left to the region.
				in := map[string]string{"iam_endpoint": ""}
				for k, v := range tt.inputs {
					in[k] = v
				}
				s = keylessStep(t, url, in, true)
			} else {
				s = newStep(t, "", tt.inputs)
			}
			offline(s, proxy)
			code := s.run()

			assert.Equal(t, []string{"CONNECT " + tt.wantConnect}, proxy.requests(), "one attempt, at the host of the region")
			host := strings.TrimSuffix(tt.wantConnect, ":443")
			assertFailedAtOnce(t, s, code, "cannot reach "+host, "refused to connect to "+tt.wantConnect+": 403 Forbidden")
			notices := annotations(s.stdout.String(), "notice")
			if tt.wantNotice == "" {
				assert.Empty(t, notices)
			} else if assert.Len(t, notices, 1, "said once") {
				assert.Contains(t, notices[0], tt.wantNotice)
			}
			if srv != nil {
				assert.Equal(t, 1, srv.OIDCTokensIssued(), "the job's ID token came from loopback, unproxied")
				assert.Zero(t, srv.TokenExchanges(), "the simulator's IAM was not used")
			}
		})
	}
}

func TestServiceNotInRegionFailsBeforeSending(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		inputs  map[string]string
		keyless bool
		want    []string
	}{
		{
			name:   "CodeArts Deploy in Hong Kong",
			inputs: map[string]string{"region": "ap-southeast-1", "task_id": taskOK},
			want: []string{"region: CodeArts Deploy is not offered in region ap-southeast-1",
				"it is offered in ap-southeast-3, cn-east-2,", "eu-west-101", "set the input endpoint to its URL"},
		},
		{
			name:   "ServiceStage in Europe",
			inputs: map[string]string{"region": "eu-west-101", "operation": "release-plan", "release_plan_id": planOK},
			want:   []string{"region: ServiceStage is not offered in region eu-west-101", "af-south-1", "set the input endpoint"},
		},
		{
			name:    "keyless: not even the ID token is requested",
			inputs:  map[string]string{"region": "ap-southeast-1", "endpoint": ""},
			keyless: true,
			want:    []string{"region: CodeArts Deploy is not offered in region ap-southeast-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			proxy := newRecordingProxy(t)
			srv, url := simulator(t, "")
			var s *step
			if tt.keyless {
				s = keylessStep(t, url, tt.inputs, true)
			} else {
				s = newStep(t, "", tt.inputs)
			}
			offline(s, proxy)
			code := s.run()
			assertFailedAtOnce(t, s, code, append([]string{"Invalid input"}, tt.want...)...)
			assert.Empty(t, proxy.requests(), "nothing sent to any host")
			assert.Empty(t, srv.Calls())
			assert.Zero(t, srv.OIDCTokensIssued())
		})
	}
}

func TestUnreachableEndpointFailsAtOnce(t *testing.T) {
	t.Parallel()
	// An HTTPS server on loopback whose certificate the binary does not
	// trust.
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0)
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)
	certHost := strings.TrimPrefix(untrusted.URL, "https://")

	tests := []struct {
		name     string
		endpoint string
		want     []string
	}{
		{
			// Go's resolver answers .onion names itself, without a DNS
			// query (RFC 7686): a name with no address, at no cost.
			name:     "a host name with no address",
			endpoint: "https://deploy-action-e2e.onion",
			want:     []string{"cannot reach deploy-action-e2e.onion", "no suitable address found", "check region and endpoint"},
		},
		{
			name:     "an invalid certificate",
			endpoint: untrusted.URL,
			want:     []string{"cannot reach " + certHost, "invalid certificate: certificate signed by unknown authority"},
		},
		{
			name:     "a port out of range",
			endpoint: "https://127.0.0.1:70000",
			want:     []string{"Invalid input", `endpoint: port "70000" is not a port number between 1 and 65535`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStep(t, tt.endpoint, map[string]string{"task_id": taskOK})
			offline(s, nil)
			assertFailedAtOnce(t, s, s.run(), tt.want...)
		})
	}
}
