package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Joining the node: the emailed tokens that confirm an address or reset a
// password, and the steps of a sign-up (confirmed, approved). Invitations
// are in invites.go.

// Email token purposes.
const (
	TokenConfirm = "confirm"
	TokenReset   = "reset"
	// TokenEmailChange is mailed to the address a member is changing to.
	TokenEmailChange = "email_change"
)

// notFound is err as ErrNotFound when it is sql.ErrNoRows, else wrapped
// with what was being done.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}

const qInsertEmailToken = `INSERT INTO email_tokens (hash, account_id, purpose, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`

// InsertEmailToken stores the hash of a token sent by email to account's
// address, for purpose, until expires.
func (tx *Tx) InsertEmailToken(ctx context.Context, hash string, account ID, purpose string, expires time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, qInsertEmailToken, hash, account, purpose, millis(expires), millis(tx.now)); err != nil {
		return fmt.Errorf("insert %s token: %w", purpose, err)
	}
	return nil
}

const qTakeEmailToken = `DELETE FROM email_tokens WHERE hash = ? AND purpose = ? AND expires_at > ? RETURNING account_id`

// TakeEmailToken uses up a token: it returns the account the token was
// sent for and deletes it, so it works once. An unknown, used or expired
// token is ErrNotFound.
func (tx *Tx) TakeEmailToken(ctx context.Context, hash, purpose string) (ID, error) {
	var id ID
	if err := tx.tx.QueryRowContext(ctx, qTakeEmailToken, hash, purpose, millis(tx.now)).Scan(&id); err != nil {
		return 0, notFound(err, "take "+purpose+" token")
	}
	return id, nil
}

// DeleteEmailTokens deletes every token of account for purpose, and every
// expired token of anyone's: a new reset link ends the older ones.
func (tx *Tx) DeleteEmailTokens(ctx context.Context, account ID, purpose string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM email_tokens WHERE (account_id = ? AND purpose = ?) OR expires_at <= ?`,
		account, purpose, millis(tx.now))
	if err != nil {
		return fmt.Errorf("delete %s tokens: %w", purpose, err)
	}
	return nil
}

// ConfirmUser records that the member confirmed their email address now;
// a confirmed member stays as they were.
func (tx *Tx) ConfirmUser(ctx context.Context, account ID) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE users SET confirmed_at = ? WHERE account_id = ? AND confirmed_at = 0`,
		millis(tx.now), account)
	if err != nil {
		return fmt.Errorf("confirm user %d: %w", account, err)
	}
	return nil
}

// ApproveUser records that the member was let in now; an approved member
// stays as they were.
func (tx *Tx) ApproveUser(ctx context.Context, account ID) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE users SET approved_at = ? WHERE account_id = ? AND approved_at = 0`,
		millis(tx.now), account)
	if err != nil {
		return fmt.Errorf("approve user %d: %w", account, err)
	}
	return nil
}

// SetUserInvite records the invitation a member joined with.
func (tx *Tx) SetUserInvite(ctx context.Context, account, invite ID) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE users SET invite_id = ? WHERE account_id = ?`, invite, account)
	if err != nil {
		return fmt.Errorf("set invite of %d: %w", account, err)
	}
	return mustAffect(res, "set invite")
}

// EmailTokenLive reports whether a token for purpose hashing to hash is
// stored and not expired at now.
func (q queries) EmailTokenLive(ctx context.Context, hash, purpose string, now time.Time) (bool, error) {
	var ok bool
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM email_tokens WHERE hash = ? AND purpose = ? AND expires_at > ?)`,
		hash, purpose, millis(now)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("%s token: %w", purpose, err)
	}
	return ok, nil
}

// InsertEmailChangeToken stores the token mailed to newEmail, which
// account is changing its address to.
func (tx *Tx) InsertEmailChangeToken(ctx context.Context, hash string, account ID, newEmail string, expires time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO email_tokens (hash, account_id, purpose, expires_at, created_at, new_email)
VALUES (?,?,?,?,?,?)`, hash, account, TokenEmailChange, millis(expires), millis(tx.now), newEmail)
	if err != nil {
		return fmt.Errorf("insert email change token: %w", err)
	}
	return nil
}

// TakeEmailChange uses up an email change token: it returns the account
// and the address it was sent to, and deletes it. An unknown, used or
// expired token is ErrNotFound.
func (tx *Tx) TakeEmailChange(ctx context.Context, hash string) (ID, string, error) {
	var id ID
	var email string
	err := tx.tx.QueryRowContext(ctx, `DELETE FROM email_tokens WHERE hash = ? AND purpose = ? AND expires_at > ?
RETURNING account_id, new_email`, hash, TokenEmailChange, millis(tx.now)).Scan(&id, &email)
	if err != nil {
		return 0, "", notFound(err, "take email change token")
	}
	return id, email, nil
}

// SetUserEmail changes a member's address; ErrDuplicate if another member
// has it (in any case).
func (tx *Tx) SetUserEmail(ctx context.Context, account ID, email string) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE users SET email = ? WHERE account_id = ?`, email, account)
	if isUnique(err) {
		return fmt.Errorf("set email of %d: %w", account, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("set email of %d: %w", account, err)
	}
	return mustAffect(res, "set email")
}
