package action

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readKeyValueFile parses a GITHUB_OUTPUT / GITHUB_STATE file the way the
// runner does.
func readKeyValueFile(t *testing.T, path string) map[string]string {
	t.Helper()
	out, err := ReadFileCommands(path)
	require.NoError(t, err)
	return out
}

func TestSetOutputAndState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := Files{OutputPath: filepath.Join(dir, "output"), StatePath: filepath.Join(dir, "state")}
	fakeDelim := "ghadelimiter_00000000-0000-4000-8000-000000000000"
	values := map[string]string{
		"status":    "succeeded",
		"record_id": testRecord,
		"empty":     "",
		"result":    `{"status":"success","result":{"id":"x"}}`,
		"multiline": "line 1\nline 2\n\nline 4",
		"tricky":    "a\n" + fakeDelim + "\nstatus<<EOF\nhacked\nEOF\nx=y",
		"trailing":  "ends with newline\n",
	}
	for name, value := range values {
		require.NoError(t, f.SetOutput(name, value))
	}
	require.NoError(t, f.SaveState("record_id", testRecord))

	got := readKeyValueFile(t, f.OutputPath)
	assert.Equal(t, values, got)
	assert.Equal(t, map[string]string{"record_id": testRecord}, readKeyValueFile(t, f.StatePath))

	raw, err := os.ReadFile(f.OutputPath)
	require.NoError(t, err)
	delimRE := regexp.MustCompile(`(?m)^status<<(ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$`)
	assert.Regexp(t, delimRE, string(raw))
}

func TestSetOutputAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "output")
	require.NoError(t, os.WriteFile(path, []byte("earlier=1\n"), 0o644))
	f := Files{OutputPath: path}
	require.NoError(t, f.SetOutput("status", "running"))
	require.NoError(t, f.SetOutput("status", "succeeded"))
	got := readKeyValueFile(t, path)
	assert.Equal(t, map[string]string{"earlier": "1", "status": "succeeded"}, got)
}

func TestSetOutputDelimiterNeverInValue(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "output")
	calls := 0
	f := Files{OutputPath: path, delimiter: func() string {
		calls++
		if calls == 1 {
			return "ghadelimiter_taken"
		}
		return "ghadelimiter_free"
	}}
	require.NoError(t, f.SetOutput("status", "value with ghadelimiter_taken inside"))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "status<<ghadelimiter_free\nvalue with ghadelimiter_taken inside\nghadelimiter_free\n", string(raw))

	always := Files{OutputPath: path, delimiter: func() string { return "D" }}
	err = always.SetOutput("status", "D")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could not find a delimiter")
}

func TestSetOutputErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name  string
		files Files
		out   string
		want  string
	}{
		{"empty name", Files{OutputPath: filepath.Join(dir, "o")}, "", "invalid name"},
		{"name with newline", Files{OutputPath: filepath.Join(dir, "o")}, "a\nb", "invalid name"},
		{"name with equals", Files{OutputPath: filepath.Join(dir, "o")}, "a=b", "invalid name"},
		{"name with heredoc", Files{OutputPath: filepath.Join(dir, "o")}, "a<<b", "invalid name"},
		{"unwritable path", Files{OutputPath: dir}, "status", "is a directory"},
		{"missing directory", Files{OutputPath: filepath.Join(dir, "no", "such", "file")}, "status", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.files.SetOutput(tt.out, "v")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestFilesEmptyPathsAreNoOps(t *testing.T) {
	t.Parallel()
	var f Files
	assert.NoError(t, f.SetOutput("status", "x"))
	assert.NoError(t, f.SaveState("record_id", "x"))
	assert.NoError(t, f.AppendSummary("# hi"))
}

func TestFilesFromEnv(t *testing.T) {
	t.Parallel()
	got := FilesFromEnv(envFrom(map[string]string{
		"GITHUB_OUTPUT":       "out",
		"GITHUB_STATE":        "state",
		"GITHUB_STEP_SUMMARY": "summary",
	}))
	assert.Equal(t, Files{OutputPath: "out", StatePath: "state", SummaryPath: "summary"}, got)
}

func TestRandomDelimiter(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		d := randomDelimiter()
		assert.Regexp(t, `^ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, d)
		assert.False(t, seen[d], "delimiter repeated")
		seen[d] = true
	}
}

func TestAppendSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing int    // bytes already in the file
		add      string // what is appended
		wantErr  string
		check    func(t *testing.T, got []byte, existing int)
	}{
		{
			name: "appends", existing: 10, add: "## Deploy\n\n| a | b |\n",
			check: func(t *testing.T, got []byte, existing int) {
				assert.Equal(t, "## Deploy\n\n| a | b |\n", string(got[existing:]))
			},
		},
		{
			name: "exactly at the limit", existing: MaxSummarySize - 5, add: "12345",
			check: func(t *testing.T, got []byte, existing int) {
				assert.Len(t, got, MaxSummarySize)
				assert.Equal(t, "12345", string(got[existing:]))
			},
		},
		{
			name: "cut with a note", existing: MaxSummarySize - 1000, add: strings.Repeat("row\n", 1000),
			check: func(t *testing.T, got []byte, existing int) {
				assert.Len(t, got, MaxSummarySize)
				assert.True(t, strings.HasSuffix(string(got), summaryNote))
				assert.True(t, strings.HasPrefix(string(got[existing:]), "row\nrow\n"))
			},
		},
		{
			name: "cut at a character boundary", existing: MaxSummarySize - len(summaryNote) - 10, add: strings.Repeat("€", 100),
			check: func(t *testing.T, got []byte, existing int) {
				assert.LessOrEqual(t, len(got), MaxSummarySize)
				assert.True(t, utf8.Valid(got[existing:]))
				assert.Equal(t, strings.Repeat("€", 3)+summaryNote, string(got[existing:]))
			},
		},
		{
			name: "full", existing: MaxSummarySize - 10, add: strings.Repeat("x", 100),
			wantErr: "step summary: full",
			check: func(t *testing.T, got []byte, existing int) {
				assert.Len(t, got, existing)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "summary")
			require.NoError(t, os.WriteFile(path, []byte(strings.Repeat(".", tt.existing)), 0o644))
			err := Files{SummaryPath: path}.AppendSummary(tt.add)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			tt.check(t, got, tt.existing)
		})
	}
}

func TestAppendSummaryCreatesFileAndStaysUnderCap(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "summary")
	f := Files{SummaryPath: path}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				_ = f.AppendSummary(fmt.Sprintf("%d-%d %s\n", g, i, strings.Repeat("x", 10_000)))
			}
		}()
	}
	wg.Wait()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.LessOrEqual(t, fi.Size(), int64(MaxSummarySize))
	assert.Greater(t, fi.Size(), int64(MaxSummarySize-20_000))
}

func TestAppendSummaryStatError(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	err := Files{SummaryPath: filepath.Join(file, "summary")}.AppendSummary("x")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "step summary")
}

// TestFilesScrubEveryValue: outputs, state and summary all leave the
// process, so each goes through the log's masking; a summary is masked
// before it is cut, so a cut inside a secret cannot leave its start.
func TestFilesScrubEveryValue(t *testing.T) {
	t.Parallel()
	const secret = "tok-SECRET-echoed-by-the-server"
	log := NewLog(&strings.Builder{}, false)
	log.AddMask(secret)
	dir := t.TempDir()
	f := Files{
		OutputPath:  filepath.Join(dir, "output"),
		StatePath:   filepath.Join(dir, "state"),
		SummaryPath: filepath.Join(dir, "summary"),
		Scrub:       log.Scrub,
	}
	require.NoError(t, f.SetOutput("record_id", secret))
	require.NoError(t, f.SaveState("record_id", "x"+secret+"y"))
	assert.Equal(t, map[string]string{"record_id": "***"}, readKeyValueFile(t, f.OutputPath))
	assert.Equal(t, map[string]string{"record_id": "x***y"}, readKeyValueFile(t, f.StatePath))

	// Fill the summary so the cut would fall inside the secret, were it
	// cut before masking.
	filler := strings.Repeat("a", MaxSummarySize-len(summaryNote)-10)
	require.NoError(t, f.AppendSummary(filler+secret+strings.Repeat("b", 100)))
	data, err := os.ReadFile(f.SummaryPath)
	require.NoError(t, err)
	assert.NotContains(t, string(data), secret[:8])
	assert.Contains(t, string(data), "***")
}

func TestFitSummary(t *testing.T) {
	t.Parallel()
	noteRoom := int64(MaxSummarySize - len(summaryNote))
	long := strings.Repeat("x", 2*len(summaryNote)) // never fits next to the note
	tests := []struct {
		name   string
		in     string
		size   int64
		want   string
		wantOK bool
	}{
		{"fits", "abc", 0, "abc", true},
		{"fits exactly", "abc", MaxSummarySize - 3, "abc", true},
		{"cut, with the note", long, noteRoom - 2, "xx" + summaryNote, true},
		{"cut before a character it would split", "a€" + long, noteRoom - 3, "a" + summaryNote, true},
		{"only the note fits", long, noteRoom, summaryNote, true},
		{"not even the note fits", long, noteRoom + 1, long, false},
	}
	for _, tt := range tests {
		got, ok := fitSummary(tt.in, tt.size)
		assert.Equal(t, tt.wantOK, ok, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}
