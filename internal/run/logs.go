package run

import (
	"context"
	"net/http"
	"strings"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

// failureLogLines is how many of the failing step's last log lines the
// failure annotation quotes.
const failureLogLines = 8

// maxLogPages bounds the pages read for one step in one go.
const maxLogPages = 500

// stepLogs prints a deployment's own log (ShowAppLog) step by step, under
// each step's group, and keeps the lines for the failure annotation. A zero
// stepLogs prints nothing: show_logs is off.
//
// ShowAppLog filters by a step's id string, which the task detail's steps
// map carries (step1, step2, ... by position), or else the application
// detail's; never by the step's position. A step whose id is not known is
// shown from the record's whole log instead: what was written since the
// last read, which is the step's part when steps are shown as they end.
type stepLogs struct {
	api      CodeArts
	taskID   string
	recordID string
	log      Logger

	looked bool // the application and the step ids have been looked up
	appID  string
	steps  codearts.Steps
	off    bool // the log could not be read: say so once, then stay quiet
	lines  map[int][]string

	// The record's whole log, for steps without a known id.
	whole     []string // complete lines read so far
	wholeNext int64    // where the next read of the whole log starts
	partial   string   // text after the last newline, held back until it is complete
}

// print reads the log of step s at position pos (1-based) and prints it;
// it reports whether it did. final says the record has ended, so its log
// no longer grows.
func (l *stepLogs) print(ctx context.Context, s codearts.Step, pos int, final bool) bool {
	lines := l.read(ctx, s, pos, final)
	for _, line := range lines {
		l.log.Infof("%s", line)
	}
	return len(lines) > 0
}

// tail returns the last n lines read for the step at position pos, or of
// the whole log when none were.
func (l *stepLogs) tail(pos, n int) []string {
	if l.api == nil || pos <= 0 {
		return nil
	}
	lines := l.lines[pos]
	if len(lines) == 0 {
		lines = l.whole
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

func (l *stepLogs) read(ctx context.Context, s codearts.Step, pos int, final bool) []string {
	if l.api == nil || l.off {
		return nil
	}
	if lines, ok := l.lines[pos]; ok {
		return lines
	}
	if !l.lookUp(ctx) {
		return nil
	}
	var lines []string
	if id := l.steps.IDOf(pos, s.Name); id != "" {
		text, _, err := l.api.ReadLog(ctx, l.appID, l.recordID, id, 0, maxLogPages)
		switch {
		case err == nil:
			lines = splitLines(text)
		case refused(err):
			// The service does not take the ids it gave us: read the
			// whole log from now on rather than nothing.
			l.log.Debugf("Reading the log of step %d by its id was refused (%v); reading the whole log instead.", pos, err)
			l.steps = nil
			return l.read(ctx, s, pos, final)
		default:
			l.disable(err)
			return nil
		}
	} else {
		var ok bool
		if lines, ok = l.readOn(ctx, final); !ok {
			return nil
		}
	}
	if l.lines == nil {
		l.lines = map[int][]string{}
	}
	l.lines[pos] = lines
	return lines
}

// lookUp finds the record's application and the ids of the task's steps,
// once. Without the application no log can be read; without step ids the
// whole log is.
func (l *stepLogs) lookUp(ctx context.Context) bool {
	if l.looked {
		return l.appID != ""
	}
	l.looked = true
	detail, err := l.api.Detail(ctx, l.taskID)
	if err != nil || detail.AppID == "" {
		l.disable(err)
		return false
	}
	l.appID, l.steps = detail.AppID, detail.Steps
	if len(l.steps) > 0 {
		return true
	}
	app, err := l.api.AppDetail(ctx, l.appID)
	if err != nil {
		l.log.Debugf("The application detail cannot be read (%v); the deployment's log is shown whole, not step by step.", err)
		return true
	}
	l.steps = app.StepsOf(l.taskID)
	return true
}

// readOn reads the whole log on from where the last read stopped and
// returns its complete new lines (all of them once the record is final).
func (l *stepLogs) readOn(ctx context.Context, final bool) ([]string, bool) {
	text, next, err := l.api.ReadLog(ctx, l.appID, l.recordID, "", l.wholeNext, maxLogPages)
	if err != nil {
		l.disable(err)
		return nil, false
	}
	l.wholeNext = next
	text = l.partial + text
	l.partial = ""
	if i := strings.LastIndexByte(text, '\n'); i < len(text)-1 && !final {
		text, l.partial = text[:i+1], text[i+1:]
	}
	lines := splitLines(text)
	l.whole = append(l.whole, lines...)
	return lines, true
}

// splitLines splits a log text into lines without their line ends.
func splitLines(text string) []string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}

// refused reports a request the service rejected as invalid.
func refused(err error) bool {
	apiErr, ok := huawei.AsAPIError(err)
	return ok && apiErr.HTTPStatus == http.StatusBadRequest
}

func (l *stepLogs) disable(err error) {
	l.off = true
	if err != nil {
		l.log.Warningf("The deployment's own log cannot be shown: %v", err)
	}
}
