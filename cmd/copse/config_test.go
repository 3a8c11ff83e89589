package main

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/node"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	// with returns node.Default() changed by edit.
	with := func(edit func(c *node.Config)) node.Config {
		c := node.Default()
		edit(&c)
		return c
	}
	prefixes := func(ss ...string) []netip.Prefix {
		var ps []netip.Prefix
		for _, s := range ss {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		return ps
	}

	tests := []struct {
		name string
		args []string
		env  map[string]string
		// files are written to a temporary directory; "$DIR" in args and
		// env values names it.
		files   map[string]string
		want    node.Config
		wantErr string // a part of the error; empty for none
	}{
		{
			name: "no config is the default",
			want: node.Default(),
		},
		{
			name: "yaml sets every key",
			args: []string{"--config", "$DIR/copse.yaml"},
			files: map[string]string{"copse.yaml": `
host: council-a.example
listen: 127.0.0.1:9000
data_dir: /var/lib/copse
protocol: http
insecure_http: true
log_level: debug
log_format: json
allow_private: [10.0.0.0/8, "fd00::/8"]
authorized_fetch: true
`},
			want: node.Config{
				Host:            "council-a.example",
				Listen:          "127.0.0.1:9000",
				DataDir:         "/var/lib/copse",
				Protocol:        "http",
				InsecureHTTP:    true,
				LogLevel:        "debug",
				LogFormat:       "json",
				AllowPrivate:    prefixes("10.0.0.0/8", "fd00::/8"),
				AuthorizedFetch: true,
			},
		},
		{
			name: "artefact limits from yaml, the file limit from the environment",
			args: []string{"--config", "$DIR/copse.yaml"},
			env:  map[string]string{"COPSE_ARTEFACT_FILE_LIMIT_MIB": "20"},
			files: map[string]string{"copse.yaml": `
artefact_file_limit_mib: 10
artefact_community_limit_mib: 4096
`},
			want: with(func(c *node.Config) { c.ArtefactFileLimit, c.ArtefactCommunityLimit = 20<<20, 4096<<20 }),
		},
		{
			name:    "an artefact limit that is not a number",
			env:     map[string]string{"COPSE_ARTEFACT_COMMUNITY_LIMIT_MIB": "lots"},
			wantErr: "COPSE_ARTEFACT_COMMUNITY_LIMIT_MIB",
		},
		{
			name: "yaml tells about the node",
			args: []string{"--config", "$DIR/copse.yaml"},
			files: map[string]string{"copse.yaml": `
name: Hampshire practice
description: Library staff across the county.
contact: help@council-a.example
rules: ["Be kind to colleagues.", "No personal data about residents."]
privacy_notice: |
  We keep your name and posts.

  Ask us to delete them.
accessibility_statement: We aim for WCAG 2.2 AA.
`},
			want: with(func(c *node.Config) {
				c.Name, c.Description, c.Contact = "Hampshire practice", "Library staff across the county.", "help@council-a.example"
				c.Rules = []string{"Be kind to colleagues.", "No personal data about residents."}
				c.PrivacyNotice = "We keep your name and posts.\n\nAsk us to delete them.\n"
				c.AccessibilityStatement = "We aim for WCAG 2.2 AA."
			}),
		},
		{
			name:    "a contact that is not an address",
			args:    []string{"--config", "$DIR/copse.yaml"},
			files:   map[string]string{"copse.yaml": "contact: Help Desk <help@council-a.example>\n"},
			wantErr: "is not a plain email address",
		},
		{
			name: "env names the node",
			env:  map[string]string{"COPSE_NAME": "Hampshire practice", "COPSE_CONTACT": "help@council-a.example"},
			want: with(func(c *node.Config) { c.Name, c.Contact = "Hampshire practice", "help@council-a.example" }),
		},
		{
			name: "env sets every key",
			env: map[string]string{
				"COPSE_HOST":             "council-a.example",
				"COPSE_LISTEN":           ":9000",
				"COPSE_DATA_DIR":         "/srv/copse",
				"COPSE_PROTOCOL":         "http",
				"COPSE_INSECURE_HTTP":    "1",
				"COPSE_LOG_LEVEL":        "warn",
				"COPSE_LOG_FORMAT":       "json",
				"COPSE_ALLOW_PRIVATE":    "10.0.0.0/8, 192.168.0.0/16",
				"COPSE_AUTHORIZED_FETCH": "true",
			},
			want: node.Config{
				Host:            "council-a.example",
				Listen:          ":9000",
				DataDir:         "/srv/copse",
				Protocol:        "http",
				InsecureHTTP:    true,
				LogLevel:        "warn",
				LogFormat:       "json",
				AllowPrivate:    prefixes("10.0.0.0/8", "192.168.0.0/16"),
				AuthorizedFetch: true,
			},
		},
		{
			name: "flags set every key",
			args: []string{
				"--host", "council-a.example", "--listen", ":9000", "--data-dir", "d",
				"--protocol", "http", "--insecure-http", "--log-level", "error",
				"--log-format", "json", "--allow-private", "127.0.0.0/8", "--authorized-fetch",
			},
			want: node.Config{
				Host:            "council-a.example",
				Listen:          ":9000",
				DataDir:         "d",
				Protocol:        "http",
				InsecureHTTP:    true,
				LogLevel:        "error",
				LogFormat:       "json",
				AllowPrivate:    prefixes("127.0.0.0/8"),
				AuthorizedFetch: true,
			},
		},
		{
			name:  "empty yaml file is the default",
			args:  []string{"--config", "$DIR/copse.yaml"},
			files: map[string]string{"copse.yaml": "# nothing yet\n"},
			want:  node.Default(),
		},
		{
			name:  "COPSE_CONFIG names the file",
			env:   map[string]string{"COPSE_CONFIG": "$DIR/copse.yaml"},
			files: map[string]string{"copse.yaml": "data_dir: from-file\n"},
			want:  with(func(c *node.Config) { c.DataDir = "from-file" }),
		},
		{
			name: "--config beats COPSE_CONFIG",
			args: []string{"--config", "$DIR/flag.yaml"},
			env:  map[string]string{"COPSE_CONFIG": "$DIR/env.yaml"},
			files: map[string]string{
				"flag.yaml": "data_dir: flag-file\n",
				"env.yaml":  "data_dir: env-file\n",
			},
			want: with(func(c *node.Config) { c.DataDir = "flag-file" }),
		},
		{
			name:  "env overrides yaml",
			env:   map[string]string{"COPSE_CONFIG": "$DIR/copse.yaml", "COPSE_DATA_DIR": "from-env", "COPSE_AUTHORIZED_FETCH": "false"},
			files: map[string]string{"copse.yaml": "data_dir: from-file\nlog_level: debug\nauthorized_fetch: true\n"},
			want:  with(func(c *node.Config) { c.DataDir = "from-env"; c.LogLevel = "debug" }),
		},
		{
			name: "flag overrides env",
			args: []string{"--data-dir", "from-flag", "--authorized-fetch=false"},
			env:  map[string]string{"COPSE_DATA_DIR": "from-env", "COPSE_LOG_LEVEL": "debug", "COPSE_AUTHORIZED_FETCH": "true"},
			want: with(func(c *node.Config) { c.DataDir = "from-flag"; c.LogLevel = "debug" }),
		},
		{
			name: "empty env variable is unset",
			env:  map[string]string{"COPSE_DATA_DIR": "", "COPSE_INSECURE_HTTP": ""},
			want: node.Default(),
		},
		{
			name: "non-localhost host defaults to https",
			args: []string{"--host", "council-a.example"},
			want: with(func(c *node.Config) { c.Host = "council-a.example"; c.Protocol = "https" }),
		},
		{
			name:  "non-localhost host from yaml defaults to https",
			args:  []string{"--config", "$DIR/copse.yaml"},
			files: map[string]string{"copse.yaml": "host: council-a.example:8443\n"},
			want:  with(func(c *node.Config) { c.Host = "council-a.example:8443"; c.Protocol = "https" }),
		},
		{
			name: "localhost host keeps http",
			env:  map[string]string{"COPSE_HOST": "localhost:3000"},
			want: with(func(c *node.Config) { c.Host = "localhost:3000" }),
		},
		{
			name: "loopback host keeps http",
			args: []string{"--host", "127.0.0.1:34567"},
			want: with(func(c *node.Config) { c.Host = "127.0.0.1:34567" }),
		},
		{
			name:    "bool in env is ParseBool's, not yes/no",
			env:     map[string]string{"COPSE_INSECURE_HTTP": "yes"},
			wantErr: `config: COPSE_INSECURE_HTTP: "yes" is not a boolean`,
		},
		{
			name: "http for a real host with insecure-http from env",
			args: []string{"--host", "node-b.test", "--protocol", "http"},
			env:  map[string]string{"COPSE_INSECURE_HTTP": "t"},
			want: with(func(c *node.Config) { c.Host = "node-b.test"; c.InsecureHTTP = true }),
		},
		{
			name:    "http for a real host without insecure-http",
			args:    []string{"--protocol", "http"},
			env:     map[string]string{"COPSE_HOST": "council-a.example"},
			wantErr: "plain http is allowed only for localhost",
		},
		{
			name:    "bad protocol",
			env:     map[string]string{"COPSE_PROTOCOL": "gopher"},
			wantErr: `config: protocol "gopher" is not http or https`,
		},
		{
			name:    "bad log format",
			args:    []string{"--log-format", "xml"},
			wantErr: `config: log format "xml" is not text or json`,
		},
		{
			name:    "bad bool in env",
			env:     map[string]string{"COPSE_INSECURE_HTTP": "maybe"},
			wantErr: `config: COPSE_INSECURE_HTTP: "maybe" is not a boolean`,
		},
		{
			name:    "bad bool in flag",
			args:    []string{"--authorized-fetch=maybe"},
			wantErr: `config: --authorized-fetch: "maybe" is not a boolean`,
		},
		{
			name:    "bad bool in yaml",
			args:    []string{"--config", "$DIR/copse.yaml"},
			files:   map[string]string{"copse.yaml": "insecure_http: maybe\n"},
			wantErr: "copse.yaml: line 1: cannot unmarshal",
		},
		{
			name:    "bad CIDR in flag",
			args:    []string{"--allow-private", "10.0.0.0/33"},
			wantErr: `config: --allow-private: "10.0.0.0/33" is not a CIDR prefix`,
		},
		{
			name:    "bad CIDR in env",
			env:     map[string]string{"COPSE_ALLOW_PRIVATE": "10.0.0.0/8,10.0.0.1"},
			wantErr: `config: COPSE_ALLOW_PRIVATE: "10.0.0.1" is not a CIDR prefix`,
		},
		{
			name:    "bad CIDR in yaml",
			args:    []string{"--config", "$DIR/copse.yaml"},
			files:   map[string]string{"copse.yaml": "allow_private: [localhost]\n"},
			wantErr: `copse.yaml: allow_private: "localhost" is not a CIDR prefix`,
		},
		{
			name:    "unknown yaml key",
			args:    []string{"--config", "$DIR/copse.yaml"},
			files:   map[string]string{"copse.yaml": "host: a.example\ndatadir: x\n"},
			wantErr: `copse.yaml: line 2: unknown setting "datadir"`,
		},
		{
			name:    "yaml syntax error",
			args:    []string{"--config", "$DIR/copse.yaml"},
			files:   map[string]string{"copse.yaml": "host: [\n"},
			wantErr: "copse.yaml: yaml:",
		},
		{
			name:    "missing config file",
			args:    []string{"--config", "$DIR/nope.yaml"},
			wantErr: "nope.yaml: no such file or directory",
		},
		{
			name:    "unknown flag",
			args:    []string{"--hots", "a.example"},
			wantErr: "config: flag provided but not defined: -hots",
		},
		{
			name:    "stray argument",
			args:    []string{"--host", "a.example", "extra"},
			wantErr: `config: unexpected argument "extra"`,
		},
		{
			name:  "allow-private from yaml",
			env:   map[string]string{"COPSE_CONFIG": "$DIR/copse.yaml"},
			files: map[string]string{"copse.yaml": "allow_private:\n  - 10.1.2.3/8\n  - ::1/128\n"},
			// Masked, so the prefix prints as the network.
			want: with(func(c *node.Config) { c.AllowPrivate = prefixes("10.0.0.0/8", "::1/128") }),
		},
		{
			name: "allow-private from env replaces yaml",
			env: map[string]string{
				"COPSE_CONFIG":        "$DIR/copse.yaml",
				"COPSE_ALLOW_PRIVATE": "172.16.0.0/12,",
			},
			files: map[string]string{"copse.yaml": "allow_private: [10.0.0.0/8]\n"},
			want:  with(func(c *node.Config) { c.AllowPrivate = prefixes("172.16.0.0/12") }),
		},
		{
			name: "allow-private flags repeat and replace env",
			args: []string{"--allow-private", "127.0.0.0/8,::1/128", "--allow-private=192.168.1.0/24"},
			env:  map[string]string{"COPSE_ALLOW_PRIVATE": "10.0.0.0/8"},
			want: with(func(c *node.Config) {
				c.AllowPrivate = prefixes("127.0.0.0/8", "::1/128", "192.168.1.0/24")
			}),
		},
		{
			name: "empty allow-private flag clears env",
			args: []string{"--allow-private="},
			env:  map[string]string{"COPSE_ALLOW_PRIVATE": "10.0.0.0/8"},
			want: node.Default(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "$DIR", dir)
			}
			getenv := func(name string) string {
				return strings.ReplaceAll(tt.env[name], "$DIR", dir)
			}

			got, err := loadConfig(args, getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig() error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q spans several lines", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig() error = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("loadConfig() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestLoadConfigHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "--help"} {
		t.Run(arg, func(t *testing.T) {
			_, err := loadConfig([]string{arg}, func(string) string { return "" })
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("loadConfig(%q) error = %v, want flag.ErrHelp", arg, err)
			}
		})
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	serveUsage(&b)
	for _, name := range []string{"-config", "-host", "-listen", "-data-dir", "-protocol",
		"-insecure-http", "-log-level", "-log-format", "-allow-private", "-authorized-fetch"} {
		if !strings.Contains(b.String(), name) {
			t.Errorf("usage does not mention %s:\n%s", name, b.String())
		}
	}
}
