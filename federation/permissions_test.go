package federation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

func TestPermissionCan(t *testing.T) {
	t.Parallel()
	all := []Action{ActModerateContent, ActModerateAccounts, ActHandleReports, ActViewAuditLog,
		ActManageFederation, ActManageRoles, ActManageRegistrations, ActManageSettings, ActManageAnnouncements, ActManageEmojis}
	// want[p] is the set of actions p may do; every other one it may not.
	want := map[Permission]map[Action]bool{
		PermissionMember: {},
		PermissionModerator: {ActModerateContent: true, ActModerateAccounts: true, ActHandleReports: true,
			ActViewAuditLog: true},
		PermissionAdmin: {ActModerateContent: true, ActModerateAccounts: true, ActHandleReports: true,
			ActViewAuditLog: true, ActManageFederation: true, ActManageRoles: true, ActManageRegistrations: true,
			ActManageSettings: true, ActManageAnnouncements: true, ActManageEmojis: true},
		"":      {},
		"owner": {}, // not a role: may do nothing
		"Admin": {}, // roles are stored lower case; any other spelling is no role
	}
	for p, may := range want {
		for _, a := range all {
			t.Run(string(p)+"/"+a.String(), func(t *testing.T) {
				if got := p.Can(a); got != may[a] {
					t.Errorf("Permission(%q).Can(%s) = %v; want %v", p, a, got, may[a])
				}
			})
		}
		if p.Can(Action(0)) || p.Can(Action(99)) {
			t.Errorf("Permission(%q) may do an unknown action", p)
		}
	}
}

func TestParsePermission(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Permission
		invalid bool
	}{
		{"member", PermissionMember, false},
		{"moderator", PermissionModerator, false},
		{"admin", PermissionAdmin, false},
		{"king", "", true},
		{"", "", true},
		{"ADMIN", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePermission(tt.in)
			var inv *InvalidError
			if tt.invalid != errors.As(err, &inv) || got != tt.want {
				t.Errorf("ParsePermission(%q) = %q, %v; want %q (invalid %v)", tt.in, got, err, tt.want, tt.invalid)
			}
		})
	}
}

func TestEngineCan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := testEngine(t)
	mod, admin, plain, gone := member(t, e, "mod"), member(t, e, "boss"), member(t, e, "plain"), member(t, e, "gone")
	for name, p := range map[string]Permission{"mod": PermissionModerator, "boss": PermissionAdmin, "gone": PermissionAdmin} {
		if err := e.SetPermission(ctx, name, p); err != nil {
			t.Fatal(err)
		}
	}
	gone.SuspendedAt = time.Now()
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &gone) }); err != nil {
		t.Fatal(err)
	}
	remote := storage.Account{URI: "https://council-b.example/users/bob", Username: "bob", Domain: "council-b.example"}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &remote) }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		account storage.ID
		action  Action
		want    bool
	}{
		{"moderator handles reports", mod.ID, ActHandleReports, true},
		{"moderator may not change federation policy", mod.ID, ActManageFederation, false},
		{"admin changes federation policy", admin.ID, ActManageFederation, true},
		{"member handles no reports", plain.ID, ActHandleReports, false},
		{"suspended admin may do nothing", gone.ID, ActManageRoles, false},
		{"remote account may do nothing", remote.ID, ActModerateContent, false},
		{"no such account", 12345, ActModerateContent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Can(ctx, tt.account, tt.action)
			if err != nil || got != tt.want {
				t.Errorf("Can = %v, %v; want %v", got, err, tt.want)
			}
			// AccountCan decides the same from the account already loaded.
			acct, err := e.store.AccountByID(ctx, tt.account)
			if errors.Is(err, storage.ErrNotFound) {
				acct = storage.Account{ID: tt.account}
			} else if err != nil {
				t.Fatal(err)
			}
			if got, err := e.AccountCan(ctx, acct, tt.action); err != nil || got != tt.want {
				t.Errorf("AccountCan = %v, %v; want %v as Can", got, err, tt.want)
			}
			err = e.Authorize(ctx, tt.account, tt.action)
			if tt.want && err != nil || !tt.want && !errors.Is(err, ErrDenied) {
				t.Errorf("Authorize = %v; want nil or ErrDenied as Can says %v", err, tt.want)
			}
		})
	}
}

// TestEngineAccountCan: AccountCan decides from the account it is given,
// not a fresh read of it, and from the role stored with the sign-in.
func TestEngineAccountCan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := testEngine(t)
	mod, plain := member(t, e, "mod"), member(t, e, "plain")
	if err := e.SetPermission(ctx, "mod", PermissionModerator); err != nil {
		t.Fatal(err)
	}
	suspended := mod
	suspended.SuspendedAt = time.Now()
	tests := []struct {
		name    string
		account storage.Account
		action  Action
		want    bool
	}{
		{"moderator handles reports", mod, ActHandleReports, true},
		{"moderator may not manage roles", mod, ActManageRoles, false},
		{"member handles no reports", plain, ActHandleReports, false},
		{"a suspended account, as loaded, may do nothing", suspended, ActHandleReports, false},
		{"an account never stored may do nothing", storage.Account{}, ActHandleReports, false},
		{"an account without a sign-in may do nothing", storage.Account{ID: 12345}, ActHandleReports, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.AccountCan(ctx, tt.account, tt.action)
			if err != nil || got != tt.want {
				t.Errorf("AccountCan = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
