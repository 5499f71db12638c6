package action

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// This file reads where requests go: the region, and the endpoint that
// overrides the host derived from it.

// loadEndpointAndRegion reads region (or HUAWEI_CLOUD_REGION) and
// endpoint; one of them is needed to know where requests go.
func (l *loader) loadEndpointAndRegion(c *Config) {
	region, _ := l.withEnv("region", EnvRegion)
	if v := l.input("endpoint"); v != "" {
		if ep, ok := l.endpoint("endpoint", v); ok {
			c.Endpoint = ep
		}
	}
	switch {
	case region != "":
		l.useRegion(c, region)
	case l.input("endpoint") == "":
		l.fail("region", "required (or set %s), unless endpoint is given", EnvRegion)
	}
}

// useRegion takes a region given. huawei owns the region shape: an
// unknown but well-formed region is accepted, a malformed one is not.
func (l *loader) useRegion(c *Config, region string) {
	if !huawei.ValidRegion(region) {
		l.fail("region", "%s is not a region name like cn-north-4", quote(region))
		return
	}
	c.Region = region
}

// endpoint validates a base URL override. It never echoes the value: a URL
// may carry user:password, and a parse failure could be anything.
func (l *loader) endpoint(name, v string) (string, bool) {
	u, err := url.Parse(v)
	if err != nil {
		l.fail(name, "is not a valid URL")
		return "", false
	}
	switch {
	case u.User != nil:
		l.fail(name, "must not contain user credentials; use access_key_id/secret_access_key or auth_token")
	case u.Scheme != "https" && u.Scheme != "http":
		l.fail(name, "must be an absolute https URL like https://codearts-deploy.cn-north-4.myhuaweicloud.com, got scheme %s", quote(u.Scheme))
	case u.Host == "" || u.Hostname() == "":
		l.fail(name, "must be an absolute URL with a host, like https://codearts-deploy.cn-north-4.myhuaweicloud.com")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		l.fail(name, "http is allowed only to loopback hosts (localhost, 127.0.0.0/8, ::1), got host %s; use https", quote(u.Hostname()))
	case !validPort(u.Port()):
		l.fail(name, "port %s is not a port number between 1 and 65535", quote(u.Port()))
	case u.RawQuery != "" || u.ForceQuery:
		l.fail(name, "must not have a query (?...)")
	case u.Fragment != "" || strings.Contains(v, "#"):
		l.fail(name, "must not have a fragment (#...)")
	default:
		return strings.TrimRight(u.String(), "/"), true
	}
	return "", false
}

// validPort reports whether a URL's port is absent (the scheme's default)
// or a TCP port, 1-65535: anything else can never be dialled, and would
// only fail after every retry.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// isLoopback reports whether host can only be reached on this machine, the
// one case where credentials may travel over plain http (the simulator).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
