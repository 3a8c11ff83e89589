package federation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/copse-dev/copse/storage"
)

// CodeLifetime bounds how long an authorization code waits to be redeemed.
const CodeLifetime = 10 * time.Minute

// GrantError is an OAuth grant the engine refused (RFC 6749 section
// 5.2): Code is the error code ("invalid_grant", "invalid_scope",
// "invalid_request"), Desc is safe to show the client.
type GrantError struct{ Code, Desc string }

func (e *GrantError) Error() string { return "federation: " + e.Code + ": " + e.Desc }

func grantError(desc string) *GrantError { return &GrantError{"invalid_grant", desc} }

// NewApp is a client application to register, its fields already
// checked by the client API.
type NewApp struct {
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       []string
}

// RegisterApp registers a client application and returns it with its
// client secret, which is stored only hashed and so shown only now.
func (e *Engine) RegisterApp(ctx context.Context, n NewApp) (storage.App, string, error) {
	secret := rand.Text()
	app := storage.App{Name: n.Name, Website: n.Website, RedirectURIs: n.RedirectURIs, Scopes: n.Scopes,
		ClientID: rand.Text(), ClientSecretHash: storage.HashSecret(secret)}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertApp(ctx, &app) }); err != nil {
		return storage.App{}, "", fmt.Errorf("register app: %w", err)
	}
	return app, secret, nil
}

// CodeGrant is a member's consent to an app's authorization request.
type CodeGrant struct {
	AppID       storage.ID
	AccountID   storage.ID
	RedirectURI string
	Scopes      []string
	// Challenge and Method are the PKCE code challenge, if the app sent
	// one; Method is then "S256".
	Challenge string
	Method    string
}

// IssueCode stores an authorization code for g, good once for
// CodeLifetime, and returns it.
func (e *Engine) IssueCode(ctx context.Context, g CodeGrant) (string, error) {
	code := rand.Text()
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		return tx.InsertAuthCode(ctx, storage.AuthCode{CodeHash: storage.HashSecret(code), AppID: g.AppID,
			AccountID: g.AccountID, RedirectURI: g.RedirectURI, Scopes: g.Scopes, CodeChallenge: g.Challenge,
			ChallengeMethod: g.Method, ExpiresAt: tx.Now().Add(CodeLifetime)})
	})
	if err != nil {
		return "", fmt.Errorf("issue code: %w", err)
	}
	return code, nil
}

// IssuedToken is a token just issued: the secrets are only known now.
type IssuedToken struct {
	ID        storage.ID
	Access    string
	Refresh   string // "" when none was issued
	Scopes    []string
	CreatedAt time.Time
}

// CodeRedemption is an authorization code presented at the token
// endpoint, with what must match the authorization request.
type CodeRedemption struct {
	Code string
	// RedirectURIs are the redirect_uri values given, nil if none was:
	// without one, the app must have registered a single URI.
	RedirectURIs []string
	Verifier     string // the PKCE code verifier, if any
}

// RedeemCode exchanges an authorization code for a member's token with a
// refresh token. The code is spent by the first attempt, right or wrong,
// so a stolen code cannot be retried with guessed verifiers. A refusal is
// a *GrantError.
func (e *Engine) RedeemCode(ctx context.Context, app storage.App, r CodeRedemption) (IssuedToken, error) {
	if r.Code == "" {
		return IssuedToken{}, &GrantError{"invalid_request", "The code parameter is missing."}
	}
	var out IssuedToken
	var refused *GrantError
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		c, err := tx.TakeAuthCode(ctx, storage.HashSecret(r.Code))
		if errors.Is(err, storage.ErrNotFound) {
			refused = grantError("The authorization code is invalid, expired, revoked or was already used.")
			return nil
		}
		if err != nil {
			return err
		}
		if refused = checkCode(c, app, r); refused != nil {
			return nil // commit: the code stays spent
		}
		out, err = issueToken(ctx, tx, app.ID, c.AccountID, c.Scopes, true)
		return err
	})
	if err != nil {
		return IssuedToken{}, fmt.Errorf("redeem code: %w", err)
	}
	if refused != nil {
		return IssuedToken{}, refused
	}
	return out, nil
}

func checkCode(c storage.AuthCode, app storage.App, r CodeRedemption) *GrantError {
	if c.AppID != app.ID {
		return grantError("The authorization code was issued to another client.")
	}
	switch {
	case r.RedirectURIs != nil && (len(r.RedirectURIs) != 1 || r.RedirectURIs[0] != c.RedirectURI):
		return grantError("The redirect URI does not match the one used in the authorization request.")
	case r.RedirectURIs == nil && !slices.Equal(app.RedirectURIs, []string{c.RedirectURI}):
		return &GrantError{"invalid_request", "The redirect_uri parameter is missing."}
	}
	switch {
	case c.CodeChallenge == "" && r.Verifier != "":
		return grantError("The code verifier was given, but the authorization request had no code challenge.")
	case c.CodeChallenge != "" && !pkceMatches(r.Verifier, c.CodeChallenge):
		return grantError("The code verifier does not match the code challenge.")
	}
	return nil
}

// pkceMatches checks an S256 code verifier against its challenge (RFC
// 7636 section 4.6).
func pkceMatches(verifier, challenge string) bool {
	if !ValidPKCE(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// ValidPKCE reports whether s has the shape of a PKCE code verifier or
// S256 challenge: 43 to 128 unreserved characters.
func ValidPKCE(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

// IssueToken issues a token to app acting for account, or for the app
// alone when account is 0 (client_credentials), with a refresh token if
// withRefresh. The scopes were checked against the app's.
func (e *Engine) IssueToken(ctx context.Context, app, account storage.ID, scopes []string, withRefresh bool) (IssuedToken, error) {
	var out IssuedToken
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		out, err = issueToken(ctx, tx, app, account, scopes, withRefresh)
		return err
	})
	if err != nil {
		return IssuedToken{}, fmt.Errorf("issue token: %w", err)
	}
	return out, nil
}

func issueToken(ctx context.Context, tx *storage.Tx, app, account storage.ID, scopes []string, withRefresh bool) (IssuedToken, error) {
	out := IssuedToken{Access: rand.Text(), Scopes: scopes}
	t := storage.Token{AccessHash: storage.HashSecret(out.Access), AppID: app, AccountID: account, Scopes: scopes}
	if withRefresh {
		out.Refresh = rand.Text()
		t.RefreshHash = storage.HashSecret(out.Refresh)
	}
	if err := tx.InsertToken(ctx, &t); err != nil {
		return IssuedToken{}, err
	}
	out.ID, out.CreatedAt = t.ID, t.CreatedAt
	return out, nil
}

// Refresh exchanges a refresh token of app for a new pair and revokes the
// old one, so a leaked refresh token works at most once. scopes, if any,
// narrow the grant; they may not widen it. A refusal is a *GrantError.
func (e *Engine) Refresh(ctx context.Context, app storage.App, refresh string, scopes []string) (IssuedToken, error) {
	if refresh == "" {
		return IssuedToken{}, &GrantError{"invalid_request", "The refresh_token parameter is missing."}
	}
	var out IssuedToken
	var refused *GrantError
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		old, err := tx.TokenByRefresh(ctx, storage.HashSecret(refresh))
		if errors.Is(err, storage.ErrNotFound) || err == nil && old.AppID != app.ID {
			refused = grantError("The refresh token is invalid, revoked or was issued to another client.")
			return nil
		}
		if err != nil {
			return err
		}
		granted := old.Scopes
		if len(scopes) > 0 {
			for _, sc := range scopes {
				if !slices.Contains(old.Scopes, sc) {
					refused = &GrantError{"invalid_scope", "The requested scope is invalid, unknown, or malformed."}
					return nil
				}
			}
			granted = scopes
		}
		if out, err = issueToken(ctx, tx, app.ID, old.AccountID, granted, true); err != nil {
			return err
		}
		// The app's push subscription follows it to the new token, unless
		// the new grant no longer allows push ("push" has no narrower
		// scope, so only itself covers it).
		if slices.Contains(granted, "push") {
			if err := tx.MovePushSubscription(ctx, old.ID, out.ID, out.Access); err != nil {
				return err
			}
		}
		return tx.RevokeToken(ctx, old.ID)
	})
	if err != nil {
		return IssuedToken{}, fmt.Errorf("refresh token: %w", err)
	}
	if refused != nil {
		return IssuedToken{}, refused
	}
	return out, nil
}

// Revoke revokes an access or refresh token of app. A token that does
// not exist, or is another client's, is left alone without error (RFC
// 7009 section 2.2: the answer must not tell).
func (e *Engine) Revoke(ctx context.Context, app storage.App, token string) error {
	hash := storage.HashSecret(token)
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		t, err := tx.TokenByAccess(ctx, hash)
		if errors.Is(err, storage.ErrNotFound) {
			t, err = tx.TokenByRefresh(ctx, hash)
		}
		if errors.Is(err, storage.ErrNotFound) || err == nil && t.AppID != app.ID {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.RevokeToken(ctx, t.ID)
	})
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// TouchToken records that t was used, at most once per
// storage.TokenUseResolution: an app-only token in use does not expire,
// and a member's shows when it was last used, at the cost of a write an
// hour rather than one a request.
func (e *Engine) TouchToken(ctx context.Context, t storage.Token) error {
	if e.now().Sub(t.LastUsedAt) < storage.TokenUseResolution {
		return nil
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.TouchToken(ctx, t.ID) }); err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}

// AuthorizedApps lists the apps holding live tokens of a member, for the
// page where they see and revoke them.
func (e *Engine) AuthorizedApps(ctx context.Context, account storage.ID) ([]storage.AuthorizedApp, error) {
	return e.store.AuthorizedApps(ctx, account)
}

// RevokeApp revokes every token of account held by app: the app no
// longer acts for the member (its push subscriptions go with the
// tokens). storage.ErrNotFound if the app held none.
func (e *Engine) RevokeApp(ctx context.Context, account, app storage.ID) error {
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		n, err := tx.RevokeAppTokens(ctx, account, app)
		if err == nil && n == 0 {
			err = storage.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke app: %w", err)
	}
	return nil
}
