package huawei

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Answers are read strictly only where a verdict depends on them. The API
// pages and the SDK models disagree on the types of many optional fields
// (ids as numbers or strings, booleans as strings), and a service version
// may send what neither says: such a field, read strictly, would make the
// whole answer unreadable, and with it the verdict. The helpers below read
// the rest leniently, and bound what an answer can make the action keep.

// MaxText bounds an optional text of an answer (a name, an executor, a
// message) as the action keeps it: 2 KiB is far more than any name or
// message the services document, and small enough that a field of
// megabytes cannot flood the log, the summary or the outputs.
const MaxText = 2 << 10

// Text is an optional string field read leniently: a JSON string as it
// is, a number or a boolean as its literal text, an object or an array as
// "". Texts longer than MaxText are shortened. It never fails.
type Text string

// UnmarshalJSON reads b leniently; it never returns an error. null leaves
// t as it was, as it leaves a string.
func (t *Text) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	s, _ := LooseString(b)
	*t = Text(Shorten(s, MaxText))
	return nil
}

// LooseString reads a JSON string, number or boolean as text; for any
// other value it returns "" and false.
func LooseString(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", false
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(b, &s) != nil {
			return "", false
		}
		return s, true
	case c == '-' || c >= '0' && c <= '9', string(b) == "true", string(b) == "false":
		if !json.Valid(b) {
			return "", false
		}
		return string(b), true
	}
	return "", false
}

// Shorten returns s cut to at most n bytes, on a character boundary, with
// "…" in place of what was cut. A cut text never reads as the whole one.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// errNotList is what DecodeList says of a value that is not an array.
var errNotList = errors.New("not a list")

// DecodeList decodes the JSON array b into at most limit elements and
// reports whether it held more, which it leaves undecoded: an answer of a
// few megabytes listing millions of small objects would otherwise take
// hundreds of megabytes once decoded. null is an empty list; any other
// value that is not an array is an error, as is an element that T cannot
// decode (a lenient T never fails).
//
// b must be the whole value (as UnmarshalJSON receives it), already known
// to be valid JSON.
func DecodeList[T any](b []byte, limit int) (items []T, more bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, false, err
	}
	if tok == nil {
		return nil, false, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, false, errNotList
	}
	for dec.More() {
		if len(items) >= limit {
			return items, true, nil
		}
		var x T
		if err := dec.Decode(&x); err != nil {
			return nil, false, err
		}
		items = append(items, x)
	}
	return items, false, nil
}

// LenientList decodes the JSON array b like DecodeList, but never fails:
// a value that is not a list, or an element T cannot read, gives no items.
// It is for the lists of an answer that no verdict depends on.
func LenientList[T any](b []byte, limit int) (items []T, more bool) {
	items, more, err := DecodeList[T](b, limit)
	if err != nil {
		return nil, false
	}
	return items, more
}

// LimitedList is a list field read as LenientList reads it, keeping at
// most Max items; set Max before decoding into it.
type LimitedList[T any] struct {
	Max   int
	Items []T
	// More says the list held more than Max items.
	More bool
}

// UnmarshalJSON reads b leniently; it never returns an error.
func (l *LimitedList[T]) UnmarshalJSON(b []byte) error {
	l.Items, l.More = LenientList[T](b, l.Max)
	return nil
}
