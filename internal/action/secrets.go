package action

import "net/url"

// secretInputs are the inputs and environment variables that carry
// credentials.
var secretInputs = []string{
	"INPUT_ACCESS_KEY_ID", "INPUT_SECRET_ACCESS_KEY", "INPUT_SECURITY_TOKEN", "INPUT_AUTH_TOKEN",
	"HUAWEI_CLOUD_ACCESS_KEY_ID", "HUAWEI_CLOUD_SECRET_ACCESS_KEY",
	"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN",
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN",
}

// SecretInputs returns every value that may be secret, read straight from
// the environment without validation, so it can be masked before the first
// log line even when the inputs turn out to be invalid: credentials from
// inputs and their environment fallbacks, and encrypt parameter values as
// far as params can be parsed.
func SecretInputs(getenv func(string) string) []string {
	var out []string
	for _, name := range secretInputs {
		if v := getenv(name); v != "" {
			out = append(out, v)
		}
	}
	out = append(out, proxySecrets(getenv)...)
	if params, err := ParseParams(getenv("INPUT_PARAMS")); err == nil {
		for _, p := range params {
			if p.Type == "encrypt" && p.Value != "" {
				out = append(out, p.Value)
			}
		}
	}
	return out
}

// proxyVars are the proxy settings Go's net/http honours (either case).
var proxyVars = []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"}

// proxySecrets returns the password of a proxy URL such as
// http://user:password@proxy:3128: net/http sends it to the proxy only,
// but an error text that quoted the URL would show it.
func proxySecrets(getenv func(string) string) []string {
	var out []string
	for _, name := range proxyVars {
		u, err := url.Parse(getenv(name))
		if err != nil || u.User == nil {
			continue
		}
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw)
		}
	}
	return out
}
