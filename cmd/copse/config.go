package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/node"
)

// loadConfig builds the node configuration for `copse serve`. Precedence,
// highest first: flags, COPSE_* environment variables, the YAML file named by
// --config / COPSE_CONFIG, then node.Default().
//
// A setting left unset everywhere keeps its default, with one exception:
// when the host is not localhost and no source sets the protocol, the
// protocol is https, because a real node is reached over TLS. TLS is
// terminated by a reverse proxy in front of copse, so Listen keeps its
// default of localhost:8080 unless set.
//
// Errors are one line starting with "config: ". For -h or -help the error
// is flag.ErrHelp; print serveUsage then.
func loadConfig(args []string, getenv func(string) string) (node.Config, error) {
	cfg, _, err := resolveConfig(args, getenv)
	return cfg, err
}

// resolveConfig is loadConfig that also reports whether any source named
// the host or the protocol: an admin command given neither takes them
// from the node's database.
func resolveConfig(args []string, getenv func(string) string) (node.Config, bool, error) {
	cfg, named, err := mergeConfig(args, getenv)
	if err != nil {
		return node.Config{}, false, err
	}
	if err := cfg.Validate(); err != nil {
		return node.Config{}, false, err
	}
	return cfg, named, nil
}

func mergeConfig(args []string, getenv func(string) string) (node.Config, bool, error) {
	flags, path, err := parseServeFlags(args)
	if err != nil {
		return node.Config{}, false, err
	}
	env, err := envSettings(getenv)
	if err != nil {
		return node.Config{}, false, err
	}
	if path == "" {
		path = getenv("COPSE_CONFIG")
	}
	var file settings
	if path != "" {
		if file, err = readConfigFile(path); err != nil {
			return node.Config{}, false, err
		}
	}

	cfg := node.Default()
	named := false
	for _, s := range []settings{file, env, flags} {
		s.apply(&cfg)
		named = named || s.host != nil || s.protocol != nil
	}
	// node.Default's plain http suits only its localhost host.
	if file.protocol == nil && env.protocol == nil && flags.protocol == nil && !node.IsLocalhost(cfg.Host) {
		cfg.Protocol = "https"
	}
	return cfg, named, nil
}

// serveUsage writes the usage of `copse serve` to w.
func serveUsage(w io.Writer) {
	fs, _ := newServeFlagSet()
	fs.SetOutput(w)
	fmt.Fprint(w, `Usage: copse serve [flags]

Settings come from flags, then COPSE_* environment variables (COPSE_HOST,
COPSE_DATA_DIR, ...), then the YAML file named by --config or COPSE_CONFIG
(keys host, data_dir, ...), then the defaults below.

Flags:
`)
	fs.PrintDefaults()
}

// settings is what one source sets; a nil field is left to the sources
// below it.
type settings struct {
	host, listen, dataDir, protocol, logLevel, logFormat *string
	insecureHTTP, authorizedFetch                        *bool
	allowPrivate                                         *[]netip.Prefix
	metricsListen, metricsToken                          *string
	// What the node tells people about itself (pages, /api/v1/instance).
	name, description, contact, privacy, accessibility *string
	rules                                              *[]string
	// Limits of artefact files, in MiB: one file, one community's.
	artefactFileMiB, artefactCommunityMiB *int64
	// Joining the node, and the mail server its links go out through.
	registrations       *string
	registrationDomains *[]string
	smtp                smtpSettings
	// communityCreators is the least node role that may create a
	// community.
	communityCreators *string

	policyListRefresh *time.Duration // how often subscribed block lists are read (YAML only)
}

// smtpSettings are the smtp keys one source sets.
type smtpSettings struct {
	Host     *string `yaml:"host"`
	Port     *int    `yaml:"port"`
	Security *string `yaml:"security"`
	Username *string `yaml:"username"`
	Password *string `yaml:"password"`
	From     *string `yaml:"from"`
}

func (s settings) apply(c *node.Config) {
	set(&c.Host, s.host)
	set(&c.Listen, s.listen)
	set(&c.DataDir, s.dataDir)
	set(&c.Protocol, s.protocol)
	set(&c.LogLevel, s.logLevel)
	set(&c.LogFormat, s.logFormat)
	set(&c.InsecureHTTP, s.insecureHTTP)
	set(&c.AuthorizedFetch, s.authorizedFetch)
	set(&c.AllowPrivate, s.allowPrivate)
	set(&c.MetricsListen, s.metricsListen)
	set(&c.MetricsToken, s.metricsToken)
	set(&c.PolicyListRefresh, s.policyListRefresh)
	set(&c.Name, s.name)
	set(&c.Description, s.description)
	set(&c.Contact, s.contact)
	set(&c.PrivacyNotice, s.privacy)
	set(&c.AccessibilityStatement, s.accessibility)
	set(&c.Rules, s.rules)
	if s.artefactFileMiB != nil {
		c.ArtefactFileLimit = *s.artefactFileMiB << 20
	}
	if s.artefactCommunityMiB != nil {
		c.ArtefactCommunityLimit = *s.artefactCommunityMiB << 20
	}
	set(&c.Registration.Mode, s.registrations)
	if s.communityCreators != nil {
		c.CommunityCreators = federation.Permission(*s.communityCreators)
	}
	set(&c.Registration.Domains, s.registrationDomains)
	set(&c.SMTP.Host, s.smtp.Host)
	set(&c.SMTP.Port, s.smtp.Port)
	set(&c.SMTP.Security, s.smtp.Security)
	set(&c.SMTP.Username, s.smtp.Username)
	set(&c.SMTP.Password, s.smtp.Password)
	set(&c.SMTP.From, s.smtp.From)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// serveFlags holds the values of the serve flags once parsed.
type serveFlags struct {
	config, host, listen, dataDir, protocol, logLevel, logFormat string
	metricsListen, metricsToken                                  string
	registrations, communityCreators                             string
	insecureHTTP, authorizedFetch                                bool
	allowPrivate                                                 []netip.Prefix
	// bad is the first value a flag rejected, as a config error; the flag
	// package's own wording ("invalid value ... for flag ...") repeats it.
	bad error
}

func newServeFlagSet() (*flag.FlagSet, *serveFlags) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	v := &serveFlags{}
	def := node.Default()
	boolean := func(name string, dst *bool, usage string) {
		fs.BoolFunc(name, usage, func(s string) error {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return v.reject(fmt.Errorf("config: --%s: %q is not a boolean", name, s))
			}
			*dst = b
			return nil
		})
	}
	fs.StringVar(&v.config, "config", "", "read settings from the YAML `file`")
	fs.StringVar(&v.host, "host", def.Host, "public host `name` of the node, with a port if not the protocol's default")
	fs.StringVar(&v.listen, "listen", def.Listen, "`address` the HTTP server binds; TLS is left to a reverse proxy")
	fs.StringVar(&v.dataDir, "data-dir", def.DataDir, "`directory` for the database and media")
	fs.StringVar(&v.protocol, "protocol", "", "public `protocol`, http or https (default https, or http when the host is localhost)")
	boolean("insecure-http", &v.insecureHTTP, "allow plain http for a host that is not localhost (tests and demos only)")
	fs.StringVar(&v.logLevel, "log-level", def.LogLevel, "log `level`: debug, info, warn or error")
	fs.StringVar(&v.logFormat, "log-format", def.LogFormat, "log `format`: text or json")
	fs.Func("allow-private", "comma-separated private network `CIDRs` outgoing requests may reach; may be repeated", func(s string) error {
		ps, err := parsePrefixes(strings.Split(s, ","))
		if err != nil {
			return v.reject(fmt.Errorf("config: --allow-private: %w", err))
		}
		v.allowPrivate = append(v.allowPrivate, ps...)
		return nil
	})
	boolean("authorized-fetch", &v.authorizedFetch, "require signed GETs for everything but actors and their keys")
	fs.StringVar(&v.metricsListen, "metrics-listen", "", "serve Prometheus metrics at /metrics on this separate `address` (say 127.0.0.1:9090)")
	fs.StringVar(&v.registrations, "registrations", "closed", "who may join: `mode` closed (command line and invitations), invite or open")
	fs.StringVar(&v.communityCreators, "community-creators", "member", "who may create communities: the least node `role`, member, moderator or admin")
	fs.StringVar(&v.metricsToken, "metrics-token", "", "bearer `token` a metrics scrape must carry; without --metrics-listen, /metrics is served on the public listener to its bearers (prefer COPSE_METRICS_TOKEN: a flag shows in ps)")
	return fs, v
}

func (v *serveFlags) reject(err error) error {
	if v.bad == nil {
		v.bad = err
	}
	return err
}

// parseServeFlags returns the settings the flags set, and the --config path.
func parseServeFlags(args []string) (settings, string, error) {
	fs, v := newServeFlagSet()
	if err := fs.Parse(args); err != nil {
		switch {
		case v.bad != nil:
			return settings{}, "", v.bad
		case errors.Is(err, flag.ErrHelp):
			return settings{}, "", err
		}
		return settings{}, "", fmt.Errorf("config: %w (copse serve -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return settings{}, "", fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	var s settings
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "host":
			s.host = &v.host
		case "listen":
			s.listen = &v.listen
		case "data-dir":
			s.dataDir = &v.dataDir
		case "protocol":
			s.protocol = &v.protocol
		case "insecure-http":
			s.insecureHTTP = &v.insecureHTTP
		case "log-level":
			s.logLevel = &v.logLevel
		case "log-format":
			s.logFormat = &v.logFormat
		case "allow-private":
			s.allowPrivate = &v.allowPrivate
		case "authorized-fetch":
			s.authorizedFetch = &v.authorizedFetch
		case "metrics-listen":
			s.metricsListen = &v.metricsListen
		case "metrics-token":
			s.metricsToken = &v.metricsToken
		case "registrations":
			s.registrations = &v.registrations
		case "community-creators":
			s.communityCreators = &v.communityCreators
		}
	})
	return s, v.config, nil
}

// envSettings returns the settings the COPSE_* variables set. An empty
// variable counts as unset.
func envSettings(getenv func(string) string) (settings, error) {
	var s settings
	str := func(name string) *string {
		if v := getenv(name); v != "" {
			return &v
		}
		return nil
	}
	boolean := func(name string) (*bool, error) {
		v := getenv(name)
		if v == "" {
			return nil, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %q is not a boolean", name, v)
		}
		return &b, nil
	}
	s.host = str("COPSE_HOST")
	s.listen = str("COPSE_LISTEN")
	s.dataDir = str("COPSE_DATA_DIR")
	s.protocol = str("COPSE_PROTOCOL")
	s.logLevel = str("COPSE_LOG_LEVEL")
	s.logFormat = str("COPSE_LOG_FORMAT")
	s.metricsListen = str("COPSE_METRICS_LISTEN")
	s.metricsToken = str("COPSE_METRICS_TOKEN")
	s.name = str("COPSE_NAME")
	s.description = str("COPSE_DESCRIPTION")
	s.contact = str("COPSE_CONTACT")
	s.registrations = str("COPSE_REGISTRATIONS")
	s.communityCreators = str("COPSE_COMMUNITY_CREATORS")
	if v := getenv("COPSE_REGISTRATION_DOMAINS"); v != "" {
		ds := splitList(v)
		s.registrationDomains = &ds
	}
	s.smtp.Host = str("COPSE_SMTP_HOST")
	s.smtp.Security = str("COPSE_SMTP_SECURITY")
	s.smtp.Username = str("COPSE_SMTP_USERNAME")
	s.smtp.Password = str("COPSE_SMTP_PASSWORD")
	s.smtp.From = str("COPSE_SMTP_FROM")
	if v := getenv("COPSE_SMTP_PORT"); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil {
			return settings{}, fmt.Errorf("config: COPSE_SMTP_PORT: %q is not a number", v)
		}
		s.smtp.Port = &port
	}
	var err error
	if s.insecureHTTP, err = boolean("COPSE_INSECURE_HTTP"); err != nil {
		return settings{}, err
	}
	if s.authorizedFetch, err = boolean("COPSE_AUTHORIZED_FETCH"); err != nil {
		return settings{}, err
	}
	for _, lim := range []struct {
		name string
		dst  **int64
	}{{"COPSE_ARTEFACT_FILE_LIMIT_MIB", &s.artefactFileMiB}, {"COPSE_ARTEFACT_COMMUNITY_LIMIT_MIB", &s.artefactCommunityMiB}} {
		if v := getenv(lim.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || n > 1<<20 {
				return settings{}, fmt.Errorf("config: %s: %q is not a number of MiB", lim.name, v)
			}
			*lim.dst = &n
		}
	}
	if v := getenv("COPSE_ALLOW_PRIVATE"); v != "" {
		ps, err := parsePrefixes(strings.Split(v, ","))
		if err != nil {
			return settings{}, fmt.Errorf("config: COPSE_ALLOW_PRIVATE: %w", err)
		}
		s.allowPrivate = &ps
	}
	return s, nil
}

// fileConfig is the YAML file. Pointer fields tell a key that is absent
// from one set to its zero value.
type fileConfig struct {
	Host            *string   `yaml:"host"`
	Listen          *string   `yaml:"listen"`
	DataDir         *string   `yaml:"data_dir"`
	Protocol        *string   `yaml:"protocol"`
	InsecureHTTP    *bool     `yaml:"insecure_http"`
	LogLevel        *string   `yaml:"log_level"`
	LogFormat       *string   `yaml:"log_format"`
	AllowPrivate    *[]string `yaml:"allow_private"`
	AuthorizedFetch *bool     `yaml:"authorized_fetch"`
	MetricsListen   *string   `yaml:"metrics_listen"`
	MetricsToken    *string   `yaml:"metrics_token"`

	PolicyListRefresh *time.Duration `yaml:"policy_list_refresh"` // "6h"

	// What the node tells people about itself; the long texts and the
	// rules are set only here, not as flags.
	Name                   *string   `yaml:"name"`
	Description            *string   `yaml:"description"`
	Contact                *string   `yaml:"contact"`
	Rules                  *[]string `yaml:"rules"`
	PrivacyNotice          *string   `yaml:"privacy_notice"`
	AccessibilityStatement *string   `yaml:"accessibility_statement"`

	// Limits of artefact files (issue 13).
	ArtefactFileLimitMiB      *int64 `yaml:"artefact_file_limit_mib"`
	ArtefactCommunityLimitMiB *int64 `yaml:"artefact_community_limit_mib"`
	// Joining the node, and mail.
	Registrations       *string      `yaml:"registrations"`
	RegistrationDomains *[]string    `yaml:"registration_domains"`
	SMTP                smtpSettings `yaml:"smtp"`
	// Who may create communities.
	CommunityCreators *string `yaml:"community_creators"`
}

// readConfigFile returns the settings of the YAML file at path. An empty
// file sets nothing; an unknown key is an error, so a typo is not ignored.
func readConfigFile(path string) (settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The path error would name the file a second time.
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return settings{}, fmt.Errorf("config: read %s: %w", path, err)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return settings{}, fmt.Errorf("config: %s: %w", path, err)
	}
	if err := checkKeys(&doc); err != nil {
		return settings{}, fmt.Errorf("config: %s: %w", path, err)
	}
	var fc fileConfig
	if err := doc.Decode(&fc); err != nil && doc.Kind != 0 {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// Its own message spreads the list over several lines.
			return settings{}, fmt.Errorf("config: %s: %s", path, strings.Join(te.Errors, "; "))
		}
		return settings{}, fmt.Errorf("config: %s: %w", path, err)
	}
	s := settings{
		host:              fc.Host,
		listen:            fc.Listen,
		dataDir:           fc.DataDir,
		protocol:          fc.Protocol,
		insecureHTTP:      fc.InsecureHTTP,
		logLevel:          fc.LogLevel,
		logFormat:         fc.LogFormat,
		authorizedFetch:   fc.AuthorizedFetch,
		metricsListen:     fc.MetricsListen,
		metricsToken:      fc.MetricsToken,
		name:              fc.Name,
		description:       fc.Description,
		contact:           fc.Contact,
		rules:             fc.Rules,
		privacy:           fc.PrivacyNotice,
		accessibility:     fc.AccessibilityStatement,
		registrations:     fc.Registrations,
		smtp:              fc.SMTP,
		communityCreators: fc.CommunityCreators,
	}
	s.policyListRefresh = fc.PolicyListRefresh
	if fc.RegistrationDomains != nil {
		ds := splitList(strings.Join(*fc.RegistrationDomains, ","))
		s.registrationDomains = &ds
	}
	for _, lim := range []struct {
		key string
		v   *int64
		dst **int64
	}{{"artefact_file_limit_mib", fc.ArtefactFileLimitMiB, &s.artefactFileMiB},
		{"artefact_community_limit_mib", fc.ArtefactCommunityLimitMiB, &s.artefactCommunityMiB}} {
		if lim.v != nil && (*lim.v <= 0 || *lim.v > 1<<20) {
			return settings{}, fmt.Errorf("config: %s: %s must be a positive number of MiB", path, lim.key)
		}
		*lim.dst = lim.v
	}
	if fc.AllowPrivate != nil {
		ps, err := parsePrefixes(*fc.AllowPrivate)
		if err != nil {
			return settings{}, fmt.Errorf("config: %s: allow_private: %w", path, err)
		}
		s.allowPrivate = &ps
	}
	return s, nil
}

// fileKeys are the keys a configuration file may set, in fileConfig's order.
var fileKeys = func() []string {
	t := reflect.TypeFor[fileConfig]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Tag.Get("yaml")
	}
	return keys
}()

// checkKeys refuses a file that is not a mapping of known keys, naming the
// line of the first unknown one, so a typo is not silently ignored.
func checkKeys(doc *yaml.Node) error {
	if doc.Kind == 0 {
		return nil // an empty file
	}
	m := doc
	if m.Kind == yaml.DocumentNode && len(m.Content) == 1 {
		m = m.Content[0]
	}
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected settings as \"key: value\" lines", m.Line)
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; !slices.Contains(fileKeys, k.Value) {
			return fmt.Errorf("line %d: unknown setting %q (known: %s)", k.Line, k.Value, strings.Join(fileKeys, ", "))
		}
		if k, v := m.Content[i], m.Content[i+1]; k.Value == "smtp" && v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if sk := v.Content[j]; !slices.Contains(smtpKeys, sk.Value) {
					return fmt.Errorf("line %d: unknown smtp setting %q (known: %s)", sk.Line, sk.Value, strings.Join(smtpKeys, ", "))
				}
			}
		}
	}
	return nil
}

// smtpKeys are the keys under smtp.
var smtpKeys = []string{"host", "port", "security", "username", "password", "from"}

// splitList splits a comma-separated list, trimming spaces and dropping
// empty entries, and lower-cases it (domain names).
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parsePrefixes parses CIDR prefixes, skipping empty entries so that a
// trailing comma is harmless. Prefixes are masked: 10.1.2.3/8 is 10.0.0.0/8.
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix", s)
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}
