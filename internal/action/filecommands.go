package action

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// FileCommand is one record of a GITHUB_OUTPUT or GITHUB_STATE file.
type FileCommand struct {
	Name  string
	Value string
}

// ParseFileCommands reads the records of a file-command file the way the
// runner does: "name=value" on one line, or "name<<DELIMITER", the value's
// lines, and DELIMITER alone on a line. The file must end with a newline.
// A line that is neither, or a value its delimiter never closes, is an
// error: Files never writes one, so a test or the demo must see it.
// It is the one reader of these files, for the demo and every test.
func ParseFileCommands(text string) ([]FileCommand, error) {
	var out []FileCommand
	if text == "" {
		return out, nil
	}
	if !strings.HasSuffix(text, "\n") {
		return nil, errors.New("file command file does not end with a newline")
	}
	rest := text
	for rest != "" {
		line, tail, _ := strings.Cut(rest, "\n")
		name, value, after, err := parseRecord(line, tail)
		if err != nil {
			return nil, err
		}
		out = append(out, FileCommand{Name: name, Value: value})
		rest = after
	}
	return out, nil
}

// parseRecord reads the record that starts at line; tail is what follows
// line's newline. It returns the rest of the file after the record.
func parseRecord(line, tail string) (name, value, rest string, err error) {
	heredoc := strings.Index(line, "<<")
	equals := strings.Index(line, "=")
	if equals > 0 && (heredoc < 0 || equals < heredoc) {
		return line[:equals], line[equals+1:], tail, nil
	}
	if heredoc < 1 || heredoc+2 == len(line) {
		return "", "", "", fmt.Errorf("malformed file command line %.80q", line)
	}
	name, delim := line[:heredoc], line[heredoc+2:]
	if strings.HasPrefix(tail, delim+"\n") {
		return name, "", tail[len(delim)+1:], nil
	}
	value, rest, closed := strings.Cut(tail, "\n"+delim+"\n")
	if !closed {
		return "", "", "", fmt.Errorf("the value of %s is not closed by its delimiter", name)
	}
	return name, value, rest, nil
}

// ReadFileCommands reads a file-command file into a map, later records
// winning as they do for the runner. A file that does not exist holds no
// record.
func ReadFileCommands(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	records, err := ParseFileCommands(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]string, len(records))
	for _, r := range records {
		out[r.Name] = r.Value
	}
	return out, nil
}
