package federation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// Password reset by email: a member who forgot their password asks for a
// link, and sets a new password with it. The link works once, for
// ResetLifetime, and only its hash is stored.

// RequestPasswordReset mails a reset link to the member with that email
// address. It answers the same (nil) whether or not there is such a
// member, so the form tells nobody which addresses have accounts; a
// member who is suspended, deleted or not yet joined gets no link.
func (e *Engine) RequestPasswordReset(ctx context.Context, email string) error {
	if e.mailer == nil {
		return fmt.Errorf("password reset: %w", ErrNoMail)
	}
	u, err := e.store.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	a, err := e.store.AccountByID(ctx, u.AccountID)
	if err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	if joined(u) != nil || !a.SuspendedAt.IsZero() {
		return nil
	}
	token := rand.Text()
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.DeleteEmailTokens(ctx, a.ID, storage.TokenReset); err != nil {
			return err
		}
		return tx.InsertEmailToken(ctx, storage.HashSecret(token), a.ID, storage.TokenReset, tx.Now().Add(ResetLifetime))
	})
	if err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	link := e.urls.Base + "/auth/reset/confirm?token=" + url.QueryEscape(token)
	body := fmt.Sprintf("Hello %s,\n\nSomeone, we hope you, asked to reset your password on %s.\n\n"+
		"Choose a new password by opening this link within %d minutes:\n\n%s\n\n"+
		"The link works once. If it was not you, ignore this email: your password stays as it is.\n",
		a.Username, e.about.Name, int(ResetLifetime.Minutes()), link)
	if err := e.mailer.Send(ctx, Message{To: u.Email, Subject: "Reset your password on " + e.about.Name, Body: body}); err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	return nil
}

// ErrNoMail is a request that needs mail on a node that sends none.
var ErrNoMail = errors.New("federation: this node sends no mail")

// CheckResetToken reports whether a reset link is still good, without
// using it up: the page shows the form only for a good one.
func (e *Engine) CheckResetToken(ctx context.Context, token string) (bool, error) {
	return e.store.EmailTokenLive(ctx, storage.HashSecret(token), storage.TokenReset, e.now())
}

// ResetPasswordWithToken sets a new password with a reset link's token,
// using the token up; like an admin's reset, it ends every session and
// revokes every app's token. A token that is unknown, used or expired is
// storage.ErrNotFound; a password the rules refuse is an InvalidError,
// and leaves the token usable.
func (e *Engine) ResetPasswordWithToken(ctx context.Context, token, password string) error {
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		id, err := tx.TakeEmailToken(ctx, storage.HashSecret(token), storage.TokenReset)
		if err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, id, hash); err != nil {
			return err
		}
		if err := tx.DeleteOtherSessions(ctx, id, ""); err != nil {
			return err
		}
		if _, err := tx.RevokeAccountTokens(ctx, id); err != nil {
			return err
		}
		// The member's own act, by the link mailed to them: logged so an
		// admin can tell a reset they did not make.
		return audit(ctx, tx, id, AuditResetPassword, storage.AuditAccount, id, "via", "email link")
	})
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	return nil
}
