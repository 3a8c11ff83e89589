package federation

import (
	"context"
	"errors"
	"mime"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation/mailtest"
)

func TestMailerSends(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	tests := []struct {
		name     string
		cfg      MailConfig
		wantErr  string
		wantAuth string
	}{
		{"starttls with authentication", MailConfig{Host: srv.Host, Port: srv.Port, Security: MailSTARTTLS,
			Username: srv.Username, Password: srv.Password, From: "Copse <copse@council-a.example>"}, "", srv.Username},
		{"plain, no authentication", MailConfig{Host: srv.Host, Port: srv.Port, Security: MailNone,
			From: "copse@council-a.example"}, "", ""},
		{"wrong password", MailConfig{Host: srv.Host, Port: srv.Port, Security: MailSTARTTLS,
			Username: srv.Username, Password: "wrong", From: "copse@council-a.example"}, "authenticate", ""},
		{"tls to a server that speaks plain SMTP", MailConfig{Host: srv.Host, Port: srv.Port, Security: MailTLS,
			From: "copse@council-a.example"}, "tls with", ""},
		{"nobody listening", MailConfig{Host: "127.0.0.1", Port: 1, Security: MailNone,
			From: "copse@council-a.example"}, "dial", ""},
	}
	sent := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			m := NewMailer(tt.cfg, srv.TLS)
			err := m.Send(context.Background(), Message{To: "alice@council-a.example",
				Subject: "Bienvenue à " + tt.name, Body: "Line one\n.\nLine three"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Send: %v; want an error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sent++
			got := srv.Wait(t, sent)
			if got.From != "copse@council-a.example" || len(got.To) != 1 || got.To[0] != "alice@council-a.example" || got.Authed != tt.wantAuth {
				t.Errorf("envelope %q -> %q as %q", got.From, got.To, got.Authed)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(got.Message.Header.Get("Subject"))
			if err != nil || subject != "Bienvenue à "+tt.name {
				t.Errorf("subject %q (%v)", subject, err)
			}
			// The lone dot is a line of the body, not the end of the data.
			if got.Body != "Line one\r\n.\r\nLine three\r\n" {
				t.Errorf("body %q", got.Body)
			}
		})
	}
}

func TestMailerRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	m := NewMailer(MailConfig{Host: "127.0.0.1", Port: 1, Security: MailNone, From: "copse@council-a.example"}, nil)
	for _, msg := range []Message{
		{To: "alice@council-a.example\r\nBcc: eve@evil.example", Subject: "hi"},
		{To: "alice@council-a.example", Subject: "hi\r\nBcc: eve@evil.example"},
	} {
		err := m.Send(context.Background(), msg)
		var inv *InvalidError
		if err == nil || errors.As(err, &inv) == false && !strings.Contains(err.Error(), "line break") {
			t.Errorf("Send(%q): %v; want it refused before dialling", msg, err)
		}
	}
}

func TestMailConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  MailConfig
		ok   bool
	}{
		{"none set", MailConfig{}, true},
		{"starttls", MailConfig{Host: "smtp.example", From: "copse@council-a.example"}, true},
		{"no from", MailConfig{Host: "smtp.example"}, false},
		{"bad from", MailConfig{Host: "smtp.example", From: "not an address"}, false},
		{"bad security", MailConfig{Host: "smtp.example", From: "a@b.example", Security: "ssl"}, false},
		{"user without password", MailConfig{Host: "smtp.example", From: "a@b.example", Username: "u"}, false},
		{"bad port", MailConfig{Host: "smtp.example", From: "a@b.example", Port: 70000}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v; want ok %v", err, tt.ok)
			}
		})
	}
}
