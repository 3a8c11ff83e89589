package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/pages"
	"github.com/copse-dev/copse/web/session"
)

//go:embed templates/*.html
var templates embed.FS

// Cookies of the session. The session cookie is scoped to the whole site
// so server-rendered pages share the sign-in the OAuth pages make (and
// the other way round); the client API authenticates by bearer token and
// never reads it. Before, both were scoped to /oauth: legacyCookiePath is
// cleared when they are set, so an old cookie cannot shadow the new one.
const (
	sessionCookie    = "copse_session"
	csrfCookie       = "copse_csrf"
	cookiePath       = "/"
	legacyCookiePath = "/oauth"
	csrfLife         = time.Hour
)

// Failed sign-ins are limited per member and per client address over a
// sliding window; past the limit the form answers 429 until the window
// has passed. A member has one budget whether they give their username
// or their email, on the OAuth pages or on the web. An address gets more
// tries than a member: a council's offices often share one address.
const (
	signInWindow       = 5 * time.Minute
	failuresPerMember  = 5
	failuresPerAddress = 20
	limiterKeys        = 10000
)

// What anyone may mint from one address: each app-only token is a row
// that stays. Mastodon allows 5 app registrations per 10 minutes per
// address, and an app needs one app-only token, so the same bound serves.
const (
	CreationWindow      = 10 * time.Minute
	appTokensPerAddress = 5
)

// formBody bounds the body of every form here: none needs more than a
// few hundred bytes, and anyone may send them.
const formBody = 64 << 10

// Server is the node's sign-in: the OAuth 2 server and the browser
// session.
type Server struct {
	engine   *federation.Engine
	store    storage.Reader
	urls     federation.URLs
	now      func() time.Time
	log      *slog.Logger
	layout   *pages.Layout
	pages    authPages
	byMember *EventLimiter // failed sign-ins
	byAddr   *EventLimiter // failed sign-ins
	appToks  *EventLimiter // app-only tokens issued, per address
	secure   bool          // cookies are Secure when the node is served over https
}

// Options configures a Server.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// Layout is the site's (web/pages): the sign-in and settings pages
	// are rendered in it. Required.
	Layout *pages.Layout
}

// New returns the sign-in server. It parses its pages, failing on a
// broken one.
func New(engine *federation.Engine, o Options) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Layout == nil {
		return nil, errors.New("sign-in pages: no site layout")
	}
	p, err := parsePages(o.Layout)
	if err != nil {
		return nil, fmt.Errorf("sign-in pages: %w", err)
	}
	urls := engine.URLs()
	return &Server{
		engine:   engine,
		store:    engine.Reader(),
		urls:     urls,
		now:      o.Now,
		log:      o.Log.With("component", "auth"),
		layout:   o.Layout,
		pages:    p,
		byMember: NewEventLimiter(failuresPerMember, signInWindow, limiterKeys, o.Now),
		byAddr:   NewEventLimiter(failuresPerAddress, signInWindow, limiterKeys, o.Now),
		appToks:  NewEventLimiter(appTokensPerAddress, CreationWindow, limiterKeys, o.Now),
		secure:   strings.HasPrefix(urls.Base, "https://"),
	}, nil
}

// MountOAuth adds the endpoints the Mastodon apps use. Their URLs are
// Mastodon's; the client API mounts them behind its rate limit.
func (s *Server) MountOAuth(r chi.Router) {
	// The pages a browser sees load its session once (LoadSession), for
	// the handler and the layout's staff link alike.
	r.Group(func(r chi.Router) {
		r.Use(s.LoadSession)
		r.Get("/oauth/authorize", s.authorize)
		r.Post("/oauth/authorize", s.decide)
		r.Post("/oauth/sign_in", s.oauthSignIn)
	})
	r.Post("/oauth/token", s.token)
	r.Post("/oauth/revoke", s.revoke)
	r.Get("/.well-known/oauth-authorization-server", s.metadata)
}

// Mount adds the web sign-in and sign-out pages, and the member's
// settings pages (authorised apps, password), and the joining pages.
// Each request loads the browser's session once (LoadSession): the
// handlers read it from there, and the layout shows staff the link to
// the moderation dashboard, as on every other page.
func (s *Server) Mount(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.LoadSession)
		r.Get("/auth/sign_in", s.signInPage)
		r.Post("/auth/sign_in", s.webSignIn)
		r.Post("/auth/sign_out", s.signOut)
		s.mountSettings(r)
		s.mountJoining(r)
	})
}

// signedIn is a member signed in from this browser.
type signedIn struct {
	secret  string
	account storage.Account
}

// Session returns the member signed in from r's browser, if any. A
// suspended member is not signed in.
func (s *Server) Session(r *http.Request) (storage.Account, bool, error) {
	si, ok, err := s.session(r)
	return si.account, ok, err
}

// LoadSession is middleware that finds the member signed in from the
// browser, for Member to return. A failure to look is logged and leaves
// the request anonymous: a page is better shown than refused.
func (s *Server) LoadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si, ok, err := s.session(r)
		if err != nil {
			s.log.WarnContext(r.Context(), "load session", "err", err)
		} else {
			// This package's own handlers need the secret too (their
			// forms' CSRF tokens): they find it here, not by another read.
			r = r.WithContext(context.WithValue(r.Context(), loadedKey{}, loaded{si: si, ok: ok}))
		}
		if ok {
			ctx := session.With(r.Context(), si.account, sessionMAC(si.secret, signOutLabel))
			// Reports are every moderator's first task, so the right to
			// handle them is what makes a member staff, for the link.
			staff, err := s.engine.AccountCan(ctx, si.account, federation.ActHandleReports)
			if err != nil {
				s.log.WarnContext(ctx, "load session: role", "err", err)
			}
			if staff {
				ctx = session.WithStaff(ctx)
			}
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// loadedKey is the context key of the session LoadSession found (or
// found none of: ok false), with its secret, for this package alone.
type loadedKey struct{}

type loaded struct {
	si signedIn
	ok bool
}

// maxSessionCookies bounds the cookies of one name a request may make us
// look up.
const maxSessionCookies = 3

// session returns the member signed in from this browser, if any. The
// first live session among the cookies wins: a browser may still hold
// one under the legacy path.
//
// When LoadSession has looked already, its answer is used: one request
// reads the session once.
func (s *Server) session(r *http.Request) (signedIn, bool, error) {
	if l, ok := r.Context().Value(loadedKey{}).(loaded); ok {
		return l.si, l.ok, nil
	}
	for i, secret := range cookieValues(r, sessionCookie) {
		if i == maxSessionCookies {
			break
		}
		si, ok, err := s.lookup(r.Context(), secret)
		if err != nil || ok {
			return si, ok, err
		}
	}
	return signedIn{}, false, nil
}

func (s *Server) lookup(ctx context.Context, secret string) (signedIn, bool, error) {
	if secret == "" {
		return signedIn{}, false, nil
	}
	sess, err := s.store.SessionByHash(ctx, storage.HashSecret(secret), s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return signedIn{}, false, nil
	}
	if err != nil {
		return signedIn{}, false, fmt.Errorf("find session: %w", err)
	}
	a, err := s.store.AccountByID(ctx, sess.AccountID)
	if errors.Is(err, storage.ErrNotFound) || err == nil && !a.SuspendedAt.IsZero() {
		return signedIn{}, false, nil
	}
	if err != nil {
		return signedIn{}, false, fmt.Errorf("find session's member: %w", err)
	}
	return signedIn{secret: secret, account: a}, true, nil
}

// sessionMAC derives a form's CSRF token from the session secret, so it
// needs no storage and tells nothing of the secret; label keeps the
// tokens of different forms apart.
func sessionMAC(sessionSecret, label string) string {
	m := hmac.New(sha256.New, []byte(sessionSecret))
	m.Write([]byte(label))
	return hex.EncodeToString(m.Sum(nil))
}

func sameSecret(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// cookieValues are the values of the cookies named name, most specific
// path first (as browsers send them).
func cookieValues(r *http.Request, name string) []string {
	var out []string
	for _, c := range r.CookiesNamed(name) {
		out = append(out, c.Value)
	}
	return out
}

// anyCookie reports whether one of the cookies named name is want.
func anyCookie(r *http.Request, name, want string) bool {
	for _, v := range cookieValues(r, name) {
		if sameSecret(v, want) {
			return true
		}
	}
	return false
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, life time.Duration) {
	for _, path := range []string{legacyCookiePath, cookiePath} {
		c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: s.secure,
			SameSite: http.SameSiteLaxMode, MaxAge: int(life.Seconds())}
		if life < 0 || path == legacyCookiePath {
			c.Value, c.MaxAge = "", -1
		}
		http.SetCookie(w, c)
	}
}

// authPages are the parsed templates of the sign-in and settings pages.
type authPages struct {
	signIn, consent, code, problem, webSignIn, signedIn *template.Template
	apps, password, email, unsubscribe                  *template.Template
	emailAddress, emailConfirm, migration, export       *template.Template
	importPage, deleteAccount, twoStep                  *template.Template
}

// parsePages parses every page once, in the site layout.
func parsePages(layout *pages.Layout) (authPages, error) {
	var p authPages
	var err error
	parse := func(page string) *template.Template {
		if err != nil {
			return nil
		}
		var t *template.Template
		t, err = layout.Parse(templates, "templates/"+page)
		return t
	}
	p = authPages{signIn: parse("oauth_sign_in.html"), consent: parse("oauth_consent.html"),
		code: parse("oauth_code.html"), problem: parse("oauth_error.html"),
		webSignIn: parse("sign_in.html"), signedIn: parse("signed_in.html"),
		apps: parse("settings_apps.html"), password: parse("settings_password.html"),
		email: parse("settings_email.html"), unsubscribe: parse("unsubscribe.html"),
		emailAddress: parse("settings_email_address.html"), emailConfirm: parse("email_confirm.html"),
		migration: parse("settings_migration.html"), export: parse("settings_export.html"),
		importPage: parse("settings_import.html"), deleteAccount: parse("settings_delete.html"),
		twoStep: parse("settings_two_step.html")}
	return p, err
}

// view is what the sign-in and settings pages show. The Frame (the
// node, for the layout) is filled in by render.
type view struct {
	Title string // the page's own name; the layout adds the node's
	pages.Frame
	App     string
	Website string
	Error   string
	// sign-in form; CanJoin and CanReset link the sign-up and
	// password-reset pages where the node offers them.
	Login    string
	Return   string
	Next     string
	CanJoin  bool
	CanReset bool
	// consent form
	Account     string
	Scopes      []scopeView
	Params      []hiddenField
	SwitchUser  string
	CSRF        string
	Code        string
	Description string
	// settings pages
	Notice string
	Apps   []appView
	// password page: Errors in the order of the fields, for the summary;
	// FieldError by field id, for the message next to the field.
	Errors     []fieldError
	FieldError map[string]string
	// email settings page; SendsMail is false on a node without SMTP
	EmailTypes []emailChoice
	Digests    []emailChoice
	// DigestCommunities are the communities the member joined, ticked
	// when their digest covers them.
	DigestCommunities []emailChoice
	SendsMail         bool
	// unsubscribe page: the link's kind and token, the kind as people
	// say it, and whether it is done (also: the account is deleted)
	Kind, Token, KindLabel string
	Done                   bool
	// email address page: the address now, and the one typed in the form
	CurrentEmail, NewEmail string
	// account migration page
	Migration *migrationView
	// export page
	Exports []exportFile
	// import page
	Import *importView
	// two-step sign-in page
	TwoStep *twoStepView
}

type scopeView struct{ Name, Description string }

type hiddenField struct{ Name, Value string }

// render writes a sign-in or settings page in the site layout. The pages
// may not be framed (the consent button must not be clickjacked), load
// nothing but the site's style sheet, and are never cached.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, v view) {
	v.Frame = s.frame(r)
	s.writePage(w, status, t, v.Title, v)
}

// frame is the layout's part of a page for r: the node, and the link to
// the moderation dashboard when staff are signed in (as web/pages does).
func (s *Server) frame(r *http.Request) pages.Frame {
	f := s.layout.Frame()
	f.Staff = session.Staff(r)
	_, f.SignedIn = session.Member(r)
	return f
}

// writePage executes a page template in the site layout with the headers
// every sign-in, settings and joining page carries: never framed (the
// consent button must not be clickjacked), loading nothing but the site's
// style sheet, never cached, and sending no referrer (a token in a link's
// address goes nowhere else).
func (s *Server) writePage(w http.ResponseWriter, status int, t *template.Template, title string, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "title", title, "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src data:; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) problemPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	title := "Sign-in failed"
	if strings.HasPrefix(r.URL.Path, "/oauth/") {
		title = "Authorization failed"
	}
	s.render(w, r, status, s.pages.problem, view{Title: title, Description: msg})
}

// formFail answers a form that could not be read: too large, or not a
// form.
func (s *Server) formFail(w http.ResponseWriter, r *http.Request, err error) {
	code, _ := httperr.Classify(err)
	if code >= 500 {
		s.pageFail(w, r, err)
		return
	}
	msg := "The form is damaged. Go back and start again."
	if code == http.StatusRequestEntityTooLarge {
		msg = "The form is too large. Go back and start again."
	}
	s.problemPage(w, r, code, msg)
}

func (s *Server) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "sign-in page failed", "path", r.URL.Path, "err", err)
	s.problemPage(w, r, http.StatusInternalServerError, "Something went wrong on this server. Try again later.")
}

// readForm merges the query string and the body (urlencoded, multipart,
// or a JSON object, as Mastodon accepts) into one set of values. The body
// is bounded to formBody: a larger one is an *http.MaxBytesError.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	v := r.URL.Query()
	if r.Body == nil || r.Method == http.MethodGet {
		return v, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, formBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	bad := httperr.New(http.StatusBadRequest, "body is not a valid form")
	switch mt {
	case "application/json":
		var obj map[string]any
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		if err := d.Decode(&obj); err != nil {
			if tooLarge(err) {
				return nil, err
			}
			return nil, bad
		}
		for k, x := range obj {
			switch x := x.(type) {
			case string:
				v.Add(k, x)
			case json.Number:
				v.Add(k, x.String())
			case bool:
				v.Add(k, fmt.Sprint(x))
			case []any:
				for _, e := range x {
					if s, ok := e.(string); ok {
						v.Add(k, s)
					}
				}
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(formBody); err != nil {
			if tooLarge(err) {
				return nil, err
			}
			return nil, bad
		}
		for k, vs := range r.MultipartForm.Value {
			v[k] = append(v[k], vs...)
		}
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			if tooLarge(err) {
				return nil, err
			}
			return nil, bad
		}
		body, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, bad
		}
		for k, vs := range body {
			v[k] = append(v[k], vs...)
		}
	}
	return v, nil
}

func tooLarge(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}
