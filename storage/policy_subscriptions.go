package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Kinds of shared list: of domains to block, or of domains to federate
// with in allow-list mode.
const (
	ListBlocks = "blocks"
	ListAllows = "allows"
)

// PolicySubscription is a shared list of domains (to block, or to allow)
// the node reads on a schedule (a row of policy_subscriptions).
type PolicySubscription struct {
	ID      ID
	URL     string
	Kind    string // ListBlocks or ListAllows
	Trusted bool   // its entries become blocks (or allows) at once, not drafts
	// ETag and LastModified are the validators of the last response, sent
	// back so an unchanged list costs a 304.
	ETag, LastModified string
	FetchedAt          time.Time // last attempt; zero: never
	LastError          string    // of the last attempt; empty when it worked
	Entries            int       // domains on the list when last read
	CreatedAt          time.Time
	CreatedBy          ID // 0: the command line
}

// Policy draft states.
const (
	DraftPending  = "pending"
	DraftRejected = "rejected"
)

// PolicyDraft is an entry of a list that is not trusted, waiting for an
// admin (or rejected by one).
type PolicyDraft struct {
	ID             ID
	SubscriptionID ID
	Kind           string // its list's: ListBlocks or ListAllows
	Domain         string
	Severity       string // of a block; SeverityNoop, unused, for an allow
	RejectMedia    bool
	RejectReports  bool
	PublicComment  string
	State          string
	CreatedAt      time.Time
}

const subscriptionColumns = `id, url, kind, trusted, etag, last_modified, fetched_at, last_error, entries, created_at,
coalesce(created_by, 0)`

func scanPolicySubscription(r scanner) (PolicySubscription, error) {
	var s PolicySubscription
	var fetched, created int64
	err := r.Scan(&s.ID, &s.URL, &s.Kind, &s.Trusted, &s.ETag, &s.LastModified, &fetched, &s.LastError, &s.Entries, &created, &s.CreatedBy)
	if fetched != 0 {
		s.FetchedAt = fromMillis(fetched)
	}
	s.CreatedAt = fromMillis(created)
	return s, err
}

const draftColumns = `id, subscription_id, kind, domain, severity, reject_media, reject_reports, public_comment, state, created_at`

func scanPolicyDraft(r scanner) (PolicyDraft, error) {
	var d PolicyDraft
	var created int64
	err := r.Scan(&d.ID, &d.SubscriptionID, &d.Kind, &d.Domain, &d.Severity, &d.RejectMedia, &d.RejectReports, &d.PublicComment,
		&d.State, &created)
	d.CreatedAt = fromMillis(created)
	return d, err
}

// PolicySubscriptions lists every subscription, oldest first.
func (q queries) PolicySubscriptions(ctx context.Context) ([]PolicySubscription, error) {
	out, err := queryAll(ctx, q.q, scanPolicySubscription, `SELECT `+subscriptionColumns+` FROM policy_subscriptions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("policy subscriptions: %w", err)
	}
	return out, nil
}

// PolicySubscriptionsDue lists the subscriptions last tried before
// before (or never), oldest attempt first.
func (q queries) PolicySubscriptionsDue(ctx context.Context, before time.Time) ([]PolicySubscription, error) {
	out, err := queryAll(ctx, q.q, scanPolicySubscription, `SELECT `+subscriptionColumns+` FROM policy_subscriptions
WHERE fetched_at < ? ORDER BY fetched_at, id`, millis(before))
	if err != nil {
		return nil, fmt.Errorf("policy subscriptions due: %w", err)
	}
	return out, nil
}

// PolicySubscriptionByID returns one subscription, or ErrNotFound.
func (q queries) PolicySubscriptionByID(ctx context.Context, id ID) (PolicySubscription, error) {
	s, err := scanPolicySubscription(q.q.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM policy_subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return PolicySubscription{}, ErrNotFound
	}
	if err != nil {
		return PolicySubscription{}, fmt.Errorf("policy subscription %d: %w", id, err)
	}
	return s, nil
}

// PolicyDrafts lists drafts in state (empty: any) of subscription sub (0:
// any), oldest first.
func (q queries) PolicyDrafts(ctx context.Context, sub ID, state string) ([]PolicyDraft, error) {
	out, err := queryAll(ctx, q.q, scanPolicyDraft, `SELECT `+draftColumns+` FROM policy_drafts
WHERE (?1 = 0 OR subscription_id = ?1) AND (?2 = '' OR state = ?2) ORDER BY id`, int64(sub), state)
	if err != nil {
		return nil, fmt.Errorf("policy drafts: %w", err)
	}
	return out, nil
}

// PolicyDraftByID returns one draft, or ErrNotFound.
func (q queries) PolicyDraftByID(ctx context.Context, id ID) (PolicyDraft, error) {
	d, err := scanPolicyDraft(q.q.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM policy_drafts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return PolicyDraft{}, ErrNotFound
	}
	if err != nil {
		return PolicyDraft{}, fmt.Errorf("policy draft %d: %w", id, err)
	}
	return d, nil
}

// InsertPolicySubscription stores s, setting its ID and creation time;
// ErrDuplicate when its URL is already subscribed.
func (tx *Tx) InsertPolicySubscription(ctx context.Context, s *PolicySubscription) error {
	// fetched_at starts at the subscription's creation: the subscriber
	// reads the list at once itself, and the refresh worker, which takes
	// the lists not read for an interval, must not read it a second time
	// beside it (both would draft the same entries, and one would tell the
	// admin it drafted none).
	s.ID, s.CreatedAt = tx.NewID(), tx.now
	if s.Kind == "" {
		s.Kind = ListBlocks
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO policy_subscriptions (id, url, kind, trusted, created_at, created_by, fetched_at)
VALUES (?,?,?,?,?,?,?)`, s.ID, s.URL, s.Kind, boolInt(s.Trusted), millis(s.CreatedAt), nullID(s.CreatedBy), millis(s.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("subscribe %s: %w", s.URL, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", s.URL, err)
	}
	return nil
}

// UpdatePolicySubscriptionFetch records an attempt to read subscription
// s.ID: its validators, time, error and entry count.
func (tx *Tx) UpdatePolicySubscriptionFetch(ctx context.Context, s PolicySubscription) error {
	res, err := tx.exec(ctx, "record policy list fetch", `UPDATE policy_subscriptions SET etag = ?, last_modified = ?,
fetched_at = ?, last_error = ?, entries = ? WHERE id = ?`, s.ETag, s.LastModified, millis(s.FetchedAt), s.LastError,
		s.Entries, s.ID)
	if err != nil {
		return err
	}
	return mustAffect(res, "record policy list fetch")
}

// DeletePolicySubscription removes a subscription and its drafts; the
// blocks it brought stay, as if made by hand. ErrNotFound when there is
// none.
func (tx *Tx) DeletePolicySubscription(ctx context.Context, id ID) error {
	res, err := tx.exec(ctx, "unsubscribe", `DELETE FROM policy_subscriptions WHERE id = ?`, id)
	if err != nil {
		return err
	}
	return mustAffect(res, "unsubscribe")
}

// InsertPolicyDraft stores d (pending), setting its ID and creation time.
func (tx *Tx) InsertPolicyDraft(ctx context.Context, d *PolicyDraft) error {
	d.ID, d.CreatedAt, d.State = tx.NewID(), tx.now, DraftPending
	if d.Kind == "" {
		d.Kind = ListBlocks
	}
	if d.Kind == ListAllows {
		d.Severity = SeverityNoop // an allow has none
	}
	_, err := tx.exec(ctx, "draft "+d.Kind+" entry "+d.Domain, `INSERT INTO policy_drafts (id, subscription_id, kind, domain, severity,
reject_media, reject_reports, public_comment, state, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)`, d.ID, d.SubscriptionID,
		d.Kind, d.Domain, d.Severity, boolInt(d.RejectMedia), boolInt(d.RejectReports), d.PublicComment, d.State, millis(d.CreatedAt))
	return err
}

// UpdatePolicyDraft changes draft d.ID's severity, flags, comment and
// state.
func (tx *Tx) UpdatePolicyDraft(ctx context.Context, d PolicyDraft) error {
	res, err := tx.exec(ctx, "update policy draft", `UPDATE policy_drafts SET severity = ?, reject_media = ?,
reject_reports = ?, public_comment = ?, state = ? WHERE id = ?`, d.Severity, boolInt(d.RejectMedia),
		boolInt(d.RejectReports), d.PublicComment, d.State, d.ID)
	if err != nil {
		return err
	}
	return mustAffect(res, "update policy draft")
}

// DeletePolicyDraft removes a draft; ErrNotFound when there is none.
func (tx *Tx) DeletePolicyDraft(ctx context.Context, id ID) error {
	res, err := tx.exec(ctx, "delete policy draft", `DELETE FROM policy_drafts WHERE id = ?`, id)
	if err != nil {
		return err
	}
	return mustAffect(res, "delete policy draft")
}

// Kinds of thing an audit entry about federation policy is about.
const (
	AuditDomainBlock        = "domain_block"
	AuditDomainAllow        = "domain_allow"
	AuditPolicySubscription = "policy_subscription"
	AuditPolicyDraft        = "policy_draft"
)
