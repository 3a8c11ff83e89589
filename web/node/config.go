package node

import (
	"crypto/rsa"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"strings"
	"time"

	"github.com/copse-dev/copse/federation"
)

// Config is everything a node needs to start. cmd/copse fills it from
// flags, COPSE_* environment variables and an optional YAML file.
type Config struct {
	// Host is the node's public host name, with a port when not the
	// default for the protocol ("council-a.example", "localhost:8080").
	Host string
	// Listen is the address the HTTP server binds ("localhost:8080").
	Listen string
	// DataDir holds the SQLite database and media; created on first run.
	DataDir string
	// Protocol is "https" (the default) or "http".
	Protocol string
	// InsecureHTTP allows plain http for a host that is not localhost
	// (tests and demos only).
	InsecureHTTP bool
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string
	LogFormat string
	// AllowPrivate lists private network ranges outgoing requests may
	// reach. Empty by default; tests put loopback on it.
	AllowPrivate []netip.Prefix
	// AuthorizedFetch requires signed GETs for everything but the actor
	// documents and their keys.
	AuthorizedFetch bool
	// MetricsListen, when set, is a separate address (say 127.0.0.1:9090)
	// that serves the Prometheus metrics at /metrics, off the public
	// listener. MetricsToken, when set, is the bearer token a scrape must
	// carry; with no MetricsListen it serves /metrics on the public
	// listener to its bearers. With neither, no metrics are served.
	MetricsListen string
	MetricsToken  string
	// Name, Description, Contact and Rules are what the node's web pages
	// (home and about) tell people about it. Name defaults to Host;
	// Description to a sentence about copse; Contact is an email address
	// (none by default); Rules are listed in order (none by default).
	Name        string
	Description string
	Contact     string
	Rules       []string
	// PrivacyNotice and AccessibilityStatement are shown on the about
	// page: plain text, paragraphs separated by blank lines.
	PrivacyNotice          string
	AccessibilityStatement string
	// ArtefactFileLimit and ArtefactCommunityLimit bound, in bytes, one
	// file of an artefact and all of one community's artefact files; 0
	// takes the defaults (50 MiB and 2 GiB).
	ArtefactFileLimit, ArtefactCommunityLimit int64
	// Registration is who may join the node (closed by default), and
	// SMTP the server its mail (confirmation links, password resets)
	// goes out through; no SMTP host, no mail.
	Registration federation.Registration
	SMTP         federation.MailConfig
	// CommunityCreators is the least node role that may create a
	// community: member (the default, any member), moderator or admin.
	CommunityCreators federation.Permission
	// PolicyListRefresh is how often subscribed domain-block lists are
	// read again; 0 takes federation.DefaultPolicyListRefresh (6 hours).
	PolicyListRefresh time.Duration
	// Tuning is for tests and demos.
	Tuning Tuning
}

// Default returns the configuration of a node run with no configuration at
// all: a usable node on http://localhost:8080 with its data in ./data.
func Default() Config {
	return Config{
		Host:      "localhost:8080",
		Listen:    "localhost:8080",
		DataDir:   "./data",
		Protocol:  "http",
		LogLevel:  "info",
		LogFormat: "text",
	}
}

// Validate reports the first problem with c as one readable error.
func (c Config) Validate() error {
	if c.Host == "" {
		return fmt.Errorf("config: host is empty")
	}
	if strings.ContainsAny(c.Host, "/ @") {
		return fmt.Errorf("config: host %q must be a bare host name, with an optional port", c.Host)
	}
	if c.DataDir == "" {
		return fmt.Errorf("config: data directory is empty")
	}
	switch c.Protocol {
	case "https":
	case "http":
		if !IsLocalhost(c.Host) && !c.InsecureHTTP {
			return fmt.Errorf("config: plain http is allowed only for localhost; set insecure-http to use it for %q", c.Host)
		}
	default:
		return fmt.Errorf("config: protocol %q is not http or https", c.Protocol)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("config: log format %q is not text or json", c.LogFormat)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return fmt.Errorf("config: the metrics token must be at least 16 characters")
	}
	if c.Contact != "" {
		if a, err := mail.ParseAddress(c.Contact); err != nil || a.Name != "" || a.Address != c.Contact {
			return fmt.Errorf("config: contact %q is not a plain email address", c.Contact)
		}
	}
	for i, rule := range c.Rules {
		if strings.TrimSpace(rule) == "" {
			return fmt.Errorf("config: rule %d is empty", i+1)
		}
	}
	if c.CommunityCreators != "" && !c.CommunityCreators.Valid() {
		return fmt.Errorf("config: community creators %q is not member, moderator or admin", c.CommunityCreators)
	}
	if err := c.Registration.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := c.SMTP.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if c.Registration.Mode == federation.RegistrationsOpen && !c.SMTP.Enabled() {
		return fmt.Errorf("config: registrations: open needs smtp settings, to mail the links that confirm addresses")
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("config: log level %q is not debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// BaseURL is the node's origin, e.g. "https://council-a.example".
func (c Config) BaseURL() string { return c.Protocol + "://" + c.Host }

func IsLocalhost(host string) bool {
	h := host
	if i := strings.LastIndex(h, ":"); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.IsLoopback()
	}
	return false
}

// Tuning holds settings for tests and demos, not exposed in the CLI.
type Tuning struct {
	// RetrySchedule replaces federation.DefaultRetrySchedule.
	RetrySchedule []time.Duration
	// InboxRetry replaces federation.DefaultInboxRetry.
	InboxRetry []time.Duration
	// PollInterval is how often idle workers look for due work.
	PollInterval time.Duration
	// RateLimitRequests per RateLimitWindow replace the client API's
	// default limit (benchmarks raise it, tests lower it).
	RateLimitRequests int
	RateLimitWindow   time.Duration
	// NoActionLimits turns off the per-member limits on posts, follows
	// and reports (federation.Options.NoActionLimits): the test rig's
	// nodes run without them, as benchmarks post thousands as one member.
	NoActionLimits bool
	// PollUpdateDelay replaces how long a poll's new counts wait to be
	// sent (federation.Options.PollUpdateDelay; tests shorten it).
	PollUpdateDelay time.Duration
	// MailDelay replaces how long a notification waits before it is
	// mailed (federation.Options.MailDelay; tests shorten it).
	MailDelay time.Duration
	// RequestTimeout replaces the deadline of every request but streams
	// (default 30s).
	RequestTimeout time.Duration
	// Now replaces the clock of the engine, the client API and the
	// store (tests move it on to make scheduled posts due). Default:
	// time.Now.
	Now func() time.Time
	// NewKey replaces federation.GenerateKey for the keys of local
	// accounts (tests hand out pre-generated ones).
	NewKey func() (*rsa.PrivateKey, error)
	// MailTLS replaces the TLS settings of the SMTP connection (tests
	// trust their own mail server's certificate).
	MailTLS *tls.Config
}
