package storage

import (
	"context"
	"fmt"
	"time"
)

// Invite is an invitation link an admin made: its code is shown once, and
// only its hash is kept.
type Invite struct {
	ID        ID
	CodeHash  string
	CreatedBy ID  // 0: made from the command line
	MaxUses   int // 0: no limit
	Uses      int
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time
	CreatedAt time.Time
}

// Live reports whether the invite can still be used at now.
func (i Invite) Live(now time.Time) bool {
	return i.RevokedAt.IsZero() && (i.ExpiresAt.IsZero() || now.Before(i.ExpiresAt)) &&
		(i.MaxUses == 0 || i.Uses < i.MaxUses)
}

const inviteColumns = `id, code_hash, coalesce(created_by, 0), max_uses, uses, expires_at, revoked_at, created_at`

func scanInvite(r scanner) (Invite, error) {
	var i Invite
	var expires, revoked, created int64
	if err := r.Scan(&i.ID, &i.CodeHash, &i.CreatedBy, &i.MaxUses, &i.Uses, &expires, &revoked, &created); err != nil {
		return Invite{}, err
	}
	i.ExpiresAt, i.RevokedAt, i.CreatedAt = fromMillis(expires), fromMillis(revoked), fromMillis(created)
	return i, nil
}

const qInsertInvite = `INSERT INTO invites (id, code_hash, created_by, max_uses, uses, expires_at, revoked_at, created_at)
VALUES (?, ?, nullif(?, 0), ?, 0, ?, 0, ?)`

// InsertInvite stores a new invite, giving it an ID and a creation time.
func (tx *Tx) InsertInvite(ctx context.Context, i *Invite) error {
	i.ID, i.CreatedAt, i.Uses = tx.NewID(), tx.now, 0
	_, err := tx.tx.ExecContext(ctx, qInsertInvite, i.ID, i.CodeHash, i.CreatedBy, i.MaxUses,
		millis(i.ExpiresAt), millis(i.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert invite: %w", err)
	}
	return nil
}

const qInvites = `SELECT ` + inviteColumns + ` FROM invites ORDER BY id DESC`

// Invites lists every invite, newest first.
func (q queries) Invites(ctx context.Context) ([]Invite, error) {
	out, err := queryAll(ctx, q.q, scanInvite, qInvites)
	if err != nil {
		return nil, fmt.Errorf("invites: %w", err)
	}
	return out, nil
}

const qInviteByCode = `SELECT ` + inviteColumns + ` FROM invites WHERE code_hash = ?`

// InviteByCodeHash returns the invite whose code hashes to hash, live or
// not, or ErrNotFound.
func (q queries) InviteByCodeHash(ctx context.Context, hash string) (Invite, error) {
	i, err := scanInvite(q.q.QueryRowContext(ctx, qInviteByCode, hash))
	if err != nil {
		return Invite{}, notFound(err, "invite")
	}
	return i, nil
}

// qUseInvite counts one use of a live invite in one statement, so two
// sign-ups racing for its last use cannot both have it.
const qUseInvite = `UPDATE invites SET uses = uses + 1
WHERE code_hash = ?1 AND revoked_at = 0 AND (expires_at = 0 OR expires_at > ?2) AND (max_uses = 0 OR uses < max_uses)
RETURNING ` + inviteColumns

// UseInvite counts a use of the invite whose code hashes to hash and
// returns it, or ErrNotFound when there is no such invite or it is
// expired, revoked or used up.
func (tx *Tx) UseInvite(ctx context.Context, hash string) (Invite, error) {
	i, err := scanInvite(tx.tx.QueryRowContext(ctx, qUseInvite, hash, millis(tx.now)))
	if err != nil {
		return Invite{}, notFound(err, "use invite")
	}
	return i, nil
}

// RevokeInvite ends an invite; ErrNotFound if there is none with that ID.
func (tx *Tx) RevokeInvite(ctx context.Context, id ID) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, millis(tx.now), id)
	if err != nil {
		return fmt.Errorf("revoke invite %d: %w", id, err)
	}
	return mustAffect(res, "revoke invite")
}
