package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
)

// TestLoadConfigNodeSettings: registration, mail and who may create a
// community, from the file, the environment and flags, each over the last.
func TestLoadConfigNodeSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(text string) string {
		p := filepath.Join(t.TempDir(), "copse.yaml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := file(`data_dir: ` + dir + `
registrations: open
community_creators: admin
registration_domains: [Council-A.example, " hants.gov.example "]
smtp:
  host: smtp.council-a.example
  port: 465
  security: tls
  username: copse
  password: from the file
  from: Council A <copse@council-a.example>
`)
	tests := []struct {
		name         string
		args         []string
		env          map[string]string
		wantReg      federation.Registration
		wantSMTP     federation.MailConfig
		wantCreators federation.Permission
		wantErr      string
	}{
		{name: "closed by default, no mail, any member creates communities", wantReg: federation.Registration{}},
		{name: "file sets every key", args: []string{"--config", full},
			wantReg: federation.Registration{Mode: "open", Domains: []string{"council-a.example", "hants.gov.example"}},
			wantSMTP: federation.MailConfig{Host: "smtp.council-a.example", Port: 465, Security: "tls", Username: "copse",
				Password: "from the file", From: "Council A <copse@council-a.example>"}, wantCreators: federation.PermissionAdmin},
		{name: "environment over file", args: []string{"--config", full},
			env:     map[string]string{"COPSE_REGISTRATIONS": "closed", "COPSE_COMMUNITY_CREATORS": "moderator"},
			wantReg: federation.Registration{Mode: "closed", Domains: []string{"council-a.example", "hants.gov.example"}},
			wantSMTP: federation.MailConfig{Host: "smtp.council-a.example", Port: 465, Security: "tls", Username: "copse",
				Password: "from the file", From: "Council A <copse@council-a.example>"}, wantCreators: federation.PermissionModerator},
		{name: "environment over file, flag over both", args: []string{"--config", full, "--registrations", "invite",
			"--community-creators", "member"},
			env: map[string]string{"COPSE_SMTP_PASSWORD": "from the environment", "COPSE_SMTP_PORT": "587",
				"COPSE_SMTP_SECURITY": "starttls", "COPSE_REGISTRATIONS": "closed", "COPSE_REGISTRATION_DOMAINS": "a.example, b.example",
				"COPSE_COMMUNITY_CREATORS": "moderator"},
			wantReg: federation.Registration{Mode: "invite", Domains: []string{"a.example", "b.example"}},
			wantSMTP: federation.MailConfig{Host: "smtp.council-a.example", Port: 587, Security: "starttls", Username: "copse",
				Password: "from the environment", From: "Council A <copse@council-a.example>"}, wantCreators: federation.PermissionMember},
		{name: "unknown creators role", env: map[string]string{"COPSE_COMMUNITY_CREATORS": "everyone"},
			wantErr: `community creators "everyone" is not member, moderator or admin`},
		{name: "open needs mail", args: []string{"--registrations", "open"}, wantErr: "registrations: open needs smtp settings"},
		{name: "unknown mode", args: []string{"--registrations", "maybe"}, wantErr: `registrations "maybe" is not closed, invite or open`},
		{name: "unknown smtp key", args: []string{"--config", file("smtp:\n  host: x.example\n  pasword: typo\n")},
			wantErr: `line 3: unknown smtp setting "pasword"`},
		{name: "bad security", env: map[string]string{"COPSE_SMTP_HOST": "x.example", "COPSE_SMTP_FROM": "a@x.example",
			"COPSE_SMTP_SECURITY": "ssl"}, wantErr: `smtp security "ssl"`},
		{name: "bad port", env: map[string]string{"COPSE_SMTP_PORT": "twenty-five"}, wantErr: "COPSE_SMTP_PORT"},
		{name: "bad domain", env: map[string]string{"COPSE_REGISTRATION_DOMAINS": "@council.example"},
			wantErr: `registration domain "@council.example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v; want one line containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Registration, tt.wantReg) || cfg.SMTP != tt.wantSMTP || cfg.CommunityCreators != tt.wantCreators {
				t.Errorf("registration %+v, smtp %+v, creators %q; want %+v, %+v, %q", cfg.Registration, cfg.SMTP, cfg.CommunityCreators,
					tt.wantReg, tt.wantSMTP, tt.wantCreators)
			}
		})
	}
}
