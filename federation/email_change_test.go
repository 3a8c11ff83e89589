package federation

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/storage"
)

// TestEmailChange: a member changes their address with their password;
// the new address gets the link that makes the change and the old one is
// told; the link works once; a taken, malformed or same address, or a
// wrong password, is refused; an operator changes an address at once;
// each change is audited, without the addresses.
func TestEmailChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e, _ := mailingEngine(t, srv)
	ann := member(t, e, "ann")
	member(t, e, "bob")
	var inv *InvalidError
	for _, tt := range []struct {
		name, password, email string
		denied                bool
	}{
		{"a wrong password", "not it", "ann@libraries.example", true},
		{"bob's address", authPassword, "BOB@council-a.example", false},
		{"not an address", authPassword, "Ann <ann@libraries.example>", false},
		{"the same address", authPassword, "ann@council-a.example", false},
	} {
		err := e.RequestEmailChange(ctx, ann.ID, tt.password, tt.email)
		if tt.denied && !errors.Is(err, ErrDenied) || !tt.denied && !errors.As(err, &inv) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if got := len(srv.Received()); got != 0 {
		t.Fatalf("refused changes sent %d mails", got)
	}
	if err := e.RequestEmailChange(ctx, ann.ID, authPassword, " ann@libraries.example "); err != nil {
		t.Fatal(err)
	}
	link, notice := srv.Wait(t, 1), srv.Wait(t, 2)
	if link.To[0] != "ann@libraries.example" || notice.To[0] != "ann@council-a.example" ||
		!strings.Contains(notice.Body, "a…@libraries.example") || strings.Contains(notice.Body, "ann@libraries") {
		t.Fatalf("mails: to %v and %v:\n%s", link.To, notice.To, notice.Body)
	}
	u, _ := url.Parse(link.Link("https://council-a.example/settings/email/confirm?token="))
	token := u.Query().Get("token")
	if u2, _ := e.store.UserByAccount(ctx, ann.ID); u2.Email != "ann@council-a.example" {
		t.Fatalf("the address changed before the link was followed: %s", u2.Email)
	}
	if who, err := e.ConfirmEmailChange(ctx, token); err != nil || who != "ann" {
		t.Fatalf("ConfirmEmailChange: %q, %v", who, err)
	}
	if u2, _ := e.store.UserByAccount(ctx, ann.ID); u2.Email != "ann@libraries.example" {
		t.Errorf("address after the link: %s", u2.Email)
	}
	if _, err := e.ConfirmEmailChange(ctx, token); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the link used twice: %v", err)
	}

	if err := e.SetMemberEmail(ctx, "ann", "bob@council-a.example"); !errors.As(err, &inv) {
		t.Errorf("the operator sets a taken address: %v", err)
	}
	if err := e.SetMemberEmail(ctx, "ann", "ann@hq.example"); err != nil {
		t.Fatal(err)
	}
	if u2, _ := e.store.UserByAccount(ctx, ann.ID); u2.Email != "ann@hq.example" {
		t.Errorf("address set by the operator: %s", u2.Email)
	}
	log, err := e.AuditLog(ctx, 0, storage.AuditFilter{Action: AuditChangeEmail}, storage.Page{Limit: 10})
	if err != nil || len(log) != 2 || log[0].Details["via"] != "operator" || log[1].Details["via"] != "email link" {
		t.Fatalf("audit: %+v, %v", log, err)
	}
	for _, entry := range log {
		for _, v := range entry.Details {
			if strings.Contains(v, "@") {
				t.Errorf("the audit log names an address: %+v", entry)
			}
		}
	}
}
