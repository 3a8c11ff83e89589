package federation

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

func TestSetPermissionKeepsAnAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := testEngine(t)
	member(t, e, "ann")
	member(t, e, "ben")
	steps := []struct {
		name, username string
		to             Permission
		want           error
	}{
		{"first admin", "ann", PermissionAdmin, nil},
		{"last admin cannot step down", "ann", PermissionModerator, ErrLastAdmin},
		{"second admin", "ben", PermissionAdmin, nil},
		{"now one may step down", "ann", PermissionModerator, nil},
		{"and not the other", "ben", PermissionMember, ErrLastAdmin},
		{"admin stays admin", "ben", PermissionAdmin, nil},
		{"no such member", "nobody", PermissionAdmin, storage.ErrNotFound},
	}
	for _, s := range steps {
		err := e.SetPermission(ctx, s.username, s.to)
		if !errors.Is(err, s.want) {
			t.Fatalf("%s: SetPermission(%s, %s) = %v; want %v", s.name, s.username, s.to, err, s.want)
		}
	}
	var inv *InvalidError
	if err := e.SetPermission(ctx, "ann", "owner"); !errors.As(err, &inv) {
		t.Errorf("SetPermission to a role that does not exist: %v; want an InvalidError", err)
	}
	if _, err := e.SuspendMember(ctx, "ben"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("suspending the last admin: %v; want ErrLastAdmin", err)
	}
	if _, err := e.DeleteMember(ctx, "ben"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("deleting the last admin: %v; want ErrLastAdmin", err)
	}
}

func TestSuspendMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	s, err := e.SignIn(ctx, "alice", authPassword)
	if err != nil {
		t.Fatal(err)
	}
	app := registerTestApp(t, e, "Tusky")
	tok, err := e.IssueToken(ctx, app.ID, alice.ID, []string{"read"}, false)
	if err != nil {
		t.Fatal(err)
	}

	a, err := e.SuspendMember(ctx, "alice")
	if err != nil || a.SuspendedAt.IsZero() {
		t.Fatalf("SuspendMember: %+v, %v", a, err)
	}
	if liveSession(t, e, s.Secret) {
		t.Error("a suspended member's session is still live")
	}
	if _, err := e.SignIn(ctx, "alice", authPassword); !errors.Is(err, ErrLoginDisabled) {
		t.Errorf("a suspended member signs in: %v; want ErrLoginDisabled", err)
	}
	if again, err := e.SuspendMember(ctx, "alice"); err != nil || again.SuspendedAt.UnixMilli() != a.SuspendedAt.UnixMilli() {
		t.Errorf("suspending again: %v, %v; want no change", again.SuspendedAt, err)
	}

	a, err = e.UnsuspendMember(ctx, "alice")
	if err != nil || !a.SuspendedAt.IsZero() {
		t.Fatalf("UnsuspendMember: %+v, %v", a, err)
	}
	if _, err := e.SignIn(ctx, "alice", authPassword); err != nil {
		t.Errorf("sign in after unsuspension: %v", err)
	}
	// The app's token was never revoked: it works again.
	if _, err := e.store.TokenByAccess(ctx, storage.HashSecret(tok.Access)); err != nil {
		t.Errorf("the app's token after unsuspension: %v", err)
	}
	if _, err := e.SuspendMember(ctx, "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("suspending nobody: %v; want ErrNotFound", err)
	}
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	s, err := e.SignIn(ctx, "alice", authPassword)
	if err != nil {
		t.Fatal(err)
	}
	app := registerTestApp(t, e, "Tusky")
	tok, err := e.IssueToken(ctx, app.ID, alice.ID, []string{"read"}, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, password string
		invalid        bool
	}{
		{"too short", "short", true},
		{"past bcrypt's 72 bytes", string(make([]byte, 73)), true},
		{"good", "a brand new passphrase", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.ResetPassword(ctx, "alice", tt.password)
			var inv *InvalidError
			if tt.invalid != errors.As(err, &inv) || !tt.invalid && err != nil {
				t.Fatalf("ResetPassword: %v; want invalid %v", err, tt.invalid)
			}
		})
	}
	if _, err := e.SignIn(ctx, "alice", authPassword); !errors.Is(err, ErrDenied) {
		t.Errorf("the old password still works: %v", err)
	}
	log, err := e.AuditLog(ctx, 0, storage.AuditFilter{Action: AuditResetPassword}, storage.Page{Limit: 10})
	if err != nil || len(log) != 1 || log[0].AccountID != 0 || log[0].TargetID != alice.ID || log[0].Details["via"] != "operator" {
		t.Errorf("audit log of resets = %+v, %v; want one of alice by the operator", log, err)
	}
	if _, err := e.SignIn(ctx, "alice", "a brand new passphrase"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if liveSession(t, e, s.Secret) {
		t.Error("a session from before the reset is still live")
	}
	if _, err := e.store.TokenByAccess(ctx, storage.HashSecret(tok.Access)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("an app's token from before the reset: %v; want it revoked", err)
	}
}

func TestDeleteMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	remote := storage.Account{URI: "https://council-b.example/users/bob", Username: "bob", Domain: "council-b.example",
		Inbox: "https://council-b.example/users/bob/inbox", SharedInbox: "https://council-b.example/inbox"}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertAccount(ctx, &remote); err != nil {
			return err
		}
		return tx.InsertFollow(ctx, &storage.Follow{AccountID: remote.ID, TargetID: alice.ID,
			URI: "https://council-b.example/follows/1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteMember(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SignIn(ctx, "alice", authPassword); !errors.Is(err, ErrDenied) {
		t.Errorf("a deleted member signs in: %v; want ErrDenied", err)
	}
	a, err := e.store.AccountByUsername(ctx, "alice")
	if err != nil || a.SuspendedAt.IsZero() {
		t.Errorf("the deleted account: %+v, %v; want it kept, suspended", a, err)
	}
	if _, err := e.CreateMember(ctx, NewMember{Username: "alice", Email: "alice2@council-a.example",
		Password: authPassword}); err == nil {
		t.Error("a deleted member's username was given out again")
	}
	due, err := e.store.DueDeliveries(ctx, time.Now().Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].InboxURL != remote.SharedInbox {
		t.Fatalf("deliveries %+v; want one to the follower's shared inbox", due)
	}
	var body struct{ Type, Actor, Object string }
	if err := json.Unmarshal(due[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Type != "Delete" || body.Actor != alice.URI || body.Object != alice.URI {
		t.Errorf("delivered %s; want Delete of the actor by itself", due[0].Body)
	}
	if _, err := e.DeleteMember(ctx, "alice"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("deleting again: %v; want ErrNotFound (no member)", err)
	}
}
