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

// Account is a local member or community, the instance actor, or a remote
// actor known to the node.
type Account struct {
	ID            ID
	URI           string
	Username      string
	Domain        string // "" for local accounts
	ActorType     string
	DisplayName   string
	Note          string // HTML
	URL           string
	Inbox         string
	Outbox        string
	SharedInbox   string
	Followers     string
	Following     string
	Featured      string
	PublicKeyID   string
	PublicKeyPEM  string
	PrivateKeyPEM string // local accounts only; never leaves the node
	// Ed25519KeyID and Ed25519Public (publicKeyMultibase) are the
	// actor's Ed25519 key, "" for none; Ed25519PrivatePEM is a local
	// account's (PKCS#8), never leaving the node.
	Ed25519KeyID      string
	Ed25519Public     string
	Ed25519PrivatePEM string
	Locked            bool // approves followers manually
	Discoverable      bool
	Bot               bool
	AvatarURL         string
	HeaderURL         string
	Fields            []activitypub.Field
	Organisation      string
	Department        string
	JobTitle          string // job title, shown as a profile field
	CreatedAt         time.Time
	UpdatedAt         time.Time
	FetchedAt         time.Time
	SuspendedAt       time.Time
	// ActorUpdatedAt is, for a remote actor, the `updated` of the latest
	// document stored of it (zero: none carried one).
	ActorUpdatedAt time.Time
	// Emojis are the custom emojis a remote profile's name, note and
	// fields use.
	Emojis []activitypub.Emoji
	// MovedTo is the actor id this account moved to ("": it has not).
	MovedTo string
	// AlsoKnownAs are the actor ids this account says it also is (a
	// community imported here names the one it was imported from).
	AlsoKnownAs []string

	// keysOmitted marks an account read without its keys
	// (AccountByURIWithoutKeys): UpdateAccount refuses it, since writing
	// it back would erase them.
	keysOmitted bool
}

// Local reports whether the account lives on this node.
func (a Account) Local() bool { return a.Domain == "" }

// Acct is "user" for local accounts and "user@domain" for remote ones.
func (a Account) Acct() string {
	if a.Local() {
		return a.Username
	}
	return a.Username + "@" + a.Domain
}

// DeliveryInbox is the inbox a delivery to this account goes to: its
// shared inbox when it has one.
func (a Account) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

const accountColumns = `id, uri, username, domain, actor_type, display_name, note, url,
inbox, outbox, shared_inbox, followers_url, following_url, featured_url,
public_key_id, public_key_pem, private_key_pem, locked, discoverable, bot,
avatar_url, header_url, fields, organisation, department, role_title,
created_at, updated_at, fetched_at, suspended_at, actor_updated_at, emojis, moved_to, also_known_as,
ed25519_key_id, ed25519_public, ed25519_private`

type scanner interface{ Scan(...any) error }

// scanAccount scans accountColumns, then any extra columns into extra.
func scanAccount(row scanner, extra ...any) (Account, error) {
	var a Account
	var fields, emojis, aka string
	var created, updated, fetched, suspended, actorUpdated int64
	dest := []any{&a.ID, &a.URI, &a.Username, &a.Domain, &a.ActorType, &a.DisplayName, &a.Note, &a.URL,
		&a.Inbox, &a.Outbox, &a.SharedInbox, &a.Followers, &a.Following, &a.Featured,
		&a.PublicKeyID, &a.PublicKeyPEM, &a.PrivateKeyPEM, &a.Locked, &a.Discoverable, &a.Bot,
		&a.AvatarURL, &a.HeaderURL, &fields, &a.Organisation, &a.Department, &a.JobTitle,
		&created, &updated, &fetched, &suspended, &actorUpdated, &emojis, &a.MovedTo, &aka,
		&a.Ed25519KeyID, &a.Ed25519Public, &a.Ed25519PrivatePEM}
	err := row.Scan(append(dest, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	if err != nil {
		return Account{}, err
	}
	if err := json.Unmarshal([]byte(fields), &a.Fields); err != nil {
		return Account{}, fmt.Errorf("account %d fields: %w", a.ID, err)
	}
	a.CreatedAt, a.UpdatedAt = fromMillis(created), fromMillis(updated)
	a.FetchedAt, a.SuspendedAt = fromMillis(fetched), fromMillis(suspended)
	a.ActorUpdatedAt = fromMillis(actorUpdated)
	if a.Emojis, err = decodeEmojis(emojis); err != nil {
		return Account{}, fmt.Errorf("account %d: %w", a.ID, err)
	}
	if a.AlsoKnownAs, err = decodeAlsoKnownAs(aka); err != nil {
		return Account{}, fmt.Errorf("account %d: %w", a.ID, err)
	}
	return a, nil
}

func (q queries) accountWhere(ctx context.Context, where string, args ...any) (Account, error) {
	a, err := scanAccount(q.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where, args...))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Account{}, fmt.Errorf("account: %w", err)
	}
	return a, err
}

// AccountByID returns the account with that ID, or ErrNotFound.
func (q queries) AccountByID(ctx context.Context, id ID) (Account, error) {
	return q.accountWhere(ctx, `id = ?`, id)
}

// AccountByURI returns the account whose actor IRI is uri, or ErrNotFound.
func (q queries) AccountByURI(ctx context.Context, uri string) (Account, error) {
	return q.accountWhere(ctx, `uri = ?`, uri)
}

// AccountByURIWithoutKeys is AccountByURI without the account's keys
// (PublicKeyPEM and PrivateKeyPEM are empty), for a path that acts on an
// account it neither verifies nor signs with, such as the actor of an
// activity whose signature was checked already, or the members it
// mentions. A local account's private key is most of its row. The account
// cannot be passed to UpdateAccount.
func (q queries) AccountByURIWithoutKeys(ctx context.Context, uri string) (Account, error) {
	return q.accountWithoutKeysWhere(ctx, `uri = ?`, uri)
}

// AccountByIDWithoutKeys is AccountByID without the keys, as
// AccountByURIWithoutKeys.
func (q queries) AccountByIDWithoutKeys(ctx context.Context, id ID) (Account, error) {
	return q.accountWithoutKeysWhere(ctx, `id = ?`, id)
}

// AccountByUsernameWithoutKeys is AccountByUsername without the keys, as
// AccountByURIWithoutKeys.
func (q queries) AccountByUsernameWithoutKeys(ctx context.Context, username string) (Account, error) {
	return q.accountWithoutKeysWhere(ctx, `lower(username) = lower(?) AND domain = ''`, username)
}

func (q queries) accountWithoutKeysWhere(ctx context.Context, where string, args ...any) (Account, error) {
	a, err := scanAccount(q.q.QueryRowContext(ctx, `SELECT `+accountShownColumns+` FROM accounts WHERE `+where, args...))
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			err = fmt.Errorf("account: %w", err)
		}
		return Account{}, err
	}
	a.keysOmitted = true
	return a, nil
}

// AccountByKeyID returns the account that owns the public key keyID,
// its RSA key or its Ed25519 one.
func (q queries) AccountByKeyID(ctx context.Context, keyID string) (Account, error) {
	a, err := q.accountWhere(ctx, `public_key_id = ? AND public_key_id <> ''`, keyID)
	if errors.Is(err, ErrNotFound) {
		a, err = q.accountWhere(ctx, `ed25519_key_id = ? AND ed25519_key_id <> ''`, keyID)
	}
	return a, err
}

// LocalAccountsWithoutEd25519 returns the IDs and usernames of the local
// accounts that have no Ed25519 key yet (made before migration 0051).
func (q queries) LocalAccountsWithoutEd25519(ctx context.Context) ([]Account, error) {
	return queryAll(ctx, q.q, func(rows scanner) (Account, error) {
		var a Account
		err := rows.Scan(&a.ID, &a.Username, &a.URI)
		return a, err
	}, `SELECT id, username, uri FROM accounts WHERE domain = '' AND ed25519_key_id = ''`)
}

// SetEd25519Key gives the local account id its Ed25519 key.
func (tx *Tx) SetEd25519Key(ctx context.Context, id ID, keyID, public, privatePEM string) error {
	tx.holdAccount(id)
	res, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET ed25519_key_id = ?, ed25519_public = ?, ed25519_private = ?
WHERE id = ? AND domain = ''`, keyID, public, privatePEM, id)
	if err != nil {
		return fmt.Errorf("set Ed25519 key of %d: %w", id, err)
	}
	return mustAffect(res, "set Ed25519 key")
}

// AccountByUsername returns a local account by username, ignoring case.
func (q queries) AccountByUsername(ctx context.Context, username string) (Account, error) {
	return q.AccountByAcct(ctx, username, "")
}

// AccountByAcct returns the account user@domain (domain "" for local).
func (q queries) AccountByAcct(ctx context.Context, username, domain string) (Account, error) {
	return q.accountWhere(ctx, `lower(username) = lower(?) AND domain = ?`, username, strings.ToLower(domain))
}

const qLocalAccounts = `SELECT ` + accountColumns + ` FROM accounts
WHERE domain = '' AND actor_type <> 'Application' ORDER BY id`

// LocalAccounts lists the node's members and communities (not the
// instance actor), oldest first.
func (q queries) LocalAccounts(ctx context.Context) ([]Account, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (Account, error) { return scanAccount(r) }, qLocalAccounts)
	if err != nil {
		return nil, fmt.Errorf("local accounts: %w", err)
	}
	return out, nil
}

const qInsertAccount = `INSERT INTO accounts (` + accountColumns + `)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// InsertAccount stores a new account, giving it an ID and timestamps when
// unset. It returns ErrDuplicate when the URI or user@domain is taken.
func (tx *Tx) InsertAccount(ctx context.Context, a *Account) error {
	if a.ID == 0 {
		a.ID = tx.NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = tx.now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = tx.now
	}
	if a.ActorType == "" {
		a.ActorType = activitypub.TypePerson
	}
	a.Domain = strings.ToLower(a.Domain)
	fields, err := json.Marshal(nonNil(a.Fields))
	if err != nil {
		return fmt.Errorf("insert account: %w", err)
	}
	tx.holdAccount(a.ID)
	_, err = tx.tx.ExecContext(ctx, qInsertAccount, a.ID, a.URI, a.Username, a.Domain, a.ActorType, a.DisplayName, a.Note, a.URL,
		a.Inbox, a.Outbox, a.SharedInbox, a.Followers, a.Following, a.Featured,
		a.PublicKeyID, a.PublicKeyPEM, a.PrivateKeyPEM, a.Locked, a.Discoverable, a.Bot,
		a.AvatarURL, a.HeaderURL, string(fields), a.Organisation, a.Department, a.JobTitle,
		millis(a.CreatedAt), millis(a.UpdatedAt), millis(a.FetchedAt), millis(a.SuspendedAt), millis(a.ActorUpdatedAt),
		encodeEmojis(a.Emojis), a.MovedTo, encodeAlsoKnownAs(a.AlsoKnownAs), a.Ed25519KeyID, a.Ed25519Public, a.Ed25519PrivatePEM)
	if isUnique(err) {
		return fmt.Errorf("insert account %s: %w", a.URI, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert account %s: %w", a.URI, err)
	}
	return nil
}

const qUpdateAccount = `UPDATE accounts SET username = ?, actor_type = ?, display_name = ?, note = ?, url = ?,
inbox = ?, outbox = ?, shared_inbox = ?, followers_url = ?, following_url = ?, featured_url = ?,
public_key_id = ?, public_key_pem = ?, private_key_pem = ?, locked = ?, discoverable = ?, bot = ?,
avatar_url = ?, header_url = ?, fields = ?, organisation = ?, department = ?, role_title = ?,
updated_at = ?, fetched_at = ?, suspended_at = ?, actor_updated_at = ?, emojis = ?, moved_to = ?, also_known_as = ?,
ed25519_key_id = ?, ed25519_public = ?, ed25519_private = ? WHERE id = ?`

// UpdateAccount overwrites every mutable column of the account a.ID.
func (tx *Tx) UpdateAccount(ctx context.Context, a *Account) error {
	if a.keysOmitted {
		return fmt.Errorf("update account %d: read without its keys, writing it would erase them", a.ID)
	}
	a.UpdatedAt = tx.now
	fields, err := json.Marshal(nonNil(a.Fields))
	if err != nil {
		return fmt.Errorf("update account: %w", err)
	}
	tx.holdAccount(a.ID)
	res, err := tx.tx.ExecContext(ctx, qUpdateAccount, a.Username, a.ActorType, a.DisplayName, a.Note, a.URL,
		a.Inbox, a.Outbox, a.SharedInbox, a.Followers, a.Following, a.Featured,
		a.PublicKeyID, a.PublicKeyPEM, a.PrivateKeyPEM, a.Locked, a.Discoverable, a.Bot,
		a.AvatarURL, a.HeaderURL, string(fields), a.Organisation, a.Department, a.JobTitle,
		millis(a.UpdatedAt), millis(a.FetchedAt), millis(a.SuspendedAt), millis(a.ActorUpdatedAt), encodeEmojis(a.Emojis),
		a.MovedTo, encodeAlsoKnownAs(a.AlsoKnownAs), a.Ed25519KeyID, a.Ed25519Public, a.Ed25519PrivatePEM, a.ID)
	if err != nil {
		return fmt.Errorf("update account %d: %w", a.ID, err)
	}
	return mustAffect(res, "update account")
}

// DeleteAccount removes an account and, by cascade, everything it made.
func (tx *Tx) DeleteAccount(ctx context.Context, id ID) error {
	tx.holdAccount(id)
	tx.holdCommunities() // a Group's row goes, a creator's communities lose created_by
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete account %d: %w", id, err)
	}
	tx.AfterCommit(func() { tx.store.termNames.drop(id) }) // a community's terms go with it
	return mustAffect(res, "delete account")
}

func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// encodeEmojis is the emojis column: a JSON array, or ” for none.
func encodeEmojis(es []activitypub.Emoji) string {
	if len(es) == 0 {
		return ""
	}
	b, _ := json.Marshal(es) // strings only: cannot fail
	return string(b)
}

func decodeEmojis(s string) ([]activitypub.Emoji, error) {
	if s == "" {
		return nil, nil
	}
	var es []activitypub.Emoji
	if err := json.Unmarshal([]byte(s), &es); err != nil {
		return nil, fmt.Errorf("emojis: %w", err)
	}
	return es, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Permissions a user may have on the node (what they may do here, not
// their job: that is Account.JobTitle).
const (
	PermissionMember    = "member"
	PermissionModerator = "moderator"
	PermissionAdmin     = "admin"
)

// ValidPermission reports whether r is one of the node permissions.
func ValidPermission(r string) bool {
	return r == PermissionMember || r == PermissionModerator || r == PermissionAdmin
}

// User is a person's sign-in to a local account.
type User struct {
	AccountID    ID
	Email        string
	PasswordHash string
	Permission   string
	CreatedAt    time.Time
	// ConfirmedAt is when the member confirmed their email address, and
	// ApprovedAt when an admin (or the node's rules) let them in; a member
	// may sign in only once both are set. Reason is what a person who
	// signed up wrote for the admin; InviteID the invitation they used.
	ConfirmedAt time.Time
	ApprovedAt  time.Time
	Reason      string
	InviteID    ID
}

const userColumns = `account_id, email, password_hash, role, created_at, confirmed_at, approved_at, reason, invite_id`

func scanUser(row scanner) (User, error) {
	var u User
	var created, confirmed, approved int64
	err := row.Scan(&u.AccountID, &u.Email, &u.PasswordHash, &u.Permission, &created, &confirmed, &approved, &u.Reason, &u.InviteID)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("user: %w", err)
	}
	u.CreatedAt, u.ConfirmedAt, u.ApprovedAt = fromMillis(created), fromMillis(confirmed), fromMillis(approved)
	return u, nil
}

// UserByAccount returns the user of a local account.
func (q queries) UserByAccount(ctx context.Context, id ID) (User, error) {
	return scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE account_id = ?`, id))
}

// UsersByAccounts returns the users of those of ids that are local
// accounts with a user, in one read; the others are absent.
func (q queries) UsersByAccounts(ctx context.Context, ids []ID) (map[ID]User, error) {
	users, err := queryAll(ctx, q.q, scanUser,
		`SELECT `+userColumns+` FROM users WHERE account_id IN (SELECT value FROM json_each(?))`, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("users by accounts: %w", err)
	}
	out := make(map[ID]User, len(users))
	for _, u := range users {
		out[u.AccountID] = u
	}
	return out, nil
}

// UserByEmail returns a user by email, ignoring case.
func (q queries) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower(?)`, email))
}

// InsertUser stores a user for an existing local account; ErrDuplicate if
// the email is taken.
func (tx *Tx) InsertUser(ctx context.Context, u *User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = tx.now
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		u.AccountID, u.Email, u.PasswordHash, u.Permission, millis(u.CreatedAt),
		millis(u.ConfirmedAt), millis(u.ApprovedAt), u.Reason, u.InviteID)
	if isUnique(err) {
		return fmt.Errorf("insert user %s: %w", u.Email, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert user %s: %w", u.Email, err)
	}
	return nil
}

// SetUserRole changes a user's role.
func (tx *Tx) SetUserRole(ctx context.Context, id ID, role string) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE account_id = ?`, role, id)
	if err != nil {
		return fmt.Errorf("set role: %w", err)
	}
	return mustAffect(res, "set role")
}

// Member is a local account with its user, for listings.
type Member struct {
	Account Account
	User    User
}

// Members lists the local accounts that people sign in to, oldest first.
func (q queries) Members(ctx context.Context) ([]Member, error) {
	scan := func(r scanner) (Member, error) {
		var m Member
		var created, confirmed, approved int64
		a, err := scanAccount(r, &m.User.Email, &m.User.Permission, &created, &confirmed, &approved)
		if err != nil {
			return Member{}, err
		}
		m.Account = a
		m.User.AccountID = a.ID
		m.User.CreatedAt, m.User.ConfirmedAt, m.User.ApprovedAt = fromMillis(created), fromMillis(confirmed), fromMillis(approved)
		return m, nil
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT `+prefixed("a.", accountColumns)+`, u.email, u.role, u.created_at, u.confirmed_at, u.approved_at
FROM accounts a JOIN users u ON u.account_id = a.id ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	return out, nil
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
