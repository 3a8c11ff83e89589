package auth

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// The OAuth2 mechanics are written with the standard library rather than
// github.com/go-oauth2/oauth2/v4: its client model has one redirect
// "domain" and compares plain secrets, its token store is keyed by the
// plain token, it takes a code with a get-then-remove (two requests can
// both redeem it), it centres on expiring tokens, and its responses are
// not Mastodon's shapes. The engine stores codes and tokens; this file
// speaks the protocol.

// tokenResponse is the answer of the token endpoint, as Mastodon gives it.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

func tokenResponseOf(t federation.IssuedToken) tokenResponse {
	return tokenResponse{AccessToken: t.Access, TokenType: "Bearer", Scope: strings.Join(t.Scopes, " "),
		CreatedAt: t.CreatedAt.Unix(), RefreshToken: t.Refresh}
}

// oauthError is an error of the token and revocation endpoints (RFC 6749
// section 5.2).
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return e.code + ": " + e.desc }

// oauthErrorOf turns an engine error into the endpoint's answer: a
// refused grant is the client's fault, anything else the server's.
func oauthErrorOf(err error) *oauthError {
	var g *federation.GrantError
	if errors.As(err, &g) {
		return &oauthError{http.StatusBadRequest, g.Code, g.Desc}
	}
	return &oauthError{http.StatusInternalServerError, "server_error", err.Error()}
}

// token is the token endpoint: POST /oauth/token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		s.oauthFail(w, r, formError(err))
		return
	}
	app, oerr := s.client(r, v)
	if oerr != nil {
		s.oauthFail(w, r, oerr)
		return
	}
	var t federation.IssuedToken
	ctx := r.Context()
	switch v.Get("grant_type") {
	case "authorization_code":
		redirects, given := v["redirect_uri"]
		if given && redirects == nil {
			redirects = []string{}
		}
		t, err = s.engine.RedeemCode(ctx, app, federation.CodeRedemption{Code: v.Get("code"),
			RedirectURIs: redirects, Verifier: v.Get("code_verifier")})
	case "refresh_token":
		t, err = s.engine.Refresh(ctx, app, v.Get("refresh_token"), ParseScopes(v.Get("scope")))
	case "client_credentials":
		scopes, serr := Grantable(ParseScopes(v.Get("scope")), app.Scopes)
		if serr != nil {
			s.oauthFail(w, r, &oauthError{http.StatusBadRequest, "invalid_scope", serr.Error()})
			return
		}
		// Anyone with an app can mint these: an address may have
		// appTokensPerAddress per CreationWindow.
		addr := AddrKey(r)
		if wait := s.appToks.Take(addr); wait > 0 {
			TooMany(w, s.appToks.Max(), s.now().Add(wait), s.now())
			return
		}
		if t, err = s.engine.IssueToken(ctx, app.ID, 0, scopes, false); err != nil {
			s.appToks.GiveBack(addr)
		}
	case "":
		err = &federation.GrantError{Code: "invalid_request", Desc: "The grant_type parameter is missing."}
	default:
		s.oauthFail(w, r, &oauthError{http.StatusBadRequest, "unsupported_grant_type",
			"The authorization grant type is not supported by the authorization server."})
		return
	}
	if err != nil {
		s.oauthFail(w, r, oauthErrorOf(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	httperr.JSON(w, http.StatusOK, tokenResponseOf(t))
}

// client authenticates the client by HTTP Basic or by client_id and
// client_secret in the body (RFC 6749 section 2.3.1).
func (s *Server) client(r *http.Request, v url.Values) (storage.App, *oauthError) {
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
	app, err := s.store.AppByClientID(r.Context(), id)
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

// revoke revokes an access or refresh token: POST /oauth/revoke. It
// answers 200 whether or not the token existed (RFC 7009 section 2.2),
// and leaves alone a token of another client.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		s.oauthFail(w, r, formError(err))
		return
	}
	app, oerr := s.client(r, v)
	if oerr != nil {
		s.oauthFail(w, r, oerr)
		return
	}
	token := v.Get("token")
	if token == "" {
		s.oauthFail(w, r, &oauthError{http.StatusBadRequest, "invalid_request", "The token parameter is missing."})
		return
	}
	if err := s.engine.Revoke(r.Context(), app, token); err != nil {
		s.oauthFail(w, r, oauthErrorOf(err))
		return
	}
	httperr.JSON(w, http.StatusOK, struct{}{})
}

// formError is the OAuth error for a body that could not be read: 413
// for one too large, otherwise invalid_request.
func formError(err error) *oauthError {
	if code, msg := httperr.Classify(err); code == http.StatusRequestEntityTooLarge {
		return &oauthError{code, "invalid_request", msg}
	}
	return &oauthError{http.StatusBadRequest, "invalid_request", "The request is not a valid form."}
}

func (s *Server) oauthFail(w http.ResponseWriter, r *http.Request, e *oauthError) {
	if e.status >= 500 {
		s.log.ErrorContext(r.Context(), "oauth request failed", "path", r.URL.Path, "err", e.desc)
		e.desc = "The authorization server encountered an unexpected condition."
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="copse"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	httperr.JSON(w, e.status, map[string]string{"error": e.code, "error_description": e.desc})
}

// TooMany answers 429 for a limit of limit that resets at reset, with
// the headers Mastodon sends.
func TooMany(w http.ResponseWriter, limit int, reset, now time.Time) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000Z"))
	httperr.SetRetryAfter(w, reset.Sub(now))
	httperr.JSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
}

// metadata is the authorization server metadata (RFC 8414):
// GET /.well-known/oauth-authorization-server.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	base := s.urls.Base
	httperr.JSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      KnownScopes,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token", "client_credentials"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"service_documentation":                 "https://docs.joinmastodon.org/",
	})
}
