package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	webauth "github.com/copse-dev/copse/web/auth"
	"github.com/copse-dev/copse/web/httperr"
)

// App registration stays in the client API: it is Mastodon's
// /api/v1/apps, and verify_credentials reads the bearer token the API
// authenticates. The rest of OAuth (authorization, sign-in, tokens) is
// web/auth, mounted here behind the API's rate limit.

func (h *Handler) mountOAuth(r chi.Router) {
	apps := webauth.NewEventLimiter(appsPerAddress, webauth.CreationWindow, limiterKeys, h.now)
	r.Post("/api/v1/apps", h.handle(func(w http.ResponseWriter, r *http.Request) error { return h.createApp(w, r, apps) }))
	r.Get("/api/v1/apps/verify_credentials", h.handle(h.verifyApp))
	if h.oauth != nil {
		h.oauth.MountOAuth(r)
	}
}

// limiterKeys bounds the addresses the registration limit remembers.
const limiterKeys = 10000

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
// address may register appsPerAddress per webauth.CreationWindow;
// invalid registrations do not count.
func (h *Handler) createApp(w http.ResponseWriter, r *http.Request, apps *webauth.EventLimiter) error {
	v, err := form(r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(v.Get("client_name"))
	website := strings.TrimSpace(v.Get("website"))
	var redirects []string
	for _, s := range list(v, "redirect_uris") {
		redirects = append(redirects, strings.Fields(s)...)
	}
	var rawScopes []string
	for _, s := range list(v, "scopes") {
		rawScopes = append(rawScopes, webauth.ParseScopes(s)...)
	}
	scopes, err := webauth.ValidScopes(rawScopes, []string{"read"})
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
		if err == nil && !webauth.ValidRedirectURI(u) {
			err = appInvalid("Validation failed: Redirect URI must be an absolute URI.")
		}
	}
	if err != nil {
		return err
	}
	addr := webauth.AddrKey(r)
	if wait := apps.Take(addr); wait > 0 {
		webauth.TooMany(w, apps.Max(), h.now().Add(wait), h.now())
		return nil
	}
	app, secret, err := h.engine.RegisterApp(r.Context(), federation.NewApp{Name: name, Website: website,
		RedirectURIs: distinctStrings(redirects), Scopes: scopes})
	if err != nil {
		apps.GiveBack(addr)
		return err
	}
	e := appEntityOf(app)
	e.ClientID, e.ClientSecret, e.ClientSecretExpiresAt = app.ClientID, secret, new(int)
	if e.VapidKey, err = h.engine.VAPIDPublicKey(r.Context()); err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// verifyApp answers which app a token belongs to: GET
// /api/v1/apps/verify_credentials. Any live token will do, whatever its
// scopes, as in Mastodon.
func (h *Handler) verifyApp(w http.ResponseWriter, r *http.Request) error {
	t := authOf(r).token
	if t.ID == 0 {
		return httperr.New(http.StatusUnauthorized, "The access token is invalid")
	}
	app, err := h.store.AppByID(r.Context(), t.AppID)
	if err != nil {
		return err
	}
	e := appEntityOf(app)
	if e.VapidKey, err = h.engine.VAPIDPublicKey(r.Context()); err != nil {
		return err
	}
	h.json(w, e)
	return nil
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

func websiteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func appInvalid(msg string) error {
	return httperr.New(http.StatusUnprocessableEntity, msg)
}
