package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Domain block severities, as Mastodon names them.
const (
	SeveritySuspend = "suspend" // no traffic either way; remote data purged
	SeverityLimit   = "limit"   // hidden from public timelines and non-followers
	SeverityNoop    = "noop"    // only reject_media / reject_reports apply
)

// Federation modes, the node setting SettingFederationMode.
const (
	FederationOpen      = "open"      // everyone but blocked domains (the default)
	FederationAllowlist = "allowlist" // listed domains alone
)

// SettingFederationMode is the node_settings key of the federation mode.
const SettingFederationMode = "federation_mode"

// NodeDomainBlock is one domain the node blocks (a row of domain_blocks);
// it covers its subdomains. DomainBlock is a member's own block.
type NodeDomainBlock struct {
	ID             ID
	Domain         string
	Severity       string
	RejectMedia    bool
	RejectReports  bool
	PublicComment  string
	PrivateComment string
	Obfuscate      bool
	CreatedAt      time.Time
	CreatedBy      ID // 0: the CLI, an import, or a member since deleted
	// SubscriptionID is the shared list the block came from (0: made by
	// hand or imported); a trusted list removes only its own blocks.
	SubscriptionID ID
}

// NodeDomainAllow is one domain the node federates with in allow-list mode.
type NodeDomainAllow struct {
	ID        ID
	Domain    string
	CreatedAt time.Time
	// SubscriptionID is the shared list of allowed domains the allow came
	// from (0: made by hand); a trusted list withdraws only its own allows.
	SubscriptionID ID
}

const domainAllowColumns = `id, domain, created_at, coalesce(subscription_id, 0)`

const domainBlockColumns = `id, domain, severity, reject_media, reject_reports, public_comment, private_comment,
obfuscate, created_at, coalesce(created_by, 0), coalesce(subscription_id, 0)`

func scanNodeDomainBlock(r scanner) (NodeDomainBlock, error) {
	var b NodeDomainBlock
	var created int64
	err := r.Scan(&b.ID, &b.Domain, &b.Severity, &b.RejectMedia, &b.RejectReports, &b.PublicComment,
		&b.PrivateComment, &b.Obfuscate, &created, &b.CreatedBy, &b.SubscriptionID)
	b.CreatedAt = fromMillis(created)
	return b, err
}

func scanNodeDomainAllow(r scanner) (NodeDomainAllow, error) {
	var a NodeDomainAllow
	var created int64
	err := r.Scan(&a.ID, &a.Domain, &created, &a.SubscriptionID)
	a.CreatedAt = fromMillis(created)
	return a, err
}

// NodeDomainBlocks lists every domain block, by domain.
func (q queries) NodeDomainBlocks(ctx context.Context) ([]NodeDomainBlock, error) {
	out, err := queryAll(ctx, q.q, scanNodeDomainBlock, `SELECT `+domainBlockColumns+` FROM domain_blocks ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("domain blocks: %w", err)
	}
	return out, nil
}

// NodeDomainBlockByID returns one block, or ErrNotFound.
func (q queries) NodeDomainBlockByID(ctx context.Context, id ID) (NodeDomainBlock, error) {
	b, err := scanNodeDomainBlock(q.q.QueryRowContext(ctx, `SELECT `+domainBlockColumns+` FROM domain_blocks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return NodeDomainBlock{}, ErrNotFound
	}
	if err != nil {
		return NodeDomainBlock{}, fmt.Errorf("domain block %d: %w", id, err)
	}
	return b, nil
}

// NodeDomainAllows lists every allowed domain, by domain.
func (q queries) NodeDomainAllows(ctx context.Context) ([]NodeDomainAllow, error) {
	out, err := queryAll(ctx, q.q, scanNodeDomainAllow, `SELECT `+domainAllowColumns+` FROM domain_allows ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("domain allows: %w", err)
	}
	return out, nil
}

// NodeDomainAllowByID returns one allow, or ErrNotFound.
func (q queries) NodeDomainAllowByID(ctx context.Context, id ID) (NodeDomainAllow, error) {
	a, err := scanNodeDomainAllow(q.q.QueryRowContext(ctx, `SELECT `+domainAllowColumns+` FROM domain_allows WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return NodeDomainAllow{}, ErrNotFound
	}
	if err != nil {
		return NodeDomainAllow{}, fmt.Errorf("domain allow %d: %w", id, err)
	}
	return a, nil
}

// FederationMode is the node's federation mode: FederationOpen unless
// set otherwise.
func (q queries) FederationMode(ctx context.Context) (string, error) {
	m, err := q.NodeSetting(ctx, SettingFederationMode)
	if errors.Is(err, ErrNotFound) {
		return FederationOpen, nil
	}
	return m, err
}

// InsertNodeDomainBlock stores b, setting its ID and creation time;
// ErrDuplicate when its domain is already blocked.
func (tx *Tx) InsertNodeDomainBlock(ctx context.Context, b *NodeDomainBlock) error {
	b.ID, b.CreatedAt = tx.NewID(), tx.now
	return tx.insertListed(ctx, "block "+b.Domain, `INSERT INTO domain_blocks (id, domain, severity, reject_media, reject_reports,
public_comment, private_comment, obfuscate, created_at, created_by, subscription_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		b.ID, b.Domain, b.Severity, boolInt(b.RejectMedia), boolInt(b.RejectReports), b.PublicComment,
		b.PrivateComment, boolInt(b.Obfuscate), millis(b.CreatedAt), nullID(b.CreatedBy), nullID(b.SubscriptionID))
}

// UpdateNodeDomainBlock changes everything of block b.ID but its domain and
// creation (its list included: 0 makes it the admins' own);
// ErrNotFound when there is no such block.
func (tx *Tx) UpdateNodeDomainBlock(ctx context.Context, b NodeDomainBlock) error {
	return tx.execListed(ctx, "update domain block", `UPDATE domain_blocks SET severity = ?, reject_media = ?,
reject_reports = ?, public_comment = ?, private_comment = ?, obfuscate = ?, subscription_id = ? WHERE id = ?`,
		b.Severity, boolInt(b.RejectMedia), boolInt(b.RejectReports), b.PublicComment, b.PrivateComment,
		boolInt(b.Obfuscate), nullID(b.SubscriptionID), b.ID)
}

// DeleteNodeDomainBlock removes a block; ErrNotFound when there is none.
func (tx *Tx) DeleteNodeDomainBlock(ctx context.Context, id ID) error {
	return tx.execListed(ctx, "delete domain block", `DELETE FROM domain_blocks WHERE id = ?`, id)
}

// InsertNodeDomainAllow stores a, setting its ID and creation time;
// ErrDuplicate when the domain is already allowed.
func (tx *Tx) InsertNodeDomainAllow(ctx context.Context, a *NodeDomainAllow) error {
	a.ID, a.CreatedAt = tx.NewID(), tx.now
	return tx.insertListed(ctx, "allow "+a.Domain, `INSERT INTO domain_allows (id, domain, created_at, subscription_id) VALUES (?,?,?,?)`,
		a.ID, a.Domain, millis(a.CreatedAt), nullID(a.SubscriptionID))
}

// DeleteNodeDomainAllow removes an allow; ErrNotFound when there is none.
func (tx *Tx) DeleteNodeDomainAllow(ctx context.Context, id ID) error {
	return tx.execListed(ctx, "delete domain allow", `DELETE FROM domain_allows WHERE id = ?`, id)
}

// RemoteDomains lists the distinct domains of remote accounts and of
// queued deliveries, for a purge to match against a block.
func (q queries) RemoteDomains(ctx context.Context) ([]string, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT domain FROM accounts WHERE domain <> '' UNION SELECT host FROM deliveries`)
	if err != nil {
		return nil, fmt.Errorf("remote domains: %w", err)
	}
	return out, nil
}

// DeleteDeliveriesToHost drops every queued delivery to host (exactly
// that host, port included) and says how many.
func (tx *Tx) DeleteDeliveriesToHost(ctx context.Context, host string) (int64, error) {
	res, err := tx.exec(ctx, "drop deliveries to "+host, `DELETE FROM deliveries WHERE host = ?`, host)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteRemoteAccounts removes up to limit accounts of domain (exactly
// that domain; never a local account) and, by cascade, their statuses,
// follows, media and activities. It says how many went, so a purge can
// run in batches until none is left.
func (tx *Tx) DeleteRemoteAccounts(ctx context.Context, domain string, limit int) (int, error) {
	if domain == "" {
		return 0, fmt.Errorf("delete remote accounts: no domain")
	}
	ids, err := queryAll(ctx, tx.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, `SELECT id FROM accounts WHERE domain = ? LIMIT ?`, domain, limit)
	if err != nil {
		return 0, fmt.Errorf("accounts of %s: %w", domain, err)
	}
	for _, id := range ids {
		if err := tx.DeleteAccount(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// NodeDomainBlockNamed returns the block of exactly domain (normalised as
// stored), or ErrNotFound.
func (q queries) NodeDomainBlockNamed(ctx context.Context, domain string) (NodeDomainBlock, error) {
	b, err := scanNodeDomainBlock(q.q.QueryRowContext(ctx, `SELECT `+domainBlockColumns+` FROM domain_blocks WHERE domain = ?`, domain))
	if errors.Is(err, sql.ErrNoRows) {
		return NodeDomainBlock{}, ErrNotFound
	}
	if err != nil {
		return NodeDomainBlock{}, fmt.Errorf("domain block of %s: %w", domain, err)
	}
	return b, nil
}

// NodeDomainAllowNamed returns the allow of exactly domain, or ErrNotFound.
func (q queries) NodeDomainAllowNamed(ctx context.Context, domain string) (NodeDomainAllow, error) {
	a, err := scanNodeDomainAllow(q.q.QueryRowContext(ctx, `SELECT `+domainAllowColumns+` FROM domain_allows WHERE domain = ?`, domain))
	if errors.Is(err, sql.ErrNoRows) {
		return NodeDomainAllow{}, ErrNotFound
	}
	if err != nil {
		return NodeDomainAllow{}, fmt.Errorf("domain allow of %s: %w", domain, err)
	}
	return a, nil
}

// NodeDomainBlocksOf lists the blocks that came from subscription sub.
func (q queries) NodeDomainBlocksOf(ctx context.Context, sub ID) ([]NodeDomainBlock, error) {
	out, err := queryAll(ctx, q.q, scanNodeDomainBlock, `SELECT `+domainBlockColumns+` FROM domain_blocks WHERE subscription_id = ?`, sub)
	if err != nil {
		return nil, fmt.Errorf("domain blocks of subscription %d: %w", sub, err)
	}
	return out, nil
}

// NodeDomainAllowsOf lists the allows that came from subscription sub.
func (q queries) NodeDomainAllowsOf(ctx context.Context, sub ID) ([]NodeDomainAllow, error) {
	out, err := queryAll(ctx, q.q, scanNodeDomainAllow, `SELECT `+domainAllowColumns+` FROM domain_allows WHERE subscription_id = ?`, sub)
	if err != nil {
		return nil, fmt.Errorf("domain allows of subscription %d: %w", sub, err)
	}
	return out, nil
}

// NodeDomainBlockPage lists blocks newest first, paged by ID as the
// client API pages (max_id, since_id; min_id gives the oldest just after
// it, still newest first), so an admin list costs one page however many
// blocks there are.
func (q queries) NodeDomainBlockPage(ctx context.Context, p Page) ([]NodeDomainBlock, error) {
	out, err := listedPage(ctx, q.q, scanNodeDomainBlock, `SELECT `+domainBlockColumns+` FROM domain_blocks`, p, policyPageLimit(p))
	if err != nil {
		return nil, fmt.Errorf("domain blocks page: %w", err)
	}
	return out, nil
}

// NodeDomainAllowPage lists allows newest first, paged as
// NodeDomainBlockPage.
func (q queries) NodeDomainAllowPage(ctx context.Context, p Page) ([]NodeDomainAllow, error) {
	out, err := listedPage(ctx, q.q, scanNodeDomainAllow, `SELECT `+domainAllowColumns+` FROM domain_allows`, p, policyPageLimit(p))
	if err != nil {
		return nil, fmt.Errorf("domain allows page: %w", err)
	}
	return out, nil
}

// policyPageLimit is p's limit for the admin policy lists, which page up
// to 200 (Mastodon's bound there) rather than the timelines' 80.
func policyPageLimit(p Page) int {
	if p.Limit <= 0 {
		return 100
	}
	return min(p.Limit, 200)
}

// The helpers of the node's policy lists, each a row per domain: domain
// blocks, domain allows, email domain blocks.

// insertListed runs insert, the INSERT of a row of a policy list: a
// domain listed already is ErrDuplicate; errors are wrapped with what.
func (tx *Tx) insertListed(ctx context.Context, what, insert string, args ...any) error {
	_, err := tx.tx.ExecContext(ctx, insert, args...)
	if isUnique(err) {
		return fmt.Errorf("%s: %w", what, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// execListed runs query, an UPDATE or DELETE of one row of a policy list
// by its id: ErrNotFound when there is no such row.
func (tx *Tx) execListed(ctx context.Context, what, query string, args ...any) error {
	res, err := tx.exec(ctx, what, query, args...)
	if err != nil {
		return err
	}
	return mustAffect(res, what)
}

// listedPage reads page p of a policy list by id, newest first (a min_id
// page too: the oldest rows after it, read in ascending order, are turned
// round), from selectFrom, a SELECT of the list's columns FROM its table.
func listedPage[T any](ctx context.Context, q querier, scan func(scanner) (T, error), selectFrom string, p Page, limit int) ([]T, error) {
	cond, args, order := p.where("id")
	out, err := queryAll(ctx, q, scan, selectFrom+` WHERE `+cond+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}
