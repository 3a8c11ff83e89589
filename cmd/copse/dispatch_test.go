package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDispatchNamesTheChoices checks that every level of copse admin
// answers a missing or unknown word with one line that lists the words it
// takes, before it opens any database.
func TestDispatchNamesTheChoices(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"admin", "node"}, "admin node: name a command: show or set-url"},
		{[]string{"admin", "invite", "burn"}, `admin invite: unknown command "burn" (create or list)`},
		{[]string{"admin", "federation"}, "admin federation: name a command: mode"},
		{[]string{"admin", "community", "merge"}, `admin community: unknown command "merge" (export, import or moved)`},
		{[]string{"admin", "email-domain"}, "admin email-domain: name a command: block, unblock or list"},
		{[]string{"admin", "account", "promote"}, `admin account: unknown command "promote" (create, list,`},
		{[]string{"admin", "domain", "purge"}, `admin domain: unknown command "purge" (block, unblock,`},
		{[]string{"admin", "reboot"}, `admin: unknown command "reboot" (account, invite, audit,`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			p := proc{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
			err := run(context.Background(), tt.args, p)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to start %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}
