package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

//go:embed templates/*.html
var oauthTemplates embed.FS

// Cookies of the authorization pages. They are scoped to /oauth: the
// client API authenticates by bearer token and never reads them.
const (
	sessionCookie   = "copse_session"
	signInCSRF      = "copse_csrf"
	cookiePath      = "/oauth"
	sessionLifetime = 14 * 24 * time.Hour
	signInCSRFLife  = time.Hour
)

// oauthPages are the parsed templates of the authorization pages.
type oauthPages struct {
	signIn, consent, code, problem *template.Template
}

// mustParseOAuthPages parses the embedded templates; they are part of the
// binary, so a parse error is a bug that must stop start-up.
func mustParseOAuthPages() oauthPages {
	parse := func(page string) *template.Template {
		return template.Must(template.ParseFS(oauthTemplates, "templates/oauth_layout.html", "templates/"+page))
	}
	return oauthPages{signIn: parse("oauth_sign_in.html"), consent: parse("oauth_consent.html"),
		code: parse("oauth_code.html"), problem: parse("oauth_error.html")}
}

// oauthView is what the authorization pages show.
type oauthView struct {
	Title   string
	Node    string
	App     string
	Website string
	Error   string
	// sign-in form
	Login  string
	Return string
	// consent form
	Account     string
	Scopes      []scopeView
	Params      []hiddenField
	SwitchUser  string
	CSRF        string
	Code        string
	Description string
}

type scopeView struct{ Name, Description string }

type hiddenField struct{ Name, Value string }

// authRequest is a checked authorization request.
type authRequest struct {
	App         storage.App
	RedirectURI string
	Scopes      []string
	State       string
	Challenge   string
	Method      string
}

// params are the request's parameters as the consent form carries them.
func (q authRequest) params() []hiddenField {
	return []hiddenField{{"response_type", "code"}, {"client_id", q.App.ClientID}, {"redirect_uri", q.RedirectURI},
		{"scope", strings.Join(q.Scopes, " ")}, {"state", q.State}, {"code_challenge", q.Challenge},
		{"code_challenge_method", q.Method}}
}

// authProblem is a refused authorization request. Until the client and
// its redirect URI are known to be good it is shown on a page; after, it
// goes back to the app on the redirect URI (RFC 6749 section 4.1.2.1).
type authProblem struct {
	toApp bool
	code  string
	desc  string
}

// signedIn is a member signed in from this browser.
type signedIn struct {
	secret  string
	account storage.Account
}

// authorize starts an authorization: GET /oauth/authorize shows the
// sign-in form, or the consent page to a member already signed in.
func (o *oauthServer) authorize(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	req, problem, err := o.authRequest(r.Context(), v)
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if problem != nil {
		o.refuse(w, r, req, problem)
		return
	}
	s, ok, err := o.session(r)
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if !ok || boolParam(v, "force_login", false) {
		o.showSignIn(w, r, http.StatusOK, req, v, "", "")
		return
	}
	o.render(w, http.StatusOK, o.pages.consent, oauthView{Title: "Authorize " + req.App.Name, App: req.App.Name,
		Website: req.App.Website, Account: s.account.Username, Scopes: scopeViews(req.Scopes), Params: req.params(),
		CSRF: consentCSRF(s.secret), SwitchUser: "/oauth/authorize?" + withForceLogin(v).Encode()})
}

// signIn checks a member's credentials: POST /oauth/sign_in. It starts a
// session and sends the browser back to the authorization it came from.
func (o *oauthServer) signIn(w http.ResponseWriter, r *http.Request) {
	v, err := form(r)
	if err != nil {
		o.formFail(w, r, err)
		return
	}
	back, err := url.ParseQuery(v.Get("return"))
	if err != nil {
		o.problemPage(w, http.StatusBadRequest, "The sign-in form is damaged. Go back to the app and start again.")
		return
	}
	back.Del("force_login")
	req, problem, err := o.authRequest(r.Context(), back)
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if problem != nil {
		o.refuse(w, r, req, problem)
		return
	}
	if !sameSecret(oauthCookie(r, signInCSRF), v.Get("csrf")) {
		o.problemPage(w, http.StatusForbidden, "The sign-in form has expired. Go back to the app and start again.")
		return
	}
	login := strings.TrimPrefix(strings.TrimSpace(v.Get("login")), "@")
	member, err := o.signInKey(r.Context(), login)
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	addr := addrKey(r)
	if wait := max(o.byAddr.retryAfter(addr), o.byMember.retryAfter(member)); wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		o.showSignIn(w, r, http.StatusTooManyRequests, req, back, login,
			fmt.Sprintf("Too many failed sign-ins. Try again in %d minute%s.", minutes, pluralS(minutes)))
		return
	}
	account, _, err := o.engine.CheckPassword(r.Context(), login, v.Get("password"))
	if errors.Is(err, federation.ErrDenied) {
		o.byAddr.add(addr)
		o.byMember.add(member)
		o.showSignIn(w, r, http.StatusUnprocessableEntity, req, back, login, "That username or email and password do not match.")
		return
	}
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if !account.SuspendedAt.IsZero() {
		o.showSignIn(w, r, http.StatusForbidden, req, back, login, "Your login is currently disabled.")
		return
	}
	o.byMember.reset(member)
	secret := rand.Text()
	err = o.store.InTx(r.Context(), func(tx *storage.Tx) error {
		return tx.InsertSession(r.Context(), &storage.Session{IDHash: storage.HashSecret(secret), AccountID: account.ID,
			ExpiresAt: tx.Now().Add(sessionLifetime)})
	})
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if old := oauthCookie(r, sessionCookie); old != "" {
		// A new sign-in (say, as another member) ends the old session.
		if err := o.store.InTx(r.Context(), func(tx *storage.Tx) error {
			return tx.DeleteSession(r.Context(), storage.HashSecret(old))
		}); err != nil {
			o.log.WarnContext(r.Context(), "end replaced session", "err", err)
		}
	}
	o.setCookie(w, sessionCookie, secret, sessionLifetime)
	o.setCookie(w, signInCSRF, "", -1)
	http.Redirect(w, r, "/oauth/authorize?"+back.Encode(), http.StatusSeeOther)
}

// decide takes the member's answer on the consent page: POST
// /oauth/authorize. It sends the app a code, or access_denied.
func (o *oauthServer) decide(w http.ResponseWriter, r *http.Request) {
	v, err := form(r)
	if err != nil {
		o.formFail(w, r, err)
		return
	}
	s, ok, err := o.session(r)
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if !ok {
		o.problemPage(w, http.StatusForbidden, "You are not signed in any more. Go back to the app and start again.")
		return
	}
	if !sameSecret(consentCSRF(s.secret), v.Get("csrf")) {
		o.problemPage(w, http.StatusForbidden, "The authorization form has expired. Go back to the app and start again.")
		return
	}
	req, problem, err := o.authRequest(r.Context(), v)
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if problem != nil {
		o.refuse(w, r, req, problem)
		return
	}
	switch v.Get("decision") {
	case "authorize":
	case "deny":
		o.refuse(w, r, req, &authProblem{toApp: true, code: "access_denied",
			desc: "The resource owner or authorization server denied the request."})
		return
	default:
		o.problemPage(w, http.StatusBadRequest, "Choose Authorize or Deny.")
		return
	}
	code := rand.Text()
	err = o.store.InTx(r.Context(), func(tx *storage.Tx) error {
		return tx.InsertAuthCode(r.Context(), storage.AuthCode{CodeHash: storage.HashSecret(code), AppID: req.App.ID,
			AccountID: s.account.ID, RedirectURI: req.RedirectURI, Scopes: req.Scopes, CodeChallenge: req.Challenge,
			ChallengeMethod: req.Method, ExpiresAt: tx.Now().Add(codeLifetime)})
	})
	if err != nil {
		o.pageFail(w, r, err)
		return
	}
	if req.RedirectURI == oobRedirect {
		o.render(w, http.StatusOK, o.pages.code, oauthView{Title: "Authorization code", App: req.App.Name, Code: code})
		return
	}
	http.Redirect(w, r, redirectWith(req.RedirectURI, "code", code, "state", req.State), http.StatusFound)
}

// signInKey is the key failed sign-ins with login count against: the
// member it names, by username or by email alike, so a member has one
// budget of guesses; a login that names no member counts as itself.
func (o *oauthServer) signInKey(ctx context.Context, login string) (string, error) {
	var id storage.ID
	var err error
	if strings.Contains(login, "@") { // as federation.CheckPassword reads it
		var u storage.User
		u, err = o.store.UserByEmail(ctx, login)
		id = u.AccountID
	} else {
		var a storage.Account
		a, err = o.store.AccountByUsername(ctx, login)
		id = a.ID
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "login:" + strings.ToLower(login), nil
	case err != nil:
		return "", fmt.Errorf("find member signing in: %w", err)
	}
	return "member:" + id.String(), nil
}

// authRequest checks the parameters of an authorization request. An
// error is the server's fault; a problem is the request's.
func (o *oauthServer) authRequest(ctx context.Context, v url.Values) (authRequest, *authProblem, error) {
	var q authRequest
	app, err := o.store.AppByClientID(ctx, v.Get("client_id"))
	if errors.Is(err, storage.ErrNotFound) {
		return q, &authProblem{code: "invalid_client", desc: "This app is not known here: the client_id is wrong or missing."}, nil
	}
	if err != nil {
		return q, nil, err
	}
	q.App = app
	q.RedirectURI = v.Get("redirect_uri")
	if q.RedirectURI == "" && len(app.RedirectURIs) == 1 {
		q.RedirectURI = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, q.RedirectURI) {
		q.RedirectURI = ""
		return q, &authProblem{code: "invalid_redirect_uri", desc: "The redirect URI is not one the app registered."}, nil
	}
	q.State = v.Get("state")
	if v.Get("response_type") != "code" {
		return q, &authProblem{toApp: true, code: "unsupported_response_type",
			desc: "The authorization server does not support this response type."}, nil
	}
	if q.Scopes, err = grantable(parseScopes(v.Get("scope")), app.Scopes); err != nil {
		return q, &authProblem{toApp: true, code: "invalid_scope", desc: err.Error()}, nil
	}
	q.Challenge, q.Method = v.Get("code_challenge"), v.Get("code_challenge_method")
	switch {
	case q.Challenge == "" && q.Method == "":
	case q.Method != "S256":
		return q, &authProblem{toApp: true, code: "invalid_request",
			desc: "The code challenge method must be S256."}, nil
	case !validPKCE(q.Challenge):
		return q, &authProblem{toApp: true, code: "invalid_request", desc: "The code challenge is malformed."}, nil
	}
	return q, nil, nil
}

// refuse answers a refused authorization request: on a page while the
// app or its redirect URI is in doubt, or when the code would be shown
// out of band; otherwise back to the app with error and state.
func (o *oauthServer) refuse(w http.ResponseWriter, r *http.Request, q authRequest, p *authProblem) {
	if !p.toApp || q.RedirectURI == oobRedirect {
		status := http.StatusBadRequest
		if p.code == "access_denied" {
			status = http.StatusOK // the member's own choice
		}
		o.problemPage(w, status, p.desc)
		return
	}
	http.Redirect(w, r, redirectWith(q.RedirectURI, "error", p.code, "error_description", p.desc, "state", q.State),
		http.StatusFound)
}

func (o *oauthServer) showSignIn(w http.ResponseWriter, r *http.Request, status int, q authRequest, back url.Values, login, problem string) {
	csrf := oauthCookie(r, signInCSRF)
	if len(csrf) < 26 {
		csrf = rand.Text()
	}
	// Set afresh each time, so the form stays usable for its life.
	o.setCookie(w, signInCSRF, csrf, signInCSRFLife)
	back = copyQuery(back)
	back.Del("force_login")
	o.render(w, status, o.pages.signIn, oauthView{Title: "Sign in", App: q.App.Name, Website: q.App.Website,
		Login: login, Error: problem, CSRF: csrf, Return: back.Encode()})
}

// session returns the member signed in from this browser, if any.
func (o *oauthServer) session(r *http.Request) (signedIn, bool, error) {
	secret := oauthCookie(r, sessionCookie)
	if secret == "" {
		return signedIn{}, false, nil
	}
	s, err := o.store.SessionByHash(r.Context(), storage.HashSecret(secret), o.now())
	if errors.Is(err, storage.ErrNotFound) {
		return signedIn{}, false, nil
	}
	if err != nil {
		return signedIn{}, false, err
	}
	a, err := o.store.AccountByID(r.Context(), s.AccountID)
	if errors.Is(err, storage.ErrNotFound) || err == nil && !a.SuspendedAt.IsZero() {
		return signedIn{}, false, nil
	}
	if err != nil {
		return signedIn{}, false, err
	}
	return signedIn{secret: secret, account: a}, true, nil
}

// consentCSRF is the consent form's CSRF token: a MAC of the session
// secret, so it needs no storage and tells nothing of the secret.
func consentCSRF(sessionSecret string) string {
	m := hmac.New(sha256.New, []byte(sessionSecret))
	m.Write([]byte("copse oauth consent"))
	return hex.EncodeToString(m.Sum(nil))
}

func sameSecret(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func oauthCookie(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

func (o *oauthServer) setCookie(w http.ResponseWriter, name, value string, life time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true, Secure: o.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(life.Seconds())}
	if life < 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// render writes a page. The pages may not be framed (the consent button
// must not be clickjacked), load nothing, and are never cached.
func (o *oauthServer) render(w http.ResponseWriter, status int, t *template.Template, v oauthView) {
	v.Node = o.urls.Host()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		o.log.Error("render oauth page", "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (o *oauthServer) problemPage(w http.ResponseWriter, status int, msg string) {
	o.render(w, status, o.pages.problem, oauthView{Title: "Authorization failed", Description: msg})
}

// formFail answers a form that could not be read: too large, or not a
// form.
func (o *oauthServer) formFail(w http.ResponseWriter, r *http.Request, err error) {
	code, _ := httperr.Classify(err)
	if code >= 500 {
		o.pageFail(w, r, err)
		return
	}
	msg := "The form is damaged. Go back to the app and start again."
	if code == http.StatusRequestEntityTooLarge {
		msg = "The form is too large. Go back to the app and start again."
	}
	o.problemPage(w, code, msg)
}

func (o *oauthServer) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	o.log.ErrorContext(r.Context(), "oauth page failed", "path", r.URL.Path, "err", err)
	o.problemPage(w, http.StatusInternalServerError, "Something went wrong on this server. Try again later.")
}

func scopeViews(scopes []string) []scopeView {
	out := make([]scopeView, len(scopes))
	for i, s := range scopes {
		out[i] = scopeView{Name: s, Description: describeScope(s)}
	}
	return out
}

// redirectWith adds parameters (name, value pairs; empty values left out)
// to a redirect URI, keeping its own query.
func redirectWith(uri string, kv ...string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri // registered URIs were checked; this does not happen
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func withForceLogin(v url.Values) url.Values {
	v = copyQuery(v)
	v.Set("force_login", "true")
	return v
}

func copyQuery(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
