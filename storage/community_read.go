package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ListedCommunity is a community in a list: its Group account, and for a
// community hosted here its community row (zero for a remote Group).
type ListedCommunity struct {
	Account   Account
	Community Community
	Local     bool
}

// CommunitySearch selects communities to list: hosted here, or (Remote)
// the remote Groups this node knows; Query keeps those whose handle or
// name contains it. Pages go by the Group account's ID, newest first.
type CommunitySearch struct {
	Query  string
	Remote bool
	Page   Page
}

// likeContains escapes s for a LIKE pattern matching strings that
// contain it.
func likeContains(s string) string {
	return "%" + likePrefix(s)
}

var (
	qLocalCommunities = `SELECT ` + accountColumnsA + `, ` + prefixed("c.", communityColumns) + `
FROM communities c JOIN accounts a ON a.id = c.account_id
WHERE a.suspended_at = 0
AND (?1 = '' OR lower(a.username) LIKE ?1 ESCAPE '\' OR lower(a.display_name) LIKE ?1 ESCAPE '\')
AND (?2 = 0 OR a.id < ?2)
ORDER BY a.id DESC LIMIT ?3`
	qRemoteCommunities = `SELECT ` + accountColumnsA + `
FROM accounts a
WHERE a.actor_type = 'Group' AND a.domain <> '' AND a.suspended_at = 0
AND (?1 = '' OR lower(a.username) LIKE ?1 ESCAPE '\' OR lower(a.display_name) LIKE ?1 ESCAPE '\')
AND (?2 = 0 OR a.id < ?2)
ORDER BY a.id DESC LIMIT ?3`
)

// JoinedCommunity is a remote community in the list of those members
// here joined: its Group account and how many members here it has.
type JoinedCommunity struct {
	Account Account
	Members int
}

// qJoinedRemoteCommunities walks the remote Groups (a partial index, a
// few hundred rows on a council's node) and counts each one's members
// here from the index of local follows.
var qJoinedRemoteCommunities = `SELECT ` + accountColumnsA + `, j.n FROM (
	SELECT g.id AS gid, (SELECT count(*) FROM follows f WHERE f.target_account_id = g.id AND f.local = 1) AS n
	FROM accounts g INDEXED BY accounts_remote_groups
	WHERE g.actor_type = 'Group' AND g.domain <> '' AND g.suspended_at = 0) j
JOIN accounts a ON a.id = j.gid
WHERE j.n > 0 ORDER BY j.n DESC, a.id DESC LIMIT ?`

// JoinedRemoteCommunities lists the communities on other nodes that
// members here joined, those with most members here first, at most
// limit.
func (q queries) JoinedRemoteCommunities(ctx context.Context, limit int) ([]JoinedCommunity, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (JoinedCommunity, error) {
		var j JoinedCommunity
		var err error
		j.Account, err = scanAccount(r, &j.Members)
		return j, err
	}, qJoinedRemoteCommunities, limit)
	if err != nil {
		return nil, fmt.Errorf("joined remote communities: %w", err)
	}
	return out, nil
}

// Communities lists communities as s asks, newest first.
func (q queries) Communities(ctx context.Context, s CommunitySearch) ([]ListedCommunity, error) {
	pattern := ""
	if term := strings.ToLower(strings.TrimSpace(s.Query)); term != "" {
		pattern = likeContains(term)
	}
	var out []ListedCommunity
	var err error
	if s.Remote {
		out, err = queryAll(ctx, q.q, func(r scanner) (ListedCommunity, error) {
			a, err := scanAccount(r)
			return ListedCommunity{Account: a}, err
		}, qRemoteCommunities, pattern, s.Page.MaxID, s.Page.limit())
	} else {
		out, err = queryAll(ctx, q.q, scanLocalCommunity, qLocalCommunities, pattern, s.Page.MaxID, s.Page.limit())
	}
	if err != nil {
		return nil, fmt.Errorf("communities: %w", err)
	}
	return out, nil
}

func scanLocalCommunity(r scanner) (ListedCommunity, error) {
	var c Community
	var createdBy *int64
	var created int64
	a, err := scanAccount(r, &c.AccountID, &c.DescriptionSource, &c.Rules, &c.Language, &c.JoinPolicy,
		&c.PostingPolicy, &c.Visibility, &createdBy, &created)
	if err != nil {
		return ListedCommunity{}, err
	}
	if createdBy != nil {
		c.CreatedBy = ID(*createdBy)
	}
	c.CreatedAt = fromMillis(created)
	return ListedCommunity{Account: a, Community: c, Local: true}, nil
}

// Thread is a community's thread in a list: its first post and how many
// public or unlisted replies answer it directly.
type Thread struct {
	Status  Status
	Replies int
}

// qCommunityThreads lists the threads (posts answering nothing) a
// community accepted, newest first, that the viewer may read in a list:
// qListedTo, the visibility rule in SQL (members-only content to members
// only), which the caller's listedTo arguments precede.
var qCommunityThreads = `SELECT ` + statusColumns + `
FROM community_statuses cs JOIN statuses s ON s.id = cs.status_id
WHERE cs.community_id = ? AND s.in_reply_to_id IS NULL AND s.in_reply_to_uri = ''
AND s.reblog_of_id IS NULL AND ` + qListedTo + `
AND (? = 0 OR cs.status_id < ?)
ORDER BY cs.status_id DESC LIMIT ?`

// qRemoteCommunityThreads is qCommunityThreads for a Group hosted on
// another node: the threads of it that reached this node, as
// community_threads records them (community_statuses holds what a Group
// hosted here accepted).
var qRemoteCommunityThreads = `SELECT ` + statusColumns + `
FROM community_threads cs JOIN statuses s ON s.id = cs.status_id
WHERE cs.group_id = ? AND cs.root_id = cs.status_id AND s.in_reply_to_id IS NULL AND s.in_reply_to_uri = ''
AND s.reblog_of_id IS NULL AND ` + qListedTo + `
AND (? = 0 OR cs.status_id < ?)
ORDER BY cs.status_id DESC LIMIT ?`

// qHosted reads whether a Group is a community hosted here.
const qHosted = `SELECT EXISTS (SELECT 1 FROM communities WHERE account_id = ?)`

// qReplyCounts counts the replies anyone who may read a thread may
// read: public and unlisted ones, and a members-only community's own
// content (the thread is then members-only too).
const qReplyCounts = `SELECT in_reply_to_id, count(*) FROM statuses r
WHERE in_reply_to_id IN (SELECT value FROM json_each(?)) AND (visibility IN ('public', 'unlisted')
	OR EXISTS (SELECT 1 FROM members_only_statuses mo WHERE mo.status_id = r.id))
GROUP BY in_reply_to_id`

// CommunityThreads lists a community's threads that viewer (0:
// anonymous) may read in a list (activitypub.Listed, judged at the
// store's clock), newest first, older than p.MaxID when set, with their
// reply counts: a community hosted here, or one on another node (those
// of its threads that reached this node).
func (q queries) CommunityThreads(ctx context.Context, communityID, viewer ID, now time.Time, p Page) ([]Thread, error) {
	var hosted bool
	if err := q.q.QueryRowContext(ctx, qHosted, communityID).Scan(&hosted); err != nil {
		return nil, fmt.Errorf("community threads of %d: %w", communityID, err)
	}
	query := qCommunityThreads
	if !hosted {
		query = qRemoteCommunityThreads
	}
	_, largs := listedTo(viewer, now)
	args := append(append([]any{communityID}, largs...), p.MaxID, p.MaxID, p.limit())
	sts, err := q.statusList(ctx, query, args, false)
	if err != nil {
		return nil, fmt.Errorf("community threads: %w", err)
	}
	if len(sts) == 0 {
		return nil, nil
	}
	ids := make([]ID, len(sts))
	for i, st := range sts {
		ids[i] = st.ID
	}
	counts := map[ID]int{}
	_, err = queryAll(ctx, q.q, func(r scanner) (struct{}, error) {
		var id ID
		var n int
		err := r.Scan(&id, &n)
		counts[id] = n
		return struct{}{}, err
	}, qReplyCounts, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("community thread replies: %w", err)
	}
	out := make([]Thread, len(sts))
	for i, st := range sts {
		out[i] = Thread{Status: st, Replies: counts[st.ID]}
	}
	return out, nil
}

// DirectoryFilter selects people for the directory: this node's
// discoverable members and the members (from any node) of the
// communities it hosts, whose membership those communities already
// show (not a members-only one's: qShowsMembers). Organisation,
// Department and Role match whole values without case; Query matches
// part of a handle or name.
type DirectoryFilter struct {
	Organisation, Department, Role string
	Query                          string
}

// qDirectoryWhere is the directory's condition on an account a: a person
// not suspended, matching the filters ?1 to ?4, older than ?5 (0: any).
const qDirectoryWhere = `a.suspended_at = 0 AND a.actor_type = 'Person'
AND (?1 = '' OR a.organisation = ?1 COLLATE NOCASE)
AND (?2 = '' OR a.department = ?2 COLLATE NOCASE)
AND (?3 = '' OR a.role_title = ?3 COLLATE NOCASE)
AND (?4 = '' OR lower(a.username) LIKE ?4 ESCAPE '\' OR lower(a.display_name) LIKE ?4 ESCAPE '\')
AND (?5 = 0 OR a.id < ?5)`

// qShowsMembers is the condition that the community c hosted here shows
// its members to anyone, so the directory may list them: it is not
// members-only (qCommunityStanding's test), whose members are for its
// members alone, and the directory is one list for every reader.
const qShowsMembers = `c.visibility <> 'members'`

// qDirectoryNewest pages the directory newest account first: it walks
// the accounts from the newest and stops at a page's worth.
var qDirectoryNewest = `SELECT ` + accountColumnsA + ` FROM accounts a
WHERE ((a.domain = '' AND a.discoverable = 1) OR a.id IN (
	SELECT r.account_id FROM follows r JOIN communities c ON c.account_id = r.target_account_id
	WHERE ` + qShowsMembers + `))
AND ` + qDirectoryWhere + `
ORDER BY a.id DESC LIMIT ?6`

// qDirectoryIndex orders everyone the directory holds as its page groups
// them (qByOrganisation), with what its filters match: it starts from the
// people the directory may hold (the members here who are discoverable,
// from a partial index, and the members of the communities hosted here)
// rather than from every account the node knows, most of them strangers
// met through federation.
var qDirectoryIndex = `WITH people(id) AS (
	SELECT id FROM accounts WHERE domain = '' AND discoverable = 1
	UNION
	SELECT r.account_id FROM communities c JOIN follows r ON r.target_account_id = c.account_id
	WHERE ` + qShowsMembers + `)
SELECT a.id, a.organisation, a.department, a.role_title FROM people p JOIN accounts a ON a.id = p.id
WHERE a.suspended_at = 0 AND a.actor_type = 'Person'
ORDER BY ` + qByOrganisation

// qByOrganisation is the order of people a page groups by organisation:
// by organisation (those naming none last), department and name.
const qByOrganisation = `a.organisation = '', lower(a.organisation), lower(a.department),
lower(coalesce(nullif(a.display_name, ''), a.username)), a.id`

// Directory lists people as f asks, newest account first, paged on its
// ID.
func (q queries) Directory(ctx context.Context, f DirectoryFilter, p Page) ([]Account, error) {
	pattern := ""
	if term := strings.ToLower(strings.TrimSpace(f.Query)); term != "" {
		pattern = likeContains(term)
	}
	out, err := q.accountList(ctx, qDirectoryNewest, strings.TrimSpace(f.Organisation), strings.TrimSpace(f.Department),
		strings.TrimSpace(f.Role), pattern, p.MaxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return out, nil
}
