package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// ErrLimit is returned when a member already has as many of something
// (pinned statuses) as is allowed.
var ErrLimit = errors.New("storage: limit reached")

// StatusEdit is an earlier version of an edited status, recorded when the
// edit that replaced it was saved.
type StatusEdit struct {
	ID          ID
	StatusID    ID
	Title       string
	Content     string
	SpoilerText string
	Sensitive   bool
	CreatedAt   time.Time // when this version was published
}

// StatusEdits returns the earlier versions of a status, oldest first; the
// current version is the status itself.
func (q queries) StatusEdits(ctx context.Context, status ID) ([]StatusEdit, error) {
	scan := func(r scanner) (StatusEdit, error) {
		var e StatusEdit
		var created int64
		if err := r.Scan(&e.ID, &e.StatusID, &e.Title, &e.Content, &e.SpoilerText, &e.Sensitive, &created); err != nil {
			return StatusEdit{}, err
		}
		e.CreatedAt = fromMillis(created)
		return e, nil
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT id, status_id, title, content, spoiler_text, sensitive, created_at
FROM status_edits WHERE status_id = ? ORDER BY id`, status)
	if err != nil {
		return nil, fmt.Errorf("status edits: %w", err)
	}
	return out, nil
}

// Ancestors returns the known statuses a status answers, up to limit of
// them, the root of the thread first and the direct parent last.
func (q queries) Ancestors(ctx context.Context, status ID, limit int) ([]Status, error) {
	const query = `WITH RECURSIVE up(id, depth) AS (
	SELECT in_reply_to_id, 1 FROM statuses WHERE id = ? AND in_reply_to_id IS NOT NULL
	UNION ALL
	SELECT s.in_reply_to_id, up.depth + 1 FROM statuses s JOIN up ON s.id = up.id
	WHERE s.in_reply_to_id IS NOT NULL AND up.depth < ?
)
SELECT ` + statusColumns + ` FROM up JOIN statuses s ON s.id = up.id ORDER BY up.depth DESC`
	out, err := q.statusList(ctx, query, []any{status, limit}, false)
	if err != nil {
		return nil, fmt.Errorf("ancestors: %w", err)
	}
	return out, nil
}

// Descendants returns the known replies to a status and their replies,
// at most limit of them and maxDepth levels down (0: any depth), in the
// order a thread reads: depth first, each status followed by its
// replies, oldest first. When there are more, the shallower ones win.
func (q queries) Descendants(ctx context.Context, status ID, limit, maxDepth int) ([]Status, error) {
	if maxDepth <= 0 {
		maxDepth = limit // a chain of limit replies is as deep as a thread can be
	}
	// The recursion queue is first in, first out: it walks the thread
	// breadth first, so LIMIT keeps the replies nearest the status.
	const query = `WITH RECURSIVE down(id, depth) AS (
	SELECT id, 1 FROM statuses WHERE in_reply_to_id = ?
	UNION ALL
	SELECT s.id, down.depth + 1 FROM statuses s JOIN down ON s.in_reply_to_id = down.id WHERE down.depth < ?
	LIMIT ?
)
SELECT ` + statusColumns + ` FROM down JOIN statuses s ON s.id = down.id`
	all, err := q.statusList(ctx, query, []any{status, maxDepth, limit}, false)
	if err != nil {
		return nil, fmt.Errorf("descendants: %w", err)
	}
	children := map[ID][]Status{}
	for _, s := range all {
		children[s.InReplyToID] = append(children[s.InReplyToID], s)
	}
	for _, c := range children {
		sort.Slice(c, func(i, j int) bool { return c[i].ID < c[j].ID })
	}
	out := make([]Status, 0, len(all))
	seen := map[ID]bool{status: true}
	var walk func(parent ID)
	walk = func(parent ID) {
		for _, c := range children[parent] {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			out = append(out, c)
			walk(c.ID)
		}
	}
	walk(status)
	return out, nil
}

// TimelineFilter narrows the public and hashtag timelines.
type TimelineFilter struct {
	Local     bool // only statuses of this node
	Remote    bool // only statuses of other nodes
	OnlyMedia bool // only statuses with attachments
	// Viewer, when set, hides what qShownTo hides from it (shown.go):
	// statuses of accounts it blocks, mutes or domain-blocks, and of
	// accounts that block it. Store.StatusShown is the same rule for the
	// streams.
	Viewer ID
	// Now is when Viewer's mutes are judged to have expired; zero
	// counts every mute.
	Now time.Time
}

func (f TimelineFilter) where() (cond string, args []any) {
	if f.Local {
		cond += ` AND s.local = 1`
	}
	if f.Remote {
		cond += ` AND s.local = 0`
	}
	if f.OnlyMedia {
		cond += ` AND EXISTS (SELECT 1 FROM attachments m WHERE m.status_id = s.id)`
	}
	if f.Viewer != 0 {
		c, a := shownTo(f.Viewer, f.Now)
		cond += ` AND ` + c
		args = append(args, a...)
	}
	return cond, args
}

// notBlocked is the condition (to append to a WHERE clause) that neither
// viewer nor the account in col blocks the other.
func notBlocked(col string, viewer ID) (string, []any) {
	cond, args := blockedEither(col, viewer)
	return ` AND NOT ` + cond, args
}

// blockedEither is the condition that viewer blocks the account in col
// or is blocked by it; two EXISTS so each reads one index of blocks.
func blockedEither(col string, viewer ID) (string, []any) {
	return `(EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ? AND b.target_account_id = ` + col + `)
OR EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ` + col + ` AND b.target_account_id = ?))`, []any{viewer, viewer}
}

// qPublicTimeline reads the statuses_public partial index newest first,
// so a page costs its length however many statuses the node holds. As in
// Mastodon, replies to others are left out; a thread's self-replies stay.
const qPublicTimeline = `SELECT ` + statusColumns + ` FROM statuses s INDEXED BY statuses_public
JOIN accounts a ON a.id = s.account_id
WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.suspended_at = 0
AND (s.in_reply_to_uri = '' OR s.in_reply_to_account_id = s.account_id)`

// PublicTimeline returns public statuses, no reblogs, newest first.
func (q queries) PublicTimeline(ctx context.Context, f TimelineFilter, p Page) ([]Status, error) {
	fcond, fargs := f.where()
	cond, args, order := p.where("s.id")
	query := qPublicTimeline + fcond + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	out, err := q.statusList(ctx, query, append(append(fargs, args...), p.limit()), strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("public timeline: %w", err)
	}
	return out, nil
}

// TagQuery selects statuses by hashtag (names without "#", any case).
type TagQuery struct {
	Any  []string // at least one of these
	All  []string // and every one of these
	None []string // and none of these
}

// TagTimeline returns public statuses with the tags asked for, replies
// included, newest first.
func (q queries) TagTimeline(ctx context.Context, tags TagQuery, f TimelineFilter, p Page) ([]Status, error) {
	if len(tags.Any) == 0 {
		return nil, nil
	}
	norm := func(names []string) []any {
		out := make([]any, 0, len(names))
		for _, n := range names {
			out = append(out, strings.ToLower(strings.TrimPrefix(n, "#")))
		}
		return out
	}
	anyTags := norm(tags.Any)
	var args []any
	query := `SELECT ` + statusColumns + ` FROM statuses s JOIN accounts a ON a.id = s.account_id
WHERE s.id IN (SELECT st.status_id FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE t.name IN (` + placeholders(len(anyTags)) + `))
AND s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.suspended_at = 0`
	args = append(args, anyTags...)
	for _, name := range norm(tags.All) {
		query += ` AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND t.name = ?)`
		args = append(args, name)
	}
	if none := norm(tags.None); len(none) > 0 {
		query += ` AND NOT EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id
AND t.name IN (` + placeholders(len(none)) + `))`
		args = append(args, none...)
	}
	fcond, fargs := f.where()
	cond, pargs, order := p.where("s.id")
	query += fcond + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	args = append(append(append(args, fargs...), pargs...), p.limit())
	out, err := q.statusList(ctx, query, args, strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("tag timeline: %w", err)
	}
	return out, nil
}

// HomeTimelinePage is a member's home feed as the client API shows it:
// the member's mutes and domain blocks applied, and also no
// status or reblog by an account the member blocks or is blocked by, nor
// a reblog of one by such an account, nor what accounts in the member's
// exclusive lists post, nor boosts by accounts the member follows with
// boosts hidden (reblogs=false; also those made before the change). The
// filters run in the query, so a page is still full. The query is
// HomeTimelineWithBoosted's (home_timeline.go).
func (s *Store) HomeTimelinePage(ctx context.Context, account ID, p Page) ([]Status, error) {
	page, err := s.HomeTimelineWithBoosted(ctx, account, p)
	return page.Statuses, err
}

// ListedStatus is a status in a member's bookmarks or favourites; RowID
// is the bookmark's or favourite's own ID, which pages the list.
type ListedStatus struct {
	RowID  ID
	Status Status
}

// prefixScanner scans one leading column into first, then the rest.
type prefixScanner struct {
	row   scanner
	first any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.row.Scan(append([]any{p.first}, dest...)...)
}

func (q queries) listedStatuses(ctx context.Context, table string, account ID, p Page) ([]ListedStatus, error) {
	cond, args, order := p.where("x.id")
	scan := func(r scanner) (ListedStatus, error) {
		var l ListedStatus
		var err error
		if l.Status, err = scanStatus(prefixScanner{row: r, first: &l.RowID}); err != nil {
			return ListedStatus{}, err
		}
		return l, nil
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT x.id, `+statusColumns+` FROM `+table+` x JOIN statuses s ON s.id = x.status_id
WHERE x.account_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`, append(append([]any{account}, args...), p.limit())...)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	sts := make([]Status, len(out))
	for i := range out {
		sts[i] = out[i].Status
	}
	if err := q.loadStatusesExtras(ctx, sts); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Status = sts[i]
	}
	return out, nil
}

// Bookmarks lists a member's bookmarked statuses, newest bookmark first.
func (q queries) Bookmarks(ctx context.Context, account ID, p Page) ([]ListedStatus, error) {
	out, err := q.listedStatuses(ctx, "bookmarks", account, p)
	if err != nil {
		return nil, fmt.Errorf("bookmarks: %w", err)
	}
	return out, nil
}

// Favourites lists the statuses a member liked, newest like first.
func (q queries) Favourites(ctx context.Context, account ID, p Page) ([]ListedStatus, error) {
	out, err := q.listedStatuses(ctx, "favourites", account, p)
	if err != nil {
		return nil, fmt.Errorf("favourites: %w", err)
	}
	return out, nil
}

// interactionAccounts lists the accounts behind the boosts or likes of a
// status: from joins the boost or like, aliased r, to its account,
// aliased a, and ends in a WHERE clause on the status.
func (q queries) interactionAccounts(ctx context.Context, from string, status, viewer ID, p Page) ([]ListedAccount, error) {
	cond, args, order := p.where("r.id")
	var filter string
	var fargs []any
	if viewer != 0 {
		filter, fargs = notBlocked("a.id", viewer)
	}
	all := append(append(append([]any{status}, fargs...), args...), p.limit())
	out, err := queryAll(ctx, q.q, scanListedAccount, `SELECT `+prefixed("a.", accountColumns)+`, r.id`+from+
		` AND a.suspended_at = 0`+filter+` AND `+cond+` ORDER BY `+order+` LIMIT ?`, all...)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// RebloggedBy lists the accounts that boosted a status, newest boost
// first, leaving out those viewer (0: nobody) blocks or is blocked by.
func (q queries) RebloggedBy(ctx context.Context, status, viewer ID, p Page) ([]ListedAccount, error) {
	out, err := q.interactionAccounts(ctx, ` FROM statuses r JOIN accounts a ON a.id = r.account_id WHERE r.reblog_of_id = ?`,
		status, viewer, p)
	if err != nil {
		return nil, fmt.Errorf("reblogged by: %w", err)
	}
	return out, nil
}

// FavouritedBy lists the accounts that liked a status, newest like
// first, leaving out those viewer (0: nobody) blocks or is blocked by.
func (q queries) FavouritedBy(ctx context.Context, status, viewer ID, p Page) ([]ListedAccount, error) {
	out, err := q.interactionAccounts(ctx, ` FROM favourites r JOIN accounts a ON a.id = r.account_id WHERE r.status_id = ?`,
		status, viewer, p)
	if err != nil {
		return nil, fmt.Errorf("favourited by: %w", err)
	}
	return out, nil
}

// qThreadURI names the thread a status (?1) belongs to: the IRI of its
// topmost known ancestor, or the IRI that ancestor answers when its
// parent is unknown here.
const qThreadURI = `WITH RECURSIVE up(id, parent, uri, reply_uri, depth) AS (
	SELECT id, in_reply_to_id, uri, in_reply_to_uri, 0 FROM statuses WHERE id = ?1
	UNION ALL
	SELECT s.id, s.in_reply_to_id, s.uri, s.in_reply_to_uri, up.depth + 1 FROM statuses s JOIN up ON s.id = up.parent
	WHERE up.depth < 4096
)
SELECT CASE WHEN reply_uri <> '' THEN reply_uri ELSE uri END FROM up ORDER BY depth DESC LIMIT 1`

// ThreadURI names the conversation a status belongs to.
func (q queries) ThreadURI(ctx context.Context, status ID) (string, error) {
	var uri string
	err := q.q.QueryRowContext(ctx, qThreadURI, status).Scan(&uri)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("thread of %d: %w", status, err)
	}
	return uri, nil
}

// StatusFlags are what a member did with a status privately.
type StatusFlags struct {
	Bookmarked bool
	Pinned     bool
	Muted      bool // its conversation is muted
}

// StatusFlags tells whether viewer bookmarked or pinned a status, or
// muted its conversation.
func (q queries) StatusFlags(ctx context.Context, status, viewer ID) (StatusFlags, error) {
	var f StatusFlags
	var anyMutes bool
	err := q.q.QueryRowContext(ctx, `SELECT
EXISTS (SELECT 1 FROM bookmarks WHERE account_id = ?2 AND status_id = ?1),
EXISTS (SELECT 1 FROM pins WHERE account_id = ?2 AND status_id = ?1),
EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ?2)`, status, viewer).Scan(&f.Bookmarked, &f.Pinned, &anyMutes)
	if err != nil {
		return StatusFlags{}, fmt.Errorf("status flags: %w", err)
	}
	if anyMutes { // most members mute no conversation: skip the walk up the thread
		if f.Muted, err = q.ConversationMuted(ctx, viewer, status); err != nil {
			return StatusFlags{}, err
		}
	}
	return f, nil
}

// ConversationMuted reports whether account muted the conversation a
// status belongs to.
func (q queries) ConversationMuted(ctx context.Context, account, status ID) (bool, error) {
	thread, err := q.ThreadURI(ctx, status)
	if err != nil {
		return false, err
	}
	var muted bool
	err = q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ? AND thread_uri = ?)`,
		account, thread).Scan(&muted)
	if err != nil {
		return false, fmt.Errorf("conversation muted: %w", err)
	}
	return muted, nil
}

// PinnedStatuses returns the statuses a member pinned, the latest pin
// first.
func (q queries) PinnedStatuses(ctx context.Context, account ID) ([]Status, error) {
	out, err := q.statusList(ctx, `SELECT `+statusColumns+` FROM pins p JOIN statuses s ON s.id = p.status_id
WHERE p.account_id = ? ORDER BY p.id DESC`, []any{account}, false)
	if err != nil {
		return nil, fmt.Errorf("pinned statuses: %w", err)
	}
	return out, nil
}

// CountPins counts the statuses a member has pinned.
func (q queries) CountPins(ctx context.Context, account ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM pins WHERE account_id = ?`, account).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pins: %w", err)
	}
	return n, nil
}

// Bookmark adds a status to a member's bookmarks; bookmarking it again
// changes nothing.
func (tx *Tx) Bookmark(ctx context.Context, account, status ID) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO bookmarks (id, account_id, status_id, created_at) VALUES (?,?,?,?)`,
		tx.NewID(), account, status, millis(tx.now))
	if err != nil {
		return fmt.Errorf("bookmark: %w", err)
	}
	return nil
}

// Unbookmark removes a status from a member's bookmarks, if it is there.
func (tx *Tx) Unbookmark(ctx context.Context, account, status ID) error {
	_, err := tx.exec(ctx, "unbookmark", `DELETE FROM bookmarks WHERE account_id = ? AND status_id = ?`, account, status)
	return err
}

// exec runs one write statement, wrapping its error with what it does.
func (tx *Tx) exec(ctx context.Context, what, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return res, nil
}

// Pin features a status on a member's profile, reporting whether it was
// newly pinned. ErrLimit if the member already has max pinned; pinning a
// pinned status changes nothing.
func (tx *Tx) Pin(ctx context.Context, account, status ID, max int) (bool, error) {
	var pinned, n int
	err := tx.tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(status_id = ?), 0) FROM pins WHERE account_id = ?`,
		status, account).Scan(&n, &pinned)
	if err != nil {
		return false, fmt.Errorf("pin: %w", err)
	}
	if pinned > 0 {
		return false, nil
	}
	if n >= max {
		return false, fmt.Errorf("pin: %w", ErrLimit)
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO pins (id, account_id, status_id, created_at) VALUES (?,?,?,?)`,
		tx.NewID(), account, status, millis(tx.now))
	if err != nil {
		return false, fmt.Errorf("pin: %w", err)
	}
	return true, nil
}

// Unpin stops featuring a status, reporting whether it was pinned.
func (tx *Tx) Unpin(ctx context.Context, account, status ID) (bool, error) {
	res, err := tx.exec(ctx, "unpin", `DELETE FROM pins WHERE account_id = ? AND status_id = ?`, account, status)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// MuteConversation mutes the thread a status belongs to for a member.
func (tx *Tx) MuteConversation(ctx context.Context, account, status ID) error {
	thread, err := tx.ThreadURI(ctx, status)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "mute conversation", `INSERT OR IGNORE INTO conversation_mutes (account_id, thread_uri, created_at) VALUES (?,?,?)`,
		account, thread, millis(tx.now))
	return err
}

// UnmuteConversation unmutes the thread a status belongs to.
func (tx *Tx) UnmuteConversation(ctx context.Context, account, status ID) error {
	thread, err := tx.ThreadURI(ctx, status)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "unmute conversation", `DELETE FROM conversation_mutes WHERE account_id = ? AND thread_uri = ?`, account, thread)
	return err
}

// NotificationFilter narrows a member's notifications.
type NotificationFilter struct {
	Types        []string // only these types (none: every type)
	ExcludeTypes []string
	From         ID // only those caused by this account
}

const notificationColumns = `id, account_id, from_account_id, type, coalesce(status_id, 0), created_at`

func scanNotification(row scanner) (Notification, error) {
	var n Notification
	var created int64
	err := row.Scan(&n.ID, &n.AccountID, &n.FromAccountID, &n.Type, &n.StatusID, &created)
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
	out, err := queryAll(ctx, s.q, scanNotification, `SELECT n.id, n.account_id, n.from_account_id, n.type, coalesce(n.status_id, 0), n.created_at
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
