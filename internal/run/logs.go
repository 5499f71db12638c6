package run

import (
	"context"
	"strings"
)

// failureLogLines is how many of the failing step's last log lines the
// failure annotation quotes.
const failureLogLines = 8

// maxLogPages bounds the pages read for one step (2 KiB or more each).
const maxLogPages = 500

// stepLogs prints a deployment's own log (ShowAppLog) step by step, under
// each step's group, and keeps the lines for the failure annotation. A zero
// stepLogs prints nothing: show_logs is off.
type stepLogs struct {
	api      CodeArts
	taskID   string
	recordID string
	log      Logger

	appID string
	off   bool // the log could not be read: say so once, then stay quiet
	lines map[int][]string
}

// print reads step's whole log and prints it; it reports whether it did.
func (l *stepLogs) print(ctx context.Context, step int) bool {
	lines := l.read(ctx, step)
	for _, line := range lines {
		l.log.Infof("%s", line)
	}
	return len(lines) > 0
}

// tail returns the last n lines of step's log, reading it if needed.
func (l *stepLogs) tail(step, n int) []string {
	if l.api == nil || step <= 0 {
		return nil
	}
	lines := l.lines[step]
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

func (l *stepLogs) read(ctx context.Context, step int) []string {
	if l.api == nil || l.off {
		return nil
	}
	if lines, ok := l.lines[step]; ok {
		return lines
	}
	if l.appID == "" {
		detail, err := l.api.Detail(ctx, l.taskID)
		if err != nil || detail.AppID == "" {
			l.disable(err)
			return nil
		}
		l.appID = detail.AppID
	}
	var text strings.Builder
	offset := int64(0)
	for range maxLogPages {
		page, err := l.api.Logs(ctx, l.appID, l.recordID, step, offset)
		if err != nil {
			l.disable(err)
			return nil
		}
		text.WriteString(page.Text)
		next := int64(page.EndOffset)
		if !page.HasMore || next <= offset {
			break
		}
		offset = next
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(text.String(), "\r\n", "\n"), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		lines = nil
	}
	if l.lines == nil {
		l.lines = map[int][]string{}
	}
	l.lines[step] = lines
	return lines
}

func (l *stepLogs) disable(err error) {
	l.off = true
	if err != nil {
		l.log.Warningf("The deployment's own log cannot be shown: %v", err)
	}
}
