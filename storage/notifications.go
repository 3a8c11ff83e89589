package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// NotificationFilter narrows a member's notifications.
type NotificationFilter struct {
	Types        []string // only these types (none: every type)
	ExcludeTypes []string
	From         ID // only those caused by this account
}

const notificationColumns = `id, account_id, from_account_id, type, coalesce(status_id, 0), coalesce(report_id, 0), coalesce(event_id, 0), coalesce(proposal_id, 0), coalesce(community_id, 0), created_at`

func scanNotification(row scanner) (Notification, error) {
	var n Notification
	var created int64
	err := row.Scan(&n.ID, &n.AccountID, &n.FromAccountID, &n.Type, &n.StatusID, &n.ReportID, &n.EventID, &n.ProposalID, &n.CommunityID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Notification{}, ErrNotFound
	}
	if err != nil {
		return Notification{}, fmt.Errorf("notification: %w", err)
	}
	n.CreatedAt = fromMillis(created)
	return n, nil
}

// NotificationPage lists a member's notifications that pass f, newest
// first, leaving out those from accounts
// the member mutes (with notifications) or whose domain they block, and
// also those from accounts they block.
func (s *Store) NotificationPage(ctx context.Context, account ID, f NotificationFilter, p Page) ([]Notification, error) {
	where := `n.account_id = ? AND ` + notMutedNotification + ` AND ` + notDomainBlockedNotification + `
AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = n.account_id AND b.target_account_id = n.from_account_id)`
	args := []any{account, account, millis(s.Now()), account}
	if len(f.Types) > 0 {
		where += ` AND n.type IN (` + placeholders(len(f.Types)) + `)`
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if len(f.ExcludeTypes) > 0 {
		where += ` AND n.type NOT IN (` + placeholders(len(f.ExcludeTypes)) + `)`
		for _, t := range f.ExcludeTypes {
			args = append(args, t)
		}
	}
	if f.From != 0 {
		where += ` AND n.from_account_id = ?`
		args = append(args, f.From)
	}
	cond, pargs, order := p.where("n.id")
	out, err := queryAll(ctx, s.q, scanNotification, `SELECT n.id, n.account_id, n.from_account_id, n.type, coalesce(n.status_id, 0), coalesce(n.report_id, 0), coalesce(n.event_id, 0), coalesce(n.proposal_id, 0), coalesce(n.community_id, 0), n.created_at
FROM notifications n JOIN accounts a ON a.id = n.from_account_id WHERE `+where+` AND `+cond+
		` ORDER BY `+order+` LIMIT ?`, append(append(args, pargs...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// NotificationByID returns one of account's notifications, or ErrNotFound.
func (q queries) NotificationByID(ctx context.Context, account, id ID) (Notification, error) {
	return scanNotification(q.q.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications
WHERE id = ? AND account_id = ?`, id, account))
}

// DismissNotification deletes one of account's notifications; ErrNotFound
// if it has none with that ID.
func (tx *Tx) DismissNotification(ctx context.Context, account, id ID) error {
	res, err := tx.exec(ctx, "dismiss notification", `DELETE FROM notifications WHERE id = ? AND account_id = ?`, id, account)
	if err != nil {
		return err
	}
	return mustAffect(res, "dismiss notification")
}

// ClearNotifications deletes all of account's notifications.
func (tx *Tx) ClearNotifications(ctx context.Context, account ID) error {
	_, err := tx.exec(ctx, "clear notifications", `DELETE FROM notifications WHERE account_id = ?`, account)
	return err
}
