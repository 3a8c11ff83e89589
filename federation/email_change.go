package federation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/copse-dev/copse/storage"
)

// Changing a member's email address. The member gives the new address
// and their password; a link is mailed to the new address, which becomes
// theirs only when the link is followed (within ConfirmLifetime, once),
// so nobody takes an address that is not theirs, and the old address is
// told, so a member whose session someone else used learns of it. An
// operator changes an address at once from the command line. Either way
// the change is in the audit log, without the addresses.

// RequestEmailChange mails a link that makes newEmail account's address,
// and tells the current address. A wrong password is ErrDenied; an
// address that is not one, is taken, or is at a blocked domain an
// *InvalidError; a node without mail ErrNoMail.
func (e *Engine) RequestEmailChange(ctx context.Context, account storage.ID, password, newEmail string) error {
	if e.mailer == nil {
		return fmt.Errorf("change email: %w", ErrNoMail)
	}
	u, err := e.store.UserByAccount(ctx, account)
	if err != nil {
		return fmt.Errorf("change email: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return ErrDenied
	}
	newEmail = strings.TrimSpace(newEmail)
	if strings.EqualFold(newEmail, u.Email) {
		return fieldInvalid("email", "ERR_INVALID", "that is your address already")
	}
	if err := e.checkNewEmail(ctx, newEmail); err != nil {
		return err
	}
	a, err := e.store.AccountByID(ctx, account)
	if err != nil {
		return fmt.Errorf("change email: %w", err)
	}
	token := rand.Text()
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		// A new request ends the ones before it.
		if err := tx.DeleteEmailTokens(ctx, account, storage.TokenEmailChange); err != nil {
			return err
		}
		return tx.InsertEmailChangeToken(ctx, storage.HashSecret(token), account, newEmail, tx.Now().Add(ConfirmLifetime))
	})
	if err != nil {
		return fmt.Errorf("change email: %w", err)
	}
	link := e.urls.Base + "/settings/email/confirm?token=" + url.QueryEscape(token)
	body := fmt.Sprintf("Hello %s,\n\nSomeone, we hope you, asked to make this the email address of @%s on %s.\n\n"+
		"Confirm it by opening this link within %d hours:\n\n%s\n\n"+
		"Until then the account keeps its old address. If it was not you, ignore this email.\n",
		a.Username, a.Username, e.about.Name, int(ConfirmLifetime.Hours()), link)
	if err := e.mailer.Send(ctx, Message{To: newEmail, Subject: "Confirm your new email address for " + e.about.Name, Body: body}); err != nil {
		return fmt.Errorf("change email: %w", err)
	}
	notice := fmt.Sprintf("Hello %s,\n\nSomeone asked to change the email address of @%s on %s to %s. "+
		"It changes only if the link mailed there is followed.\n\n"+
		"If it was not you, change your password now (%s/settings/password) and tell the node's administrators.\n",
		a.Username, a.Username, e.about.Name, maskEmail(newEmail), e.urls.Base)
	if err := e.mailer.Send(ctx, Message{To: u.Email, Subject: "Your email address on " + e.about.Name + " is being changed",
		Body: notice}); err != nil {
		// The old address may be gone (the reason to change it): the
		// change goes on; the link is what proves the new one.
		e.log.WarnContext(ctx, "tell the old address of an email change", "account_id", account, "err", err)
	}
	return nil
}

// maskEmail shows an address as a notice to another address may: its
// first letter and its domain.
func maskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "another address"
	}
	first, _ := utf8.DecodeRuneInString(local)
	return string(first) + "…@" + domain
}

// ConfirmEmailChange follows the link of an email change: the address it
// was mailed to becomes the member's, and the token is used up. It
// returns the member's username. An unknown, used or expired token is
// storage.ErrNotFound; an address taken meanwhile an *InvalidError.
func (e *Engine) ConfirmEmailChange(ctx context.Context, token string) (string, error) {
	var username string
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		id, email, err := tx.TakeEmailChange(ctx, storage.HashSecret(token))
		if err != nil {
			return err
		}
		a, err := tx.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		username = a.Username
		return e.setEmail(ctx, tx, 0, id, email, "email link")
	})
	if err != nil {
		return "", fmt.Errorf("confirm email change: %w", err)
	}
	return username, nil
}

// SetMemberEmail changes a member's address at once: the operator's
// command (copse admin account set-email), for a member who cannot
// receive mail at either address.
func (e *Engine) SetMemberEmail(ctx context.Context, username, email string) error {
	a, u, err := e.member(ctx, username)
	if err != nil {
		return err
	}
	email = strings.TrimSpace(email)
	if strings.EqualFold(email, u.Email) {
		return invalid("%s's address is %s already", username, u.Email)
	}
	if err := e.checkNewEmail(ctx, email); err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error { return e.setEmail(ctx, tx, 0, a.ID, email, "operator") })
	if err != nil {
		return fmt.Errorf("set email of %s: %w", username, err)
	}
	return nil
}

// setEmail makes email account's address, and ends any pending change.
func (e *Engine) setEmail(ctx context.Context, tx *storage.Tx, by, account storage.ID, email, via string) error {
	if err := tx.SetUserEmail(ctx, account, email); errors.Is(err, storage.ErrDuplicate) {
		return fieldInvalid("email", "ERR_TAKEN", "email %q is already taken", email)
	} else if err != nil {
		return err
	}
	if err := tx.DeleteEmailTokens(ctx, account, storage.TokenEmailChange); err != nil {
		return err
	}
	return audit(ctx, tx, by, AuditChangeEmail, storage.AuditAccount, account, "via", via)
}
