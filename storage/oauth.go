package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// HashSecret is how tokens, codes and client secrets are stored: a
// SHA-256 of a high-entropy random value (no salt or stretching is needed
// for 256-bit random secrets, and a lookup by hash stays an index seek).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// App is an OAuth2 client application.
type App struct {
	ID               ID
	Name             string
	Website          string
	RedirectURIs     []string
	Scopes           []string
	ClientID         string
	ClientSecretHash string
	CreatedAt        time.Time
}

const appColumns = `id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at`

func scanApp(row scanner) (App, error) {
	var a App
	var redirects, scopes string
	var created int64
	err := row.Scan(&a.ID, &a.Name, &a.Website, &redirects, &scopes, &a.ClientID, &a.ClientSecretHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, ErrNotFound
	}
	if err != nil {
		return App{}, fmt.Errorf("app: %w", err)
	}
	a.RedirectURIs = strings.Fields(redirects)
	a.Scopes = strings.Fields(scopes)
	a.CreatedAt = fromMillis(created)
	return a, nil
}

// InsertApp registers a client application.
func (tx *Tx) InsertApp(ctx context.Context, a *App) error {
	if a.ID == 0 {
		a.ID = tx.NewID()
	}
	a.CreatedAt = tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO oauth_apps (`+appColumns+`) VALUES (?,?,?,?,?,?,?,?)`,
		a.ID, a.Name, a.Website, strings.Join(a.RedirectURIs, "\n"), strings.Join(a.Scopes, " "),
		a.ClientID, a.ClientSecretHash, millis(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert app: %w", err)
	}
	return nil
}

// AppByClientID returns the application with that client_id.
func (q queries) AppByClientID(ctx context.Context, clientID string) (App, error) {
	return scanApp(q.q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM oauth_apps WHERE client_id = ?`, clientID))
}

// AppByID returns an application by ID.
func (q queries) AppByID(ctx context.Context, id ID) (App, error) {
	return scanApp(q.q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM oauth_apps WHERE id = ?`, id))
}

// AuthCode is an authorization code waiting to be exchanged.
type AuthCode struct {
	CodeHash        string
	AppID           ID
	AccountID       ID
	RedirectURI     string
	Scopes          []string
	CodeChallenge   string
	ChallengeMethod string
	ExpiresAt       time.Time
}

// InsertAuthCode stores an authorization code.
func (tx *Tx) InsertAuthCode(ctx context.Context, c AuthCode) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes,
code_challenge, challenge_method, expires_at) VALUES (?,?,?,?,?,?,?,?)`, c.CodeHash, c.AppID, c.AccountID,
		c.RedirectURI, strings.Join(c.Scopes, " "), c.CodeChallenge, c.ChallengeMethod, millis(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert auth code: %w", err)
	}
	return nil
}

// TakeAuthCode removes and returns a code: a code works once. An expired
// code is removed and reported as ErrNotFound.
func (tx *Tx) TakeAuthCode(ctx context.Context, codeHash string) (AuthCode, error) {
	var c AuthCode
	var scopes string
	var expires int64
	err := tx.tx.QueryRowContext(ctx, `DELETE FROM oauth_codes WHERE code_hash = ? RETURNING code_hash, app_id,
account_id, redirect_uri, scopes, code_challenge, challenge_method, expires_at`, codeHash).Scan(&c.CodeHash, &c.AppID,
		&c.AccountID, &c.RedirectURI, &scopes, &c.CodeChallenge, &c.ChallengeMethod, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return AuthCode{}, ErrNotFound
	}
	if err != nil {
		return AuthCode{}, fmt.Errorf("take auth code: %w", err)
	}
	c.Scopes = strings.Fields(scopes)
	c.ExpiresAt = fromMillis(expires)
	if !c.ExpiresAt.After(tx.now) {
		return AuthCode{}, ErrNotFound
	}
	return c, nil
}

// Token is an OAuth2 access token (with its refresh token).
type Token struct {
	ID          ID
	AccessHash  string
	RefreshHash string // "" when none
	AppID       ID
	AccountID   ID // 0 for an app-only token
	Scopes      []string
	CreatedAt   time.Time
	// LastUsedAt is when the token was last seen, to within
	// TokenUseResolution; its creation until then.
	LastUsedAt time.Time
}

// AppTokenIdle is how long an app-only token (client_credentials, no
// member) lives unused. Anyone who registers an app can mint them, so
// they must not pile up: one unused for this long no longer works, and
// is deleted the next time one is issued. A member's token does not
// expire.
const AppTokenIdle = 7 * 24 * time.Hour

// TokenUseResolution is how often a token's use is recorded: once per
// this long at most, so using a token costs a write once an hour, not
// once a request.
const TokenUseResolution = time.Hour

const qInsertToken = `INSERT INTO oauth_tokens (id, access_hash, refresh_hash, app_id, account_id, scopes, created_at, last_used_at)
VALUES (?,?,?,?,?,?,?,?)`

// qDeleteIdleAppTokens keeps app-only tokens to live ones; it runs as
// each is issued, so no sweeper is needed (oauth_tokens_app_idle).
const qDeleteIdleAppTokens = `DELETE FROM oauth_tokens WHERE account_id IS NULL AND last_used_at <= ?`

// InsertToken stores a token. Issuing an app-only token deletes those
// unused for AppTokenIdle.
func (tx *Tx) InsertToken(ctx context.Context, t *Token) error {
	if t.ID == 0 {
		t.ID = tx.NewID()
	}
	t.CreatedAt, t.LastUsedAt = tx.now, tx.now
	if t.AccountID == 0 {
		if _, err := tx.tx.ExecContext(ctx, qDeleteIdleAppTokens, millis(tx.now.Add(-AppTokenIdle))); err != nil {
			return fmt.Errorf("delete idle app tokens: %w", err)
		}
	}
	var refresh any
	if t.RefreshHash != "" {
		refresh = t.RefreshHash
	}
	_, err := tx.tx.ExecContext(ctx, qInsertToken, t.ID, t.AccessHash, refresh, t.AppID, nullID(t.AccountID),
		strings.Join(t.Scopes, " "), millis(t.CreatedAt), millis(t.LastUsedAt))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

const tokenColumns = `id, access_hash, coalesce(refresh_hash, ''), app_id, coalesce(account_id, 0), scopes, created_at,
max(created_at, last_used_at)`

func scanToken(row scanner) (Token, error) {
	var t Token
	var scopes string
	var created, used int64
	err := row.Scan(&t.ID, &t.AccessHash, &t.RefreshHash, &t.AppID, &t.AccountID, &scopes, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("token: %w", err)
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt = fromMillis(created)
	t.LastUsedAt = fromMillis(used)
	return t, nil
}

// qTokenByAccess finds a live token: not revoked, and a member's or an
// app-only one used since the given time.
const qTokenByAccess = `SELECT ` + tokenColumns + ` FROM oauth_tokens
WHERE access_hash = ? AND revoked_at = 0 AND (account_id IS NOT NULL OR last_used_at > ?)`

// TokenByAccess returns the live token whose access token hashes to hash:
// not revoked and, for an app-only token, used within AppTokenIdle.
func (s *Store) TokenByAccess(ctx context.Context, hash string) (Token, error) {
	return s.queries.tokenByAccess(ctx, hash, s.Now())
}

// TokenByAccess is Store.TokenByAccess inside the transaction.
func (tx *Tx) TokenByAccess(ctx context.Context, hash string) (Token, error) {
	return tx.queries.tokenByAccess(ctx, hash, tx.now)
}

func (q queries) tokenByAccess(ctx context.Context, hash string, now time.Time) (Token, error) {
	return scanToken(q.q.QueryRowContext(ctx, qTokenByAccess, hash, millis(now.Add(-AppTokenIdle))))
}

// TokenByRefresh returns the live token whose refresh token hashes to hash.
func (q queries) TokenByRefresh(ctx context.Context, hash string) (Token, error) {
	return scanToken(q.q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM oauth_tokens
WHERE refresh_hash = ? AND revoked_at = 0`, hash))
}

const qTouchToken = `UPDATE oauth_tokens SET last_used_at = ? WHERE id = ?`

// TouchToken records that a token was used now.
func (tx *Tx) TouchToken(ctx context.Context, id ID) error {
	if _, err := tx.tx.ExecContext(ctx, qTouchToken, millis(tx.now), id); err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}

// RevokeToken revokes a token by ID.
func (tx *Tx) RevokeToken(ctx context.Context, id ID) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE id = ?`, millis(tx.now), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// AuthorizedApp is an app a member has granted access, as a page listing
// them shows it: the union of the scopes of its live tokens, and when the
// member last used one.
type AuthorizedApp struct {
	App
	Granted    []string
	LastUsedAt time.Time
}

// qAuthorizedApps lists the apps holding live tokens of a member, most
// recently used first. group_concat joins the tokens' scopes; Go removes
// the repeats.
const qAuthorizedApps = `SELECT a.id, a.name, a.website, a.redirect_uris, a.scopes, a.client_id, a.client_secret_hash,
a.created_at, group_concat(t.scopes, ' '), max(max(t.created_at, t.last_used_at))
FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
WHERE t.account_id = ? AND t.revoked_at = 0
GROUP BY a.id ORDER BY 10 DESC, a.id DESC`

// AuthorizedApps returns the apps holding live tokens of account.
func (q queries) AuthorizedApps(ctx context.Context, account ID) ([]AuthorizedApp, error) {
	out, err := queryAll(ctx, q.q, func(row scanner) (AuthorizedApp, error) {
		var a AuthorizedApp
		var redirects, scopes, granted string
		var created, used int64
		if err := row.Scan(&a.ID, &a.Name, &a.Website, &redirects, &scopes, &a.ClientID, &a.ClientSecretHash,
			&created, &granted, &used); err != nil {
			return AuthorizedApp{}, err
		}
		a.RedirectURIs = strings.Fields(redirects)
		a.Scopes = strings.Fields(scopes)
		a.CreatedAt = fromMillis(created)
		for _, s := range strings.Fields(granted) {
			if !slices.Contains(a.Granted, s) {
				a.Granted = append(a.Granted, s)
			}
		}
		a.LastUsedAt = fromMillis(used)
		return a, nil
	}, qAuthorizedApps, account)
	if err != nil {
		return nil, fmt.Errorf("authorized apps: %w", err)
	}
	return out, nil
}

const qRevokeAppTokens = `UPDATE oauth_tokens SET revoked_at = ? WHERE account_id = ? AND app_id = ? AND revoked_at = 0`

// RevokeAppTokens revokes every live token of account held by app, and
// reports how many there were.
func (tx *Tx) RevokeAppTokens(ctx context.Context, account, app ID) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, qRevokeAppTokens, millis(tx.now), account, app)
	if err != nil {
		return 0, fmt.Errorf("revoke app tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke app tokens: %w", err)
	}
	return n, nil
}
