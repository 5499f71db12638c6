package run

import (
	"context"
	"net/http"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

// failureLogLines is how many of the failing step's last log lines the
// failure annotation quotes.
const failureLogLines = 8

// Bounds on a deployment's own log. The log is the service's text, and a
// service that always says has_more, answers with pages of megabytes or
// sends a line without end must not make the action run out of memory,
// flood the workflow log or outlast the deployment. The log is streamed:
// each page is printed line by line as it comes and then dropped; only a
// step's last failureLogLines lines are kept, for the failure annotation.
// Where a bound cuts the log, one line says so and where the rest is.
const (
	// maxLogPages bounds the pages read for one step: 500 windows of
	// codearts.LogWindow (16 KiB) are 8 MiB, far more than a step logs.
	maxLogPages = 500
	// maxRunLogPages bounds the pages read in all, so that many steps of
	// tiny pages that never end cannot keep the action asking for hours:
	// 2000 requests take a minute or two.
	maxRunLogPages = 2000
	// maxStepLogRead bounds the text read for one step: 16 MiB is twice
	// what maxLogPages windows hold, or two answers of the largest size
	// the client accepts (huawei.MaxResponseBytes) from a service that
	// ignores the window. Reading goes on past what is printed, up to
	// here, so the annotation quotes the step's real last lines.
	maxStepLogRead = 16 << 20
	// maxRunLogRead bounds the text read in all: 64 MiB takes well under a
	// minute to download, and no deployment's log needs more to be shown.
	maxRunLogRead = 64 << 20
	// maxStepLogPrint bounds what is printed of one step's log: 1 MiB is
	// some 10 000 lines, more than anyone reads in a step's group.
	maxStepLogPrint = 1 << 20
	// maxRunLogPrint bounds what is printed of the deployment's log in
	// all: 10 MiB keeps the workflow log readable in the browser, which
	// slows down on logs of tens of megabytes.
	maxRunLogPrint = 10 << 20
	// maxLogLine bounds one line as printed: 4 KiB holds any line a person
	// reads, and a page of one line without newline costs no more.
	maxLogLine = 4 << 10
	// maxQuotedLine bounds a line as kept for the failure annotation,
	// which GitHub shows as a short message.
	maxQuotedLine = 512
)

// stepLogs prints a deployment's own log (ShowAppLog) step by step, under
// each step's group, and keeps each step's last lines for the failure
// annotation. A zero stepLogs prints nothing: show_logs is off.
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
	off    bool             // the log could not be read, or its bounds are spent: stay quiet
	shown  map[int]bool     // steps read, and whether anything was printed for them
	tails  map[int][]string // each step's last lines, for the failure annotation
	live   map[int]*liveLog // running steps whose log is followed as it is written

	// The record's whole log, for steps without a known id.
	whole     []string // its last lines
	wholeNext int64    // where the next read of the whole log starts
	partial   lineBuf  // text after the last newline, held back until it is complete

	pages   int   // pages read in all
	read    int64 // bytes of log text read in all
	printed int64 // bytes of log text printed in all
	runCut  bool  // maxRunLogPrint was reached, and said
}

// liveLog is a running step's log as followed so far.
type liveLog struct {
	p    *stepPrinter
	id   string // the step's id; "" when the whole log is read
	next int64  // where the step's log goes on (by its id)
}

// print reads the log of step s at position pos (1-based), once the step
// has ended, and prints it (what follow has not printed yet); it reports
// whether it printed anything. final says the record has ended, so its
// log no longer grows.
func (l *stepLogs) print(ctx context.Context, s codearts.Step, pos int, final bool) bool {
	if l.api == nil || pos <= 0 {
		return false
	}
	if shown, ok := l.shown[pos]; ok {
		return shown
	}
	if l.off || !l.lookUp(ctx) {
		return false
	}
	lv := l.liveOf(s, pos)
	delete(l.live, pos)
	p := lv.p
	if p.tailed && p.shown {
		l.log.Infof("(the step's earlier lines are above, shown as it ran)")
	}
	if lv.id == "" {
		l.readWhole(ctx, p, final)
	} else if !l.readStep(ctx, lv, pos) {
		return l.print(ctx, s, pos, final)
	}
	l.remember(pos, p)
	return p.shown
}

// readStep reads the rest of step pos's log by its id. It reports false
// when the service refused the id: the whole log is read from then on.
func (l *stepLogs) readStep(ctx context.Context, lv *liveLog, pos int) bool {
	p := lv.p
	_, ended, err := l.stream(ctx, p, lv.id, lv.next, maxLogPages)
	if l.idRefused(err, p, pos) {
		return false
	}
	p.flush()
	l.settle(p, ended, err)
	return true
}

// readWhole reads the record's whole log on from where the last read
// ended: the part of the step that just ended. Its last line is printed
// though incomplete only when the record has ended (final).
func (l *stepLogs) readWhole(ctx context.Context, p *stepPrinter, final bool) {
	next, ended, err := l.stream(ctx, p, "", l.wholeNext, maxLogPages)
	l.wholeNext = next
	if final {
		p.flush()
	}
	l.settle(p, ended, err)
}

// idRefused reports a first read of step pos's log by its id that the
// service refused as invalid: it does not take the ids it gave us, so the
// whole log is read from now on rather than nothing.
func (l *stepLogs) idRefused(err error, p *stepPrinter, pos int) bool {
	if err == nil || !refused(err) || p.read != 0 {
		return false
	}
	l.log.Debugf("Reading the log of step %d by its id was refused (%v); reading the whole log instead.", pos, err)
	l.steps = nil
	return true
}

// remember keeps what step pos's log showed, for the failure annotation;
// the step is not read again.
func (l *stepLogs) remember(pos int, p *stepPrinter) {
	if l.shown == nil {
		l.shown, l.tails = map[int]bool{}, map[int][]string{}
	}
	l.shown[pos], l.tails[pos] = p.shown, p.tail
}

// follow prints what the running step s at position pos has written to
// its log since the last read: one page at most (one log call for each
// state check), from where the last answer ended, complete lines only,
// within the same bounds as the rest of its log. It reports whether it
// printed anything.
func (l *stepLogs) follow(ctx context.Context, s codearts.Step, pos int) bool {
	if l.api == nil || pos <= 0 || l.off {
		return false
	}
	if _, ended := l.shown[pos]; ended || !l.lookUp(ctx) {
		return false
	}
	lv := l.liveOf(s, pos)
	p := lv.p
	if p.spent() || l.spent() {
		return false // the bounds are spent; print says so when the step ends
	}
	printed := p.printed
	err := l.readPage(ctx, lv)
	if lv.id != "" && l.idRefused(err, p, pos) {
		delete(l.live, pos)
		return false
	}
	if err != nil {
		l.disable(err)
		return false
	}
	p.tailed = true
	return p.printed > printed
}

// readPage reads one more page of a running step's log: by its id, or
// the whole log's.
func (l *stepLogs) readPage(ctx context.Context, lv *liveLog) (err error) {
	if lv.id != "" {
		lv.next, _, err = l.stream(ctx, lv.p, lv.id, lv.next, 1)
		return err
	}
	l.wholeNext, _, err = l.stream(ctx, lv.p, "", l.wholeNext, 1)
	return err
}

// spent reports that the run's bounds on reading logs are reached.
func (l *stepLogs) spent() bool {
	return l.read >= maxRunLogRead || l.pages >= maxRunLogPages
}

// liveOf returns what has been read of step pos's log, started afresh.
func (l *stepLogs) liveOf(s codearts.Step, pos int) *liveLog {
	if lv, ok := l.live[pos]; ok {
		return lv
	}
	lv := &liveLog{p: &stepPrinter{l: l}, id: l.steps.IDOf(pos, s.Name)}
	if lv.id != "" {
		lv.p.line = &lineBuf{}
	} else {
		lv.p.line, lv.p.whole = &l.partial, true
	}
	if l.live == nil {
		l.live = map[int]*liveLog{}
	}
	l.live[pos] = lv
	return lv
}

// stream reads one step's log (stepID "" for the whole log) from offset
// into p, at most pages pages, within what is left of the step's and the
// run's bounds.
func (l *stepLogs) stream(ctx context.Context, p *stepPrinter, stepID string, offset int64, pages int) (int64, bool, error) {
	pages = min(pages, maxLogPages-p.pages, maxRunLogPages-l.pages)
	next, pages, ended, err := l.api.StreamLog(ctx, l.appID, l.recordID, stepID, offset, pages, func(text string) bool {
		p.read += int64(len(text))
		l.read += int64(len(text))
		p.write(text)
		return p.read < maxStepLogRead && l.read < maxRunLogRead
	})
	p.pages += pages
	l.pages += pages
	return next, ended, err
}

// settle says where reading a step's log stopped short, and stops reading
// logs once the run's bounds are spent or the log cannot be read.
func (l *stepLogs) settle(p *stepPrinter, ended bool, err error) {
	if err != nil {
		l.disable(err)
		return
	}
	if !ended {
		l.say(p, "… The action stopped reading this log after %s in %d pages; the service had more. The rest is in the CodeArts Deploy console, deployment record %s.",
			formatBytes(p.read), p.pages, l.recordID)
	}
	if l.spent() {
		l.off = true
		l.log.Infof("The action has read as much of the deployment's log as it reads in one run (%s in %d pages); the logs of the steps that follow are in the CodeArts Deploy console, deployment record %s.",
			formatBytes(l.read), l.pages, l.recordID)
	}
}

// say prints a line of the action's own about a step's log, whatever the
// bounds: there are two at most a step (where printing stopped, where
// reading did) and one a run.
func (l *stepLogs) say(p *stepPrinter, format string, a ...any) {
	l.log.Infof(format, a...)
	p.shown = true
}

// tail returns the last n lines read for the step at position pos, or of
// the whole log when none were.
func (l *stepLogs) tail(pos, n int) []string {
	if l.api == nil || pos <= 0 {
		return nil
	}
	lines := l.tails[pos]
	if len(lines) == 0 {
		lines = l.whole
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
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
	if len(l.steps) == 0 {
		l.appSteps(ctx)
	}
	return true
}

// appSteps takes the task's step ids from its application's detail, for a
// task detail that listed none; without them the log is shown whole.
func (l *stepLogs) appSteps(ctx context.Context) {
	app, err := l.api.AppDetail(ctx, l.appID)
	if err != nil {
		l.log.Debugf("The application detail cannot be read (%v); the deployment's log is shown whole, not step by step.", err)
		return
	}
	l.steps = app.StepsOf(l.taskID)
}

// refused reports a request the service rejected as invalid.
func refused(err error) bool {
	apiErr, ok := huawei.AsAPIError(err)
	return ok && apiErr.HTTPStatus == http.StatusBadRequest
}

// disable stops showing the log for the rest of the run, and says why
// when there was an error.
func (l *stepLogs) disable(err error) {
	l.off = true
	if err != nil {
		l.log.Warningf("The deployment's own log cannot be shown: %v", err)
	}
}
