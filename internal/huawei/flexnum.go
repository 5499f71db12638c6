package huawei

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The services and their references disagree on how integers are sent:
// CodeArts Deploy's ShowDeployStatus page types step_state's id, offset
// and elapsed_time as strings in one version and as numbers in another,
// ShowAppLog's offsets are "strings of 1-19 digits"
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html),
// the SDK types history's release_id as int64 and total_num as int32
// (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_execute_record_v2_body.go,
// model_list_deploy_task_history_by_date_response.go), ServiceStage's
// times as int64 milliseconds (services/servicestage/v2/model/
// model_component_view.go, create_time), and its release-plan page types
// seq as a string while its example sends a number. FlexInt reads every
// one of those readings.
//
// The rule for fractions: a number with a fractional part is refused,
// while a whole number written as a float (2.0, "3.0", 3.012e3) is read
// as that integer. Every reading above makes these fields integers, so a
// fraction is none of them; guessing its integer (truncating 1.5 to batch
// 1, or a log offset to the byte before) could misplace a batch or a
// page, whereas a refused value is strict where a verdict needs it and
// unknown (0) where it is read leniently (see Lenient). Whole floats are
// accepted because some encoders write every number as one. A float
// beyond 2^53 is refused: it no longer names one integer exactly.

// FlexInt is an integer that may arrive as a JSON number or as a string of
// one: 12, "12", " 12 ", 12.0 and "12.0" read as 12; "" and null as 0.
type FlexInt int64

// UnmarshalJSON reads b by the rule above.
func (f *FlexInt) UnmarshalJSON(b []byte) error {
	n, err := ParseFlexInt(b)
	if err != nil {
		return err
	}
	*f = FlexInt(n)
	return nil
}

// maxExactFloat is the largest magnitude up to which every integer has
// its own float64.
const maxExactFloat = 1 << 53

// ParseFlexInt reads the JSON value b as FlexInt says.
func ParseFlexInt(b []byte) (int64, error) {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return 0, nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		if s = strings.TrimSpace(s); s == "" {
			return 0, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > maxExactFloat {
		return 0, fmt.Errorf("not an integer: %.40q", s)
	}
	return int64(f), nil
}

// Lenient is a T read leniently: a value T cannot read leaves T's zero
// value, and decoding never fails. It is for the optional fields of an
// answer that no verdict depends on (see lenient.go).
type Lenient[T any] struct{ V T }

// UnmarshalJSON reads b into l.V, or leaves the zero value.
func (l *Lenient[T]) UnmarshalJSON(b []byte) error {
	var v T
	if json.Unmarshal(b, &v) != nil {
		var zero T
		v = zero
	}
	l.V = v
	return nil
}
