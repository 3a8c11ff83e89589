package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// The OAuth2 mechanics are written here with the standard library rather
// than github.com/go-oauth2/oauth2/v4: its client model has one redirect
// "domain" and compares plain secrets, its token store is keyed by the
// plain token, it takes a code with a get-then-remove (two requests can
// both redeem it), it centres on expiring tokens, and its responses are
// not Mastodon's shapes. What is left (PKCE, the grant checks) is short.

// oobRedirect is the out-of-band redirect URI: the code is shown on a
// page for the member to paste into the app.
const oobRedirect = "urn:ietf:wg:oauth:2.0:oob"

// codeLifetime bounds how long an authorization code waits to be redeemed.
const codeLifetime = 10 * time.Minute

// knownScopes are Mastodon's scopes, in the order of its documentation.
var knownScopes = []string{
	"read", "write", "follow", "push", "profile",
	"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
	"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
	"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
	"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
	"write:reports", "write:statuses",
	"admin:read", "admin:write",
}

// oauthServer is the OAuth2 server: app registration, the authorization
// pages, the token and revocation endpoints.
type oauthServer struct {
	*Handler
	pages    oauthPages
	byMember *eventLimiter // failed sign-ins
	byAddr   *eventLimiter // failed sign-ins
	apps     *eventLimiter // apps registered, per address
	appToks  *eventLimiter // app-only tokens issued, per address
	secure   bool          // cookies are Secure when the node is served over https
}

// Failed sign-ins are limited per member and per client address over a
// sliding window; past the limit the form answers 429 until the window
// has passed. A member has one budget whether they give their username
// or their email. An address gets more tries than a member: a council's
// offices often share one address.
const (
	signInWindow       = 5 * time.Minute
	failuresPerMember  = 5
	failuresPerAddress = 20
	limiterKeys        = 10000
)

func (h *Handler) mountOAuth(r chi.Router) {
	o := &oauthServer{
		Handler:  h,
		pages:    mustParseOAuthPages(),
		byMember: newEventLimiter(failuresPerMember, signInWindow, limiterKeys, h.now),
		byAddr:   newEventLimiter(failuresPerAddress, signInWindow, limiterKeys, h.now),
		apps:     newEventLimiter(appsPerAddress, creationWindow, limiterKeys, h.now),
		appToks:  newEventLimiter(appTokensPerAddress, creationWindow, limiterKeys, h.now),
		secure:   strings.HasPrefix(h.urls.Base, "https://"),
	}
	r.Post("/api/v1/apps", o.createApp)
	r.Get("/api/v1/apps/verify_credentials", o.verifyApp)
	r.Get("/oauth/authorize", o.authorize)
	r.Post("/oauth/authorize", o.decide)
	r.Post("/oauth/sign_in", o.signIn)
	r.Post("/oauth/token", o.token)
	r.Post("/oauth/revoke", o.revoke)
	r.Get("/.well-known/oauth-authorization-server", o.metadata)
}

// appEntity is Mastodon's Application entity; the client secret is only
// in the answer to registration.
type appEntity struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Website               *string  `json:"website"`
	Scopes                []string `json:"scopes"`
	RedirectURI           string   `json:"redirect_uri"`
	RedirectURIs          []string `json:"redirect_uris"`
	ClientID              string   `json:"client_id,omitempty"`
	ClientSecret          string   `json:"client_secret,omitempty"`
	ClientSecretExpiresAt *int     `json:"client_secret_expires_at,omitempty"`
	VapidKey              string   `json:"vapid_key"`
}

func appEntityOf(a storage.App) appEntity {
	e := appEntity{ID: a.ID.String(), Name: a.Name, Scopes: a.Scopes, RedirectURI: strings.Join(a.RedirectURIs, "\n"),
		RedirectURIs: a.RedirectURIs}
	if a.Website != "" {
		e.Website = &a.Website
	}
	return e
}

// createApp registers a client application: POST /api/v1/apps. An
// address may register appsPerAddress per creationWindow; invalid
// registrations do not count.
func (o *oauthServer) createApp(w http.ResponseWriter, r *http.Request) {
	v, err := form(r)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	name := strings.TrimSpace(v.Get("client_name"))
	website := strings.TrimSpace(v.Get("website"))
	var redirects []string
	for _, s := range list(v, "redirect_uris") {
		redirects = append(redirects, strings.Fields(s)...)
	}
	var rawScopes []string
	for _, s := range list(v, "scopes") {
		rawScopes = append(rawScopes, parseScopes(s)...)
	}
	scopes, err := validScopes(rawScopes, []string{"read"})
	switch {
	case name == "":
		err = appInvalid("Validation failed: Application name can't be blank")
	case utf8.RuneCountInString(name) > 60:
		err = appInvalid("Validation failed: Application name is too long (maximum is 60 characters)")
	case len(redirects) == 0:
		err = appInvalid("Validation failed: Redirect URI can't be blank")
	case website != "" && !websiteURL(website):
		err = appInvalid("Validation failed: Website is invalid")
	case err != nil:
		err = appInvalid("Validation failed: " + err.Error())
	}
	for _, u := range redirects {
		if err == nil && !validRedirectURI(u) {
			err = appInvalid("Validation failed: Redirect URI must be an absolute URI.")
		}
	}
	if err != nil {
		o.fail(w, r, err)
		return
	}
	secret := rand.Text()
	app := storage.App{Name: name, Website: website, RedirectURIs: distinctStrings(redirects), Scopes: scopes,
		ClientID: rand.Text(), ClientSecretHash: storage.HashSecret(secret)}
	addr := addrKey(r)
	if !o.take(w, o.apps, addr) {
		return
	}
	if err := o.store.InTx(r.Context(), func(tx *storage.Tx) error { return tx.InsertApp(r.Context(), &app) }); err != nil {
		o.apps.giveBack(addr)
		o.fail(w, r, err)
		return
	}
	e := appEntityOf(app)
	e.ClientID, e.ClientSecret, e.ClientSecretExpiresAt = app.ClientID, secret, new(int)
	if e.VapidKey, err = o.engine.VAPIDPublicKey(r.Context()); err != nil {
		o.fail(w, r, err)
		return
	}
	o.json(w, e)
}

// verifyApp answers which app a token belongs to: GET
// /api/v1/apps/verify_credentials. Any live token will do, whatever its
// scopes, as in Mastodon.
func (o *oauthServer) verifyApp(w http.ResponseWriter, r *http.Request) {
	t := authOf(r).token
	if t.ID == 0 {
		o.fail(w, r, httperr.New(http.StatusUnauthorized, "The access token is invalid"))
		return
	}
	app, err := o.store.AppByID(r.Context(), t.AppID)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	e := appEntityOf(app)
	if e.VapidKey, err = o.engine.VAPIDPublicKey(r.Context()); err != nil {
		o.fail(w, r, err)
		return
	}
	o.json(w, e)
}

// tokenResponse is the answer of the token endpoint, as Mastodon gives it.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
	RefreshToken string `json:"refresh_token,omitempty"`

	tokenID storage.ID // the stored token's row
}

// oauthError is an error of the token and revocation endpoints (RFC 6749
// section 5.2).
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return e.code + ": " + e.desc }

func grantError(desc string) *oauthError {
	return &oauthError{http.StatusBadRequest, "invalid_grant", desc}
}

// token is the token endpoint: POST /oauth/token.
func (o *oauthServer) token(w http.ResponseWriter, r *http.Request) {
	v, err := form(r)
	if err != nil {
		o.oauthFail(w, r, formError(err))
		return
	}
	app, oerr := o.client(r, v)
	if oerr != nil {
		o.oauthFail(w, r, oerr)
		return
	}
	var resp tokenResponse
	switch v.Get("grant_type") {
	case "authorization_code":
		resp, oerr = o.exchangeCode(r.Context(), app, v)
	case "refresh_token":
		resp, oerr = o.refresh(r.Context(), app, v)
	case "client_credentials":
		// Anyone with an app can mint these: an address may have
		// appTokensPerAddress per creationWindow.
		addr := addrKey(r)
		if !o.take(w, o.appToks, addr) {
			return
		}
		if resp, oerr = o.clientCredentials(r.Context(), app, v); oerr != nil {
			o.appToks.giveBack(addr)
		}
	case "":
		oerr = &oauthError{http.StatusBadRequest, "invalid_request", "The grant_type parameter is missing."}
	default:
		oerr = &oauthError{http.StatusBadRequest, "unsupported_grant_type",
			"The authorization grant type is not supported by the authorization server."}
	}
	if oerr != nil {
		o.oauthFail(w, r, oerr)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	o.json(w, resp)
}

// client authenticates the client by HTTP Basic or by client_id and
// client_secret in the body (RFC 6749 section 2.3.1).
func (o *oauthServer) client(r *http.Request, v url.Values) (storage.App, *oauthError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		// The Basic credentials are form-encoded first (RFC 6749 2.3.1).
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = v.Get("client_id"), v.Get("client_secret")
	}
	denied := &oauthError{http.StatusUnauthorized, "invalid_client",
		"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}
	if id == "" || secret == "" {
		return storage.App{}, denied
	}
	app, err := o.store.AppByClientID(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.App{}, denied
	}
	if err != nil {
		return storage.App{}, &oauthError{http.StatusInternalServerError, "server_error", err.Error()}
	}
	if subtle.ConstantTimeCompare([]byte(storage.HashSecret(secret)), []byte(app.ClientSecretHash)) != 1 {
		return storage.App{}, denied
	}
	return app, nil
}

// exchangeCode redeems an authorization code. The code is spent by the
// first attempt, right or wrong, so a stolen code cannot be retried with
// guessed verifiers.
func (o *oauthServer) exchangeCode(ctx context.Context, app storage.App, v url.Values) (tokenResponse, *oauthError) {
	code := v.Get("code")
	if code == "" {
		return tokenResponse{}, &oauthError{http.StatusBadRequest, "invalid_request", "The code parameter is missing."}
	}
	var resp tokenResponse
	var refused *oauthError
	err := o.store.InTx(ctx, func(tx *storage.Tx) error {
		c, err := tx.TakeAuthCode(ctx, storage.HashSecret(code))
		if errors.Is(err, storage.ErrNotFound) {
			refused = grantError("The authorization code is invalid, expired, revoked or was already used.")
			return nil
		}
		if err != nil {
			return err
		}
		if refused = checkCode(c, app, v); refused != nil {
			return nil // commit: the code stays spent
		}
		resp, err = issueToken(ctx, tx, app.ID, c.AccountID, c.Scopes, true)
		return err
	})
	if err != nil {
		return tokenResponse{}, &oauthError{http.StatusInternalServerError, "server_error", err.Error()}
	}
	return resp, refused
}

func checkCode(c storage.AuthCode, app storage.App, v url.Values) *oauthError {
	if c.AppID != app.ID {
		return grantError("The authorization code was issued to another client.")
	}
	redirect, given := v["redirect_uri"]
	switch {
	case given && (len(redirect) != 1 || redirect[0] != c.RedirectURI):
		return grantError("The redirect URI does not match the one used in the authorization request.")
	case !given && !slices.Equal(app.RedirectURIs, []string{c.RedirectURI}):
		return &oauthError{http.StatusBadRequest, "invalid_request", "The redirect_uri parameter is missing."}
	}
	verifier := v.Get("code_verifier")
	switch {
	case c.CodeChallenge == "" && verifier != "":
		return grantError("The code verifier was given, but the authorization request had no code challenge.")
	case c.CodeChallenge != "" && !pkceMatches(verifier, c.CodeChallenge):
		return grantError("The code verifier does not match the code challenge.")
	}
	return nil
}

// pkceMatches checks an S256 code verifier against its challenge (RFC
// 7636 section 4.6).
func pkceMatches(verifier, challenge string) bool {
	if !validPKCE(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// validPKCE reports whether s has the shape of a code verifier or an S256
// challenge: 43 to 128 unreserved characters.
func validPKCE(s string) bool {
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

// refresh exchanges a refresh token for a new pair and revokes the old
// one, so a leaked refresh token works at most once.
func (o *oauthServer) refresh(ctx context.Context, app storage.App, v url.Values) (tokenResponse, *oauthError) {
	refresh := v.Get("refresh_token")
	if refresh == "" {
		return tokenResponse{}, &oauthError{http.StatusBadRequest, "invalid_request", "The refresh_token parameter is missing."}
	}
	var resp tokenResponse
	var refused *oauthError
	err := o.store.InTx(ctx, func(tx *storage.Tx) error {
		old, err := tx.TokenByRefresh(ctx, storage.HashSecret(refresh))
		if errors.Is(err, storage.ErrNotFound) || err == nil && old.AppID != app.ID {
			refused = grantError("The refresh token is invalid, revoked or was issued to another client.")
			return nil
		}
		if err != nil {
			return err
		}
		scopes := old.Scopes
		if s := parseScopes(v.Get("scope")); len(s) > 0 {
			// A client may narrow its grant, never widen it.
			for _, sc := range s {
				if !slices.Contains(old.Scopes, sc) {
					refused = &oauthError{http.StatusBadRequest, "invalid_scope",
						"The requested scope is invalid, unknown, or malformed."}
					return nil
				}
			}
			scopes = s
		}
		if resp, err = issueToken(ctx, tx, app.ID, old.AccountID, scopes, true); err != nil {
			return err
		}
		// The app's push subscription follows it to the new token, unless
		// the new grant no longer allows push.
		if hasScope(scopes, "push") {
			if err := tx.MovePushSubscription(ctx, old.ID, resp.tokenID, resp.AccessToken); err != nil {
				return err
			}
		}
		return tx.RevokeToken(ctx, old.ID)
	})
	if err != nil {
		return tokenResponse{}, &oauthError{http.StatusInternalServerError, "server_error", err.Error()}
	}
	return resp, refused
}

// clientCredentials issues a token that acts as the app alone.
func (o *oauthServer) clientCredentials(ctx context.Context, app storage.App, v url.Values) (tokenResponse, *oauthError) {
	scopes, err := grantable(parseScopes(v.Get("scope")), app.Scopes)
	if err != nil {
		return tokenResponse{}, &oauthError{http.StatusBadRequest, "invalid_scope", err.Error()}
	}
	var resp tokenResponse
	err = o.store.InTx(ctx, func(tx *storage.Tx) error {
		resp, err = issueToken(ctx, tx, app.ID, 0, scopes, false)
		return err
	})
	if err != nil {
		return tokenResponse{}, &oauthError{http.StatusInternalServerError, "server_error", err.Error()}
	}
	return resp, nil
}

func issueToken(ctx context.Context, tx *storage.Tx, app, account storage.ID, scopes []string, withRefresh bool) (tokenResponse, error) {
	access := rand.Text()
	t := storage.Token{AccessHash: storage.HashSecret(access), AppID: app, AccountID: account, Scopes: scopes}
	var refresh string
	if withRefresh {
		refresh = rand.Text()
		t.RefreshHash = storage.HashSecret(refresh)
	}
	if err := tx.InsertToken(ctx, &t); err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{AccessToken: access, TokenType: "Bearer", Scope: strings.Join(scopes, " "),
		CreatedAt: t.CreatedAt.Unix(), RefreshToken: refresh, tokenID: t.ID}, nil
}

// revoke revokes an access or refresh token: POST /oauth/revoke. It
// answers 200 whether or not the token existed (RFC 7009 section 2.2),
// and leaves alone a token of another client.
func (o *oauthServer) revoke(w http.ResponseWriter, r *http.Request) {
	v, err := form(r)
	if err != nil {
		o.oauthFail(w, r, formError(err))
		return
	}
	app, oerr := o.client(r, v)
	if oerr != nil {
		o.oauthFail(w, r, oerr)
		return
	}
	token := v.Get("token")
	if token == "" {
		o.oauthFail(w, r, &oauthError{http.StatusBadRequest, "invalid_request", "The token parameter is missing."})
		return
	}
	hash := storage.HashSecret(token)
	err = o.store.InTx(r.Context(), func(tx *storage.Tx) error {
		t, err := tx.TokenByAccess(r.Context(), hash)
		if errors.Is(err, storage.ErrNotFound) {
			t, err = tx.TokenByRefresh(r.Context(), hash)
		}
		if errors.Is(err, storage.ErrNotFound) || err == nil && t.AppID != app.ID {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.RevokeToken(r.Context(), t.ID)
	})
	if err != nil {
		o.oauthFail(w, r, &oauthError{http.StatusInternalServerError, "server_error", err.Error()})
		return
	}
	o.json(w, struct{}{})
}

// formError is the OAuth error for a body form could not read: 413 for
// one too large, otherwise invalid_request.
func formError(err error) *oauthError {
	if code, msg := httperr.Classify(err); code == http.StatusRequestEntityTooLarge {
		return &oauthError{code, "invalid_request", msg}
	}
	return &oauthError{http.StatusBadRequest, "invalid_request", "The request is not a valid form."}
}

// take counts one event for key against l, or answers 429 and reports
// false when key has used l's budget.
func (o *oauthServer) take(w http.ResponseWriter, l *eventLimiter, key string) bool {
	wait := l.take(key)
	if wait <= 0 {
		return true
	}
	o.tooMany(w, l.max, o.now().Add(wait))
	return false
}

func (o *oauthServer) oauthFail(w http.ResponseWriter, r *http.Request, e *oauthError) {
	if e.status >= 500 {
		o.log.ErrorContext(r.Context(), "oauth request failed", "path", r.URL.Path, "err", e.desc)
		e.desc = "The authorization server encountered an unexpected condition."
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="copse"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	httperr.JSON(w, e.status, map[string]string{"error": e.code, "error_description": e.desc})
}

// metadata is the authorization server metadata (RFC 8414):
// GET /.well-known/oauth-authorization-server.
func (o *oauthServer) metadata(w http.ResponseWriter, r *http.Request) {
	base := o.urls.Base
	o.json(w, map[string]any{
		"issuer":                                base + "/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      knownScopes,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token", "client_credentials"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"service_documentation":                 "https://docs.joinmastodon.org/",
	})
}

// parseScopes splits a scope parameter: spaces, or pluses where a client
// put them in a query string unencoded.
func parseScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' || r == '\t' || r == '\n' })
}

// validScopes checks that every scope is one of Mastodon's and drops
// repeats; no scope at all means def.
func validScopes(scopes, def []string) ([]string, error) {
	if len(scopes) == 0 {
		return def, nil
	}
	for _, s := range scopes {
		if !slices.Contains(knownScopes, s) {
			return nil, errors.New("Scopes are invalid: " + s)
		}
	}
	return distinctStrings(scopes), nil
}

// grantable checks requested scopes against an app's: each must be known
// and covered by one the app registered ("read" covers "read:statuses").
// None requested means all the app's.
func grantable(requested, app []string) ([]string, error) {
	scopes, err := validScopes(requested, app)
	if err != nil {
		return nil, err
	}
	for _, s := range scopes {
		if !hasScope(app, s) {
			return nil, errors.New("The requested scope " + s + " was not registered by the application.")
		}
	}
	return scopes, nil
}

func distinctStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// validRedirectURI accepts the out-of-band URI and absolute URIs without
// a fragment (RFC 6749 section 3.1.2): https and http for web apps, and a
// private scheme ("elk://", "com.example.app:/cb") for native apps.
func validRedirectURI(s string) bool {
	if s == oobRedirect {
		return true
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob":
		return false
	case "http", "https":
		return u.Host != ""
	}
	return u.Host != "" || u.Opaque != "" || u.Path != ""
}

func websiteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func appInvalid(msg string) error {
	return httperr.New(http.StatusUnprocessableEntity, msg)
}

// scopeDescriptions say on the consent page what each scope allows.
var scopeDescriptions = map[string]string{
	"read":    "Read all your account's data",
	"write":   "Change all your account's data",
	"follow":  "Follow, mute and block accounts",
	"push":    "Receive push notifications",
	"profile": "Read only your basic profile",
}

func describeScope(s string) string {
	if d, ok := scopeDescriptions[s]; ok {
		return d
	}
	kind, what, _ := strings.Cut(s, ":")
	what = strings.ReplaceAll(what, "_", " ")
	switch kind {
	case "read":
		return "Read your " + what
	case "write":
		return "Change your " + what
	case "admin":
		return "Moderation and administration (" + what + ")"
	}
	return s
}
