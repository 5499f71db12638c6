package codearts

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// How answers are read. The versions of the API reference disagree on the
// types of step_state's fields (strings in one, numbers and booleans in
// another: see flex.go), and a service version may send neither. Only the
// fields a verdict depends on are read strictly: a record's status,
// record_id, step and end_time
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployStatus.html).
// Every other field is read leniently and left empty when it is odd, so
// that one step with "id":"1e400" cannot make every state unreadable and
// turn a failed deployment into a timeout.

// MaxSteps bounds the steps kept from one answer. CodeArts Deploy tasks
// have a handful of steps; 500 is far beyond any real task, and keeps a
// decoded answer small (about 100 bytes a step) even when a body of
// huawei.MaxResponseBytes lists millions of empty steps.
const MaxSteps = 500

// UnmarshalJSON reads a record: status, record_id, step and end_time
// strictly (a verdict cannot do without them), the rest leniently, at most
// MaxSteps steps.
func (r *Record) UnmarshalJSON(b []byte) error {
	var w struct {
		RecordID  string                   `json:"record_id"`
		Status    string                   `json:"status"`
		Step      string                   `json:"step"`
		EndTime   string                   `json:"end_time"`
		TaskID    huawei.Text              `json:"task_id"`
		TaskName  huawei.Text              `json:"task_name"`
		Executor  huawei.Text              `json:"executor"`
		NickName  huawei.Text              `json:"nick_name"`
		StartTime huawei.Text              `json:"start_time"`
		Steps     huawei.LimitedList[Step] `json:"step_state"` // none when it is not a list
	}
	w.Steps.Max = MaxSteps
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Record{
		RecordID: w.RecordID, Status: w.Status, Step: w.Step, EndTime: w.EndTime,
		TaskID: string(w.TaskID), TaskName: string(w.TaskName), Executor: string(w.Executor),
		NickName: string(w.NickName), StartTime: string(w.StartTime),
		Steps: w.Steps.Items, StepsCut: w.Steps.More,
	}
	return nil
}

// UnmarshalJSON reads a step leniently: it never fails, and a field it
// cannot read stays empty. A step that is not an object keeps its place
// in the list, so the positions of the others stay right.
func (s *Step) UnmarshalJSON(b []byte) error {
	var l huawei.Lenient[struct {
		ID            huawei.Lenient[FlexInt]  `json:"id"`
		Name          huawei.Text              `json:"name"`
		Enable        huawei.Lenient[FlexBool] `json:"enable"`
		Offset        huawei.Lenient[FlexInt]  `json:"offset"`
		CurrentOffset huawei.Lenient[FlexInt]  `json:"current_offset"`
		ElapsedTime   huawei.Lenient[FlexInt]  `json:"elapsed_time"`
		Region        huawei.Text              `json:"region"`
		FAQURL        huawei.Text              `json:"faq_url"`
	}]
	_ = l.UnmarshalJSON(b) // a step it cannot read stays empty
	w := l.V
	*s = Step{
		ID: w.ID.V, Name: string(w.Name), Enable: w.Enable.V,
		Offset: w.Offset.V, CurrentOffset: w.CurrentOffset.V, ElapsedTime: w.ElapsedTime.V,
		Region: string(w.Region), FAQURL: string(w.FAQURL),
	}
	return nil
}

// UnmarshalJSON reads a ShowDeployStatus answer: its own status (success
// or error, which no verdict uses) leniently, its record as Record says.
func (s *State) UnmarshalJSON(b []byte) error {
	var w struct {
		Status huawei.Text `json:"status"`
		Result Record      `json:"result"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = State{Status: string(w.Status), Result: w.Result}
	return nil
}

// errNoRecordID is a start answer that names no record.
var errNoRecordID = errors.New("it names no record id")

// decodeStarted reads a StartDeployTask answer, {id, task_id, job_name,
// app_component_list} (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_start_deploy_task_response.go).
// Only the new record's id matters (the flow follows it); a number is
// taken as its digits. The rest is read leniently or not at all.
func decodeStarted(body []byte) (*Started, error) {
	var w struct {
		ID      huawei.Text `json:"id"`
		TaskID  huawei.Text `json:"task_id"`
		JobName huawei.Text `json:"job_name"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(w.ID)) == "" {
		return nil, errNoRecordID
	}
	return &Started{ID: string(w.ID), TaskID: string(w.TaskID), JobName: string(w.JobName)}, nil
}

// rawLogPage is a ShowAppLog answer with its text as the answer spells
// it (a JSON string, quotes and escapes included), not yet decoded.
type rawLogPage struct {
	hasMore           bool
	text              []byte
	offset, endOffset FlexInt
	requested         int64 // the end_offset the request asked for
}

// decodeLogPage reads a ShowAppLog answer, {status, result: {has_more,
// text, offset, end_offset}}, leniently: no field of it decides a verdict,
// and an odd one costs at most the rest of the log (an unreadable offset
// reads as 0, and paging then goes on after the text; a text that is not
// a string is none). The text is not decoded here, nor copied: it points
// into body.
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html
func decodeLogPage(body []byte) (*rawLogPage, error) {
	var w struct {
		Result struct {
			HasMore   huawei.Lenient[FlexBool] `json:"has_more"`
			Text      rawString                `json:"text"`
			Offset    huawei.Lenient[FlexInt]  `json:"offset"`
			EndOffset huawei.Lenient[FlexInt]  `json:"end_offset"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || !json.Valid(body) {
			return nil, err
		}
		// result is not an object: a page without text.
		return &rawLogPage{}, nil
	}
	r := w.Result
	return &rawLogPage{hasMore: bool(r.HasMore.V), text: r.Text, offset: r.Offset.V, endOffset: r.EndOffset.V}, nil
}

// rawString keeps a JSON string as it is spelled, or nothing when the
// value is not a string. It keeps the bytes it is given without copying
// them: decodeLogPage decodes an answer it holds, and reads the text
// before letting the answer go. (encoding/json hands UnmarshalJSON a
// slice of the input; only a json.Decoder reuses its buffer.)
type rawString []byte

func (r *rawString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil // as for a string
	}
	if len(b) > 0 && b[0] == '"' {
		*r = b
	} else {
		*r = nil
	}
	return nil
}

// looseString is a JSON string, or "" when the value is anything else
// (a number too: a step id that is a number is a position, which the log
// API does not take). Unlike huawei.Text it is kept whole.
type looseString string

func (t *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil // as for a string
	}
	s, _ := unquote(b)
	*t = looseString(s)
	return nil
}

// unquote decodes a JSON string as encoding/json does (malformed UTF-8
// and lone surrogates become U+FFFD), into a string built once: decoding
// into a string through encoding/json copies a text with escapes twice.
// It returns "" and false for anything that is not a valid JSON string.
func unquote(b []byte) (string, bool) {
	var s string
	ok := unquoteChunks(b, len(b)+utf8.UTFMax, func(text string) bool {
		s += text // one piece, but for malformed UTF-8, which grows as it is replaced
		return true
	})
	if !ok {
		return "", false
	}
	return s, true
}

// unquoteChunks decodes a JSON string like unquote and hands it to each in
// pieces of about chunk bytes, each whole characters. It stops when each
// returns false, and returns false for what is not a valid JSON string
// (after handing on what came before the fault).
func unquoteChunks(b []byte, chunk int, each func(string) bool) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	p := pieces{chunk: chunk, each: each}
	ok := p.decode(b[1 : len(b)-1])
	p.flush()
	return ok
}

// decode decodes b, the inside of a JSON string, handing it on as it
// goes; it returns false at what is not valid in a JSON string, and true
// at the end or when each asks to stop. What is gathered last is left for
// the caller to flush.
func (p *pieces) decode(b []byte) bool {
	for len(b) > 0 {
		if p.out.Len() >= p.chunk && !p.flush() {
			return true
		}
		if p.out.Cap() == 0 {
			p.out.Grow(min(len(b), p.chunk) + utf8.UTFMax)
		}
		i := plainRun(b, p.chunk)
		p.out.Write(b[:i])
		b = b[i:]
		if len(b) == 0 || i == p.chunk {
			continue
		}
		var ok bool
		if b, ok = p.special(b); !ok {
			return false
		}
	}
	return true
}

// pieces gathers decoded text and hands it on in pieces of about chunk
// bytes.
type pieces struct {
	out   strings.Builder
	chunk int
	each  func(string) bool
}

// flush hands on what is gathered, if anything, and returns what each
// says (true: go on).
func (p *pieces) flush() bool {
	if p.out.Len() == 0 {
		return true
	}
	s := p.out.String()
	p.out = strings.Builder{}
	return p.each(s)
}

// plainRun is the length of the run at the start of b, at most chunk
// bytes, that a JSON string holds as it is: printable ASCII but quotes
// and backslashes.
func plainRun(b []byte, chunk int) int {
	i := 0
	for i < len(b) && i < chunk && b[i] != '\\' && b[i] != '"' && b[i] >= ' ' && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// special decodes the character or escape that starts b, which plainRun
// stopped at, and returns the rest; false when it is not valid in a JSON
// string.
func (p *pieces) special(b []byte) ([]byte, bool) {
	switch c := b[0]; {
	case c == '"' || c < ' ':
		return b, false
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRune(b)
		p.out.WriteRune(r) // RuneError for a malformed byte
		return b[size:], true
	}
	return p.escape(b)
}

// escape decodes the backslash escape that starts b and returns the rest;
// false when it is not valid in a JSON string.
func (p *pieces) escape(b []byte) ([]byte, bool) {
	if len(b) < 2 { // a backslash at the end
		return b, false
	}
	if b[1] == 'u' {
		r, rest, ok := unicodeEscape(b)
		if ok {
			p.out.WriteRune(r)
		}
		return rest, ok
	}
	c, ok := shortEscape(b[1])
	if ok {
		p.out.WriteByte(c)
	}
	return b[2:], ok
}

// shortEscape is the byte that \c stands for in a JSON string. It takes
// \' too, which strict JSON has not: a log's text is only shown, and one
// odd escape should not cost the rest of it.
func shortEscape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/', '\'':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

// unicodeEscape decodes the \uXXXX that starts b, with the low surrogate
// that follows a high one, and returns the rest. A lone or broken
// surrogate is U+FFFD, as encoding/json makes it.
func unicodeEscape(b []byte) (rune, []byte, bool) {
	r := hex4(b[2:])
	if r < 0 {
		return 0, b, false
	}
	b = b[6:]
	if !utf16.IsSurrogate(r) {
		return r, b, true
	}
	if len(b) >= 6 && b[0] == '\\' && b[1] == 'u' {
		if d := utf16.DecodeRune(r, hex4(b[2:])); d != unicode.ReplacementChar {
			return d, b[6:], true
		}
	}
	return unicode.ReplacementChar, b, true
}

// hex4 reads four hexadecimal digits, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		d := hexDigit(c)
		if d < 0 {
			return -1
		}
		r = r*16 + d
	}
	return r
}

// hexDigit is the value of the hexadecimal digit c, or -1.
func hexDigit(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}
