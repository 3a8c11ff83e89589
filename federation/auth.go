package federation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/copse-dev/copse/storage"
)

// Sign-in, sessions and OAuth grants are engine methods (this file and
// auth_oauth.go) rather than a package of their own: they write in the
// same store through the same one writer as every other command, the
// sign-in needs the engine's password check and suspension rule, and a
// sub-package the engine handed out would import federation for those
// while federation imported it, a cycle. The web layer decides what a
// request means; these methods are the only place its rows are written.

// ErrLoginDisabled is a sign-in by a suspended member.
var ErrLoginDisabled = errors.New("federation: login disabled")

// SessionLifetime is how long a browser stays signed in.
const SessionLifetime = 14 * 24 * time.Hour

// SignedIn is a session just started: Secret goes in the browser's
// cookie, and only its hash is stored.
type SignedIn struct {
	Secret    string
	Account   storage.Account
	ExpiresAt time.Time
}

// SignIn checks a member's login (username or email) and password and
// starts a session. It ends the sessions whose secrets are replaces: a
// new sign-in from a browser, perhaps as another member, ends the
// browser's old ones. A wrong login or password is ErrDenied; a suspended
// member's is ErrLoginDisabled; one who has not confirmed their email or
// is awaiting approval gets ErrUnconfirmed or ErrUnapproved. A member who
// signs in in two steps needs SignInWithCode (two_step.go).
func (e *Engine) SignIn(ctx context.Context, login, password string, replaces ...string) (SignedIn, error) {
	return e.SignInWithCode(ctx, login, password, "", replaces...)
}

// SignInWithCode is SignIn with the code of the member's authenticator
// app, which one who signs in in two steps needs: ErrTwoStepNeeded
// without it, ErrDenied when it is not right or was taken before.
func (e *Engine) SignInWithCode(ctx context.Context, login, password, code string, replaces ...string) (SignedIn, error) {
	a, u, err := e.CheckPassword(ctx, login, password)
	if err != nil {
		return SignedIn{}, err
	}
	if err := joined(u); err != nil {
		return SignedIn{}, err
	}
	if !a.SuspendedAt.IsZero() {
		return SignedIn{}, ErrLoginDisabled
	}
	if err := e.signInDisabled(ctx, a.ID); err != nil {
		return SignedIn{}, err
	}
	s := SignedIn{Secret: rand.Text(), Account: a}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := e.takeCode(ctx, tx, a.ID, code); err != nil {
			return err
		}
		s.ExpiresAt = tx.Now().Add(SessionLifetime)
		for _, old := range replaces {
			if err := tx.DeleteSession(ctx, storage.HashSecret(old)); err != nil {
				return err
			}
		}
		return tx.InsertSession(ctx, &storage.Session{IDHash: storage.HashSecret(s.Secret), AccountID: a.ID,
			ExpiresAt: s.ExpiresAt})
	})
	if err != nil {
		return SignedIn{}, fmt.Errorf("sign in %s: %w", a.Username, err)
	}
	return s, nil
}

// SignOut ends the session whose secret is secret; ending one that does
// not exist is no error.
func (e *Engine) SignOut(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteSession(ctx, storage.HashSecret(secret)) })
	if err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// ChangePassword sets a member's password, given the current one, and
// ends every other session of theirs (all but the session whose secret is
// keep): whoever signed in with the old password is signed out. A wrong
// current password is ErrDenied.
func (e *Engine) ChangePassword(ctx context.Context, account storage.ID, current, next, keep string) error {
	u, err := e.store.UserByAccount(ctx, account)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return ErrDenied
	}
	if len(next) < minPasswordLength {
		return invalid("password must be at least %d characters", minPasswordLength)
	}
	if len(next) > 72 {
		// bcrypt reads no further: a longer password would be accepted
		// with anything after its 72nd byte.
		return invalid("password must be at most 72 bytes")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	keepHash := ""
	if keep != "" {
		keepHash = storage.HashSecret(keep)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetPasswordHash(ctx, account, string(hash)); err != nil {
			return err
		}
		return tx.DeleteOtherSessions(ctx, account, keepHash)
	})
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	return nil
}
