package servicestage

import (
	"fmt"
	"math"
	"time"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// The API documentation types seq as a string while its example (and the
// service) sends a number, and nullable times appear as 0 or null; these
// types accept every reading, so one service version's choice does not
// break the decoding of a whole answer. The rule for numbers, fractions
// included, is huawei.FlexInt's.

// Seq is a component's release batch, sent as a JSON number or string.
type Seq int

// UnmarshalJSON accepts 1, "1", " 1 ", 1.0, "" and null (the last two as 0).
func (s *Seq) UnmarshalJSON(b []byte) error {
	n, err := huawei.ParseFlexInt(b)
	if err != nil {
		return fmt.Errorf("seq: %w", err)
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return fmt.Errorf("seq: %d is out of range", n)
	}
	*s = Seq(n)
	return nil
}

// EpochMillis is a time in milliseconds since the Unix epoch; 0 means
// unknown (the service sends 0 or null for what has not happened).
type EpochMillis int64

// UnmarshalJSON accepts a number, a numeric string and null.
func (e *EpochMillis) UnmarshalJSON(b []byte) error {
	n, err := huawei.ParseFlexInt(b)
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	*e = EpochMillis(n)
	return nil
}

// Time is the time e stands for, and false when it is unknown.
func (e EpochMillis) Time() (time.Time, bool) {
	if e <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(e)).UTC(), true
}
