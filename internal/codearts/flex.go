package codearts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// One version of the API reference types step_state fields as strings and
// the SDK model as numbers and booleans; these types accept both.

// FlexInt is an integer that may arrive as a JSON number or string.
type FlexInt int64

// UnmarshalJSON accepts 12, "12", "" and null.
func (f *FlexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" || s == `""` {
		*f = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = FlexInt(n)
		return nil
	}
	// Some answers carry floats ("3012.0"); keep the whole part.
	// Out of int64's range (1e400, 1e300) it is no count the action can use.
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || x >= 1<<63 || x < -(1<<63) {
		return fmt.Errorf("not a number: %.40q", s)
	}
	*f = FlexInt(x)
	return nil
}

// FlexBool is a boolean that may arrive as a JSON bool or string.
type FlexBool bool

// UnmarshalJSON accepts true, "true", "TRUE", "1", their opposites and null.
func (f *FlexBool) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("not a boolean: %.40q", s)
	}
	return nil
}
