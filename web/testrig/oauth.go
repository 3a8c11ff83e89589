package testrig

// What tests of the client API (web/api) and of sign-in and OAuth
// (web/auth) share to register apps and go through the OAuth flow as a
// member at a browser would.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Redirect URIs an app registers with: an app's own callback, and the
// out-of-band one that shows the code on a page.
const (
	Callback = "https://app.example/callback"
	OOB      = "urn:ietf:wg:oauth:2.0:oob"
)

// FormBrowser is a member's browser without scripts: it keeps cookies
// and does not follow redirects, so each step of a flow can be checked.
type FormBrowser struct {
	t      testing.TB
	n      *Node
	Client *http.Client
}

// NewFormBrowser returns a browser with no cookies yet, for n.
func NewFormBrowser(t testing.TB, n *Node) *FormBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &FormBrowser{t: t, n: n, Client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// SignIn returns a browser of its own signed in on n as login, through
// the web sign-in form as a person fills it in.
func SignIn(t testing.TB, n *Node, login string) *FormBrowser {
	t.Helper()
	b := NewFormBrowser(t, n)
	code, _, page := b.Do(http.MethodGet, "/auth/sign_in", nil)
	if code != http.StatusOK {
		t.Fatalf("sign-in page: %d\n%s", code, page)
	}
	form := Hidden(page)
	form.Set("login", login)
	form.Set("password", Password)
	if code, _, page := b.Do(http.MethodPost, "/auth/sign_in", form); code != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d\n%s", login, code, page)
	}
	return b
}

// Do sends a request for path (form, if not nil, as an urlencoded body)
// and returns the status, the Location header and the body.
func (b *FormBrowser) Do(method, path string, form url.Values) (int, string, string) {
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
	return b.Send(req)
}

// Upload is a file a multipart form carries.
type Upload struct {
	Field, Name string
	Data        []byte
}

// Multipart posts form and files to path as a browser posts a form with
// enctype="multipart/form-data", and returns what Do returns.
func (b *FormBrowser) Multipart(path string, form url.Values, files ...Upload) (int, string, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.Field, f.Name)
		if err != nil {
			b.t.Fatal(err)
		}
		if _, err := w.Write(f.Data); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.n.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	return b.Send(req)
}

// Send sends req with the browser's cookies, following no redirect, and
// returns the status, the Location header and the body.
func (b *FormBrowser) Send(req *http.Request) (int, string, string) {
	b.t.Helper()
	resp, err := b.Client.Do(req)
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

// SignIn goes from the authorization URL through the sign-in form (as
// login, with Password) to the consent page, and returns the consent page.
func (b *FormBrowser) SignIn(authorize, login string) string {
	b.t.Helper()
	code, _, page := b.Do(http.MethodGet, authorize, nil)
	if code != http.StatusOK || !strings.Contains(page, `name="password"`) || !strings.Contains(page, `lang="en-GB"`) {
		b.t.Fatalf("GET %s: %d, want the sign-in form:\n%s", authorize, code, page)
	}
	form := Hidden(page)
	form.Set("login", login)
	form.Set("password", Password)
	code, next, page := b.Do(http.MethodPost, "/oauth/sign_in", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(next, "/oauth/authorize?") {
		b.t.Fatalf("sign in: %d %q, want 303 back to the authorization:\n%s", code, next, page)
	}
	return b.Consent(next)
}

// Consent opens an authorization URL as a member already signed in and
// returns the consent page.
func (b *FormBrowser) Consent(authorize string) string {
	b.t.Helper()
	code, _, page := b.Do(http.MethodGet, authorize, nil)
	if code != http.StatusOK || !strings.Contains(page, `value="authorize"`) {
		b.t.Fatalf("GET %s: %d, want the consent page:\n%s", authorize, code, page)
	}
	return page
}

// Approve answers the consent page with decision ("authorize" or
// "deny") and returns the redirect it leads to.
func (b *FormBrowser) Approve(consent, decision string) *url.URL {
	b.t.Helper()
	form := Hidden(consent)
	form.Set("decision", decision)
	code, location, page := b.Do(http.MethodPost, "/oauth/authorize", form)
	if code != http.StatusFound {
		b.t.Fatalf("POST /oauth/authorize: %d, want 302:\n%s", code, page)
	}
	u, err := url.Parse(location)
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// CodeFor runs an authorization for the read scope with a browser
// already signed in, and returns the code.
func (b *FormBrowser) CodeFor(app App, challenge string) string {
	b.t.Helper()
	u := b.Approve(b.Consent(AuthorizePath(app, Callback, "read", "s", challenge)), "authorize")
	return u.Query().Get("code")
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// Hidden reads a form's hidden fields from a page.
func Hidden(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// App is Mastodon's Application entity as POST /api/v1/apps answers it.
type App struct {
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

// RegisterApp registers an app with redirect and scopes (space
// separated) on n, and fails t unless it gets a client ID and secret.
func RegisterApp(t testing.TB, n *Node, redirect, scopes string) App {
	t.Helper()
	var app App
	code := postForm(t, n.URL+"/api/v1/apps", url.Values{"client_name": {"Test app"}, "redirect_uris": {redirect},
		"scopes": {scopes}, "website": {"https://app.example"}}, &app)
	if code != http.StatusOK || app.ClientID == "" || app.ClientSecret == "" {
		t.Fatalf("register app: %d %+v", code, app)
	}
	return app
}

// TokenAnswer is what POST /oauth/token answers, a token or an error.
type TokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// PostToken posts form to n's token endpoint and returns the status and
// the answer.
func PostToken(t testing.TB, n *Node, form url.Values) (int, TokenAnswer) {
	t.Helper()
	var tok TokenAnswer
	code := postForm(t, n.URL+"/oauth/token", form, &tok)
	return code, tok
}

// PKCE returns a new code verifier and its S256 challenge.
func PKCE() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text() // 52 characters
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizePath is the path of an authorization request for app; an
// empty challenge asks without PKCE.
func AuthorizePath(app App, redirect, scope, state, challenge string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {redirect},
		"scope": {scope}, "state": {state}}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return "/oauth/authorize?" + q.Encode()
}

// postForm posts form, with no token, to endpoint; it decodes a JSON
// answer into out and returns the status.
func postForm(t testing.TB, endpoint string, form url.Values, out any) int {
	t.Helper()
	resp, err := http.PostForm(endpoint, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %v\n%s", endpoint, resp.StatusCode, err, data)
	}
	return resp.StatusCode
}

// For returns the browser reporting to t (a subtest's), with the same
// cookies.
func (b *FormBrowser) For(t testing.TB) *FormBrowser {
	c := *b
	c.t = t
	return &c
}

// T is the test the browser reports to.
func (b *FormBrowser) T() testing.TB { return b.t }
