package cli

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/keyless"
	"github.com/deploy-action/deploy-action/internal/rts"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// This file builds what every step's requests share: the credentials, the
// service clients, their options and the CAs they trust.

// clientOptions are the options every service client of a step shares.
func clientOptions(cfg *action.Config, log *action.Log) []huawei.Option {
	policy := huawei.DefaultRetryPolicy
	policy.AttemptTimeout = cfg.RequestTimeout
	return []huawei.Option{
		huawei.WithRootCAs(rootCAs(cfg, log)),
		huawei.WithRetryPolicy(policy),
		huawei.WithProjectID(cfg.ProjectID),
		huawei.WithUserAgent("deploy-action/" + Version),
		huawei.WithDebug(log.Debugf),
		huawei.WithRedact(log.Scrub),
		huawei.WithRetryNotify(func(e huawei.RetryEvent) { notifyRetry(log, e) }),
	}
}

// notifyRetry tells the log why a request is sent again, or not.
func notifyRetry(log *action.Log, e huawei.RetryEvent) {
	if e.ClockCorrection != 0 {
		log.Warningf("The gateway refused the signature and its clock is %s the runner's: signing again by the gateway's clock. Check the runner's time sync.", describeOffset(e.ClockCorrection))
		return
	}
	if e.NoRetry {
		log.Warningf("%v; the server asked for %s (Retry-After), more than the time left, so the call is not retried.", e.Err, describeWait(e.ServerAsked))
		return
	}
	capped := ""
	if e.ServerAsked > 0 {
		capped = fmt.Sprintf(" (the server asked for %s; the action waits %s at most)", describeWait(e.ServerAsked), run.FormatDuration(huawei.MaxServerWait))
	}
	log.Warningf("%v; retrying in %s%s (attempt %d).", e.Err, run.FormatDuration(e.Wait), capped, e.Attempt+1)
}

// describeOffset says how far and which way the gateway's clock is off;
// whole minutes suffice, as only an offset over five minutes is corrected.
func describeOffset(d time.Duration) string {
	way := "ahead of"
	if d < 0 {
		d, way = -d, "behind"
	}
	return fmt.Sprintf("about %d minutes %s", int(d.Round(time.Minute)/time.Minute), way)
}

// describeWait names a server-asked wait; absurd ones in years or hours.
func describeWait(d time.Duration) string {
	switch {
	case d >= 365*24*time.Hour:
		return fmt.Sprintf("%d years", int(d/(365*24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return run.FormatDuration(d)
}

// checkRegion resolves the operation's endpoint before anything is sent,
// keyless token exchange included: a known region that lacks the service
// fails here, with the regions that have it. A region the action's tables
// do not know still gets the usual host, and the log says so once.
func checkRegion(cfg *action.Config, log *action.Log) error {
	op, ok := operations[cfg.Operation]
	if !ok {
		return nil
	}
	base, err := huawei.Endpoint(op.service, cfg.Region, cfg.Endpoint)
	if err != nil {
		return err
	}
	if cfg.Endpoint == "" && !huawei.KnownRegion(cfg.Region) {
		log.Noticef("Region %s is not in the action's list of Huawei Cloud regions; using the usual host %s. "+
			"If the step cannot reach it, check region, or set endpoint to the service's URL.", cfg.Region, base)
	}
	return nil
}

// authenticate returns the step's credentials. For keyless authentication
// it obtains the first IAM token now, so a misconfigured identity provider
// fails the step with IAM's own message before anything else is sent; the
// token is renewed later as it nears expiry.
func authenticate(ctx context.Context, cfg *action.Config, log *action.Log) (huawei.Credentials, error) {
	if cfg.IdPID == "" {
		return huawei.Credentials{
			AccessKeyID:     cfg.AccessKeyID,
			SecretAccessKey: cfg.SecretAccessKey,
			SecurityToken:   cfg.SecurityToken,
			AuthToken:       cfg.AuthToken,
		}, nil
	}
	src, err := keylessSource(cfg, log)
	if err != nil {
		return huawei.Credentials{}, err
	}
	if _, err := src.Token(ctx); err != nil {
		return huawei.Credentials{}, err
	}
	return huawei.Credentials{TokenSource: src.Token}, nil
}

// keylessSource is the IAM token source of keyless authentication.
func keylessSource(cfg *action.Config, log *action.Log) (*keyless.Source, error) {
	iam := cfg.IAMEndpoint
	if iam == "" {
		// As the SDK picks IAM by region: the regional endpoint of the
		// IAM table, else the global one (huawei.IAMEndpoint).
		iam = huawei.IAMEndpoint(cfg.Region)
	}
	log.Debugf("Keyless: exchanging the ID token at %s.", iam)
	return keyless.New(keyless.Config{
		IdPID:        cfg.IdPID,
		ProjectID:    cfg.ProjectID,
		Audience:     cfg.OIDCAudience,
		IAM:          iam,
		IDTokenFile:  cfg.IDTokenFile,
		RequestURL:   cfg.IDTokenRequestURL,
		RequestToken: cfg.IDTokenRequestToken,
		Mask:         func(v string) { log.AddMask(v) },
		Logf:         log.Infof,
		RootCAs:      rootCAs(cfg, log),
		Options:      clientOptions(cfg, log),
	})
}

// newClient builds a service's client at the endpoint of the inputs and
// returns it with its base URL.
func newClient[C any](service string, build func(string, huawei.Credentials, ...huawei.Option) (C, error),
	cfg *action.Config, creds huawei.Credentials, log *action.Log) (C, string, error) {
	base, err := huawei.Endpoint(service, cfg.Region, cfg.Endpoint)
	if err != nil {
		var none C
		return none, "", err
	}
	c, err := build(base, creds, clientOptions(cfg, log)...)
	return c, base, err
}

func codeartsClient(cfg *action.Config, creds huawei.Credentials, log *action.Log) (*codearts.Client, string, error) {
	return newClient(huawei.ServiceCodeArtsDeploy, codearts.New, cfg, creds, log)
}

func servicestageClient(cfg *action.Config, creds huawei.Credentials, log *action.Log) (*servicestage.Client, string, error) {
	return newClient(huawei.ServiceServiceStage, servicestage.New, cfg, creds, log)
}

func rtsClient(cfg *action.Config, creds huawei.Credentials, log *action.Log) (*rts.Client, string, error) {
	return newClient(huawei.ServiceRTS, rts.New, cfg, creds, log)
}

// caPools remembers the pool built for a configuration: every client of a
// step (each service, IAM, the token endpoint, the health check) trusts
// the same roots, read once.
var caPools struct {
	sync.Mutex
	cfg  *action.Config
	pool *x509.CertPool
}

// rootCAs returns the CAs to trust: the system's and those of ca_file and
// SSL_CERT_FILE; nil (the system's alone, as Go loads them) without
// bundles.
func rootCAs(cfg *action.Config, log *action.Log) *x509.CertPool {
	if len(cfg.CABundles) == 0 {
		return nil
	}
	caPools.Lock()
	defer caPools.Unlock()
	if caPools.cfg == cfg {
		return caPools.pool
	}
	pool := certPool(cfg.CABundles, log)
	if pool != nil {
		caPools.cfg, caPools.pool = cfg, pool
	}
	return pool
}

// certPool is the system's CAs and those of the bundles; nil (the
// system's alone) if a bundle cannot be added.
func certPool(bundles []action.CABundle, log *action.Log) *x509.CertPool {
	pems := make([][]byte, len(bundles))
	var from []string
	for i, b := range bundles {
		pems[i] = b.PEM
		from = append(from, fmt.Sprintf("%s (%s)", b.Source, b.Path))
	}
	pool, err := huawei.CertPool(pems...)
	if err != nil {
		// Load checked every bundle; this cannot happen, but a step
		// must not trust less than it says.
		log.Warningf("The CA bundles could not be added: %v", err)
		return nil
	}
	log.Debugf("Trusting the system's CAs and those of %s.", strings.Join(from, ", "))
	return pool
}
