package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AccountModeration is what moderators have done to an account beyond
// suspending it (Account.SuspendedAt): limited it (Mastodon's
// "silence"), marked its media sensitive, disabled its sign-in, and, for
// a suspension, when its data is to be purged. Zero times: not so.
type AccountModeration struct {
	AccountID   ID
	LimitedAt   time.Time
	SensitiveAt time.Time
	DisabledAt  time.Time
	PurgeAfter  time.Time
}

const qAccountModeration = `SELECT account_id, limited_at, sensitive_at, disabled_at, purge_after
FROM account_moderation WHERE account_id = ?`

// AccountModeration returns the actions on an account; an account with
// none has a zero AccountModeration (with its AccountID), not an error.
func (q queries) AccountModeration(ctx context.Context, account ID) (AccountModeration, error) {
	m := AccountModeration{AccountID: account}
	var limited, sensitive, disabled, purge int64
	err := q.q.QueryRowContext(ctx, qAccountModeration, int64(account)).Scan(&m.AccountID, &limited, &sensitive, &disabled, &purge)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("account moderation %d: %w", account, err)
	}
	m.LimitedAt, m.SensitiveAt, m.DisabledAt, m.PurgeAfter = fromMillis(limited), fromMillis(sensitive), fromMillis(disabled), fromMillis(purge)
	return m, nil
}

// AccountModerations returns the actions on each of ids that has any,
// in one read (a list page's rows); an account without actions is absent.
func (q queries) AccountModerations(ctx context.Context, ids []ID) (map[ID]AccountModeration, error) {
	rows, err := queryAll(ctx, q.q, func(s scanner) (AccountModeration, error) {
		var m AccountModeration
		var limited, sensitive, disabled, purge int64
		if err := s.Scan(&m.AccountID, &limited, &sensitive, &disabled, &purge); err != nil {
			return m, err
		}
		m.LimitedAt, m.SensitiveAt, m.DisabledAt, m.PurgeAfter = fromMillis(limited), fromMillis(sensitive), fromMillis(disabled), fromMillis(purge)
		return m, nil
	}, `SELECT account_id, limited_at, sensitive_at, disabled_at, purge_after
FROM account_moderation WHERE account_id IN (SELECT value FROM json_each(?))`, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("account moderations: %w", err)
	}
	out := make(map[ID]AccountModeration, len(rows))
	for _, m := range rows {
		out[m.AccountID] = m
	}
	return out, nil
}

const qSetAccountModeration = `INSERT INTO account_moderation (account_id, limited_at, sensitive_at, disabled_at, purge_after)
VALUES (?,?,?,?,?) ON CONFLICT (account_id) DO UPDATE SET limited_at = excluded.limited_at,
	sensitive_at = excluded.sensitive_at, disabled_at = excluded.disabled_at, purge_after = excluded.purge_after`

// SetAccountModeration stores the actions on an account as m states them.
func (tx *Tx) SetAccountModeration(ctx context.Context, m AccountModeration) error {
	_, err := tx.exec(ctx, "set account moderation", qSetAccountModeration, int64(m.AccountID), millis(m.LimitedAt),
		millis(m.SensitiveAt), millis(m.DisabledAt), millis(m.PurgeAfter))
	return err
}

const qPurgeDue = `SELECT m.account_id FROM account_moderation m JOIN accounts a ON a.id = m.account_id
WHERE m.purge_after <> 0 AND m.purge_after <= ? AND a.suspended_at <> 0 ORDER BY m.purge_after LIMIT ?`

// PurgeDue lists (at most limit) suspended accounts whose data is due to
// be purged at now: suspended, and their retention period over.
func (q queries) PurgeDue(ctx context.Context, now time.Time, limit int) ([]ID, error) {
	out, err := queryAll(ctx, q.q, func(s scanner) (ID, error) {
		var id int64
		err := s.Scan(&id)
		return ID(id), err
	}, qPurgeDue, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("purge due: %w", err)
	}
	return out, nil
}

// AccountWarning is an action's reason as the member is shown it
// (Mastodon's AccountWarning): a warning, or why their account was
// limited, suspended and so on.
type AccountWarning struct {
	ID        ID
	AccountID ID
	Action    string // none (a warning) | sensitive | disable | silence | suspend
	Text      string
	ReportID  ID
	CreatedAt time.Time
}

// NotifyModerationWarning is the notification a member gets with an
// AccountWarning, as Mastodon names it.
const NotifyModerationWarning = "moderation_warning"

const qInsertAccountWarning = `INSERT INTO account_warnings (id, account_id, action, text, report_id, created_at)
VALUES (?,?,?,?,?,?)`

// InsertAccountWarning stores a warning.
func (tx *Tx) InsertAccountWarning(ctx context.Context, w *AccountWarning) error {
	if w.ID == 0 {
		w.ID = tx.NewID()
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = tx.now
	}
	_, err := tx.exec(ctx, "insert account warning", qInsertAccountWarning, int64(w.ID), int64(w.AccountID), w.Action, w.Text,
		int64(w.ReportID), millis(w.CreatedAt))
	return err
}

const qAccountWarnings = `SELECT id, account_id, action, text, report_id, created_at FROM account_warnings
WHERE account_id = ? ORDER BY id DESC LIMIT ?`

// AccountWarnings lists an account's warnings, newest first.
func (q queries) AccountWarnings(ctx context.Context, account ID, limit int) ([]AccountWarning, error) {
	out, err := queryAll(ctx, q.q, func(s scanner) (AccountWarning, error) {
		var w AccountWarning
		var id, acct, rep, created int64
		err := s.Scan(&id, &acct, &w.Action, &w.Text, &rep, &created)
		w.ID, w.AccountID, w.ReportID, w.CreatedAt = ID(id), ID(acct), ID(rep), fromMillis(created)
		return w, err
	}, qAccountWarnings, int64(account), limit)
	if err != nil {
		return nil, fmt.Errorf("account warnings %d: %w", account, err)
	}
	return out, nil
}

const qAccountStatusIDs = `SELECT id FROM statuses WHERE account_id = ? ORDER BY id LIMIT ?`

// AccountStatusIDs lists (at most limit of) an account's statuses,
// oldest first.
func (q queries) AccountStatusIDs(ctx context.Context, account ID, limit int) ([]ID, error) {
	out, err := queryAll(ctx, q.q, func(s scanner) (ID, error) {
		var id int64
		err := s.Scan(&id)
		return ID(id), err
	}, qAccountStatusIDs, int64(account), limit)
	if err != nil {
		return nil, fmt.Errorf("account statuses %d: %w", account, err)
	}
	return out, nil
}

// AdminAccountFilter narrows the accounts moderators list (Mastodon's
// GET /api/v1/admin/accounts); zero fields match anything.
type AdminAccountFilter struct {
	Local, Remote bool
	// Status: "active", "pending" (waiting to join), "disabled",
	// "silenced" (limited), "suspended", or "" for any.
	Status   string
	Username string // a prefix, any case
	Domain   string
}

const qAdminAccounts = `SELECT ` + accountColumns + ` FROM accounts
WHERE actor_type NOT IN ('Application', 'Group')
	AND (?1 = 0 OR domain = '') AND (?2 = 0 OR domain <> '')
	AND (?3 = '' OR username LIKE ?3 || '%' ESCAPE '\') AND (?4 = '' OR domain = ?4)
	AND CASE ?5
	WHEN 'pending' THEN EXISTS (SELECT 1 FROM users u WHERE u.account_id = accounts.id AND (u.approved_at = 0 OR u.confirmed_at = 0))
	WHEN 'disabled' THEN EXISTS (SELECT 1 FROM account_moderation am WHERE am.account_id = accounts.id AND am.disabled_at <> 0)
	WHEN 'silenced' THEN EXISTS (SELECT 1 FROM account_moderation am WHERE am.account_id = accounts.id AND am.limited_at <> 0)
	WHEN 'suspended' THEN suspended_at <> 0
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.account_id = accounts.id AND (u.approved_at = 0 OR u.confirmed_at = 0))
	WHEN 'active' THEN suspended_at = 0
		AND NOT EXISTS (SELECT 1 FROM account_moderation am WHERE am.account_id = accounts.id AND am.disabled_at <> 0)
	ELSE 1 END
	AND (?6 = 0 OR id < ?6) AND id > ?7
ORDER BY id DESC LIMIT ?8`

// AdminAccounts lists accounts of people (not Groups, not nodes' own
// actors) for moderators, newest first.
func (q queries) AdminAccounts(ctx context.Context, f AdminAccountFilter, p Page) ([]Account, error) {
	after := p.SinceID
	if p.MinID > after {
		after = p.MinID
	}
	name := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Username))
	out, err := queryAll(ctx, q.q, func(s scanner) (Account, error) { return scanAccount(s) }, qAdminAccounts,
		boolInt(f.Local), boolInt(f.Remote), name, strings.ToLower(f.Domain), f.Status, int64(p.MaxID), int64(after), p.limit())
	if err != nil {
		return nil, fmt.Errorf("admin accounts: %w", err)
	}
	return out, nil
}

const qAccountWarning = `SELECT id, account_id, action, text, report_id, created_at FROM account_warnings WHERE id = ?`

// AccountWarning returns a warning by its id (which is also the id of
// the moderation_warning notification that told of it), or ErrNotFound.
func (q queries) AccountWarning(ctx context.Context, id ID) (AccountWarning, error) {
	var w AccountWarning
	var wid, acct, rep, created int64
	err := q.q.QueryRowContext(ctx, qAccountWarning, int64(id)).Scan(&wid, &acct, &w.Action, &w.Text, &rep, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("account warning %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("account warning %d: %w", id, err)
	}
	w.ID, w.AccountID, w.ReportID, w.CreatedAt = ID(wid), ID(acct), ID(rep), fromMillis(created)
	return w, nil
}

const qMarkMediaSensitive = `UPDATE statuses SET sensitive = 1 WHERE account_id = ? AND sensitive = 0
AND EXISTS (SELECT 1 FROM attachments m WHERE m.status_id = statuses.id)`

// MarkMediaSensitive marks every status of an account that has media
// sensitive (a moderator's "sensitive" action).
func (tx *Tx) MarkMediaSensitive(ctx context.Context, account ID) error {
	_, err := tx.exec(ctx, "mark media sensitive", qMarkMediaSensitive, int64(account))
	return err
}
