// Package keyless authenticates without long-lived keys: it gets the job's
// OIDC ID token (from GitHub's token endpoint, or a file), exchanges it at
// IAM for a project-scoped token, and renews that token before it expires,
// so a long wait is never interrupted.
package keyless

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// Config says where the ID token comes from and where it is exchanged.
type Config struct {
	IdPID     string // the IAM identity provider (X-Idp-Id)
	ProjectID string // the token's scope
	Audience  string // requested for the GitHub ID token
	IAM       string // IAM base URL

	// The ID token: read from IDTokenFile when set, else requested from
	// RequestURL with the bearer RequestToken (the runner's
	// ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN).
	IDTokenFile  string
	RequestURL   string
	RequestToken string

	// Mask is called with the JWT and each IAM token before they can
	// appear anywhere; Logf tells the log when a token is obtained.
	Mask func(string)
	Logf func(format string, a ...any)

	// RootCAs are the CAs trusted for the ID token request and the
	// exchange (nil: the system's); both go through the proxy the
	// environment names, as every request of the action does.
	RootCAs *x509.CertPool
	// HTTP, when set, sends the ID token request instead.
	HTTP    *http.Client
	Options []huawei.Option // for the IAM client (retries, user agent)
}

// Source supplies IAM tokens; its Token method is a huawei.Credentials
// TokenSource. It is safe for concurrent use.
type Source struct {
	cfg Config
	iam *huawei.Client
	now func() time.Time

	mu       sync.Mutex
	token    string
	obtained time.Time
	expires  time.Time
}

// New returns a Source; nothing is fetched until the first Token call.
func New(cfg Config) (*Source, error) {
	cfg = cfg.withDefaults()
	iam, err := newIAMClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Source{cfg: cfg, iam: iam, now: time.Now}, nil
}

// withDefaults fills in what cfg leaves out: an HTTP client over the
// trusted CAs, and a Mask and Logf that do nothing.
func (cfg Config) withDefaults() Config {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: huawei.Transport(cfg.RootCAs)}
	}
	if cfg.Mask == nil {
		cfg.Mask = func(string) {}
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return cfg
}

// newIAMClient returns the client of the token exchange.
func newIAMClient(cfg Config) (*huawei.Client, error) {
	// No X-Project-Id for IAM, whatever the step's options say: the
	// exchange names its project in the body's scope, and IAM's API pages
	// list no such header for it
	// (https://support.huaweicloud.com/intl/en-us/api-iam/iam_13_0605.html).
	opts := append(slices.Clip(cfg.Options), huawei.WithProjectID(""), huawei.WithRootCAs(cfg.RootCAs))
	return huawei.NewClient("IAM", cfg.IAM, huawei.Credentials{None: true}, opts...)
}

// renewMargin is how long before expiry a token is renewed: a quarter of
// its life, at most five minutes, so short-lived tokens are renewed too.
func renewMargin(life time.Duration) time.Duration {
	return min(life/4, 5*time.Minute)
}

// Token returns a valid IAM token, exchanging a fresh ID token when there
// is none yet or the current one is close to expiry.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.fresh(now) {
		return s.token, nil
	}
	renewing := s.token != ""
	token, expires, err := s.obtain(ctx)
	if err != nil {
		return "", err
	}
	s.token, s.obtained, s.expires = token, now, expires
	s.logObtained(renewing, expires)
	return token, nil
}

// obtain gets a fresh ID token and exchanges it for an IAM token, masking
// each before it can appear anywhere.
func (s *Source) obtain(ctx context.Context) (string, time.Time, error) {
	jwt, err := s.idToken(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	s.cfg.Mask(jwt)
	token, expires, err := s.exchange(ctx, jwt)
	if err != nil {
		return "", time.Time{}, err
	}
	s.cfg.Mask(token)
	return token, expires, nil
}

// logObtained tells the log that a token was obtained, or renewed.
func (s *Source) logObtained(renewing bool, expires time.Time) {
	verb := "Obtained"
	if renewing {
		verb = "Renewed"
	}
	s.cfg.Logf("%s an IAM token through identity provider %s (valid until %s).", verb, s.cfg.IdPID, expires.UTC().Format(time.RFC3339))
}

// fresh reports whether the token held is still good at now, short of
// its renewal margin.
func (s *Source) fresh(now time.Time) bool {
	return s.token != "" && now.Before(s.expires.Add(-renewMargin(s.expires.Sub(s.obtained))))
}

// idToken reads or requests the job's OIDC ID token. A file is read anew
// each time: platforms that mount one rotate it.
func (s *Source) idToken(ctx context.Context) (string, error) {
	if s.cfg.IDTokenFile != "" {
		return s.idTokenFromFile()
	}
	u, err := idTokenURL(s.cfg.RequestURL, s.cfg.Audience)
	if err != nil {
		return "", err
	}
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 500 * time.Millisecond
	return backoff.Retry(ctx, func() (string, error) {
		return s.requestIDToken(ctx, u)
	}, backoff.WithBackOff(b), backoff.WithMaxTries(4))
}

// idTokenURL is the runner's token URL with the audience asked for.
func idTokenURL(requestURL, audience string) (*url.URL, error) {
	u, err := url.Parse(requestURL)
	if err != nil {
		return nil, errors.New("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL")
	}
	q := u.Query()
	q.Set("audience", audience)
	u.RawQuery = q.Encode()
	return u, nil
}

// idTokenFromFile reads the ID token from HUAWEICLOUD_SDK_ID_TOKEN_FILE.
func (s *Source) idTokenFromFile() (string, error) {
	b, err := os.ReadFile(s.cfg.IDTokenFile)
	if err != nil {
		return "", fmt.Errorf("reading the ID token file (HUAWEICLOUD_SDK_ID_TOKEN_FILE): %w", err)
	}
	jwt := strings.TrimSpace(string(b))
	if jwt == "" {
		return "", errors.New("the ID token file (HUAWEICLOUD_SDK_ID_TOKEN_FILE) is empty")
	}
	return jwt, nil
}

// requestIDToken asks the runner's token service at u once; an error
// that no retry can fix is backoff.Permanent.
func (s *Source) requestIDToken(ctx context.Context, u *url.URL) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", backoff.Permanent(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.RequestToken)
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return "", idTokenTransportError(u.Host, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return idTokenAnswer(resp.StatusCode, body)
}

// idTokenTransportError is the error of a token request to host that got
// no answer: backoff.Permanent when no retry can fix it.
func idTokenTransportError(host string, err error) error {
	if reason := huawei.UnreachableReason(err); reason != "" {
		// No retry can fix it: say why at once.
		return backoff.Permanent(fmt.Errorf("requesting the job's ID token: cannot reach %s: %s", host, reason))
	}
	return fmt.Errorf("requesting the job's ID token: %w", huawei.StripURL(err))
}

// idTokenAnswer reads the token service's answer of status and body: the
// token, an error to retry (throttling, a server fault), or a
// backoff.Permanent one.
func idTokenAnswer(status int, body []byte) (string, error) {
	switch {
	case status == http.StatusOK:
	case status == http.StatusTooManyRequests || status >= 500:
		return "", fmt.Errorf("requesting the job's ID token: HTTP %d", status)
	default:
		return "", backoff.Permanent(fmt.Errorf("requesting the job's ID token: HTTP %d; the job needs `permissions: id-token: write`", status))
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return "", backoff.Permanent(errors.New("requesting the job's ID token: the answer carries no token"))
	}
	return out.Value, nil
}

// exchange trades the JWT for a project-scoped IAM token.
//
// API: IAM, "Obtaining a Token with an OpenID Connect ID Token".
func (s *Source) exchange(ctx context.Context, jwt string) (string, time.Time, error) {
	var out struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	resp, err := s.iam.Do(ctx, s.exchangeRequest(jwt), &out)
	if err != nil {
		return "", time.Time{}, s.explain(err)
	}
	token := resp.Header.Get("X-Subject-Token")
	if token == "" {
		return "", time.Time{}, fmt.Errorf("IAM answered the ID token exchange without a token (request id %s)", resp.RequestID)
	}
	return token, s.expiry(out.Token.ExpiresAt), nil
}

// exchangeRequest is the exchange of jwt for a token scoped to the
// project, through the identity provider.
func (s *Source) exchangeRequest(jwt string) huawei.Request {
	return huawei.Request{
		Method: http.MethodPost,
		Path:   "/v3.0/OS-AUTH/id-token/tokens",
		Header: http.Header{"X-Idp-Id": {s.cfg.IdPID}},
		Body: map[string]any{"auth": map[string]any{
			"id_token": map[string]string{"id": jwt},
			"scope":    map[string]any{"project": map[string]string{"id": s.cfg.ProjectID}},
		}},
		// A second exchange only issues a second token: safe to retry.
		Idempotent: true,
	}
}

// expiry reads the token's expires_at; without one, it assumes IAM's
// documented 24 hours from now.
func (s *Source) expiry(expiresAt string) time.Time {
	expires, err := time.Parse(time.RFC3339Nano, expiresAt)
	if err != nil {
		return s.now().Add(24 * time.Hour)
	}
	return expires
}

// explain adds what to configure to IAM's own message.
func (s *Source) explain(err error) error {
	apiErr, ok := huawei.AsAPIError(err)
	if !ok {
		return fmt.Errorf("exchanging the ID token at IAM: %w", err)
	}
	return fmt.Errorf("IAM refused the ID token: %w; %s", err, s.hint(apiErr))
}

// hint says what to configure after IAM refused the exchange with apiErr.
func (s *Source) hint(apiErr *huawei.APIError) string {
	hint := fmt.Sprintf("check identity provider %q in IAM: it must be an OIDC provider for issuer https://token.actions.githubusercontent.com whose client id is %q (oidc_audience), and its mapping rules must allow this workflow's subject, e.g. repo:ORG/REPO:ref:refs/heads/main", s.cfg.IdPID, s.cfg.Audience)
	switch {
	case apiErr.HTTPStatus == http.StatusNotFound:
		hint = fmt.Sprintf("identity provider %q does not exist in IAM: create it (Identity providers, protocol OIDC) or fix idp_id", s.cfg.IdPID)
	case strings.Contains(strings.ToLower(apiErr.Message), "expire"):
		hint = "the ID token expired before it was exchanged; check the runner's clock"
	case apiErr.HTTPStatus == http.StatusBadRequest && strings.Contains(strings.ToLower(apiErr.Message), "project"):
		hint = "check project_id: the token is scoped to that IAM project"
	}
	return hint
}
