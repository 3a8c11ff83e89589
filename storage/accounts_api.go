package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// What the client API's account endpoints read and write: pages of
// followers, follows, requests, blocks and mutes keyed by the row that
// lists them; relationships; mutes, private notes and a member's own
// domain blocks; the plain text behind a profile; account search; and the
// filtered home feed and notifications that honour mutes and domain
// blocks.

// ListedAccount is an account in a listing with the ID of the row that
// put it there (the follow, request, block or mute), which is the cursor
// for paging: accounts are listed by when the relation began, not by
// their own IDs.
type ListedAccount struct {
	Account Account
	RowID   ID
	// ExpiresAt is when a mute ends; zero for a mute without end and for
	// every other listing.
	ExpiresAt time.Time
}

// listedAccounts runs a listing. from joins the relation table, aliased
// r, to accounts, aliased a, and ends in a WHERE clause with one
// parameter, arg.
func (q queries) listedAccounts(ctx context.Context, from string, arg any, expires string, p Page, extra ...any) ([]ListedAccount, error) {
	cond, args, order := p.where("r.id")
	query := `SELECT ` + prefixed("a.", accountColumns) + `, r.id, ` + expires + from + ` AND ` + cond +
		` ORDER BY ` + order + ` LIMIT ?`
	all := append([]any{arg}, extra...)
	all = append(append(all, args...), p.limit())
	scan := func(r scanner) (ListedAccount, error) {
		var l ListedAccount
		var until int64
		var err error
		if l.Account, err = scanAccount(r, &l.RowID, &until); err != nil {
			return ListedAccount{}, err
		}
		l.ExpiresAt = fromMillis(until)
		return l, nil
	}
	out, err := queryAll(ctx, q.q, scan, query, all...)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// scanListedAccount scans accountColumns, then the listing row's ID.
func scanListedAccount(row scanner) (ListedAccount, error) {
	var l ListedAccount
	a, err := scanAccount(row, &l.RowID)
	if err != nil {
		return ListedAccount{}, err
	}
	l.Account = a
	return l, nil
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

const (
	fromFollowers = ` FROM follows r JOIN accounts a ON a.id = r.account_id
WHERE r.target_account_id = ? AND a.suspended_at = 0`
	fromFollowing = ` FROM follows r JOIN accounts a ON a.id = r.target_account_id
WHERE r.account_id = ? AND a.suspended_at = 0`
	fromFollowRequests = ` FROM follow_requests r JOIN accounts a ON a.id = r.account_id
WHERE r.target_account_id = ? AND a.suspended_at = 0`
	fromBlocks = ` FROM blocks r JOIN accounts a ON a.id = r.target_account_id WHERE r.account_id = ?`
	fromMutes  = ` FROM mutes r JOIN accounts a ON a.id = r.target_account_id
WHERE r.account_id = ? AND (r.expires_at = 0 OR r.expires_at > ?)`
)

// FollowerPage lists the accounts that follow account, newest follow
// first, each with its follow's ID; suspended accounts are left out. It
// serves both the client API's followers and the actor's followers
// collection.
func (q queries) FollowerPage(ctx context.Context, account ID, p Page) ([]ListedAccount, error) {
	out, err := q.listedAccounts(ctx, fromFollowers, account, "0", p)
	if err != nil {
		return nil, fmt.Errorf("follower page: %w", err)
	}
	return out, nil
}

// FollowingPage lists the accounts account follows, newest follow first,
// as FollowerPage does.
func (q queries) FollowingPage(ctx context.Context, account ID, p Page) ([]ListedAccount, error) {
	out, err := q.listedAccounts(ctx, fromFollowing, account, "0", p)
	if err != nil {
		return nil, fmt.Errorf("following page: %w", err)
	}
	return out, nil
}

// FollowRequestPage lists the accounts waiting for target to approve
// their follow, newest request first.
func (q queries) FollowRequestPage(ctx context.Context, target ID, p Page) ([]ListedAccount, error) {
	out, err := q.listedAccounts(ctx, fromFollowRequests, target, "0", p)
	if err != nil {
		return nil, fmt.Errorf("follow request page: %w", err)
	}
	return out, nil
}

// BlockPage lists the accounts account blocks, newest block first.
func (q queries) BlockPage(ctx context.Context, account ID, p Page) ([]ListedAccount, error) {
	out, err := q.listedAccounts(ctx, fromBlocks, account, "0", p)
	if err != nil {
		return nil, fmt.Errorf("block page: %w", err)
	}
	return out, nil
}

// MutePage lists the accounts account mutes as of now, newest mute
// first, with when each mute ends.
func (q queries) MutePage(ctx context.Context, account ID, now time.Time, p Page) ([]ListedAccount, error) {
	out, err := q.listedAccounts(ctx, fromMutes, account, "r.expires_at", p, millis(now))
	if err != nil {
		return nil, fmt.Errorf("mute page: %w", err)
	}
	return out, nil
}

// CountFollowRequests counts the requests waiting for target's approval.
func (q queries) CountFollowRequests(ctx context.Context, target ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM follow_requests WHERE target_account_id = ?`, target).Scan(&n); err != nil {
		return 0, fmt.Errorf("count follow requests: %w", err)
	}
	return n, nil
}

// FollowsFromDomain returns the accepted follows and the pending requests
// of target by accounts on domain.
func (q queries) FollowsFromDomain(ctx context.Context, target ID, domain string) (follows, requests []Follow, err error) {
	for _, t := range []struct {
		table string
		out   *[]Follow
	}{{"follows", &follows}, {"follow_requests", &requests}} {
		*t.out, err = queryAll(ctx, q.q, scanFollow, `SELECT `+prefixed("f.", followColumns)+` FROM `+t.table+` f
JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ? AND a.domain = ?`, target, strings.ToLower(domain))
		if err != nil {
			return nil, nil, fmt.Errorf("follows from domain: %w", err)
		}
	}
	return follows, requests, nil
}

// Relationship is how a viewer and another account stand to each other.
type Relationship struct {
	Following           bool
	ShowingReblogs      bool // of the follow or pending request
	Notifying           bool
	FollowedBy          bool
	Blocking            bool
	BlockedBy           bool
	Muting              bool
	MutingNotifications bool
	Requested           bool // viewer asked to follow target
	RequestedBy         bool // target asked to follow viewer
	DomainBlocking      bool // viewer blocks target's domain
	Note                string
}

const qRelationship = `SELECT
EXISTS (SELECT 1 FROM follows WHERE account_id = ?1 AND target_account_id = ?2),
coalesce((SELECT show_reblogs FROM follows WHERE account_id = ?1 AND target_account_id = ?2),
	(SELECT show_reblogs FROM follow_requests WHERE account_id = ?1 AND target_account_id = ?2), 0),
coalesce((SELECT notify FROM follows WHERE account_id = ?1 AND target_account_id = ?2),
	(SELECT notify FROM follow_requests WHERE account_id = ?1 AND target_account_id = ?2), 0),
EXISTS (SELECT 1 FROM follows WHERE account_id = ?2 AND target_account_id = ?1),
EXISTS (SELECT 1 FROM blocks WHERE account_id = ?1 AND target_account_id = ?2),
EXISTS (SELECT 1 FROM blocks WHERE account_id = ?2 AND target_account_id = ?1),
EXISTS (SELECT 1 FROM mutes WHERE account_id = ?1 AND target_account_id = ?2 AND (expires_at = 0 OR expires_at > ?3)),
coalesce((SELECT notifications FROM mutes WHERE account_id = ?1 AND target_account_id = ?2
	AND (expires_at = 0 OR expires_at > ?3)), 0),
EXISTS (SELECT 1 FROM follow_requests WHERE account_id = ?1 AND target_account_id = ?2),
EXISTS (SELECT 1 FROM follow_requests WHERE account_id = ?2 AND target_account_id = ?1),
EXISTS (SELECT 1 FROM user_domain_blocks d JOIN accounts a ON a.domain = d.domain
	WHERE d.account_id = ?1 AND a.id = ?2 AND a.domain <> ''),
coalesce((SELECT comment FROM account_notes WHERE account_id = ?1 AND target_account_id = ?2), '')`

// Relationship returns how viewer stands to target as of now.
func (q queries) Relationship(ctx context.Context, viewer, target ID, now time.Time) (Relationship, error) {
	var r Relationship
	err := q.q.QueryRowContext(ctx, qRelationship, viewer, target, millis(now)).Scan(&r.Following, &r.ShowingReblogs,
		&r.Notifying, &r.FollowedBy, &r.Blocking, &r.BlockedBy, &r.Muting, &r.MutingNotifications, &r.Requested,
		&r.RequestedBy, &r.DomainBlocking, &r.Note)
	if err != nil {
		return Relationship{}, fmt.Errorf("relationship: %w", err)
	}
	return r, nil
}

var qFamiliarFollowers = `SELECT ` + accountColumnsA + ` FROM follows mine
JOIN follows theirs ON theirs.account_id = mine.target_account_id
JOIN accounts a ON a.id = mine.target_account_id
WHERE mine.account_id = ? AND theirs.target_account_id = ? AND a.suspended_at = 0
ORDER BY mine.id DESC LIMIT ?`

var accountColumnsA = prefixed("a.", accountColumns)

// FamiliarFollowers returns up to limit accounts that viewer follows and
// that follow target, most recently followed by viewer first.
func (q queries) FamiliarFollowers(ctx context.Context, viewer, target ID, limit int) ([]Account, error) {
	out, err := q.accountList(ctx, qFamiliarFollowers, viewer, target, limit)
	if err != nil {
		return nil, fmt.Errorf("familiar followers: %w", err)
	}
	return out, nil
}

func (q queries) accountList(ctx context.Context, query string, args ...any) ([]Account, error) {
	return queryAll(ctx, q.q, func(r scanner) (Account, error) { return scanAccount(r) }, query, args...)
}

// AccountSearch is a search for known accounts by the start of their
// username, a word of their display name, or "user@domain".
type AccountSearch struct {
	Query string
	// Viewer, when set, leaves out accounts that block the viewer;
	// FollowingOnly keeps only accounts the viewer follows.
	Viewer        ID
	FollowingOnly bool
	Limit         int
	Offset        int
}

// likePrefix escapes s for a LIKE pattern matching strings that start
// with it.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// SearchAccounts finds known accounts, local and remote, that are not
// suspended: an exact username first, then local accounts, then by name.
func (q queries) SearchAccounts(ctx context.Context, s AccountSearch) ([]Account, error) {
	term := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s.Query), "@"))
	if term == "" {
		return nil, nil
	}
	var cond string
	var args []any
	user, domain, hasDomain := strings.Cut(term, "@")
	if hasDomain {
		cond = `lower(a.username) LIKE ? ESCAPE '\' AND a.domain LIKE ? ESCAPE '\'`
		args = append(args, likePrefix(user), likePrefix(domain))
	} else {
		cond = `(lower(a.username) LIKE ? ESCAPE '\' OR lower(a.display_name) LIKE ? ESCAPE '\'
	OR lower(a.display_name) LIKE ? ESCAPE '\')`
		args = append(args, likePrefix(term), likePrefix(term), "% "+likePrefix(term))
	}
	if s.Viewer != 0 {
		cond += ` AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = ?)`
		args = append(args, s.Viewer)
		if s.FollowingOnly {
			cond += ` AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = a.id)`
			args = append(args, s.Viewer)
		}
	}
	limit := s.Limit
	if limit <= 0 {
		limit = 40
	}
	query := `SELECT ` + accountColumnsA + ` FROM accounts a
WHERE a.suspended_at = 0 AND NOT (a.domain = '' AND a.actor_type = 'Application') AND ` + cond + `
ORDER BY lower(a.username) = ? DESC, a.domain = '' DESC, lower(a.username), a.domain LIMIT ? OFFSET ?`
	args = append(args, user, limit, max(s.Offset, 0))
	out, err := q.accountList(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search accounts: %w", err)
	}
	return out, nil
}

// AccountStatusFilter narrows an account's statuses as the client API's
// profile listing asks.
type AccountStatusFilter struct {
	Visibilities     []activitypub.Visibility // required
	ExcludeReplies   bool                     // replies to other accounts; a thread of one's own stays
	ExcludeReblogs   bool
	OnlyMedia        bool
	ExcludeSensitive bool
	Tagged           string // a hashtag, with or without "#"
	Pinned           bool   // only statuses the account pinned
	// Viewer (0: anonymous) sees the account's posts in a members-only
	// community only if it wrote them or is a member (hiddenCommunity),
	// bans judged at Now.
	Viewer ID
	Now    time.Time
}

// AccountStatusPage returns a page of an account's statuses and reblogs,
// newest first.
func (q queries) AccountStatusPage(ctx context.Context, account ID, f AccountStatusFilter, p Page) ([]Status, error) {
	cond, pageArgs, order := p.where("s.id")
	args := []any{account}
	for _, v := range f.Visibilities {
		args = append(args, string(v))
	}
	where := `s.account_id = ? AND s.visibility IN (` + placeholders(len(f.Visibilities)) + `)`
	if f.ExcludeReplies {
		where += ` AND (s.in_reply_to_uri = '' OR s.in_reply_to_account_id = s.account_id)`
	}
	if f.ExcludeReblogs {
		where += ` AND s.reblog_of_id IS NULL`
	}
	if f.OnlyMedia {
		where += ` AND EXISTS (SELECT 1 FROM attachments m WHERE m.status_id = s.id)`
	}
	if f.Pinned {
		where += ` AND EXISTS (SELECT 1 FROM pins pn WHERE pn.status_id = s.id AND pn.account_id = s.account_id)`
	}
	if f.ExcludeSensitive {
		where += ` AND s.sensitive = 0`
	}
	hidden, hiddenArgs := hiddenCommunity(f.Viewer, f.Now, "s.id")
	where += ` AND (s.account_id = ? OR NOT ` + hidden + `)`
	args = append(append(args, f.Viewer), hiddenArgs...)
	if tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(f.Tagged), "#")); tag != "" {
		where += ` AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id
WHERE st.status_id = s.id AND t.name = ?)`
		args = append(args, tag)
	}
	query := `SELECT ` + statusColumns + ` FROM statuses s WHERE ` + where + ` AND ` + cond +
		` ORDER BY ` + order + ` LIMIT ?`
	args = append(append(args, pageArgs...), p.limit())
	out, err := q.statusList(ctx, query, args, strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("account status page: %w", err)
	}
	return out, nil
}

// Mute is a member's mute of another account.
type Mute struct {
	ID            ID
	AccountID     ID
	TargetID      ID
	Notifications bool      // hide the target's notifications too
	ExpiresAt     time.Time // zero: until lifted
	CreatedAt     time.Time
}

// InsertMute records a mute, replacing an earlier one of the same target
// (so muting again changes notifications and the expiry).
func (tx *Tx) InsertMute(ctx context.Context, m *Mute) error {
	if m.ID == 0 {
		m.ID = tx.NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = tx.now
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO mutes (id, account_id, target_account_id, notifications, expires_at, created_at)
VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, target_account_id) DO UPDATE SET
notifications = excluded.notifications, expires_at = excluded.expires_at`,
		m.ID, m.AccountID, m.TargetID, m.Notifications, millis(m.ExpiresAt), millis(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert mute: %w", err)
	}
	return nil
}

// DeleteMute lifts account's mute of target, reporting whether there was
// one.
func (tx *Tx) DeleteMute(ctx context.Context, account, target ID) (bool, error) {
	return tx.deleteRelation(ctx, "mutes", account, target)
}

// MutedIDsAt returns the accounts account mutes at now.
func (q queries) MutedIDsAt(ctx context.Context, account ID, now time.Time) ([]ID, error) {
	out, err := q.ids(ctx, `SELECT target_account_id FROM mutes WHERE account_id = ? AND (expires_at = 0 OR expires_at > ?)
ORDER BY id`, account, millis(now))
	if err != nil {
		return nil, fmt.Errorf("muted ids: %w", err)
	}
	return out, nil
}

// MutedIDs returns the accounts account mutes now, by the store's clock:
// their statuses (and reblogs of them) leave account's home feed, and,
// for mutes that cover notifications, their notifications too.
// HomeTimelinePage and NotificationPage apply this already.
func (s *Store) MutedIDs(ctx context.Context, account ID) ([]ID, error) {
	return s.MutedIDsAt(ctx, account, s.Now())
}

// SetAccountNote keeps account's private note about target; an empty
// comment removes it.
func (tx *Tx) SetAccountNote(ctx context.Context, account, target ID, comment string) error {
	var err error
	if comment == "" {
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM account_notes WHERE account_id = ? AND target_account_id = ?`, account, target)
	} else {
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO account_notes (account_id, target_account_id, comment, updated_at)
VALUES (?,?,?,?) ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = excluded.comment,
updated_at = excluded.updated_at`, account, target, comment, millis(tx.now))
	}
	if err != nil {
		return fmt.Errorf("set account note: %w", err)
	}
	return nil
}

// DomainBlock is a domain a member has blocked for themselves.
type DomainBlock struct {
	ID        ID
	AccountID ID
	Domain    string
	CreatedAt time.Time
}

// InsertDomainBlock records that account blocks domain (lower-cased); a
// repeat is no error.
func (tx *Tx) InsertDomainBlock(ctx context.Context, account ID, domain string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO user_domain_blocks (id, account_id, domain, created_at) VALUES (?,?,?,?)
ON CONFLICT (account_id, domain) DO NOTHING`, tx.NewID(), account, strings.ToLower(domain), millis(tx.now))
	if err != nil {
		return fmt.Errorf("insert domain block: %w", err)
	}
	return nil
}

// DeleteDomainBlock lifts account's block of domain, reporting whether
// there was one.
func (tx *Tx) DeleteDomainBlock(ctx context.Context, account ID, domain string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM user_domain_blocks WHERE account_id = ? AND domain = ?`,
		account, strings.ToLower(domain))
	if err != nil {
		return false, fmt.Errorf("delete domain block: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DomainBlockPage lists the domains account blocks, newest first, at most
// limit (which, unlike Page's, may exceed 80: Mastodon allows 200 here).
func (q queries) DomainBlockPage(ctx context.Context, account ID, p Page, limit int) ([]DomainBlock, error) {
	cond, args, order := p.where("id")
	scan := func(r scanner) (DomainBlock, error) {
		var b DomainBlock
		var created int64
		if err := r.Scan(&b.ID, &b.AccountID, &b.Domain, &created); err != nil {
			return DomainBlock{}, err
		}
		b.CreatedAt = fromMillis(created)
		return b, nil
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT id, account_id, domain, created_at FROM user_domain_blocks
WHERE account_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`, append(append([]any{account}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("domain block page: %w", err)
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// BlocksDomain reports whether account blocks domain for themselves.
func (q queries) BlocksDomain(ctx context.Context, account ID, domain string) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM user_domain_blocks WHERE account_id = ? AND domain = ?`,
		account, strings.ToLower(domain)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("blocks domain: %w", err)
	}
	return n > 0, nil
}

// BlockedDomains returns every domain account blocks: statuses by
// accounts there (and reblogs of them) leave account's home feed, and
// their notifications are hidden. HomeTimelinePage and
// NotificationPage apply this already.
func (q queries) BlockedDomains(ctx context.Context, account ID) ([]string, error) {
	scan := func(r scanner) (string, error) {
		var d string
		err := r.Scan(&d)
		return d, err
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT domain FROM user_domain_blocks WHERE account_id = ? ORDER BY domain`, account)
	if err != nil {
		return nil, fmt.Errorf("blocked domains: %w", err)
	}
	return out, nil
}

// The conditions that hide a notification from a from the viewer whose
// ID is the first parameter; the second is now, in milliseconds. (Which
// statuses a list shows is the visibility rule's: qListedTo.)
const (
	notMutedNotification = `NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ? AND (m.expires_at = 0 OR m.expires_at > ?)
	AND m.notifications = 1 AND m.target_account_id = n.from_account_id)`
	notDomainBlockedNotification = `NOT EXISTS (SELECT 1 FROM user_domain_blocks d WHERE d.account_id = ? AND d.domain = a.domain)`
)

// ProfileSource is the plain text a member typed for their note and
// fields, with the HTML it rendered to when saved: when the account's
// HTML no longer matches, the profile was changed by other means and the
// source is stale.
type ProfileSource struct {
	Note       string
	Fields     []activitypub.Field
	NoteHTML   string
	FieldsHTML []activitypub.Field
}

// SaveProfileSource keeps the plain text behind account's profile.
func (tx *Tx) SaveProfileSource(ctx context.Context, account ID, src ProfileSource) error {
	fields, err := json.Marshal(nonNil(src.Fields))
	if err != nil {
		return fmt.Errorf("save profile source: %w", err)
	}
	fieldsHTML, err := json.Marshal(nonNil(src.FieldsHTML))
	if err != nil {
		return fmt.Errorf("save profile source: %w", err)
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO profile_sources (account_id, note, fields, note_html, fields_html, updated_at)
VALUES (?,?,?,?,?,?) ON CONFLICT (account_id) DO UPDATE SET note = excluded.note, fields = excluded.fields,
note_html = excluded.note_html, fields_html = excluded.fields_html, updated_at = excluded.updated_at`,
		account, src.Note, string(fields), src.NoteHTML, string(fieldsHTML), millis(tx.now))
	if err != nil {
		return fmt.Errorf("save profile source: %w", err)
	}
	return nil
}

// ProfileSource returns the plain text behind account's profile, or
// ErrNotFound when none was saved.
func (q queries) ProfileSource(ctx context.Context, account ID) (ProfileSource, error) {
	var src ProfileSource
	var fields, fieldsHTML string
	err := q.q.QueryRowContext(ctx, `SELECT note, fields, note_html, fields_html FROM profile_sources WHERE account_id = ?`,
		account).Scan(&src.Note, &fields, &src.NoteHTML, &fieldsHTML)
	if errors.Is(err, sql.ErrNoRows) {
		return ProfileSource{}, ErrNotFound
	}
	if err != nil {
		return ProfileSource{}, fmt.Errorf("profile source: %w", err)
	}
	if err := json.Unmarshal([]byte(fields), &src.Fields); err != nil {
		return ProfileSource{}, fmt.Errorf("profile source fields: %w", err)
	}
	if err := json.Unmarshal([]byte(fieldsHTML), &src.FieldsHTML); err != nil {
		return ProfileSource{}, fmt.Errorf("profile source fields: %w", err)
	}
	return src, nil
}
