package federation

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

const authPassword = "correct horse battery" // member's

// liveSession reports whether the session whose secret is secret is live.
func liveSession(t *testing.T, e *Engine, secret string) bool {
	t.Helper()
	_, err := e.store.SessionByHash(context.Background(), storage.HashSecret(secret), e.now())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	gone := member(t, e, "gone")
	gone.SuspendedAt = time.Now()
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &gone) }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, login, password string
		want                  error
	}{
		{"username", "alice", authPassword, nil},
		{"email, other case", "ALICE@council-a.example", authPassword, nil},
		{"wrong password", "alice", "wrong horse battery", ErrDenied},
		{"no such member", "nobody", authPassword, ErrDenied},
		{"suspended", "gone", authPassword, ErrLoginDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := e.SignIn(ctx, tt.login, tt.password)
			if !errors.Is(err, tt.want) {
				t.Fatalf("SignIn: %v; want %v", err, tt.want)
			}
			if tt.want != nil {
				return
			}
			if s.Account.ID != alice.ID || s.Secret == "" || !liveSession(t, e, s.Secret) {
				t.Errorf("SignIn: %+v; want a live session of alice", s)
			}
		})
	}
}

func TestSignInReplacesAndSignOutEnds(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	member(t, e, "alice")
	member(t, e, "bob")
	first, err := e.SignIn(ctx, "alice", authPassword)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.SignIn(ctx, "bob", authPassword, first.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if liveSession(t, e, first.Secret) || !liveSession(t, e, second.Secret) {
		t.Fatalf("after signing in as bob in the same browser: alice's session live %v, bob's %v; want false, true",
			liveSession(t, e, first.Secret), liveSession(t, e, second.Secret))
	}
	if err := e.SignOut(ctx, second.Secret); err != nil {
		t.Fatal(err)
	}
	if liveSession(t, e, second.Secret) {
		t.Error("session live after SignOut")
	}
	if err := e.SignOut(ctx, second.Secret); err != nil {
		t.Errorf("SignOut twice: %v; want nil", err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, current, next string
		want                func(error) bool
	}{
		{"right current password", authPassword, "a much longer passphrase", func(err error) bool { return err == nil }},
		{"wrong current password", "wrong horse battery", "a much longer passphrase",
			func(err error) bool { return errors.Is(err, ErrDenied) }},
		{"new one too short", authPassword, "short", func(err error) bool {
			var inv *InvalidError
			return errors.As(err, &inv)
		}},
		{"new one past bcrypt's 72 bytes", authPassword, string(make([]byte, 73)), func(err error) bool {
			var inv *InvalidError
			return errors.As(err, &inv)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t)
			alice := member(t, e, "alice")
			here, err := e.SignIn(ctx, "alice", authPassword)
			if err != nil {
				t.Fatal(err)
			}
			elsewhere, err := e.SignIn(ctx, "alice", authPassword)
			if err != nil {
				t.Fatal(err)
			}
			err = e.ChangePassword(ctx, alice.ID, tt.current, tt.next, here.Secret)
			if !tt.want(err) {
				t.Fatalf("ChangePassword: %v", err)
			}
			changed := err == nil
			if _, err := e.SignIn(ctx, "alice", tt.next); (err == nil) != changed {
				t.Errorf("sign in with the new password: %v; changed %v", err, changed)
			}
			if _, err := e.SignIn(ctx, "alice", authPassword); (err == nil) == changed {
				t.Errorf("sign in with the old password: %v; changed %v", err, changed)
			}
			if !liveSession(t, e, here.Secret) {
				t.Error("the session that changed the password was ended")
			}
			if liveSession(t, e, elsewhere.Secret) == changed {
				t.Errorf("other session live %v after change %v", liveSession(t, e, elsewhere.Secret), changed)
			}
		})
	}
}

// grant runs the authorization code flow for account and app.
func grant(t *testing.T, e *Engine, app storage.App, account storage.ID, scopes ...string) IssuedToken {
	t.Helper()
	ctx := context.Background()
	code, err := e.IssueCode(ctx, CodeGrant{AppID: app.ID, AccountID: account, RedirectURI: app.RedirectURIs[0], Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.RedeemCode(ctx, app, CodeRedemption{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func registerTestApp(t *testing.T, e *Engine, name string) storage.App {
	t.Helper()
	app, secret, err := e.RegisterApp(context.Background(), NewApp{Name: name, RedirectURIs: []string{"https://app.example/cb"},
		Scopes: []string{"read", "write", "push"}})
	if err != nil || secret == "" || app.ClientSecretHash != storage.HashSecret(secret) {
		t.Fatalf("RegisterApp: %+v, %v", app, err)
	}
	return app
}

func TestRedeemCode(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	app := registerTestApp(t, e, "Elk")
	other := registerTestApp(t, e, "Other")
	verifier := "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	challenge := "g0tuZ6q412zO9IRkeAUs8HN6MQeXPsGce37J3Rsc8wQ" // S256 of verifier
	if !pkceMatches(verifier, challenge) {
		t.Fatal("test challenge is not the verifier's")
	}
	tests := []struct {
		name      string
		app       storage.App
		redeem    CodeRedemption
		challenge string
		want      string // GrantError code; "" for success
	}{
		{"plain", app, CodeRedemption{}, "", ""},
		{"with its verifier", app, CodeRedemption{Verifier: verifier}, challenge, ""},
		{"wrong verifier", app, CodeRedemption{Verifier: verifier[1:] + "x"}, challenge, "invalid_grant"},
		{"verifier missing", app, CodeRedemption{}, challenge, "invalid_grant"},
		{"verifier without challenge", app, CodeRedemption{Verifier: verifier}, "", "invalid_grant"},
		{"another client", other, CodeRedemption{}, "", "invalid_grant"},
		{"other redirect URI", app, CodeRedemption{RedirectURIs: []string{"https://evil.example/cb"}}, "", "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := ""
			if tt.challenge != "" {
				method = "S256"
			}
			code, err := e.IssueCode(ctx, CodeGrant{AppID: app.ID, AccountID: alice.ID, RedirectURI: app.RedirectURIs[0],
				Scopes: []string{"read"}, Challenge: tt.challenge, Method: method})
			if err != nil {
				t.Fatal(err)
			}
			r := tt.redeem
			r.Code = code
			tok, err := e.RedeemCode(ctx, tt.app, r)
			var g *GrantError
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("RedeemCode: %v", err)
			case tt.want != "" && (!errors.As(err, &g) || g.Code != tt.want):
				t.Fatalf("RedeemCode: %v; want %s", err, tt.want)
			case tt.want == "" && (tok.Access == "" || tok.Refresh == ""):
				t.Fatalf("RedeemCode: %+v; want an access and a refresh token", tok)
			}
			// Right or wrong, the code is spent.
			r.Verifier = verifier
			if _, err := e.RedeemCode(ctx, app, r); !errors.As(err, &g) || g.Code != "invalid_grant" {
				t.Errorf("code redeemed again: %v; want invalid_grant", err)
			}
		})
	}
}

func TestRefreshAndRevoke(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	app := registerTestApp(t, e, "Elk")
	other := registerTestApp(t, e, "Other")
	live := func(access string) bool {
		_, err := e.store.TokenByAccess(ctx, storage.HashSecret(access))
		return err == nil
	}
	tok := grant(t, e, app, alice.ID, "read", "write")
	var g *GrantError
	if _, err := e.Refresh(ctx, app, tok.Refresh, []string{"read", "push"}); !errors.As(err, &g) || g.Code != "invalid_scope" {
		t.Errorf("refresh widening the grant: %v; want invalid_scope", err)
	}
	if _, err := e.Refresh(ctx, other, tok.Refresh, nil); !errors.As(err, &g) || g.Code != "invalid_grant" {
		t.Errorf("refresh by another client: %v; want invalid_grant", err)
	}
	fresh, err := e.Refresh(ctx, app, tok.Refresh, []string{"read"})
	if err != nil || !slices.Equal(fresh.Scopes, []string{"read"}) {
		t.Fatalf("refresh narrowing the grant: %+v, %v", fresh, err)
	}
	if live(tok.Access) || !live(fresh.Access) {
		t.Errorf("after refresh: old token live %v, new %v; want false, true", live(tok.Access), live(fresh.Access))
	}
	if _, err := e.Refresh(ctx, app, tok.Refresh, nil); !errors.As(err, &g) {
		t.Errorf("old refresh token used again: %v; want a GrantError", err)
	}
	if err := e.Revoke(ctx, other, fresh.Access); err != nil || !live(fresh.Access) {
		t.Errorf("revoke by another client: %v, live %v; want nil, true", err, live(fresh.Access))
	}
	if err := e.Revoke(ctx, app, fresh.Refresh); err != nil || live(fresh.Access) {
		t.Errorf("revoke by refresh token: %v, live %v; want nil, false", err, live(fresh.Access))
	}
	if err := e.Revoke(ctx, app, "no-such-token"); err != nil {
		t.Errorf("revoke unknown token: %v; want nil", err)
	}
}

func TestAuthorizedAppsAndRevokeApp(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	bob := member(t, e, "bob")
	elk := registerTestApp(t, e, "Elk")
	tusky := registerTestApp(t, e, "Tusky")
	grant(t, e, elk, alice.ID, "read")
	grant(t, e, elk, alice.ID, "write")
	grant(t, e, tusky, alice.ID, "read")
	bobs := grant(t, e, elk, bob.ID, "read")
	if _, err := e.IssueToken(ctx, elk.ID, 0, []string{"read"}, false); err != nil { // the app's own
		t.Fatal(err)
	}
	names := func(account storage.ID) map[string][]string {
		t.Helper()
		apps, err := e.AuthorizedApps(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, a := range apps {
			slices.Sort(a.Granted)
			out[a.Name] = a.Granted
		}
		return out
	}
	got := names(alice.ID)
	if len(got) != 2 || !slices.Equal(got["Elk"], []string{"read", "write"}) || !slices.Equal(got["Tusky"], []string{"read"}) {
		t.Fatalf("alice's apps: %v; want Elk [read write], Tusky [read]", got)
	}
	tests := []struct {
		name    string
		account storage.ID
		app     storage.ID
		want    error
		left    int
	}{
		{"an app she authorized", alice.ID, elk.ID, nil, 1},
		{"again", alice.ID, elk.ID, storage.ErrNotFound, 1},
		{"the last one", alice.ID, tusky.ID, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.RevokeApp(ctx, tt.account, tt.app); !errors.Is(err, tt.want) {
				t.Fatalf("RevokeApp: %v; want %v", err, tt.want)
			}
			if got := names(tt.account); len(got) != tt.left {
				t.Errorf("apps left: %v; want %d", got, tt.left)
			}
		})
	}
	if _, err := e.store.TokenByAccess(ctx, storage.HashSecret(bobs.Access)); err != nil {
		t.Errorf("bob's token of the same app: %v; want it live", err)
	}
}

func TestTouchTokenOncePerResolution(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	app := registerTestApp(t, e, "Elk")
	tok := grant(t, e, app, alice.ID, "read")
	now := time.Now()
	e.now = func() time.Time { return now }
	e.store.Now = e.now
	stored := func() storage.Token {
		t.Helper()
		st, err := e.store.TokenByAccess(ctx, storage.HashSecret(tok.Access))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	created := stored().LastUsedAt
	tests := []struct {
		name  string
		after time.Duration
		moved bool
	}{
		{"within the resolution", storage.TokenUseResolution / 2, false},
		{"past it", storage.TokenUseResolution + time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = created.Add(tt.after)
			st := stored()
			if err := e.TouchToken(ctx, st); err != nil {
				t.Fatal(err)
			}
			if moved := stored().LastUsedAt.After(st.LastUsedAt); moved != tt.moved {
				t.Errorf("last use moved %v; want %v", moved, tt.moved)
			}
		})
	}
}
