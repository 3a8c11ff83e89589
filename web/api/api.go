// Package api is copse's Mastodon-compatible client API, so members use
// copse from the apps they already have. Its OAuth 2 server (and the
// sign-in it shares with the pages) is web/auth; app registration is here.
//
// Handlers authenticate the bearer token, check its scopes, decode the
// form (query string, urlencoded, multipart or JSON alike), write through
// the federation engine, read through storage, and answer with entities
// shaped exactly as Mastodon's documentation gives them. A handler
// returns its error; one adapter (Handler.handle) answers it through
// web/httperr.
package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	webauth "github.com/copse-dev/copse/web/auth"
	"github.com/copse-dev/copse/web/httperr"
)

// Handler serves the client API of one node.
type Handler struct {
	engine  *federation.Engine
	store   storage.Reader
	oauth   *webauth.Server
	urls    federation.URLs
	version string
	now     func() time.Time
	log     *slog.Logger
	limiter *windowLimiter
}

// Options configures the API.
type Options struct {
	Version string
	Now     func() time.Time
	Log     *slog.Logger
	// RateLimit replaces DefaultRateLimit.
	RateLimit RateLimit
	// Auth serves the OAuth endpoints, which Mount puts behind the API's
	// rate limit; nil leaves them out.
	Auth *webauth.Server
}

// New returns the client API handler.
func New(engine *federation.Engine, o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	// Either half left unset takes Mastodon's value.
	if o.RateLimit.Requests <= 0 {
		o.RateLimit.Requests = DefaultRateLimit.Requests
	}
	if o.RateLimit.Window <= 0 {
		o.RateLimit.Window = DefaultRateLimit.Window
	}
	return &Handler{engine: engine, store: engine.Reader(), oauth: o.Auth, urls: engine.URLs(), version: o.Version, now: o.Now,
		log: o.Log.With("component", "api"), limiter: newWindowLimiter(o.RateLimit, o.Now)}
}

// MountStreaming adds the streaming API's routes to r. Streams live
// until the client leaves: mount them where no request deadline applies.
func (h *Handler) MountStreaming(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.authenticate)
		r.Use(h.rateLimit)
		h.mountStreaming(r)
	})
}

// Mount adds the API routes to r, but for streaming (MountStreaming).
func (h *Handler) Mount(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.authenticate)
		r.Use(h.rateLimit)
		h.mountOAuth(r)
		h.mountAccounts(r)
		h.mountStatuses(r)
		h.mountTimelines(r)
		h.mountNotifications(r)
		h.mountInstance(r)
		h.mountAnnouncements(r)
		h.mountSuggestions(r)
		h.mountMedia(r)
		h.mountSearch(r)
		h.mountTags(r)
		h.mountLists(r)
		h.mountFilters(r)
		h.mountMarkers(r)
		h.mountConversations(r)
		h.mountPolls(r)
		h.mountPush(r)
		h.mountScheduled(r)
		h.mountTrends(r)
		h.mountReports(r)
		h.mountAdminReports(r)
		h.mountAdminAccounts(r)
		h.mountAdminDomains(r)
		h.mountAdminEmailDomains(r)
		h.mountAdminTrends(r)
	})
}

type ctxKey int

const authKey ctxKey = 0

// auth is who a request acts for: the token's account (zero for an
// app-only token or no token) and its scopes.
type auth struct {
	token   storage.Token
	account storage.Account
	scopes  []string
}

// anonymousBody bounds the body of a request that acts for no member:
// app registration, the token and revocation endpoints, the sign-in
// form, and anything sent with an app-only token. None needs more than
// a few hundred bytes, and anyone may send them.
const anonymousBody = 64 << 10

// authenticate reads a bearer token, if any. A token that is not valid is
// refused with 401 even on public endpoints, as Mastodon does.
//
// Every answer varies with the Authorization header, and one given to a
// token is private: a shared cache must not keep it for someone else.
// Anonymous answers stay cacheable.
func (h *Handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Authorization")
		header := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(header, "Bearer ")
		if !ok {
			token = r.URL.Query().Get("access_token") // streaming clients put it here
		}
		if token == "" {
			h.serveAs(w, r, next, auth{})
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		t, err := h.store.TokenByAccess(r.Context(), storage.HashSecret(strings.TrimSpace(token)))
		if err != nil {
			h.fail(w, r, httperr.New(http.StatusUnauthorized, "The access token is invalid"))
			return
		}
		a := auth{token: t, scopes: t.Scopes}
		if t.AccountID != 0 {
			if a.account, err = h.store.AccountByID(r.Context(), t.AccountID); err != nil {
				h.fail(w, r, httperr.New(http.StatusUnauthorized, "The access token is invalid"))
				return
			}
			if !a.account.SuspendedAt.IsZero() {
				h.fail(w, r, httperr.New(http.StatusForbidden, "Your login is currently disabled"))
				return
			}
		}
		h.touchToken(r.Context(), t)
		h.serveAs(w, r, next, a)
	})
}

// serveAs serves r as a, bounding the body of a request that acts for no
// member to anonymousBody.
func (h *Handler) serveAs(w http.ResponseWriter, r *http.Request, next http.Handler, a auth) {
	if a.account.ID == 0 && r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, anonymousBody)
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey, a)))
}

// touchToken records that t was used (the engine writes it at most once
// per storage.TokenUseResolution); a failure only delays that.
func (h *Handler) touchToken(ctx context.Context, t storage.Token) {
	if err := h.engine.TouchToken(ctx, t); err != nil {
		h.log.WarnContext(ctx, "record token use", "err", err)
	}
}

func authOf(r *http.Request) auth {
	a, _ := r.Context().Value(authKey).(auth)
	return a
}

// viewer is the account the request acts for, zero when anonymous.
func viewer(r *http.Request) storage.Account { return authOf(r).account }

func hasScope(scopes []string, required string) bool { return webauth.HasScope(scopes, required) }

// Middleware is what every request of the client API passes through, in
// order: token authentication, then the rate limit. copse's own API
// (web/copseapi) mounts it too, so the same tokens and limits apply.
func (h *Handler) Middleware() []func(http.Handler) http.Handler {
	return []func(http.Handler) http.Handler{h.authenticate, h.rateLimit}
}

// Caller returns the member a request that passed Middleware acts for,
// when its token carries scope; otherwise an error that answers 401 (no
// member) or 403 (scope missing) as the client API does.
func Caller(r *http.Request, scope string) (storage.Account, error) {
	a := authOf(r)
	if a.account.ID == 0 {
		return storage.Account{}, httperr.New(http.StatusUnauthorized, "This method requires an authenticated user")
	}
	if !hasScope(a.scopes, scope) {
		return storage.Account{}, httperr.New(http.StatusForbidden, "This action is outside the authorized scopes")
	}
	return a.account, nil
}

// optionalCaller is the viewer of a public endpoint: anonymous, or a
// member whose token carries scope (Caller's error otherwise).
func optionalCaller(r *http.Request, scope string) (storage.Account, error) {
	if authOf(r).account.ID == 0 {
		return storage.Account{}, nil
	}
	return Caller(r, scope)
}

// handlerFunc is a handler that returns its error, answered in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts f to a route: the error f returns is answered by
// httperr (status and {"error": "..."}), and logged there when it is the
// server's fault. f must return an error only before it writes its answer.
func (h *Handler) handle(f handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			h.fail(w, r, err)
		}
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Write(w, r, h.log, err)
}

func (h *Handler) json(w http.ResponseWriter, v any) {
	httperr.JSON(w, http.StatusOK, v)
}

// form merges the query string and the body (urlencoded, multipart or
// JSON) into one set of values; JSON arrays become "key[]" values, as
// Rails reads them. It holds at most MaxFormValues values: a body with
// more is refused with 413 before it is decoded, as is one past the
// request's size limit.
func form(r *http.Request) (url.Values, error) {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = append(v[k], vs...)
	}
	if formCount(v) > MaxFormValues {
		return nil, ErrFormTooMany
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return v, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		if err := decodeJSONForm(formBody(r.Body), v, MaxFormValues-formCount(v)); err != nil {
			return nil, err
		}
	case "multipart/form-data":
		// Go bounds a multipart form to 1000 parts, and what it keeps in
		// memory to the body's size limit.
		if err := r.ParseMultipartForm(16 << 20); err != nil {
			if tooLarge(err) {
				return nil, err
			}
			return nil, httperr.New(http.StatusBadRequest, "body is not a valid form")
		}
		for k, vs := range r.MultipartForm.Value {
			v[k] = append(v[k], vs...)
		}
	default:
		// A body is a form when it says so; on DELETE, whatever it says:
		// net/http reads no body on DELETE, but apps send one there
		// (DELETE /api/v1/domain_blocks carries the domain).
		if mt != "application/x-www-form-urlencoded" && r.Method != http.MethodDelete {
			break
		}
		b, err := io.ReadAll(formBody(r.Body))
		if err != nil {
			if tooLarge(err) {
				return nil, err
			}
			return nil, httperr.New(http.StatusBadRequest, "body is not a valid form")
		}
		// Count the pairs before parsing, so a body of "a&a&a..." is
		// refused before it becomes a slice of values.
		if bytes.Count(b, []byte("&"))+1 > MaxFormValues-formCount(v) {
			return nil, ErrFormTooMany
		}
		body, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, httperr.New(http.StatusBadRequest, "body is not a valid form")
		}
		for k, vs := range body {
			v[k] = append(v[k], vs...)
		}
	}
	if formCount(v) > MaxFormValues {
		return nil, ErrFormTooMany
	}
	return v, nil
}

// formCount is the number of values in v.
func formCount(v url.Values) int {
	n := 0
	for _, vs := range v {
		n += len(vs)
	}
	return n
}

// list returns the values of an array parameter, given as "key[]" or as
// repeated "key".
func list(v url.Values, key string) []string {
	if vs, ok := v[key+"[]"]; ok {
		return vs
	}
	return v[key]
}

// boolParam reads a Rails-style boolean ("true", "1", "on").
func boolParam(v url.Values, key string, def bool) bool {
	s := v.Get(key)
	switch strings.ToLower(s) {
	case "":
		return def
	case "true", "1", "on", "yes", "t":
		return true
	}
	return false
}

// page reads max_id, since_id, min_id and limit.
func page(v url.Values, def, maxLimit int) storage.Page {
	p := storage.Page{Limit: def}
	p.MaxID, _ = storage.ParseID(v.Get("max_id"))
	p.SinceID, _ = storage.ParseID(v.Get("since_id"))
	p.MinID, _ = storage.ParseID(v.Get("min_id"))
	if n, err := strconv.Atoi(v.Get("limit")); err == nil && n > 0 {
		p.Limit = min(n, maxLimit)
	}
	return p
}

// setLink writes the Link header Mastodon sends with a list: next pages
// older items (max_id = the oldest ID here), prev newer ones (min_id =
// the newest).
func (h *Handler) setLink(w http.ResponseWriter, r *http.Request, newest, oldest storage.ID) {
	if newest == 0 {
		return
	}
	base := h.urls.Base + r.URL.Path
	q := r.URL.Query()
	for _, k := range []string{"max_id", "since_id", "min_id"} {
		q.Del(k)
	}
	next, prev := url.Values{}, url.Values{}
	for k, vs := range q {
		next[k], prev[k] = vs, vs
	}
	next.Set("max_id", oldest.String())
	prev.Set("min_id", newest.String())
	w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next", <%s?%s>; rel="prev"`,
		base, next.Encode(), base, prev.Encode()))
}

// pathID reads an ID from the URL; a malformed one is "not found".
func pathID(r *http.Request, name string) (storage.ID, error) {
	return storage.ParseID(chi.URLParam(r, name))
}

// byID answers the endpoints that apply one engine command to the thing
// named by the URL's id on the member's behalf, and answer {}.
func (h *Handler) byID(w http.ResponseWriter, r *http.Request, scope string,
	do func(ctx context.Context, account, id storage.ID) error) error {
	return h.byIDFor(w, r, scope, "id", func(ctx context.Context, me storage.Account, id storage.ID) error {
		return do(ctx, me.ID, id)
	})
}

// byIDFor is byID for an engine command that takes the member's account,
// with the id in the URL's param.
func (h *Handler) byIDFor(w http.ResponseWriter, r *http.Request, scope, param string,
	do func(ctx context.Context, me storage.Account, id storage.ID) error) error {
	me, err := Caller(r, scope)
	if err != nil {
		return err
	}
	id, err := pathID(r, param)
	if err == nil {
		err = do(r.Context(), me, id)
	}
	if err != nil {
		return err
	}
	h.json(w, struct{}{})
	return nil
}
