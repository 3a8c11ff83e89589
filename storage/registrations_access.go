package storage

import (
	"context"
	"fmt"
)

// What an admin does to a member's access (suspension, a password reset,
// deletion) needs a few writes beyond sessions.go and oauth.go: every
// token of a member at once, and the sign-in itself.

const qRevokeAccountTokens = `UPDATE oauth_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at = 0`

// RevokeAccountTokens revokes every live token of account, in every app,
// and returns how many it revoked.
func (tx *Tx) RevokeAccountTokens(ctx context.Context, account ID) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, qRevokeAccountTokens, millis(tx.now), account)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of %d: %w", account, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of %d: %w", account, err)
	}
	return n, nil
}

const qDeleteUser = `DELETE FROM users WHERE account_id = ?`

// DeleteUser removes a member's sign-in (email, password, role), leaving
// the account; ErrNotFound if it has none.
func (tx *Tx) DeleteUser(ctx context.Context, account ID) error {
	res, err := tx.tx.ExecContext(ctx, qDeleteUser, account)
	if err != nil {
		return fmt.Errorf("delete user %d: %w", account, err)
	}
	return mustAffect(res, "delete user")
}

const qCountPermission = `SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id
WHERE u.role = ? AND a.suspended_at = 0`

// CountPermission counts the members with that role who are not
// suspended.
func (q queries) CountPermission(ctx context.Context, permission string) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, qCountPermission, permission).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", permission, err)
	}
	return n, nil
}

// MembersWithRoles lists the members who hold one of roles and are not
// suspended, oldest first: the staff a notification for moderators goes
// to.
func (q queries) MembersWithRoles(ctx context.Context, roles ...string) ([]ID, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	args := make([]any, len(roles))
	for i, r := range roles {
		args[i] = r
	}
	out, err := queryAll(ctx, q.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, `SELECT u.account_id FROM users u JOIN accounts a ON a.id = u.account_id
WHERE u.role IN (`+placeholders(len(roles))+`) AND a.suspended_at = 0 ORDER BY u.account_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("members with roles %v: %w", roles, err)
	}
	return out, nil
}
