package action

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// Seeds live in testdata/fuzz/<FuzzName>/; the f.Add calls keep a minimal
// corpus in the code so the targets stay meaningful if testdata moves.

// FuzzParseParams feeds arbitrary documents, plus a list entry built from a
// fuzzed key and an encrypt value next to a broken entry (so an error is
// certain), and checks that a parse either fails or yields only entries the
// service accepts, and that no error shows the encrypt value.
func FuzzParseParams(f *testing.F) {
	f.Add("version: 1.10\nreplicas: 3\n", "db_password", "s3cret-Value")
	f.Fuzz(func(t *testing.T, doc, key, value string) {
		checkParams(t, doc)

		entries := []map[string]string{
			{"key": key, "value": value, "type": "encrypt"},
			{"key": key, "value": "{{ broken }}"},
		}
		b, err := json.Marshal(entries)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseParams(string(b))
		if err == nil {
			t.Fatalf("ParseParams(%s): want an error for the second entry", b)
		}
		// Values shorter than minScrubLen are too short to be secrets and
		// would match message words; "*" is what masking writes.
		if len(value) >= minScrubLen && !strings.Contains(value, "*") && strings.Contains(err.Error(), value) {
			t.Fatalf("error shows the encrypt value %q:\n%v", value, err)
		}
	})
}

func checkParams(t *testing.T, doc string) {
	t.Helper()
	params, err := ParseParams(doc)
	if err != nil {
		if params != nil {
			t.Fatalf("params with an error: %v", params)
		}
		if !strings.HasPrefix(err.Error(), "params") {
			t.Fatalf("error does not name the input: %v", err)
		}
		return
	}
	seen := map[string]bool{}
	for i, p := range params {
		if !paramKeyRE.MatchString(p.Key) {
			t.Fatalf("params[%d]: invalid key %q accepted", i, p.Key)
		}
		if seen[p.Key] {
			t.Fatalf("params[%d]: duplicate key %q accepted", i, p.Key)
		}
		seen[p.Key] = true
		if utf8.RuneCountInString(p.Value) > MaxParamValueLen {
			t.Fatalf("params[%d]: value of %d characters accepted", i, utf8.RuneCountInString(p.Value))
		}
		for _, mark := range templateMarks {
			if strings.Contains(p.Value, mark) {
				t.Fatalf("params[%d]: value with %q accepted", i, mark)
			}
		}
		switch p.Type {
		case ParamText, ParamEnum, ParamEncrypt, ParamHostGroup:
		default:
			t.Fatalf("params[%d]: type %q accepted", i, p.Type)
		}
	}
}

// FuzzParseValues checks that any document either fails with an error that
// names the input or gives a mapping encoding/json can write.
func FuzzParseValues(f *testing.F) {
	f.Add("deploy_stdout: |\n  done\ndeploy_status_code: 0\n")
	f.Fuzz(func(t *testing.T, doc string) {
		values, err := ParseValues("output_values", doc)
		if err != nil {
			if values != nil {
				t.Fatalf("values with an error: %v", values)
			}
			if !strings.HasPrefix(err.Error(), "output_values") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		if _, err := json.Marshal(values); err != nil {
			t.Fatalf("values not JSON-encodable: %v (%#v)", err, values)
		}
		checkJSONTypes(t, values)
	})
}

func checkJSONTypes(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case nil, bool, int64, float64, string:
	case []any:
		for _, e := range v {
			checkJSONTypes(t, e)
		}
	case map[string]any:
		for _, e := range v {
			checkJSONTypes(t, e)
		}
	default:
		t.Fatalf("value of type %T", v)
	}
}

// FuzzLoad fuzzes the inputs with the most rules. Whatever they hold, Load
// must not panic, must not show a credential in an error, and must only
// accept a configuration that satisfies every rule.
func FuzzLoad(f *testing.F) {
	f.Add("deploy", testTaskID, "version: 1.0", "30m", "10s", "true", "", "cn-north-4")
	f.Fuzz(func(t *testing.T, operation, taskID, params, timeout, poll, wait, endpoint, region string) {
		env := map[string]string{
			"INPUT_OPERATION":         operation,
			"INPUT_TASK_ID":           taskID,
			"INPUT_RECORD_ID":         taskID,
			"INPUT_PARAMS":            params,
			"INPUT_TIMEOUT":           timeout,
			"INPUT_POLL_INTERVAL":     poll,
			"INPUT_WAIT":              wait,
			"INPUT_ENDPOINT":          endpoint,
			"INPUT_REGION":            region,
			"INPUT_PROJECT_ID":        testProjID,
			"INPUT_RELEASE_PLAN_ID":   "rp-1",
			"INPUT_DEPLOYMENT_ID":     "dep-1",
			"INPUT_ACCESS_KEY_ID":     testAK,
			"INPUT_SECRET_ACCESS_KEY": testSK,
		}
		c, err := Load(envFrom(env))
		if err != nil {
			if c != nil {
				t.Fatal("config with an error")
			}
			for _, s := range testSecrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error shows a credential:\n%v", err)
				}
			}
			return
		}
		// A poll_interval longer than the timeout is accepted: the wait
		// is capped at the time left (the runner passes the default
		// whether or not the user set it).
		if c.Timeout < MinTimeout || c.PollInterval < MinPollInterval || c.PollInterval > MaxPollInterval {
			t.Fatalf("durations accepted: timeout %s, poll_interval %s", c.Timeout, c.PollInterval)
		}
		// An accepted region must be one huawei.Endpoint resolves.
		if c.Region != "" && !huawei.ValidRegion(c.Region) {
			t.Fatalf("region %q accepted", c.Region)
		}
		if c.Region == "" && c.Endpoint == "" {
			t.Fatal("neither region nor endpoint")
		}
		if c.Endpoint != "" {
			u, err := url.Parse(c.Endpoint)
			if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(c.Endpoint, "/") {
				t.Fatalf("endpoint %q accepted", c.Endpoint)
			}
			if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u.Hostname())) {
				t.Fatalf("endpoint %q accepted", c.Endpoint)
			}
		}
		switch c.Operation {
		case OpDeploy, OpStop:
			if !id32RE.MatchString(c.TaskID) {
				t.Fatalf("task_id %q accepted", c.TaskID)
			}
			for _, p := range c.Params {
				if !paramKeyRE.MatchString(p.Key) || utf8.RuneCountInString(p.Value) > MaxParamValueLen {
					t.Fatalf("param %q accepted", p.Key)
				}
			}
		case OpReleasePlan, OpSignal:
		default:
			t.Fatalf("operation %q accepted", c.Operation)
		}
	})
}
