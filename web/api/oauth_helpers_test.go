package api_test

// Helpers the client API tests share to register apps and run the OAuth
// flow (web/auth); web/auth/oauth_test.go has their twins.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

const (
	callback = "https://app.example/callback"
	oob      = "urn:ietf:wg:oauth:2.0:oob"
	password = "correct horse battery"
)

// browser is a member's browser: it keeps cookies and does not follow
// redirects, so each step of the flow can be checked.
type browser struct {
	t *testing.T
	n *testrig.Node
	c *http.Client
}

func newBrowser(t *testing.T, n *testrig.Node) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, n: n, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns the status, the Location header and the body.
func (b *browser) do(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.n.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(data)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hidden reads a form's hidden fields.
func hidden(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

type registeredApp struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       []string `json:"scopes"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	ExpiresAt    *int     `json:"client_secret_expires_at"`
	VapidKey     *string  `json:"vapid_key"`
}

func registerApp(t *testing.T, n *testrig.Node, redirect, scopes string) registeredApp {
	t.Helper()
	var app registeredApp
	code, _, _ := call(t, "POST", n.URL+"/api/v1/apps", "", url.Values{"client_name": {"Test app"}, "redirect_uris": {redirect},
		"scopes": {scopes}, "website": {"https://app.example"}}, &app)
	if code != http.StatusOK || app.ClientID == "" || app.ClientSecret == "" {
		t.Fatalf("register app: %d %+v", code, app)
	}
	return app
}

type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

func postToken(t *testing.T, n *testrig.Node, form url.Values) (int, tokenAnswer) {
	t.Helper()
	var tok tokenAnswer
	code, _, _ := call(t, "POST", n.URL+"/oauth/token", "", form, &tok)
	return code, tok
}

func pkce() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text() // 52 characters
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizePath(app registeredApp, redirect, scope, state, challenge string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {redirect},
		"scope": {scope}, "state": {state}}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return "/oauth/authorize?" + q.Encode()
}

// signIn goes from the authorization URL through the sign-in form to the
// consent page, and returns the consent page.
func (b *browser) signIn(authorize, login string) string {
	b.t.Helper()
	code, _, page := b.do(http.MethodGet, authorize, nil)
	if code != http.StatusOK || !strings.Contains(page, `name="password"`) || !strings.Contains(page, `lang="en-GB"`) {
		b.t.Fatalf("GET %s: %d, want the sign-in form:\n%s", authorize, code, page)
	}
	form := hidden(page)
	form.Set("login", login)
	form.Set("password", password)
	code, next, page := b.do(http.MethodPost, "/oauth/sign_in", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(next, "/oauth/authorize?") {
		b.t.Fatalf("sign in: %d %q, want 303 back to the authorization:\n%s", code, next, page)
	}
	return b.consent(next)
}

func (b *browser) consent(authorize string) string {
	b.t.Helper()
	code, _, page := b.do(http.MethodGet, authorize, nil)
	if code != http.StatusOK || !strings.Contains(page, `value="authorize"`) {
		b.t.Fatalf("GET %s: %d, want the consent page:\n%s", authorize, code, page)
	}
	return page
}

// approve answers the consent page and returns the redirect it leads to.
func (b *browser) approve(consent, decision string) *url.URL {
	b.t.Helper()
	form := hidden(consent)
	form.Set("decision", decision)
	code, location, page := b.do(http.MethodPost, "/oauth/authorize", form)
	if code != http.StatusFound {
		b.t.Fatalf("POST /oauth/authorize: %d, want 302:\n%s", code, page)
	}
	u, err := url.Parse(location)
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}
