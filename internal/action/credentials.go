package action

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// This file reads the credentials: access keys, an IAM token, or keyless
// authentication (the job's OIDC ID token exchanged with IAM).

// DefaultOIDCAudience is the audience requested for the job's ID token by
// default: the client id to register with the IAM identity provider.
const DefaultOIDCAudience = "sts.huaweicloud.com"

// permissionsFix is what a job needs for GitHub to give it an ID token.
const permissionsFix = "add to the workflow or the job:\n  permissions:\n    id-token: write"

var idpIDRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// credentials are the credential inputs as given, with whether each came
// from the input itself (explicit) rather than from the environment.
type credentials struct {
	ak, sk, st, token, idp                          string
	akExplicit, skExplicit, stExplicit, idpExplicit bool
}

// keysExplicit reports whether an access key input is given.
func (cr credentials) keysExplicit() bool { return cr.akExplicit || cr.skExplicit }

// readCredentials reads every credential input and its environment
// fallbacks, and remembers the values to scrub them from error texts.
func (l *loader) readCredentials() credentials {
	var cr credentials
	cr.ak, cr.akExplicit = l.withEnv("access_key_id", EnvAccessKeyID, EnvSDKAccessKey)
	cr.sk, cr.skExplicit = l.withEnv("secret_access_key", EnvSecretAccessKey, EnvSDKSecretKey)
	cr.st, cr.stExplicit = l.withEnv("security_token", EnvSecurityToken)
	cr.token = l.input("auth_token")
	cr.idp, cr.idpExplicit = l.withEnv("idp_id", EnvIdPID)
	l.envSecrets = append(l.envSecrets, cr.ak, cr.sk, cr.st, cr.token, l.getenv(EnvIDTokenRequestToken))
	return cr
}

// loadCredentials applies the authentication rules: an explicit auth_token
// wins over keys that only come from the environment (a job may export keys
// for other steps), but keys given as inputs next to a token are a conflict
// the author must resolve.
//
// Precedence: explicit inputs, then keyless (OIDC), then the environment's
// keys. Two explicit methods at once are an error.
func (l *loader) loadCredentials(c *Config) {
	cr := l.readCredentials()
	if !l.plainCredentials(map[string]string{"access_key_id": cr.ak, "secret_access_key": cr.sk,
		"security_token": cr.st, "auth_token": cr.token, "idp_id": cr.idp}) {
		return
	}
	switch {
	case cr.token != "":
		l.useToken(c, cr)
	case cr.keysExplicit() && cr.idpExplicit:
		l.fail("idp_id", "cannot be combined with access_key_id/secret_access_key inputs; use one authentication method")
	case !cr.keysExplicit() && cr.idp != "" && cr.stExplicit:
		l.fail("security_token", "applies only with access_key_id and secret_access_key, not with keyless authentication (idp_id)")
	case !cr.keysExplicit() && cr.idp != "":
		l.loadKeyless(c, cr.idp)
	default:
		l.useKeys(c, cr)
	}
}

// useToken takes auth_token, unless another explicit method is given too.
func (l *loader) useToken(c *Config, cr credentials) {
	switch {
	case cr.keysExplicit():
		l.fail("auth_token", "cannot be combined with access_key_id/secret_access_key inputs; use one authentication method")
	case cr.stExplicit:
		l.fail("security_token", "applies only with access_key_id and secret_access_key, not with auth_token")
	case cr.idpExplicit:
		l.fail("idp_id", "cannot be combined with auth_token; use one authentication method")
	default:
		c.AuthToken = cr.token
	}
}

// useKeys takes the access keys, which must come as a pair; a security
// token is only their companion.
func (l *loader) useKeys(c *Config, cr credentials) {
	switch {
	case cr.ak != "" && cr.sk != "":
		c.AccessKeyID, c.SecretAccessKey, c.SecurityToken = cr.ak, cr.sk, cr.st
		return
	case cr.ak == "" && cr.sk == "":
		l.fail("access_key_id/secret_access_key, auth_token or idp_id",
			"no credentials given; set the inputs access_key_id and secret_access_key (or the environment variables %s and %s, or %s and %s), the input auth_token, or idp_id for keyless authentication",
			EnvAccessKeyID, EnvSecretAccessKey, EnvSDKAccessKey, EnvSDKSecretKey)
	case cr.ak == "":
		l.fail("access_key_id", "required with secret_access_key (or set %s)", EnvAccessKeyID)
	default:
		l.fail("secret_access_key", "required with access_key_id (or set %s)", EnvSecretAccessKey)
	}
	if cr.st != "" {
		l.fail("security_token", "requires access_key_id and secret_access_key")
	}
}

// plainCredentials fails each credential with a control character in it:
// a line break or tab pasted into a secret would be sent in a header, which
// the HTTP client refuses or the gateway rejects, and the step would end in
// a confusing retry or timeout. The message never shows the value.
func (l *loader) plainCredentials(values map[string]string) bool {
	ok := true
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if strings.ContainsFunc(values[name], unicode.IsControl) {
			l.fail(name, "contains a line break or another control character; store the secret as one line, without trailing newline or tab")
			ok = false
		}
	}
	return ok
}

// loadKeyless reads what keyless authentication needs: the IAM endpoint,
// the audience, and where the job's ID token comes from.
func (l *loader) loadKeyless(c *Config, idp string) {
	c.IdPID = idp
	if !idpIDRE.MatchString(idp) {
		l.fail("idp_id", "must be 1 to 64 letters, digits, '_', '.' or '-', got %s", quote(idp))
	}
	c.OIDCAudience = l.input("oidc_audience")
	if c.OIDCAudience == "" {
		c.OIDCAudience = DefaultOIDCAudience
	}
	l.loadIAMEndpoint(c)
	l.loadIDTokenSource(c)
}

// loadIAMEndpoint reads iam_endpoint (or HUAWEICLOUD_SDK_IAM_ENDPOINT).
// Without either, IAMEndpoint stays "" and the IAM endpoint follows the
// region, as the SDK's does (see Config.IAMEndpoint).
func (l *loader) loadIAMEndpoint(c *Config) {
	iam, explicit := l.withEnv("iam_endpoint", EnvIAMEndpoint)
	if iam == "" {
		return
	}
	if !explicit && !strings.Contains(iam, "://") {
		// The SDK takes a bare host in this variable and adds https://
		// (huaweicloud-sdk-go-v3 v0.1.207 core/auth/internal/iam_helper.go,
		// GetIamEndpoint).
		iam = "https://" + iam
	}
	if ep, ok := l.endpoint("iam_endpoint", iam); ok {
		c.IAMEndpoint = ep
	}
}

// loadIDTokenSource finds where the job's ID token comes from: a file
// (HUAWEICLOUD_SDK_ID_TOKEN_FILE) wins over the runner's request URL,
// which the job has only with the id-token permission.
func (l *loader) loadIDTokenSource(c *Config) {
	if f := strings.TrimSpace(l.getenv(EnvIDTokenFile)); f != "" {
		c.IDTokenFile = f
		return
	}
	reqURL := strings.TrimSpace(l.getenv(EnvIDTokenRequestURL))
	reqToken := strings.TrimSpace(l.getenv(EnvIDTokenRequestToken))
	if reqURL == "" || reqToken == "" {
		l.fail("idp_id", "keyless authentication needs the job's OIDC ID token, but %s is not set: the job lacks the permission to request one; %s",
			EnvIDTokenRequestURL, permissionsFix)
		return
	}
	if !validTokenRequestURL(reqURL) {
		l.fail("idp_id", "%s is not an https URL; it carries the job's token request credential", EnvIDTokenRequestURL)
		return
	}
	c.IDTokenRequestURL, c.IDTokenRequestToken = reqURL, reqToken
}

// validTokenRequestURL reports whether the runner's ID token request URL
// is one to send the request credential to: https, or http to loopback
// (a local runner or a test).
func validTokenRequestURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))
}
