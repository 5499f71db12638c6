package run

import (
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// Printing a step's log as it streams in: line by line, within the
// bounds on a deployment's own log (logs.go), keeping the last lines for
// the failure annotation.

// stepPrinter prints one step's log as it streams in: complete lines,
// within the bounds, and keeps the last ones.
type stepPrinter struct {
	l       *stepLogs
	line    *lineBuf // the line being read: the step's own, or the whole log's
	whole   bool     // the lines are the whole log's: keep them there too
	tail    []string // the last failureLogLines lines
	pages   int
	read    int64 // bytes read
	printed int64 // bytes printed
	shown   bool  // something was printed
	cut     bool  // maxStepLogPrint was reached, and said
	tailed  bool  // followed while the step ran
}

// spent reports that the step's bounds on reading its log are reached.
func (p *stepPrinter) spent() bool {
	return p.read >= maxStepLogRead || p.pages >= maxLogPages
}

// write takes a page's text: it prints the lines it completes and holds
// back the rest of the last one.
func (p *stepPrinter) write(text string) {
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			p.line.add(text)
			return
		}
		p.line.add(text[:i])
		p.emit(p.line.take())
		text = text[i+1:]
	}
}

// flush prints the last line though it has no newline: the log is read to
// its end.
func (p *stepPrinter) flush() {
	if !p.line.empty() {
		p.emit(p.line.take())
	}
}

// emit keeps a line as one of the last and prints it within the bounds.
func (p *stepPrinter) emit(line string) {
	line = strings.TrimSuffix(line, "\r")
	p.keep(huawei.Shorten(line, maxQuotedLine))
	l := p.l
	if p.cut || l.runCut {
		return
	}
	n := int64(len(line)) + 1
	switch {
	case p.printed+n > maxStepLogPrint:
		p.cut = true
		l.say(p, "… The log of this step is cut here, after %s: the action shows at most %s of a step's log. The rest is in the CodeArts Deploy console, deployment record %s.",
			formatBytes(p.printed), formatBytes(maxStepLogPrint), l.recordID)
	case l.printed+n > maxRunLogPrint:
		l.runCut = true
		l.say(p, "… The deployment's log is cut here: the action shows at most %s of it in all. The rest, and the logs of the steps that follow, are in the CodeArts Deploy console, deployment record %s.",
			formatBytes(maxRunLogPrint), l.recordID)
	default:
		l.log.Infof("%s", line)
		p.printed += n
		l.printed += n
		p.shown = true
	}
}

// keep adds a line to the step's last lines (and the whole log's).
func (p *stepPrinter) keep(line string) {
	p.tail = pushLast(p.tail, line, failureLogLines)
	if p.whole {
		p.l.whole = pushLast(p.l.whole, line, failureLogLines)
	}
}

// pushLast appends line to the last n lines, dropping the oldest.
func pushLast(lines []string, line string, n int) []string {
	if len(lines) < n {
		return append(lines, line)
	}
	copy(lines, lines[1:])
	lines[len(lines)-1] = line
	return lines
}

// lineBuf is a line being read across pages, of at most maxLogLine bytes:
// a longer one is cut, and says how much of it was not kept.
type lineBuf struct {
	b       []byte
	dropped int64
}

func (b *lineBuf) add(s string) {
	if room := maxLogLine - len(b.b); room > 0 {
		n := min(room, len(s))
		b.b = append(b.b, s[:n]...)
		s = s[n:]
	}
	b.dropped += int64(len(s))
}

func (b *lineBuf) empty() bool { return len(b.b) == 0 && b.dropped == 0 }

// take returns the line and empties the buffer.
func (b *lineBuf) take() string {
	line := string(b.b)
	if b.dropped > 0 {
		// The cut may have split a character: drop its first bytes.
		line = strings.ToValidUTF8(line, "") + fmt.Sprintf(" … (line cut: %s more not shown)", formatBytes(b.dropped))
	}
	b.b, b.dropped = b.b[:0], 0
	return line
}

// formatBytes writes a size the way the log shows it: 512 B, 16 KiB,
// 1.5 MiB.
func formatBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
