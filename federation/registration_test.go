package federation

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// joiningEngine is an engine with a joining policy and, when srv is not
// nil, mail through it.
func joiningEngine(t *testing.T, reg Registration, srv *mailtest.Server) *Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	o := Options{URLs: URLs{Base: "https://council-a.example"}, NewKey: testkit.Keys(), Registration: reg,
		About: About{Name: "Council A"}}
	if srv != nil {
		o.Mailer = NewMailer(MailConfig{Host: srv.Host, Port: srv.Port, Username: srv.Username, Password: srv.Password,
			From: "Council A <copse@council-a.example>"}, srv.TLS)
	}
	e := New(store, o)
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// tokenOf is the token in a link a mail carried.
func tokenOf(t *testing.T, m mailtest.Mail, path string) string {
	t.Helper()
	link := m.Link(path)
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no %s link in %q", path, m.Body)
	}
	return u.Query().Get("token")
}

func TestSignUpOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e := joiningEngine(t, Registration{Mode: RegistrationsOpen, Domains: []string{"council-a.example"}}, srv)
	tests := []struct {
		name, username, email string
		approval              bool
	}{
		{"the node's domain", "ann", "ann@council-a.example", false},
		{"a subdomain of it", "sub", "sub@libraries.council-a.example", false},
		{"another domain waits for approval", "oz", "oz@elsewhere.example", true},
		{"a domain that only ends the same", "eve", "eve@evilcouncil-a.example", true},
	}
	for i, tt := range tests {
		j, err := e.SignUp(ctx, SignUp{Username: tt.username, Email: tt.email, Password: authPassword, Reason: "I run a library"})
		if err != nil {
			t.Fatalf("%s: SignUp: %v", tt.name, err)
		}
		if !j.Confirm || j.Approval != tt.approval || j.Account.SuspendedAt.IsZero() {
			t.Errorf("%s: joined %+v; want a held account to confirm, approval %v", tt.name, j, tt.approval)
		}
		if _, err := e.SignIn(ctx, tt.username, authPassword); !errors.Is(err, ErrUnconfirmed) {
			t.Errorf("%s: sign-in before confirming: %v; want ErrUnconfirmed", tt.name, err)
		}
		m := srv.Wait(t, i+1)
		if m.To[0] != tt.email {
			t.Fatalf("%s: mail went to %v", tt.name, m.To)
		}
		token := tokenOf(t, m, "https://council-a.example/auth/confirm?token=")
		c, err := e.ConfirmEmail(ctx, token)
		if err != nil || c.Approval != tt.approval || c.Account.SuspendedAt.IsZero() == tt.approval {
			t.Errorf("%s: ConfirmEmail: %+v, %v", tt.name, c, err)
		}
		if _, err := e.ConfirmEmail(ctx, token); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: a confirmation link used twice: %v; want ErrNotFound", tt.name, err)
		}
		_, err = e.SignIn(ctx, tt.username, authPassword)
		if tt.approval {
			if !errors.Is(err, ErrUnapproved) {
				t.Errorf("%s: sign-in before approval: %v; want ErrUnapproved", tt.name, err)
			}
			if a, err := e.ApproveMember(ctx, tt.username); err != nil || !a.Account.SuspendedAt.IsZero() {
				t.Fatalf("%s: ApproveMember: %+v, %v", tt.name, a, err)
			}
			_, err = e.SignIn(ctx, tt.username, authPassword)
		}
		if err != nil {
			t.Errorf("%s: sign-in once joined: %v", tt.name, err)
		}
	}

	// A held sign-up is neither suspended nor unsuspended: its hold is
	// the joining's own.
	j, err := e.SignUp(ctx, SignUp{Username: "held", Email: "held@elsewhere.example", Password: authPassword})
	if err != nil {
		t.Fatal(err)
	}
	var inv *InvalidError
	if _, err := e.SuspendMember(ctx, "held"); !errors.As(err, &inv) {
		t.Errorf("suspending a held sign-up: %v; want an InvalidError", err)
	}
	if a, err := e.UnsuspendMember(ctx, "held"); !errors.As(err, &inv) {
		t.Errorf("unsuspending a held sign-up: %+v, %v; want an InvalidError", a, err)
	}
	if a, _ := e.store.AccountByID(ctx, j.Account.ID); a.SuspendedAt.IsZero() {
		t.Error("the held sign-up was let out")
	}
	if _, err := e.SignUp(ctx, SignUp{Username: "ann", Email: "ann2@council-a.example", Password: authPassword}); !errors.As(err, &inv) {
		t.Errorf("a taken username: %v; want an InvalidError", err)
	}
	if _, err := e.SignUp(ctx, SignUp{Username: "bad", Email: "Bad <bad@council-a.example>", Password: authPassword}); !errors.As(err, &inv) {
		t.Errorf("a named address: %v; want an InvalidError", err)
	}
}

func TestSignUpMailFailureLeavesNoAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := joiningEngine(t, Registration{Mode: RegistrationsOpen}, nil)
	e.mailer = NewMailer(MailConfig{Host: "127.0.0.1", Port: 1, Security: MailNone, From: "copse@council-a.example"}, nil)
	if _, err := e.SignUp(ctx, SignUp{Username: "ann", Email: "ann@council-a.example", Password: authPassword}); err == nil {
		t.Fatal("SignUp with no mail server: no error")
	}
	if _, err := e.store.AccountByUsername(ctx, "ann"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the unconfirmable account was kept: %v", err)
	}
}

func TestSignUpClosedAndInvitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, mode := range []string{RegistrationsClosed, RegistrationsInvite, RegistrationsOpen} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			e := joiningEngine(t, Registration{Mode: mode}, nil)
			e.store.Now = func() time.Time { return now }
			e.now = e.store.Now
			_, err := e.SignUp(ctx, SignUp{Username: "walkin", Email: "walkin@council-a.example", Password: authPassword})
			if !errors.Is(err, ErrRegistrationsClosed) {
				t.Errorf("a sign-up without an invitation (and no mail): %v; want ErrRegistrationsClosed", err)
			}
			twice, err := e.CreateInvite(ctx, NewInvite{MaxUses: 2, Expires: 7 * 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := e.CheckInvite(ctx, twice.Code); !ok || err != nil {
				t.Errorf("CheckInvite of a new invite: %v, %v", ok, err)
			}
			for i, name := range []string{"first", "second", "third"} {
				j, err := e.SignUp(ctx, SignUp{Username: name, Email: name + "@anywhere.example", Password: authPassword,
					InviteCode: twice.Code})
				var inv *InvalidError
				if i < 2 {
					if err != nil || j.Confirm || j.Approval || !j.Account.SuspendedAt.IsZero() {
						t.Fatalf("use %d of 2: %+v, %v; want a member who joined", i+1, j, err)
					}
					if _, err := e.SignIn(ctx, name, authPassword); err != nil {
						t.Errorf("an invited member signs in: %v", err)
					}
					continue
				}
				if !errors.As(err, &inv) {
					t.Errorf("use 3 of 2: %v; want an InvalidError", err)
				}
				if _, err := e.store.AccountByUsername(ctx, name); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("a refused invitation left an account (%v)", err)
				}
			}
			if ok, _ := e.CheckInvite(ctx, twice.Code); ok {
				t.Error("CheckInvite of a used-up invite: true")
			}

			week, err := e.CreateInvite(ctx, NewInvite{Expires: 7 * 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(8 * 24 * time.Hour)
			var inv *InvalidError
			if _, err := e.SignUp(ctx, SignUp{Username: "late", Email: "late@anywhere.example", Password: authPassword,
				InviteCode: week.Code}); !errors.As(err, &inv) {
				t.Errorf("an expired invitation: %v; want an InvalidError", err)
			}
			if _, err := e.SignUp(ctx, SignUp{Username: "forger", Email: "forger@anywhere.example", Password: authPassword,
				InviteCode: "made-up"}); !errors.As(err, &inv) {
				t.Errorf("a made-up invitation: %v; want an InvalidError", err)
			}
		})
	}
}

func TestCreateInviteNeedsAnAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := joiningEngine(t, Registration{}, nil)
	mod, boss := member(t, e, "mod"), member(t, e, "boss")
	if err := e.SetPermission(ctx, "mod", PermissionModerator); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPermission(ctx, "boss", PermissionAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateInvite(ctx, NewInvite{By: mod.ID}); !errors.Is(err, ErrDenied) {
		t.Errorf("a moderator's invite: %v; want ErrDenied", err)
	}
	c, err := e.CreateInvite(ctx, NewInvite{By: boss.ID, MaxUses: 1})
	if err != nil || c.Invite.CreatedBy != boss.ID || c.URL != "https://council-a.example/auth/sign_up?invite="+url.QueryEscape(c.Code) {
		t.Errorf("an admin's invite: %+v, %v", c, err)
	}
}

func TestPasswordResetByEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e := joiningEngine(t, Registration{}, srv)
	alice := member(t, e, "alice")
	s, err := e.SignIn(ctx, "alice", authPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RequestPasswordReset(ctx, "nobody@council-a.example"); err != nil {
		t.Errorf("a reset for an address with no member: %v; want the same answer as for one", err)
	}
	if err := e.RequestPasswordReset(ctx, "ALICE@council-a.example"); err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1)
	if len(srv.Received()) != 1 || m.To[0] != "alice@council-a.example" {
		t.Fatalf("mail %+v; want one, to alice", srv.Received())
	}
	token := tokenOf(t, m, "/auth/reset/confirm?token=")
	if ok, err := e.CheckResetToken(ctx, token); !ok || err != nil {
		t.Errorf("CheckResetToken: %v, %v", ok, err)
	}
	var inv *InvalidError
	if err := e.ResetPasswordWithToken(ctx, token, "short"); !errors.As(err, &inv) {
		t.Errorf("a short new password: %v; want an InvalidError", err)
	}
	if err := e.ResetPasswordWithToken(ctx, token, "a fresh passphrase"); err != nil {
		t.Fatalf("reset with the mailed token: %v", err)
	}
	if err := e.ResetPasswordWithToken(ctx, token, "another passphrase"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the token used twice: %v; want ErrNotFound", err)
	}
	if liveSession(t, e, s.Secret) {
		t.Error("a session from before the reset is live")
	}
	if _, err := e.SignIn(ctx, alice.Username, "a fresh passphrase"); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	// One entry in the audit log: the member, by the mailed link (the
	// refused short password left none).
	log, err := e.AuditLog(ctx, 0, storage.AuditFilter{Action: AuditResetPassword}, storage.Page{Limit: 10})
	if err != nil || len(log) != 1 || log[0].AccountID != alice.ID || log[0].TargetID != alice.ID || log[0].Details["via"] != "email link" {
		t.Errorf("audit log of resets = %+v, %v; want alice's by email link", log, err)
	}
}
