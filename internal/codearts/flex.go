package codearts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// One version of the API reference types step_state fields as strings and
// another as numbers and booleans; these types accept both.

// FlexInt is an integer that may arrive as a JSON number or string; the
// one rule for every service's numbers is huawei.FlexInt's.
type FlexInt = huawei.FlexInt

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
