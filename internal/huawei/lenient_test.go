package huawei

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

func TestTextReadsAnyScalar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{`"plain"`, "plain"},
		{`"caf\u00e9"`, "café"},
		{`12345`, "12345"},
		{`-1.5e3`, "-1.5e3"},
		{`1e400`, "1e400"},
		{`true`, "true"},
		{`false`, "false"},
		{`{"a":1}`, ""},
		{`[1,2]`, ""},
	}
	for _, tt := range tests {
		var got struct {
			T Text `json:"t"`
		}
		require.NoError(t, json.Unmarshal([]byte(`{"t":`+tt.in+`}`), &got), tt.in)
		assert.Equal(t, tt.want, string(got.T), tt.in)
	}
	// null leaves the value as it was, as it leaves a string.
	var twice struct{ T Text }
	require.NoError(t, json.Unmarshal([]byte(`{"T":"first","t":null}`), &twice))
	assert.Equal(t, Text("first"), twice.T)

	var long struct{ T Text }
	require.NoError(t, json.Unmarshal([]byte(`{"T":"`+strings.Repeat("ü", MaxText)+`"}`), &long))
	assert.LessOrEqual(t, len(long.T), MaxText)
	assert.True(t, strings.HasSuffix(string(long.T), "…"))
	assert.True(t, utf8.ValidString(string(long.T)))
}

func TestShorten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer text", 10, "a longe…"},
		{"ééééé", 8, "éé…"}, // never half a character
		{"abc", 2, "…"},
	}
	for _, tt := range tests {
		got := Shorten(tt.in, tt.n)
		assert.Equal(t, tt.want, got, tt.in)
		assert.LessOrEqual(t, len(got), max(tt.n, len("…")))
	}
}

func TestDecodeListBoundsWhatItDecodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		limit    int
		want     []int
		wantMore bool
		wantErr  bool
	}{
		{`[1,2,3]`, 5, []int{1, 2, 3}, false, false},
		{`[1,2,3]`, 3, []int{1, 2, 3}, false, false},
		{`[1,2,3]`, 2, []int{1, 2}, true, false},
		{`[]`, 2, nil, false, false},
		{`null`, 2, nil, false, false},
		{`{"a":1}`, 2, nil, false, true},
		{`"x"`, 2, nil, false, true},
		{`[1,"x"]`, 2, nil, false, true}, // an int list cannot hold "x"
	}
	for _, tt := range tests {
		got, more, err := DecodeList[int]([]byte(tt.in), tt.limit)
		if tt.wantErr {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.wantMore, more, tt.in)
	}
	// Millions of elements: the first few are decoded, the rest not.
	huge := "[" + strings.Repeat("{},", 200_000) + "{}]"
	got, more, err := DecodeList[map[string]any]([]byte(huge), 10)
	require.NoError(t, err)
	assert.Len(t, got, 10)
	assert.True(t, more)
}

// TestAnswerTooLargeIsRefused: an answer over MaxResponseBytes is an error
// that says so, not a cut body that then fails to decode; and a start
// that got one may have started.
func TestAnswerTooLargeIsRefused(t *testing.T) {
	t.Parallel()
	big := `{"text":"` + strings.Repeat("x", MaxResponseBytes) + `"}`
	srv := huaweitest.New(t, answer(200, nil, big))
	c := newTestClient(t, srv.URL)
	var out map[string]any
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x", Idempotent: true}, &out)
	require.ErrorIs(t, err, ErrAnswerTooLarge)
	assert.EqualValues(t, 1, srv.Count(), "not asked again: the answer would be as large")

	_, err = c.Do(context.Background(), Request{Method: "POST", Path: "/start"}, nil)
	require.ErrorIs(t, err, ErrAnswerTooLarge)
	assert.True(t, IsUnknownOutcome(err), "the request arrived: a start may have happened")

	// Exactly the bound is read whole.
	exact := `"` + strings.Repeat("y", MaxResponseBytes-2) + `"`
	srv2 := huaweitest.New(t, answer(http.StatusOK, nil, exact))
	resp, err := newTestClient(t, srv2.URL).Do(context.Background(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
	require.NoError(t, err)
	assert.Len(t, resp.Body, MaxResponseBytes)
}

func TestLenientList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		want     []int
		wantMore bool
	}{
		{`[1,2]`, []int{1, 2}, false},
		{`[1,2,3]`, []int{1, 2}, true},
		{`null`, nil, false},
		{`[]`, nil, false},
		{`{"a":1}`, nil, false},
		{`"list"`, nil, false},
		{`[1,"two"]`, nil, false},
	}
	for _, tt := range tests {
		got, more := LenientList[int]([]byte(tt.in), 2)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.wantMore, more, tt.in)
	}
}

func TestLimitedListInAnAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		want     []int
		wantMore bool
	}{
		{`{"l":[1,2]}`, []int{1, 2}, false},
		{`{"l":[1,2,3]}`, []int{1, 2}, true},
		{`{"l":"odd"}`, nil, false},
		{`{}`, nil, false},
	}
	for _, tt := range tests {
		var w struct {
			L LimitedList[int] `json:"l"`
		}
		w.L.Max = 2
		require.NoError(t, json.Unmarshal([]byte(tt.in), &w), tt.in)
		assert.Equal(t, tt.want, w.L.Items, tt.in)
		assert.Equal(t, tt.wantMore, w.L.More, tt.in)
	}
}
