package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a member signed in from a browser. IDHash is HashSecret of
// the secret in the session cookie.
type Session struct {
	IDHash    string
	AccountID ID
	CreatedAt time.Time
	ExpiresAt time.Time
}

const qInsertSession = `INSERT INTO sessions (id_hash, account_id, created_at, expires_at) VALUES (?,?,?,?)`

// qDeleteExpiredSessions keeps the table to live sessions; it runs with
// each sign-in, so no sweeper is needed.
const qDeleteExpiredSessions = `DELETE FROM sessions WHERE expires_at <= ?`

// InsertSession stores a new session and drops expired ones.
func (tx *Tx) InsertSession(ctx context.Context, s *Session) error {
	s.CreatedAt = tx.now
	if _, err := tx.tx.ExecContext(ctx, qDeleteExpiredSessions, millis(tx.now)); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, qInsertSession, s.IDHash, s.AccountID, millis(s.CreatedAt), millis(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

const qSessionByHash = `SELECT id_hash, account_id, created_at, expires_at FROM sessions
WHERE id_hash = ? AND expires_at > ?`

// SessionByHash returns the session whose secret hashes to hash, if it is
// still live at now; ErrNotFound otherwise.
func (q queries) SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error) {
	var s Session
	var created, expires int64
	err := q.q.QueryRowContext(ctx, qSessionByHash, hash, millis(now)).Scan(&s.IDHash, &s.AccountID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = fromMillis(created), fromMillis(expires)
	return s, nil
}

const qDeleteSession = `DELETE FROM sessions WHERE id_hash = ?`

// DeleteSession ends a session; ending one that does not exist is no error.
func (tx *Tx) DeleteSession(ctx context.Context, hash string) error {
	if _, err := tx.tx.ExecContext(ctx, qDeleteSession, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

const qDeleteOtherSessions = `DELETE FROM sessions WHERE account_id = ? AND id_hash <> ?`

// DeleteOtherSessions ends every session of account but the one whose
// secret hashes to keep ("" keeps none): after a password change, a
// browser that had the old one is signed out.
func (tx *Tx) DeleteOtherSessions(ctx context.Context, account ID, keep string) error {
	if _, err := tx.tx.ExecContext(ctx, qDeleteOtherSessions, account, keep); err != nil {
		return fmt.Errorf("delete other sessions: %w", err)
	}
	return nil
}

const qSetPasswordHash = `UPDATE users SET password_hash = ? WHERE account_id = ?`

// SetPasswordHash replaces a member's password hash; ErrNotFound if the
// account has no user.
func (tx *Tx) SetPasswordHash(ctx context.Context, account ID, hash string) error {
	res, err := tx.tx.ExecContext(ctx, qSetPasswordHash, hash, account)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return mustAffect(res, "set password")
}
