package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/web/testrig"
)

// The OAuth helpers are web/testrig's (oauth.go), which web/api's tests
// share. These names keep this package's tests reading as they did.
const (
	callback = testrig.Callback
	oob      = testrig.OOB
	password = testrig.Password
)

var (
	hidden        = testrig.Hidden
	registerApp   = testrig.RegisterApp
	postToken     = testrig.PostToken
	pkce          = testrig.PKCE
	authorizePath = testrig.AuthorizePath
)

func TestOAuthAuthorizationCodeWithPKCE(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read write follow")
	b := testrig.NewFormBrowser(t, n)
	verifier, challenge := pkce()

	consent := b.SignIn(authorizePath(app, callback, "read write", "xyz", challenge), "alice")
	for _, want := range []string{"Test app", "@alice", "<dt>read</dt>", "<dt>write</dt>"} {
		if !strings.Contains(consent, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	redirect := b.Approve(consent, "authorize")
	code := redirect.Query().Get("code")
	if got := redirect.Scheme + "://" + redirect.Host + redirect.Path; got != callback || code == "" ||
		redirect.Query().Get("state") != "xyz" {
		t.Fatalf("redirect = %s; want %s with code and state=xyz", redirect, callback)
	}

	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "redirect_uri": {callback}, "code_verifier": {verifier}}
	status, tok := postToken(t, n, exchange)
	if status != http.StatusOK || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.Scope != "read write" ||
		tok.CreatedAt == 0 || tok.RefreshToken == "" {
		t.Fatalf("token: %d %+v", status, tok)
	}
	var who testrig.App
	if status, _, _ := call(t, "GET", n.URL+"/api/v1/apps/verify_credentials", tok.AccessToken, nil, &who); status != http.StatusOK ||
		who.Name != "Test app" || who.Website == nil || *who.Website != "https://app.example" ||
		who.VapidKey == nil || *who.VapidKey != *app.VapidKey || *who.VapidKey == "" {
		t.Errorf("apps/verify_credentials: %d %+v", status, who)
	}
	me, err := mastodon.NewClient(&mastodon.Config{Server: n.URL, AccessToken: tok.AccessToken}).
		GetAccountCurrentUser(context.Background())
	if err != nil || me.Username != "alice" {
		t.Errorf("go-mastodon GetAccountCurrentUser with the OAuth token: %+v, %v", me, err)
	}

	if status, again := postToken(t, n, exchange); status != http.StatusBadRequest || again.Error != "invalid_grant" {
		t.Errorf("code used twice: %d %+v; want 400 invalid_grant", status, again)
	}

	// Refreshing rotates: the old pair stops working, the new one works.
	status, fresh := postToken(t, n, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}})
	if status != http.StatusOK || fresh.AccessToken == "" || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken ||
		fresh.Scope != "read write" {
		t.Fatalf("refresh: %d %+v", status, fresh)
	}
	if status, _, _ := call(t, "GET", n.URL+"/api/v1/apps/verify_credentials", tok.AccessToken, nil, nil); status != http.StatusUnauthorized {
		t.Errorf("old access token after refresh: %d; want 401", status)
	}
	if status, again := postToken(t, n, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}); status != http.StatusBadRequest || again.Error != "invalid_grant" {
		t.Errorf("old refresh token: %d %+v; want 400 invalid_grant", status, again)
	}
	if status, _, _ := call(t, "GET", n.URL+"/api/v1/apps/verify_credentials", fresh.AccessToken, nil, nil); status != http.StatusOK {
		t.Errorf("new access token: %d; want 200", status)
	}

	// A revoked token gets 401 everywhere.
	var empty map[string]any
	if status, _, _ := call(t, "POST", n.URL+"/oauth/revoke", "", url.Values{"token": {fresh.AccessToken},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}, &empty); status != http.StatusOK || len(empty) != 0 {
		t.Errorf("revoke: %d %v; want 200 {}", status, empty)
	}
	for _, path := range []string{"/api/v1/apps/verify_credentials", "/api/v1/preferences", "/api/v1/instance"} {
		if status, _, _ := call(t, "GET", n.URL+path, fresh.AccessToken, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("%s with a revoked token: %d; want 401", path, status)
		}
	}
	if status, _, _ := call(t, "POST", n.URL+"/oauth/revoke", "", url.Values{"token": {"no-such-token"},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}, &empty); status != http.StatusOK {
		t.Errorf("revoking an unknown token: %d; want 200", status)
	}
}

func TestOAuthTokenRefusals(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read")
	other := registerApp(t, n, callback, "read")
	b := testrig.NewFormBrowser(t, n)
	verifier, challenge := pkce()
	b.SignIn(authorizePath(app, callback, "read", "s", challenge), "alice")

	tests := []struct {
		name       string
		challenge  string
		change     func(url.Values)
		wantStatus int
		wantError  string
	}{
		{"wrong verifier", challenge, func(v url.Values) { v.Set("code_verifier", strings.Repeat("a", 43)) }, 400, "invalid_grant"},
		{"no verifier", challenge, func(v url.Values) { v.Del("code_verifier") }, 400, "invalid_grant"},
		{"verifier without challenge", "", func(url.Values) {}, 400, "invalid_grant"},
		{"other redirect URI", challenge, func(v url.Values) { v.Set("redirect_uri", "https://evil.example/") }, 400, "invalid_grant"},
		{"other client", challenge, func(v url.Values) {
			v.Set("client_id", other.ClientID)
			v.Set("client_secret", other.ClientSecret)
		}, 400, "invalid_grant"},
		{"wrong secret", challenge, func(v url.Values) { v.Set("client_secret", "nope") }, 401, "invalid_client"},
		{"unknown grant type", challenge, func(v url.Values) { v.Set("grant_type", "password") }, 400, "unsupported_grant_type"},
		{"unknown code", challenge, func(v url.Values) { v.Set("code", "nope") }, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := b.For(t)
			v := url.Values{"grant_type": {"authorization_code"}, "code": {b.CodeFor(app, tt.challenge)},
				"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {callback},
				"code_verifier": {verifier}}
			tt.change(v)
			status, tok := postToken(t, n, v)
			if status != tt.wantStatus || tok.Error != tt.wantError || tok.Description == "" || tok.AccessToken != "" {
				t.Errorf("token: %d %+v; want %d %s", status, tok, tt.wantStatus, tt.wantError)
			}
		})
	}

	t.Run("a refused code is spent", func(t *testing.T) {
		b := b.For(t)
		code := b.CodeFor(app, challenge)
		v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {app.ClientID},
			"client_secret": {app.ClientSecret}, "redirect_uri": {callback}, "code_verifier": {strings.Repeat("b", 43)}}
		postToken(t, n, v)
		v.Set("code_verifier", verifier)
		if status, tok := postToken(t, n, v); status != http.StatusBadRequest || tok.Error != "invalid_grant" {
			t.Errorf("right verifier after a wrong one: %d %+v; want invalid_grant", status, tok)
		}
	})

	t.Run("client authenticated by HTTP Basic", func(t *testing.T) {
		b := b.For(t)
		req := request(t, http.MethodPost, n.URL+"/oauth/token", "", url.Values{
			"grant_type": {"authorization_code"}, "code": {b.CodeFor(app, challenge)}, "redirect_uri": {callback},
			"code_verifier": {verifier}})
		req.SetBasicAuth(app.ClientID, app.ClientSecret)
		var tok testrig.TokenAnswer
		if status, _, _ := send(t, req, &tok); status != http.StatusOK || tok.AccessToken == "" {
			t.Errorf("token with Basic client authentication: %d %+v", status, tok)
		}
	})
}

func TestOAuthOutOfBand(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, oob, "read")
	b := testrig.NewFormBrowser(t, n)
	form := hidden(b.SignIn(authorizePath(app, oob, "", "", ""), "alice"))
	form.Set("decision", "authorize")
	status, _, page := b.Do(http.MethodPost, "/oauth/authorize", form)
	m := regexp.MustCompile(`id="code"[^>]*>([^<]+)<`).FindStringSubmatch(page)
	if status != http.StatusOK || m == nil {
		t.Fatalf("oob authorization: %d, want a page with the code:\n%s", status, page)
	}
	status, tok := postToken(t, n, url.Values{"grant_type": {"authorization_code"}, "code": {m[1]},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {oob}})
	if status != http.StatusOK || tok.Scope != "read" {
		t.Errorf("token from the oob code: %d %+v", status, tok)
	}
}

func TestOAuthSignInFailuresAreLimited(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read")
	b := testrig.NewFormBrowser(t, n)
	_, _, page := b.Do(http.MethodGet, authorizePath(app, callback, "read", "", ""), nil)
	form := hidden(page)
	form.Set("login", "alice")
	for i := range 5 {
		form.Set("password", "wrong horse battery")
		status, _, page := b.Do(http.MethodPost, "/oauth/sign_in", form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, `role="alert"`) ||
			!strings.Contains(page, `name="password"`) || !strings.Contains(page, `value="alice"`) {
			t.Fatalf("failure %d: %d, want the form again with an error:\n%s", i+1, status, page)
		}
		form = hidden(page)
		form.Set("login", "alice")
	}
	form.Set("password", password)
	status, _, page := b.Do(http.MethodPost, "/oauth/sign_in", form)
	if status != http.StatusTooManyRequests || !strings.Contains(page, "Too many failed sign-ins") {
		t.Errorf("after 5 failures: %d, want 429 even with the right password:\n%s", status, page)
	}
}

func TestOAuthCSRF(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read")

	signedOut := testrig.NewFormBrowser(t, n)
	_, _, page := signedOut.Do(http.MethodGet, authorizePath(app, callback, "read", "", ""), nil)
	signInForm := hidden(page)
	signInForm.Set("login", "alice")
	signInForm.Set("password", password)

	signedIn := testrig.NewFormBrowser(t, n)
	consentForm := hidden(signedIn.SignIn(authorizePath(app, callback, "read", "", ""), "alice"))
	consentForm.Set("decision", "authorize")

	tests := []struct {
		name string
		b    *testrig.FormBrowser
		path string
		form url.Values
		edit func(url.Values)
	}{
		{"sign-in without token", signedOut, "/oauth/sign_in", signInForm, func(v url.Values) { v.Del("csrf") }},
		{"sign-in with a wrong token", signedOut, "/oauth/sign_in", signInForm, func(v url.Values) { v.Set("csrf", "x"+v.Get("csrf")) }},
		{"sign-in without the cookie", testrig.NewFormBrowser(t, n), "/oauth/sign_in", signInForm, func(url.Values) {}},
		{"consent without token", signedIn, "/oauth/authorize", consentForm, func(v url.Values) { v.Del("csrf") }},
		{"consent with a wrong token", signedIn, "/oauth/authorize", consentForm, func(v url.Values) { v.Set("csrf", strings.Repeat("0", 64)) }},
		{"consent without a session", testrig.NewFormBrowser(t, n), "/oauth/authorize", consentForm, func(url.Values) {}},
		{"consent with the sign-in form's token", signedIn, "/oauth/authorize", consentForm, func(v url.Values) { v.Set("csrf", signInForm.Get("csrf")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b.For(t)
			form := cloneForm(tt.form)
			tt.edit(form)
			if status, location, _ := b.Do(http.MethodPost, tt.path, form); status != http.StatusForbidden {
				t.Errorf("%s: %d %s; want 403", tt.path, status, location)
			}
		})
	}

	t.Run("the untouched forms work", func(t *testing.T) {
		signedOut, signedIn := signedOut.For(t), signedIn.For(t)
		if status, _, _ := signedOut.Do(http.MethodPost, "/oauth/sign_in", signInForm); status != http.StatusSeeOther {
			t.Errorf("sign-in: %d; want 303", status)
		}
		if status, _, _ := signedIn.Do(http.MethodPost, "/oauth/authorize", consentForm); status != http.StatusFound {
			t.Errorf("consent: %d; want 302", status)
		}
	})
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func TestOAuthAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := registerApp(t, n, callback, "read write")
	b := testrig.NewFormBrowser(t, n)
	_, challenge := pkce()
	b.SignIn(authorizePath(app, callback, "read", "", ""), "alice")

	tests := []struct {
		name       string
		edit       func(url.Values)
		wantStatus int
		wantError  string // error= on the redirect; "" for a page
	}{
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, 400, ""},
		{"unregistered redirect URI", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, 400, ""},
		{"unknown scope", func(v url.Values) { v.Set("scope", "read nonsense") }, 302, "invalid_scope"},
		{"scope the app did not register", func(v url.Values) { v.Set("scope", "follow") }, 302, "invalid_scope"},
		{"plain PKCE", func(v url.Values) {
			v.Set("code_challenge", challenge)
			v.Set("code_challenge_method", "plain")
		}, 302, "invalid_request"},
		{"implicit grant", func(v url.Values) { v.Set("response_type", "token") }, 302, "unsupported_response_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := b.For(t)
			v := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {callback},
				"scope": {"read"}, "state": {"st"}}
			tt.edit(v)
			status, location, page := b.Do(http.MethodGet, "/oauth/authorize?"+v.Encode(), nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d; want %d:\n%s", status, tt.wantStatus, page)
			}
			if tt.wantError == "" {
				if !strings.Contains(page, `role="alert"`) {
					t.Errorf("no error shown:\n%s", page)
				}
				return
			}
			u, _ := url.Parse(location)
			if q := u.Query(); !strings.HasPrefix(location, callback) || q.Get("error") != tt.wantError || q.Get("state") != "st" {
				t.Errorf("redirect %s; want error=%s and state", location, tt.wantError)
			}
		})
	}

	t.Run("deny", func(t *testing.T) {
		b := b.For(t)
		u := b.Approve(b.Consent(authorizePath(app, callback, "read", "st", "")), "deny")
		if q := u.Query(); q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Get("code") != "" {
			t.Errorf("deny redirect %s; want error=access_denied", u)
		}
	})
}

func TestOAuthClientCredentials(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	app := registerApp(t, n, callback, "read write")
	status, tok := postToken(t, n, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {"read"}})
	if status != http.StatusOK || tok.AccessToken == "" || tok.Scope != "read" || tok.RefreshToken != "" {
		t.Fatalf("client_credentials: %d %+v", status, tok)
	}
	var who testrig.App
	if status, _, _ := call(t, "GET", n.URL+"/api/v1/apps/verify_credentials", tok.AccessToken, nil, &who); status != http.StatusOK || who.Name != "Test app" {
		t.Errorf("apps/verify_credentials with an app token: %d %+v", status, who)
	}
	if status, _, _ := call(t, "GET", n.URL+"/api/v1/preferences", tok.AccessToken, nil, nil); status != http.StatusUnauthorized {
		t.Errorf("a member's endpoint with an app token: %d; want 401", status)
	}
	if status, tok := postToken(t, n, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {"follow"}}); status != http.StatusBadRequest || tok.Error != "invalid_scope" {
		t.Errorf("client_credentials beyond the app's scopes: %d %+v; want invalid_scope", status, tok)
	}
}

func TestOAuthMetadata(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	var meta struct {
		Issuer                string   `json:"issuer"`
		Authorization         string   `json:"authorization_endpoint"`
		Token                 string   `json:"token_endpoint"`
		Revocation            string   `json:"revocation_endpoint"`
		Registration          string   `json:"app_registration_endpoint"`
		Scopes                []string `json:"scopes_supported"`
		ResponseTypes         []string `json:"response_types_supported"`
		GrantTypes            []string `json:"grant_types_supported"`
		ChallengeMethods      []string `json:"code_challenge_methods_supported"`
		TokenEndpointAuthMeth []string `json:"token_endpoint_auth_methods_supported"`
	}
	if status, _, _ := call(t, "GET", n.URL+"/.well-known/oauth-authorization-server", "", nil, &meta); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if meta.Issuer != n.URL+"/" || meta.Authorization != n.URL+"/oauth/authorize" || meta.Token != n.URL+"/oauth/token" ||
		meta.Revocation != n.URL+"/oauth/revoke" || meta.Registration != n.URL+"/api/v1/apps" {
		t.Errorf("endpoints = %+v", meta)
	}
	for _, s := range []string{"read", "write", "follow", "push", "profile", "read:statuses", "write:media", "admin:write"} {
		if !slices.Contains(meta.Scopes, s) {
			t.Errorf("scopes_supported lacks %s", s)
		}
	}
	if len(meta.Scopes) != 45 {
		t.Errorf("%d scopes supported; want Mastodon's 45", len(meta.Scopes))
	}
	if !slices.Equal(meta.ResponseTypes, []string{"code"}) || !slices.Equal(meta.ChallengeMethods, []string{"S256"}) ||
		!slices.Equal(meta.TokenEndpointAuthMeth, []string{"client_secret_basic", "client_secret_post"}) {
		t.Errorf("metadata = %+v", meta)
	}
	for _, g := range []string{"authorization_code", "refresh_token", "client_credentials"} {
		if !slices.Contains(meta.GrantTypes, g) {
			t.Errorf("grant_types_supported lacks %s", g)
		}
	}
}
