package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Web Push policies: whose notifications a subscription is pushed.
const (
	PushPolicyAll      = "all"      // anyone's
	PushPolicyFollowed = "followed" // only of accounts the member follows
	PushPolicyFollower = "follower" // only of accounts that follow the member
	PushPolicyNone     = "none"     // nobody's
)

// PushSubscription is a Web Push subscription: where to push a member's
// notifications for one access token, and which of them.
type PushSubscription struct {
	ID        ID
	TokenID   ID
	AccountID ID
	Endpoint  string
	P256dh    string // the app's public key, base64url
	Auth      string // the app's auth secret, base64url
	// Alerts are the notification types pushed (storage.NotifyMention, ...).
	Alerts []string
	Policy string
	// AccessToken is the plain token the app subscribed with, which the
	// push payload carries (tokens are otherwise stored hashed).
	AccessToken string
	CreatedAt   time.Time
}

const pushColumns = `id, token_id, account_id, endpoint, p256dh, auth, alerts, policy, access_token, created_at`

func scanPushSubscription(row scanner) (PushSubscription, error) {
	var p PushSubscription
	var alerts string
	var created int64
	err := row.Scan(&p.ID, &p.TokenID, &p.AccountID, &p.Endpoint, &p.P256dh, &p.Auth, &alerts, &p.Policy,
		&p.AccessToken, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return PushSubscription{}, ErrNotFound
	}
	if err != nil {
		return PushSubscription{}, fmt.Errorf("push subscription: %w", err)
	}
	p.Alerts = strings.Fields(alerts)
	p.CreatedAt = fromMillis(created)
	return p, nil
}

// PutPushSubscription stores p as the one subscription of its token,
// replacing any the token had: the new one gets a new ID.
func (tx *Tx) PutPushSubscription(ctx context.Context, p *PushSubscription) error {
	if err := tx.DeletePushSubscription(ctx, p.TokenID); err != nil {
		return err
	}
	p.ID = tx.NewID()
	p.CreatedAt = tx.now
	tx.AfterCommit(tx.store.push.added)
	_, err := tx.exec(ctx, "insert push subscription", `INSERT INTO push_subscriptions (`+pushColumns+`)
VALUES (?,?,?,?,?,?,?,?,?,?)`, p.ID, p.TokenID, p.AccountID, p.Endpoint, p.P256dh, p.Auth,
		strings.Join(p.Alerts, " "), p.Policy, p.AccessToken, millis(p.CreatedAt))
	return err
}

// PushSubscriptionByToken returns the subscription of an access token, or
// ErrNotFound.
func (q queries) PushSubscriptionByToken(ctx context.Context, token ID) (PushSubscription, error) {
	return scanPushSubscription(q.q.QueryRowContext(ctx, `SELECT `+pushColumns+` FROM push_subscriptions
WHERE token_id = ?`, token))
}

// UpdatePushSubscription sets the alerts and policy of a token's
// subscription; ErrNotFound if it has none.
func (tx *Tx) UpdatePushSubscription(ctx context.Context, token ID, alerts []string, policy string) error {
	res, err := tx.exec(ctx, "update push subscription", `UPDATE push_subscriptions SET alerts = ?, policy = ?
WHERE token_id = ?`, strings.Join(alerts, " "), policy, token)
	if err != nil {
		return err
	}
	return mustAffect(res, "update push subscription")
}

// MovePushSubscription hands the subscription of token from, if any, to
// token to (a refreshed token), with the plain token pushes carry.
func (tx *Tx) MovePushSubscription(ctx context.Context, from, to ID, accessToken string) error {
	_, err := tx.exec(ctx, "move push subscription", `UPDATE push_subscriptions SET token_id = ?, access_token = ?
WHERE token_id = ?`, to, accessToken, from)
	return err
}

// DeletePushSubscription removes a token's subscription, if it has one.
func (tx *Tx) DeletePushSubscription(ctx context.Context, token ID) error {
	_, err := tx.exec(ctx, "delete push subscription", `DELETE FROM push_subscriptions WHERE token_id = ?`, token)
	return err
}

// DeletePushSubscriptionByID removes one subscription (its push service
// said it is gone), reporting whether it was still there: an app that
// subscribed again meanwhile has a new one, which stays.
func (tx *Tx) DeletePushSubscriptionByID(ctx context.Context, id ID) (bool, error) {
	res, err := tx.exec(ctx, "delete push subscription", `DELETE FROM push_subscriptions WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("delete push subscription: %w", err)
	}
	return n > 0, nil
}

// pushAlert is the alert a notification is pushed under: its type, or,
// for copse's own types, the Mastodon type nearest it, since apps ask
// only for types they know: a request to join a community, and its
// answer, come under follow_request; an event's reminder and a refused
// proposal under mention.
const pushAlert = `CASE n.type WHEN '` + NotifyJoinRequest + `' THEN '` + NotifyFollowRequest + `'
WHEN '` + NotifyJoinAccepted + `' THEN '` + NotifyFollowRequest + `' WHEN '` + NotifyJoinRefused + `' THEN '` + NotifyFollowRequest + `'
WHEN '` + NotifyEventReminder + `' THEN '` + NotifyMention + `' WHEN '` + NotifyProposalRefused + `' THEN '` + NotifyMention + `'
ELSE n.type END`

// qPushRecipients selects the subscriptions a notification is pushed to:
// those of its owner that want its type (pushAlert), whose policy lets its sender
// through (a member's own doing, such as their poll ending, passes every
// policy but "none"), unless the owner hides the sender's notifications
// (a mute with notifications, a block, a domain block), as the
// notifications list does. Parameters: the notification and its owner,
// then the owner and now for notMutedNotification, then the owner for
// notDomainBlockedNotification.
const qPushRecipients = `SELECT p.id, p.token_id, p.account_id, p.endpoint, p.p256dh, p.auth, p.alerts, p.policy,
p.access_token, p.created_at
FROM notifications n
JOIN push_subscriptions p ON p.account_id = n.account_id
JOIN accounts a ON a.id = n.from_account_id
WHERE n.id = ? AND n.account_id = ?
AND instr(' ' || p.alerts || ' ', ' ' || ` + pushAlert + ` || ' ') > 0
AND (p.policy = 'all'
	OR p.policy = 'followed' AND (n.from_account_id = n.account_id OR EXISTS (SELECT 1 FROM follows f
		WHERE f.account_id = n.account_id AND f.target_account_id = n.from_account_id))
	OR p.policy = 'follower' AND (n.from_account_id = n.account_id OR EXISTS (SELECT 1 FROM follows f
		WHERE f.account_id = n.from_account_id AND f.target_account_id = n.account_id)))
AND ` + notMutedNotification + `
AND ` + notDomainBlockedNotification + `
AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = n.account_id AND b.target_account_id = n.from_account_id)
ORDER BY p.id`

// PushRecipients returns the subscriptions of account that its
// notification should be pushed to (see qPushRecipients); none when the
// notification is not account's or no longer exists.
func (s *Store) PushRecipients(ctx context.Context, account, notification ID) ([]PushSubscription, error) {
	some, err := s.anyPushSubscription(ctx)
	if err != nil || !some {
		return nil, err
	}
	out, err := queryAll(ctx, s.q, scanPushSubscription, qPushRecipients, notification, account, account, millis(s.Now()), account)
	if err != nil {
		return nil, fmt.Errorf("push recipients: %w", err)
	}
	return out, nil
}

// VAPIDKey is the node's VAPID key pair (RFC 8292), both halves base64url
// without padding: Public the uncompressed P-256 point, Private the scalar.
type VAPIDKey struct {
	Public  string
	Private string
}

// VAPIDKey returns the node's VAPID key pair, or ErrNotFound before one
// was made.
func (q queries) VAPIDKey(ctx context.Context) (VAPIDKey, error) {
	var k VAPIDKey
	err := q.q.QueryRowContext(ctx, `SELECT public_key, private_key FROM vapid_keys WHERE id = 1`).Scan(&k.Public, &k.Private)
	if errors.Is(err, sql.ErrNoRows) {
		return VAPIDKey{}, ErrNotFound
	}
	if err != nil {
		return VAPIDKey{}, fmt.Errorf("vapid key: %w", err)
	}
	return k, nil
}

// EnsureVAPIDKey stores k as the node's VAPID key pair unless it has one
// already, and returns the pair it has: the first one stored stays.
func (tx *Tx) EnsureVAPIDKey(ctx context.Context, k VAPIDKey) (VAPIDKey, error) {
	if _, err := tx.exec(ctx, "store vapid key", `INSERT INTO vapid_keys (id, public_key, private_key, created_at)
VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, k.Public, k.Private, millis(tx.now)); err != nil {
		return VAPIDKey{}, err
	}
	return tx.VAPIDKey(ctx)
}

// pushPresence remembers that the node has no push subscription, so that
// a notification on a node where no app ever subscribed costs no query
// (PushRecipients ran for every notification, about 6% of the inbox's
// CPU). Only PutPushSubscription adds a row (deletes, cascades and the
// revocation trigger only remove them); each addition bumps gen once its
// transaction has committed. none holds gen+1 as it was before a query
// found the table empty, so an addition committed during that query or
// after it makes none stale and the next caller asks again.
type pushPresence struct {
	gen  atomic.Uint64
	none atomic.Uint64
}

// added records a committed push subscription.
func (p *pushPresence) added() { p.gen.Add(1) }

// qAnyPushSubscription is one seek on the table's primary key.
const qAnyPushSubscription = `SELECT EXISTS (SELECT 1 FROM push_subscriptions)`

// anyPushSubscription reports whether the node may have a push
// subscription: false only when none exists.
func (s *Store) anyPushSubscription(ctx context.Context) (bool, error) {
	gen := s.push.gen.Load()
	if s.push.none.Load() == gen+1 {
		return false, nil
	}
	var some bool
	if err := s.q.QueryRowContext(ctx, qAnyPushSubscription).Scan(&some); err != nil {
		return false, fmt.Errorf("any push subscription: %w", err)
	}
	if !some {
		s.push.none.Store(gen + 1)
	}
	return some, nil
}
