package action

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file reads the inputs of the health gate and the CA bundles to
// trust.

// Health gate defaults and bounds (interface.md: health_status 200-399,
// health_timeout 5m, health_healthy 3).
const (
	DefaultHealthStatus   = "200-399"
	DefaultHealthTimeout  = 5 * time.Minute
	DefaultHealthHealthy  = 3
	DefaultHealthInterval = 5 * time.Second

	// MinHealthInterval keeps a check loop from hammering the service;
	// MaxHealthHealthy bounds the streak asked for.
	MinHealthInterval = 200 * time.Millisecond
	MaxHealthInterval = 10 * time.Minute
	MaxHealthHealthy  = 100
)

// HealthGate is the health check after a successful deployment: GET URL
// until Healthy answers in a row are good (a status in Status and, when
// asked, a body that contains Body or matches BodyRE), for at most
// Timeout, Interval apart.
type HealthGate struct {
	URL      string
	Status   StatusRanges
	Body     string         // as given; "" checks no body
	BodyRE   *regexp.Regexp // set when Body is written /like this/
	Timeout  time.Duration
	Healthy  int
	Interval time.Duration
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct{ Lo, Hi int }

// StatusRanges is a set of accepted HTTP status codes.
type StatusRanges []StatusRange

// Contains reports whether code is one of the accepted codes.
func (r StatusRanges) Contains(code int) bool {
	for _, s := range r {
		if code >= s.Lo && code <= s.Hi {
			return true
		}
	}
	return false
}

// String writes the set as health_status takes it: 200-299,301.
func (r StatusRanges) String() string {
	parts := make([]string, len(r))
	for i, s := range r {
		parts[i] = strconv.Itoa(s.Lo)
		if s.Hi != s.Lo {
			parts[i] += "-" + strconv.Itoa(s.Hi)
		}
	}
	return strings.Join(parts, ",")
}

// ParseStatusRanges reads a health_status value: codes and ranges of codes
// (100-599), separated by commas, e.g. "200-399" or "200,204,301-302".
func ParseStatusRanges(s string) (StatusRanges, error) {
	var out StatusRanges
	for _, part := range strings.Split(s, ",") {
		r, err := parseStatusRange(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// parseStatusRange reads one entry of health_status: 200 or 200-299.
func parseStatusRange(part string) (StatusRange, error) {
	a, b, ok := statusCodes(part)
	switch {
	case part == "":
		return StatusRange{}, errors.New("an empty entry; write codes or ranges separated by commas, e.g. 200-399 or 200,204")
	case !ok:
		return StatusRange{}, fmt.Errorf("%s is not a status code or a range like 200-299", quote(part))
	case a < 100 || b > 599 || a > 599 || b < 100:
		return StatusRange{}, fmt.Errorf("%s is outside 100-599", quote(part))
	case a > b:
		return StatusRange{}, fmt.Errorf("%s: the range ends before it starts", quote(part))
	}
	return StatusRange{a, b}, nil
}

// statusCodes reads the numbers of "200" (lo = hi) or "200-299", without
// checking them; ok is false when one is not a number.
func statusCodes(part string) (lo, hi int, ok bool) {
	first, last, isRange := strings.Cut(part, "-")
	lo, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, 0, false
	}
	if !isRange {
		return lo, lo, true
	}
	hi, err = strconv.Atoi(strings.TrimSpace(last))
	return lo, hi, err == nil
}

// loadHealth reads the health gate's inputs when health_url is given.
// Without it the other health inputs keep their action.yml defaults and
// are not checked, except health_body, which has no default: given alone
// it is a mistake worth naming.
func (l *loader) loadHealth(c *Config) {
	raw := l.input("health_url")
	if raw == "" {
		if l.input("health_body") != "" {
			l.fail("health_body", "applies only with health_url; set health_url to the address to check")
		}
		return
	}
	h := &HealthGate{Healthy: DefaultHealthHealthy}
	if u, ok := l.healthURL(raw); ok {
		h.URL = u
	}
	l.healthStatus(h)
	l.healthBody(h)
	l.healthTimes(h)
	l.healthHealthy(h)
	c.Health = h
}

// healthStatus reads health_status, the accepted status codes.
func (l *loader) healthStatus(h *HealthGate) {
	status := l.input("health_status")
	if status == "" {
		status = DefaultHealthStatus
	}
	if r, err := ParseStatusRanges(status); err != nil {
		l.fail("health_status", "%v", err)
	} else {
		h.Status = r
	}
}

// healthBody reads health_body: text the answer must contain, or a
// regular expression when it is written /like this/.
func (l *loader) healthBody(h *HealthGate) {
	h.Body = l.input("health_body")
	if len(h.Body) < 2 || !strings.HasPrefix(h.Body, "/") || !strings.HasSuffix(h.Body, "/") {
		return
	}
	re, err := regexp.Compile(h.Body[1 : len(h.Body)-1])
	if err != nil {
		l.fail("health_body", "is written /like this/, so it is a regular expression (RE2 syntax), but it does not compile: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return
	}
	h.BodyRE = re
}

// healthTimes reads health_timeout and health_interval; the interval is
// compared with the timeout only when both are valid.
func (l *loader) healthTimes(h *HealthGate) {
	timeout, tOK := l.healthTimeout()
	h.Timeout = timeout
	interval, iOK := l.healthInterval()
	if tOK && iOK && interval > timeout {
		l.fail("health_interval", "%s must not exceed health_timeout %s", interval, timeout)
	}
	h.Interval = interval
}

// healthTimeout reads health_timeout; ok is false when it is not valid.
func (l *loader) healthTimeout() (d time.Duration, ok bool) {
	d, ok = l.duration("health_timeout", DefaultHealthTimeout)
	if ok && d < MinTimeout {
		l.fail("health_timeout", "must be at least %s, got %s", MinTimeout, d)
		return d, false
	}
	return d, ok
}

// healthInterval reads health_interval; ok is false when it is not valid.
func (l *loader) healthInterval() (d time.Duration, ok bool) {
	d, ok = l.duration("health_interval", DefaultHealthInterval)
	if ok && (d < MinHealthInterval || d > MaxHealthInterval) {
		l.fail("health_interval", "must be between %s and %s, got %s", MinHealthInterval, shortDuration(MaxHealthInterval), d)
		return d, false
	}
	return d, ok
}

// healthHealthy reads health_healthy, the good answers needed in a row.
func (l *loader) healthHealthy(h *HealthGate) {
	v := l.input("health_healthy")
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxHealthHealthy {
		l.fail("health_healthy", "%s is not a whole number from 1 to %d (good answers in a row)", quote(v), MaxHealthHealthy)
		return
	}
	h.Healthy = n
}

// healthURL checks the address of the health gate. The URL is the
// service's own, not Huawei's: http is allowed anywhere, but user
// credentials are not, since the action never sends credentials there.
// The value is never echoed: it could carry a token in its query.
func (l *loader) healthURL(v string) (string, bool) {
	const name = "health_url"
	u, err := url.Parse(v)
	switch {
	case err != nil:
		l.fail(name, "is not a valid URL")
	case u.User != nil:
		l.fail(name, "must not contain user credentials: the action sends no credentials to the health check")
	case u.Scheme != "https" && u.Scheme != "http":
		l.fail(name, "must be an absolute http or https URL like https://app.example.com/healthz, got scheme %s", quote(u.Scheme))
	case u.Host == "" || u.Hostname() == "":
		l.fail(name, "must be an absolute URL with a host, like https://app.example.com/healthz")
	case !validPort(u.Port()):
		l.fail(name, "port %s is not a port number between 1 and 65535", quote(u.Port()))
	case u.Fragment != "" || strings.Contains(v, "#"):
		l.fail(name, "must not have a fragment (#...)")
	default:
		return u.String(), true
	}
	return "", false
}

// CABundle is a file of PEM certificates the action trusts besides the
// system's roots.
type CABundle struct {
	// Source names where the path came from: "ca_file" or "SSL_CERT_FILE".
	Source string
	// Path is the file as read (a relative ca_file is taken in the
	// workspace).
	Path string
	// PEM is the file's content; it holds at least one certificate.
	PEM []byte
}

// EnvSSLCertFile names a CA bundle, the OpenSSL convention that Go's
// crypto/x509 also follows on Linux.
const EnvSSLCertFile = "SSL_CERT_FILE"

// maxCABundleBytes bounds what is read of a CA bundle; the largest public
// bundles are a few hundred KiB.
const maxCABundleBytes = 8 << 20

// loadCABundles reads the CA bundles of ca_file and SSL_CERT_FILE, so a
// missing or empty file fails the step before anything is sent, with the
// reason, instead of as an untrusted certificate later.
func (l *loader) loadCABundles(c *Config) {
	if v := l.input("ca_file"); v != "" {
		path := inWorkspace(strings.TrimSpace(l.getenv("GITHUB_WORKSPACE")), v)
		if b, ok := l.caBundle("ca_file", path); ok {
			c.CABundles = append(c.CABundles, CABundle{Source: "ca_file", Path: path, PEM: b})
		}
	}
	if v := strings.TrimSpace(l.getenv(EnvSSLCertFile)); v != "" {
		if b, ok := l.caBundle(EnvSSLCertFile, v); ok {
			c.CABundles = append(c.CABundles, CABundle{Source: EnvSSLCertFile, Path: v, PEM: b})
		}
	}
}

// inWorkspace takes a relative path in the workspace ws, when there is one.
func inWorkspace(ws, path string) string {
	if ws == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(ws, path)
}

// caBundle reads and checks one bundle: a file of at least one PEM
// certificate that parses.
func (l *loader) caBundle(name, path string) ([]byte, bool) {
	if !l.caBundleFile(name, path) {
		return nil, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		l.fail(name, "cannot read %s: %v", quote(path), errors.Unwrap(err))
		return nil, false
	}
	n, problem := countCertificates(b)
	switch {
	case problem != "":
		l.fail(name, "%s: %s", quote(path), problem)
	case n == 0:
		l.fail(name, "%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", quote(path))
	default:
		return b, true
	}
	return nil, false
}

// caBundleFile checks, before reading it, that path is a file small
// enough to be a bundle.
func (l *loader) caBundleFile(name, path string) bool {
	const mounted = "; a container action sees only the workspace (and the runner's temp and home folders) of the runner's files: keep the bundle in the workspace and give its path relative to it"
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.fail(name, "file %s does not exist%s", quote(path), mounted)
	case err != nil:
		l.fail(name, "cannot read %s: %v", quote(path), errors.Unwrap(err))
	case st.IsDir():
		l.fail(name, "%s is a folder; name a file of PEM certificates", quote(path))
	case st.Size() > maxCABundleBytes:
		l.fail(name, "%s is larger than %d MiB; name a file of PEM certificates", quote(path), maxCABundleBytes>>20)
	default:
		return true
	}
	return false
}

// countCertificates counts the PEM certificates of a bundle and names the
// first that does not parse.
func countCertificates(b []byte) (int, string) {
	n := 0
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return n, ""
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		n++
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return n, fmt.Sprintf("certificate %d does not parse: %v", n, err)
		}
	}
}
