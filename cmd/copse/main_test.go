package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestMain runs the test binary as copse itself when COPSE_TEST_SERVE is
// set: tests start a real `copse serve` process by re-executing their own
// binary (see crash_test.go), with no go build.
func TestMain(m *testing.M) {
	if os.Getenv("COPSE_TEST_SERVE") == "1" {
		err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "copse: "+err.Error())
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		if k == "COPSE_DATA_DIR" {
			return dir
		}
		return ""
	}
	steps := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"version", []string{"version"}, "copse ", ""},
		{"no command", nil, "", "no command given"},
		{"unknown command", []string{"frobnicate"}, "", `unknown command "frobnicate"`},
		{"create member", []string{"admin", "account", "create", "--username", "alice", "--email", "alice@council.example",
			"--password", "a long passphrase", "--organisation", "Hampshire County Council"}, "created alice", ""},
		{"duplicate member", []string{"admin", "account", "create", "--username", "alice", "--email", "other@council.example",
			"--password", "a long passphrase"}, "", "already taken"},
		{"short password", []string{"admin", "account", "create", "--username", "bob", "--email", "bob@council.example",
			"--password", "short"}, "", "at least 10 characters"},
		{"missing flags", []string{"admin", "account", "create", "--username", "bob"}, "", "required"},
		{"bad role", []string{"admin", "account", "create", "--username", "bob", "--email", "bob@council.example",
			"--password", "a long passphrase", "--role", "king"}, "", `role "king"`},
		{"set role", []string{"admin", "account", "set-role", "--username", "alice", "--role", "moderator"}, "alice is now moderator", ""},
		{"set role of nobody", []string{"admin", "account", "set-role", "--username", "nobody", "--role", "admin"}, "", "not found"},
		{"list", []string{"admin", "account", "list"}, "alice@council.example  moderator", ""},
		{"deliveries", []string{"admin", "deliveries"}, "queued deliveries: 0", ""},
		{"bad config", []string{"admin", "account", "list", "--host", "bad host"}, "", "config: host"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), s.args, env, &out, &errOut)
			if s.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), s.wantErr) {
					t.Fatalf("err = %v; want it to contain %q", err, s.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v (stderr %s)", err, errOut.String())
			}
			if !strings.Contains(out.String(), s.wantOut) {
				t.Fatalf("output %q does not contain %q", out.String(), s.wantOut)
			}
		})
	}
}
