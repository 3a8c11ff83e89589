package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

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

// consentLabel keeps the consent form's CSRF token apart from others
// derived from the session.
const consentLabel = "copse oauth consent"

// authorize starts an authorization: GET /oauth/authorize shows the
// sign-in form, or the consent page to a member already signed in
// (whether on these pages or on the web).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	req, problem, err := s.authRequest(r.Context(), v)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if problem != nil {
		s.refuse(w, r, req, problem)
		return
	}
	si, ok, err := s.session(r)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if !ok || boolParam(v.Get("force_login")) {
		s.showOAuthSignIn(w, r, http.StatusOK, req, v, "", "")
		return
	}
	s.render(w, r, http.StatusOK, s.pages.consent, view{Title: "Authorize " + req.App.Name, App: req.App.Name,
		Website: req.App.Website, Account: si.account.Username, Scopes: scopeViews(req.Scopes), Params: req.params(),
		CSRF: sessionMAC(si.secret, consentLabel), SwitchUser: "/oauth/authorize?" + withForceLogin(v).Encode()})
}

// oauthSignIn checks a member's credentials: POST /oauth/sign_in. It
// starts a session and sends the browser back to the authorization it
// came from.
func (s *Server) oauthSignIn(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		s.formFail(w, r, err)
		return
	}
	back, err := url.ParseQuery(v.Get("return"))
	if err != nil {
		s.problemPage(w, r, http.StatusBadRequest, "The sign-in form is damaged. Go back to the app and start again.")
		return
	}
	back.Del("force_login")
	req, problem, err := s.authRequest(r.Context(), back)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if problem != nil {
		s.refuse(w, r, req, problem)
		return
	}
	if !anyCookie(r, csrfCookie, v.Get("csrf")) {
		s.problemPage(w, r, http.StatusForbidden, "The sign-in form has expired. Go back to the app and start again.")
		return
	}
	login := strings.TrimPrefix(strings.TrimSpace(v.Get("login")), "@")
	status, problemText, err := s.signIn(w, r, login, v.Get("password"), v.Get("code"))
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if status != 0 {
		s.showOAuthSignIn(w, r, status, req, back, login, problemText)
		return
	}
	http.Redirect(w, r, "/oauth/authorize?"+back.Encode(), http.StatusSeeOther)
}

// decide takes the member's answer on the consent page: POST
// /oauth/authorize. It sends the app a code, or access_denied.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		s.formFail(w, r, err)
		return
	}
	si, ok, err := s.session(r)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if !ok {
		s.problemPage(w, r, http.StatusForbidden, "You are not signed in any more. Go back to the app and start again.")
		return
	}
	if !sameSecret(sessionMAC(si.secret, consentLabel), v.Get("csrf")) {
		s.problemPage(w, r, http.StatusForbidden, "The authorization form has expired. Go back to the app and start again.")
		return
	}
	req, problem, err := s.authRequest(r.Context(), v)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if problem != nil {
		s.refuse(w, r, req, problem)
		return
	}
	switch v.Get("decision") {
	case "authorize":
	case "deny":
		s.refuse(w, r, req, &authProblem{toApp: true, code: "access_denied",
			desc: "The resource owner or authorization server denied the request."})
		return
	default:
		s.problemPage(w, r, http.StatusBadRequest, "Choose Authorize or Deny.")
		return
	}
	code, err := s.engine.IssueCode(r.Context(), federation.CodeGrant{AppID: req.App.ID, AccountID: si.account.ID,
		RedirectURI: req.RedirectURI, Scopes: req.Scopes, Challenge: req.Challenge, Method: req.Method})
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if req.RedirectURI == OOBRedirect {
		s.render(w, r, http.StatusOK, s.pages.code, view{Title: "Authorization code", App: req.App.Name, Code: code})
		return
	}
	http.Redirect(w, r, redirectWith(req.RedirectURI, "code", code, "state", req.State), http.StatusFound)
}

// authRequest checks the parameters of an authorization request. An
// error is the server's fault; a problem is the request's.
func (s *Server) authRequest(ctx context.Context, v url.Values) (authRequest, *authProblem, error) {
	var q authRequest
	app, err := s.store.AppByClientID(ctx, v.Get("client_id"))
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
	if q.Scopes, err = Grantable(ParseScopes(v.Get("scope")), app.Scopes); err != nil {
		return q, &authProblem{toApp: true, code: "invalid_scope", desc: err.Error()}, nil
	}
	q.Challenge, q.Method = v.Get("code_challenge"), v.Get("code_challenge_method")
	switch {
	case q.Challenge == "" && q.Method == "":
	case q.Method != "S256":
		return q, &authProblem{toApp: true, code: "invalid_request",
			desc: "The code challenge method must be S256."}, nil
	case !federation.ValidPKCE(q.Challenge):
		return q, &authProblem{toApp: true, code: "invalid_request", desc: "The code challenge is malformed."}, nil
	}
	return q, nil, nil
}

// refuse answers a refused authorization request: on a page while the
// app or its redirect URI is in doubt, or when the code would be shown
// out of band; otherwise back to the app with error and state.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, q authRequest, p *authProblem) {
	if !p.toApp || q.RedirectURI == OOBRedirect {
		status := http.StatusBadRequest
		if p.code == "access_denied" {
			status = http.StatusOK // the member's own choice
		}
		s.render(w, r, status, s.pages.problem, view{Title: "Authorization failed", Description: p.desc})
		return
	}
	http.Redirect(w, r, redirectWith(q.RedirectURI, "error", p.code, "error_description", p.desc, "state", q.State),
		http.StatusFound)
}

func (s *Server) showOAuthSignIn(w http.ResponseWriter, r *http.Request, status int, q authRequest, back url.Values, login, problem string) {
	back = copyQuery(back)
	back.Del("force_login")
	s.render(w, r, status, s.pages.signIn, view{Title: "Sign in", App: q.App.Name, Website: q.App.Website,
		Login: login, Error: problem, CSRF: s.signInCSRF(w, r), Return: back.Encode()})
}

// signInCSRF is the sign-in form's CSRF token, which the browser also
// holds as a cookie (a double submit: another site can post the form but
// not read or set the cookie). The cookie is set afresh each time, so
// the form stays usable for its life.
func (s *Server) signInCSRF(w http.ResponseWriter, r *http.Request) string {
	csrf := ""
	if vs := cookieValues(r, csrfCookie); len(vs) > 0 {
		csrf = vs[0]
	}
	if len(csrf) < 26 {
		csrf = rand.Text()
	}
	s.setCookie(w, csrfCookie, csrf, csrfLife)
	return csrf
}

func scopeViews(scopes []string) []scopeView {
	out := make([]scopeView, len(scopes))
	for i, sc := range scopes {
		out[i] = scopeView{Name: sc, Description: describeScope(sc)}
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

// boolParam reads a Rails-style boolean ("true", "1", "on").
func boolParam(s string) bool {
	switch strings.ToLower(s) {
	case "true", "1", "on", "yes", "t":
		return true
	}
	return false
}
