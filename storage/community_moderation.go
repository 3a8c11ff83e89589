package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Moderation log actions.
const (
	ModAcceptJoin = "accept_join"
	ModRejectJoin = "reject_join"
	ModRemovePost = "remove_post"
	ModBan        = "ban"
	ModUnban      = "unban"
	ModLock       = "lock"
	ModUnlock     = "unlock"
	ModPin        = "pin"
	ModUnpin      = "unpin"
)

// ModerationEntry is one line of a community's moderation log: who did
// what to whom, why, and when (and, for a ban, until when).
//
// The log is append-only: this package has AppendModerationLog and the
// readers, and no statement that updates or deletes an entry, so a
// moderator cannot rewrite what was done.
type ModerationEntry struct {
	ID           ID
	CommunityID  ID // the Group account
	ModeratorID  ID // 0 when unknown here or gone
	ModeratorURI string
	Action       string // Mod*
	Target       string // the account's or the status's IRI
	Reason       string
	ActivityURI  string
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: no end
}

const moderationColumns = `id, community_id, moderator_id, moderator_uri, action, target, reason,
activity_uri, created_at, expires_at`

func scanModerationEntry(row scanner) (ModerationEntry, error) {
	var m ModerationEntry
	var mod sql.NullInt64
	var created, expires int64
	err := row.Scan(&m.ID, &m.CommunityID, &mod, &m.ModeratorURI, &m.Action, &m.Target, &m.Reason,
		&m.ActivityURI, &created, &expires)
	if err != nil {
		return ModerationEntry{}, err
	}
	m.ModeratorID = ID(mod.Int64)
	m.CreatedAt, m.ExpiresAt = fromMillis(created), fromMillis(expires)
	return m, nil
}

const qAppendModerationLog = `INSERT INTO community_moderation_log (` + moderationColumns + `)
VALUES (?,?,?,?,?,?,?,?,?,?)`

// AppendModerationLog adds an entry to a community's log, in the
// transaction of the action it records.
func (tx *Tx) AppendModerationLog(ctx context.Context, m *ModerationEntry) error {
	if m.ID == 0 {
		m.ID = tx.NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = tx.now
	}
	_, err := tx.exec(ctx, "append moderation log", qAppendModerationLog, m.ID, m.CommunityID, nullID(m.ModeratorID),
		m.ModeratorURI, m.Action, m.Target, m.Reason, m.ActivityURI, millis(m.CreatedAt), millis(m.ExpiresAt))
	return err
}

const qModerationLog = `SELECT ` + moderationColumns + ` FROM community_moderation_log
WHERE community_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?`

// ModerationLog lists a community's log, newest first, older than
// p.MaxID when set.
func (q queries) ModerationLog(ctx context.Context, communityID ID, p Page) ([]ModerationEntry, error) {
	out, err := queryAll(ctx, q.q, scanModerationEntry, qModerationLog, communityID, p.MaxID, p.MaxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("moderation log: %w", err)
	}
	return out, nil
}

const qModerationEntryByActivity = `SELECT ` + moderationColumns + ` FROM community_moderation_log
WHERE community_id = ? AND activity_uri = ? AND activity_uri <> '' LIMIT 1`

// ModerationEntryByActivity returns the entry an activity made, or
// ErrNotFound.
func (q queries) ModerationEntryByActivity(ctx context.Context, communityID ID, activityURI string) (ModerationEntry, error) {
	m, err := scanModerationEntry(q.q.QueryRowContext(ctx, qModerationEntryByActivity, communityID, activityURI))
	if errors.Is(err, sql.ErrNoRows) {
		return ModerationEntry{}, ErrNotFound
	}
	if err != nil {
		return ModerationEntry{}, fmt.Errorf("moderation entry: %w", err)
	}
	return m, nil
}

// CommunityBan is a member's ban from a community.
type CommunityBan struct {
	CommunityID ID
	AccountID   ID
	ModeratorID ID
	Reason      string
	BlockURI    string
	CreatedAt   time.Time
	ExpiresAt   time.Time // zero: never
}

// Active reports whether the ban holds at now.
func (b CommunityBan) Active(now time.Time) bool {
	return b.ExpiresAt.IsZero() || now.Before(b.ExpiresAt)
}

const banColumns = `community_id, account_id, moderator_id, reason, block_uri, created_at, expires_at`

func scanBan(row scanner) (CommunityBan, error) {
	var b CommunityBan
	var mod sql.NullInt64
	var created, expires int64
	err := row.Scan(&b.CommunityID, &b.AccountID, &mod, &b.Reason, &b.BlockURI, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return CommunityBan{}, ErrNotFound
	}
	if err != nil {
		return CommunityBan{}, fmt.Errorf("community ban: %w", err)
	}
	b.ModeratorID = ID(mod.Int64)
	b.CreatedAt, b.ExpiresAt = fromMillis(created), fromMillis(expires)
	return b, nil
}

// A new ban of a member already banned replaces the old one: its reason,
// end and Block are the ones that hold now.
const qPutCommunityBan = `INSERT INTO community_bans (` + banColumns + `) VALUES (?,?,?,?,?,?,?)
ON CONFLICT (community_id, account_id) DO UPDATE SET moderator_id = excluded.moderator_id,
reason = excluded.reason, block_uri = excluded.block_uri, created_at = excluded.created_at,
expires_at = excluded.expires_at`

// PutCommunityBan bans a member from a community, or replaces their ban.
func (tx *Tx) PutCommunityBan(ctx context.Context, b *CommunityBan) error {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = tx.now
	}
	_, err := tx.exec(ctx, "put community ban", qPutCommunityBan, b.CommunityID, b.AccountID, nullID(b.ModeratorID),
		b.Reason, b.BlockURI, millis(b.CreatedAt), millis(b.ExpiresAt))
	return err
}

const qCommunityBan = `SELECT ` + banColumns + ` FROM community_bans WHERE community_id = ? AND account_id = ?`

// CommunityBan returns a member's ban from a community, over or not, or
// ErrNotFound.
func (q queries) CommunityBan(ctx context.Context, communityID, accountID ID) (CommunityBan, error) {
	return scanBan(q.q.QueryRowContext(ctx, qCommunityBan, communityID, accountID))
}

const qDeleteCommunityBan = `DELETE FROM community_bans WHERE community_id = ? AND account_id = ?`

// DeleteCommunityBan lifts a ban; it reports whether there was one.
func (tx *Tx) DeleteCommunityBan(ctx context.Context, communityID, accountID ID) (bool, error) {
	res, err := tx.exec(ctx, "delete community ban", qDeleteCommunityBan, communityID, accountID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

const qCommunityStatusIDsBy = `SELECT c.status_id FROM community_statuses c JOIN statuses s ON s.id = c.status_id
WHERE c.community_id = ? AND s.account_id = ?`

// CommunityStatusIDsBy lists the statuses of one author that a community
// hosted here accepted (a ban that removes their data removes these).
func (q queries) CommunityStatusIDsBy(ctx context.Context, communityID, accountID ID) ([]ID, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, qCommunityStatusIDsBy, communityID, accountID)
	if err != nil {
		return nil, fmt.Errorf("community statuses by author: %w", err)
	}
	return out, nil
}

const (
	qDeleteRemoteModerators = `DELETE FROM community_remote_moderators WHERE community_id = ?`
	qInsertRemoteModerator  = `INSERT INTO community_remote_moderators (community_id, moderator_uri) VALUES (?, ?)
ON CONFLICT DO NOTHING`
)

// SetRemoteModerators replaces the moderators of a remote community with
// those its moderators collection lists now.
func (tx *Tx) SetRemoteModerators(ctx context.Context, communityID ID, uris []string) error {
	if _, err := tx.exec(ctx, "clear remote moderators", qDeleteRemoteModerators, communityID); err != nil {
		return err
	}
	for _, u := range uris {
		if _, err := tx.exec(ctx, "add remote moderator", qInsertRemoteModerator, communityID, u); err != nil {
			return err
		}
	}
	return tx.forgetFormerModerators(ctx, communityID)
}

const qIsRemoteModerator = `SELECT count(*) FROM community_remote_moderators WHERE community_id = ? AND moderator_uri = ?`

// IsRemoteModerator reports whether a remote community's moderators
// collection listed uri when last fetched.
func (q queries) IsRemoteModerator(ctx context.Context, communityID ID, uri string) (bool, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, qIsRemoteModerator, communityID, uri).Scan(&n); err != nil {
		return false, fmt.Errorf("is remote moderator: %w", err)
	}
	return n > 0, nil
}

const qPutJoinRejection = `INSERT INTO community_join_rejections (account_id, community_id, reason, rejected_at)
VALUES (?, ?, ?, ?) ON CONFLICT (account_id, community_id) DO UPDATE SET reason = excluded.reason,
rejected_at = excluded.rejected_at`

// PutJoinRejection records why a community refused a member's request
// to join (the latest refusal).
func (tx *Tx) PutJoinRejection(ctx context.Context, accountID, communityID ID, reason string) error {
	_, err := tx.exec(ctx, "put join rejection", qPutJoinRejection, accountID, communityID, reason, millis(tx.now))
	return err
}

// Membership is an account's standing in a community.
type Membership struct {
	// State is MemberState, PendingState, RejectedState, BannedState or
	// NoneState.
	State     string
	Reason    string    // why rejected or banned
	ExpiresAt time.Time // when a ban ends; zero: never, or not banned
}

// Membership states.
const (
	MemberState   = "member"
	PendingState  = "pending"
	RejectedState = "rejected"
	BannedState   = "banned"
	NoneState     = "none"
)

// Standing is what a community knows of one account, read in one
// statement: whether it moderates, its ban (over or not), its
// membership (the follow), a join request waiting, and the reason of the
// last refusal. MembershipOf and the check of a post (federation's
// mayPost) both read it.
type Standing struct {
	Moderator bool
	Ban       *CommunityBan // nil: never banned
	Member    bool
	Pending   bool
	Rejected  *string // the last refusal's reason; nil: never refused
}

const qStandingIn = `SELECT
EXISTS (SELECT 1 FROM community_moderators WHERE community_id = ?1 AND account_id = ?2),
b.moderator_id, b.reason, b.block_uri, b.created_at, b.expires_at,
EXISTS (SELECT 1 FROM follows WHERE account_id = ?2 AND target_account_id = ?1),
EXISTS (SELECT 1 FROM follow_requests WHERE account_id = ?2 AND target_account_id = ?1),
(SELECT reason FROM community_join_rejections WHERE account_id = ?2 AND community_id = ?1)
FROM (SELECT 1) LEFT JOIN community_bans b ON b.community_id = ?1 AND b.account_id = ?2`

// StandingIn returns account's standing in the community group.
func (q queries) StandingIn(ctx context.Context, group, account ID) (Standing, error) {
	var (
		s                Standing
		mod              sql.NullInt64
		reason, blockURI sql.NullString
		created, expires sql.NullInt64
		rejected         sql.NullString
	)
	err := q.q.QueryRowContext(ctx, qStandingIn, group, account).Scan(&s.Moderator, &mod, &reason, &blockURI,
		&created, &expires, &s.Member, &s.Pending, &rejected)
	if err != nil {
		return Standing{}, fmt.Errorf("standing of %d in %d: %w", account, group, err)
	}
	if created.Valid {
		s.Ban = &CommunityBan{CommunityID: group, AccountID: account, ModeratorID: ID(mod.Int64), Reason: reason.String,
			BlockURI: blockURI.String, CreatedAt: fromMillis(created.Int64), ExpiresAt: fromMillis(expires.Int64)}
	}
	if rejected.Valid {
		s.Rejected = &rejected.String
	}
	return s, nil
}

// Banned returns the ban in force at now, if any.
func (s Standing) Banned(now time.Time) (CommunityBan, bool) {
	if s.Ban == nil || !s.Ban.Active(now) {
		return CommunityBan{}, false
	}
	return *s.Ban, true
}

// MembershipOf is account's standing in the community group at now: a
// ban in force comes first, then a membership (the follow), a request
// waiting for the moderators, and the last refusal with its reason.
func (q queries) MembershipOf(ctx context.Context, group, account ID, now time.Time) (Membership, error) {
	s, err := q.StandingIn(ctx, group, account)
	if err != nil {
		return Membership{}, err
	}
	switch ban, banned := s.Banned(now); {
	case banned:
		return Membership{State: BannedState, Reason: ban.Reason, ExpiresAt: ban.ExpiresAt}, nil
	case s.Member:
		return Membership{State: MemberState}, nil
	case s.Pending:
		return Membership{State: PendingState}, nil
	case s.Rejected != nil:
		return Membership{State: RejectedState, Reason: *s.Rejected}, nil
	}
	return Membership{State: NoneState}, nil
}

const (
	qLockThread = `INSERT INTO community_locked_threads (status_id, community_id, locked_at, lock_uri, lock_actor)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (status_id) DO NOTHING`
	qUnlockThread = `DELETE FROM community_locked_threads WHERE status_id = ?`
)

// ThreadLock is the Lock activity that locked a thread, as it was sent:
// the Undo{Lock} that opens the thread again embeds it.
type ThreadLock struct {
	URI      string // the Lock's id; "" for a thread locked before it was kept
	ActorURI string // its actor, the moderator who locked it
}

// SetThreadLocked locks (by the Lock activity by) or unlocks the thread
// whose first post is statusID in a community. A thread locked again
// keeps the Lock that locked it first.
func (tx *Tx) SetThreadLocked(ctx context.Context, communityID, statusID ID, locked bool, by ThreadLock) error {
	if locked {
		_, err := tx.exec(ctx, "lock thread", qLockThread, statusID, communityID, millis(tx.now), by.URI, by.ActorURI)
		return err
	}
	_, err := tx.exec(ctx, "unlock thread", qUnlockThread, statusID)
	return err
}

const qThreadLock = `SELECT lock_uri, lock_actor FROM community_locked_threads WHERE status_id = ?`

// ThreadLockOf returns the Lock that locked the thread whose first post
// is statusID; ErrNotFound when it is not locked.
func (q queries) ThreadLockOf(ctx context.Context, statusID ID) (ThreadLock, error) {
	var l ThreadLock
	err := q.q.QueryRowContext(ctx, qThreadLock, statusID).Scan(&l.URI, &l.ActorURI)
	if errors.Is(err, sql.ErrNoRows) {
		return ThreadLock{}, fmt.Errorf("lock of thread %d: %w", statusID, ErrNotFound)
	}
	if err != nil {
		return ThreadLock{}, fmt.Errorf("lock of thread %d: %w", statusID, err)
	}
	return l, nil
}

const qThreadLocked = `SELECT count(*) FROM community_locked_threads WHERE status_id = ?`

// ThreadLocked reports whether the thread whose first post is statusID
// is locked.
func (q queries) ThreadLocked(ctx context.Context, statusID ID) (bool, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, qThreadLocked, statusID).Scan(&n); err != nil {
		return false, fmt.Errorf("thread locked: %w", err)
	}
	return n > 0, nil
}

const qCommunityBans = `SELECT ` + banColumns + ` FROM community_bans
WHERE community_id = ? AND (expires_at = 0 OR expires_at > ?) ORDER BY created_at DESC LIMIT ?`

// CommunityBans lists up to limit of a community's bans in force at now,
// newest first.
func (q queries) CommunityBans(ctx context.Context, communityID ID, now time.Time, limit int) ([]CommunityBan, error) {
	out, err := queryAll(ctx, q.q, scanBan, qCommunityBans, communityID, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("bans of %d: %w", communityID, err)
	}
	return out, nil
}

// IsPinned reports whether account (a member, or a community's Group)
// pinned status.
func (q queries) IsPinned(ctx context.Context, account, status ID) (bool, error) {
	var yes bool
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pins WHERE account_id = ? AND status_id = ?)`,
		account, status).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("is pinned: %w", err)
	}
	return yes, nil
}
