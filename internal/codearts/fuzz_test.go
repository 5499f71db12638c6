package codearts

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeStarted feeds arbitrary answers to the start decoder: it must
// never panic, never return a record without an id, and read every answer
// whose id is a plain string.
func FuzzDecodeStarted(f *testing.F) {
	for _, seed := range []string{
		`{"id":"8bcfde0419bf4d62b4676de99bcc7403","task_id":"t","job_name":"job_8bcfde04"}`,
		`{"id":12345,"job_name":{"x":1}}`,
		`{"task_id":"t"}`,
		`{"id":"","app_component_list":[{"app_id":"a"}]}`,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decodeStarted(data)
		var plain struct {
			ID string `json:"id"`
		}
		idRead := json.Unmarshal(data, &plain) == nil && strings.TrimSpace(plain.ID) != ""
		switch {
		case err != nil && idRead:
			t.Fatalf("id %q read plainly, but not by the decoder: %v", plain.ID, err)
		case err == nil && strings.TrimSpace(got.ID) == "":
			t.Fatal("a start without a record id")
		case err == nil && idRead && len(plain.ID) <= 64 && got.ID != plain.ID:
			t.Fatalf("id %q read as %q", plain.ID, got.ID)
		}
	})
}

// FuzzDecodeLogPage feeds arbitrary answers to the log page decoder: it
// must never panic, and the text it hands on, whole or in pieces, must be
// what encoding/json reads.
func FuzzDecodeLogPage(f *testing.F) {
	for _, seed := range []string{
		`{"status":"success","result":{"has_more":true,"text":"line one\nline two\n","offset":"0","end_offset":"18"}}`,
		`{"result":{"has_more":"yes","text":"caf\u00e9 \ud83d\ude00 \ud83d","offset":1e400,"end_offset":[1]}}`,
		`{"result":{"text":12,"end_offset":"x"}}`,
		`{"result":"nothing"}`,
		`{"result":{"text":"\"quoted\" \\ \/ \b\f\t\r"}}`,
	} {
		f.Add([]byte(seed), 7)
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk int) {
		page, err := decodeLogPage(data)
		if err != nil {
			if json.Valid(data) {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		var want struct {
			Result struct {
				Text *string `json:"text"`
			} `json:"result"`
		}
		if json.Unmarshal(data, &want) != nil || want.Result.Text == nil {
			return
		}
		got, ok := unquote(page.text)
		if !ok || got != *want.Result.Text {
			t.Fatalf("text %q read as %q (%v)", *want.Result.Text, got, ok)
		}
		var pieces bytes.Buffer
		ok = unquoteChunks(page.text, max(1, chunk%(1<<16)), func(s string) bool {
			pieces.WriteString(s)
			return true
		})
		if !ok || pieces.String() != *want.Result.Text {
			t.Fatalf("text %q read in pieces as %q", *want.Result.Text, pieces.String())
		}
	})
}
