package federation

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestTwoStep: a member turns two-step sign-in on with a code of the new
// secret (a wrong code leaves it off); then a sign-in needs a code of
// now (a step either side too), takes each code once and refuses a
// wrong one; turning it off needs the password and a code.
func TestTwoStep(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	e.now = func() time.Time { return now }
	code := func(at time.Time, secret string) string {
		t.Helper()
		c, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	key, err := e.NewTwoStepKey(ctx, alice.ID, "")
	if err != nil || len(key.Secret) < 16 || len(key.QR) == 0 {
		t.Fatalf("key %+v, %v", key, err)
	}
	var fe *FieldError
	if _, err := e.EnableTwoStep(ctx, alice.ID, key.Secret, "000000"); !errors.As(err, &fe) || fe.Field != "code" {
		t.Fatalf("a wrong first code: %v; want a code error", err)
	}
	if ts, _ := e.store.TwoStepOf(ctx, alice.ID); ts.Secret != "" {
		t.Fatal("on after a wrong code")
	}
	recovery, err := e.EnableTwoStep(ctx, alice.ID, key.Secret, code(now, key.Secret))
	if err != nil || len(recovery) != 10 {
		t.Fatalf("recovery codes %q, %v; want 10", recovery, err)
	}
	steps := []struct {
		name string
		code string
		at   time.Duration // the clock moves on
		want error
	}{
		{"no code", "", 0, ErrTwoStepNeeded},
		{"the code that turned it on, again", code(now, key.Secret), 0, ErrDenied},
		{"a wrong code", "123456", 0, ErrDenied},
		{"the next step's code (a phone a little ahead)", code(now.Add(30*time.Second), key.Secret), 0, nil},
		{"the same code again", code(now.Add(30*time.Second), key.Secret), 0, ErrDenied},
		{"a code two minutes later", code(now.Add(2*time.Minute), key.Secret), 2 * time.Minute, nil},
		{"a code two minutes old", code(now, key.Secret), 2 * time.Minute, ErrDenied},
		{"a recovery code, typed in capitals without its dash", strings.ToUpper(strings.ReplaceAll(recovery[3], "-", "")), 0, nil},
		{"the same recovery code again", recovery[3], 0, ErrDenied},
		{"another recovery code", " " + recovery[0] + " ", 0, nil},
		{"a made-up recovery code", "abcde-fghij", 0, ErrDenied},
	}
	for _, s := range steps {
		e.now = func() time.Time { return now.Add(s.at) }
		_, err := e.SignInWithCode(ctx, "alice", authPassword, s.code)
		if s.want == nil && err != nil || s.want != nil && !errors.Is(err, s.want) {
			t.Errorf("%s: %v; want %v", s.name, err, s.want)
		}
	}
	e.now = func() time.Time { return now.Add(2 * time.Minute) }
	if err := e.DisableTwoStep(ctx, alice.ID, authPassword, ""); !errors.Is(err, ErrDenied) {
		t.Errorf("off without a code: %v; want denied", err)
	}
	if err := e.DisableTwoStep(ctx, alice.ID, "not her password", code(now.Add(150*time.Second), key.Secret)); !errors.Is(err, ErrDenied) {
		t.Errorf("off with a wrong password: %v", err)
	}
	if err := e.DisableTwoStep(ctx, alice.ID, authPassword, code(now.Add(150*time.Second), key.Secret)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SignIn(ctx, "alice", authPassword); err != nil {
		t.Errorf("a sign-in once it is off: %v", err)
	}
	if n, err := e.store.RecoveryCodesLeft(ctx, alice.ID); err != nil || n != 0 {
		t.Errorf("%d recovery codes left once it is off, %v; want none", n, err)
	}
}
