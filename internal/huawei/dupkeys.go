package huawei

import (
	"bytes"
	"encoding/json"
)

// maxJSONDepth bounds how deep DuplicateKeys follows nested values.
const maxJSONDepth = 64

// DuplicateKeys reports whether any JSON object in body has a key twice.
// encoding/json keeps the last of them, so an answer such as
// {"status":"failed","status":"succeeded"} would read as a success that
// other readers (and the service itself) may take for a failure: an
// answer a verdict depends on must not be ambiguous. Invalid JSON reports
// false; decoding it fails on its own.
func DuplicateKeys(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dup, _ := duplicateIn(dec, 0)
	return dup
}

// duplicateIn reads one value from dec and reports whether an object in it
// repeats a key; ok is false when the JSON is broken or too deep.
func duplicateIn(dec *json.Decoder, depth int) (dup, ok bool) {
	if depth > maxJSONDepth {
		return false, false
	}
	tok, err := dec.Token()
	if err != nil {
		return false, false
	}
	delim, isDelim := tok.(json.Delim)
	if !isDelim {
		return false, true
	}
	return duplicateInside(dec, delim == '{', depth)
}

// duplicateInside reads the members of an object (keys and values) or the
// elements of an array, after the opening delimiter, up to and including
// the closing one.
func duplicateInside(dec *json.Decoder, object bool, depth int) (dup, ok bool) {
	var seen map[string]bool
	if object {
		seen = map[string]bool{}
	}
	for dec.More() {
		if seen != nil {
			if dup, ok := repeatedKey(dec, seen); dup || !ok {
				return dup, ok
			}
		}
		if d, ok := duplicateIn(dec, depth+1); d || !ok {
			return d, ok
		}
	}
	_, err := dec.Token() // the closing delimiter
	return false, err == nil
}

// repeatedKey reads an object's next key and reports whether seen holds
// it already; it adds the key to seen.
func repeatedKey(dec *json.Decoder, seen map[string]bool) (dup, ok bool) {
	key, err := dec.Token()
	if err != nil {
		return false, false
	}
	k, _ := key.(string)
	if seen[k] {
		return true, true
	}
	seen[k] = true
	return false, true
}
