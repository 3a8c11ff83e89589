package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// oob is the out-of-band redirect: the node shows the code on a page
// instead of redirecting, which suits a command-line tool.
const oob = "urn:ietf:wg:oauth:2.0:oob"

var (
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	codeOnPage  = regexp.MustCompile(`id="code"[^>]*>([^<]+)<`)
)

// passwordToken obtains an access token for a member the way a Mastodon
// app does, with the authorization-code flow: register an app, sign in on
// the node's page, authorize, and exchange the code. copse offers no
// password grant, and the loader must set up follows and posts through
// the same API a member's app uses.
func passwordToken(ctx context.Context, node *url.URL, username, password string) (string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	const scopes = "read write follow"
	b, err := postForm(ctx, c, node.JoinPath("/api/v1/apps").String(), url.Values{
		"client_name": {"copse-load"}, "redirect_uris": {oob}, "scopes": {scopes}})
	if err == nil {
		err = json.Unmarshal(b, &app)
	}
	if err != nil {
		return "", fmt.Errorf("register app: %w", err)
	}
	auth := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {oob}, "scope": {scopes}}
	page, err := get(ctx, c, node.JoinPath("/oauth/authorize").String()+"?"+auth.Encode())
	if err != nil {
		return "", fmt.Errorf("authorization page: %w", err)
	}
	form := hiddenFields(page)
	form.Set("login", username)
	form.Set("password", password)
	// The sign-in answers with a redirect to the consent page, which the
	// client follows (with the session cookie).
	page, err = postForm(ctx, c, node.JoinPath("/oauth/sign_in").String(), form)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	form = hiddenFields(page)
	if form.Get("client_id") == "" {
		return "", errors.New("sign in: no consent form (wrong username or password?)")
	}
	form.Set("decision", "authorize")
	page, err = postForm(ctx, c, node.JoinPath("/oauth/authorize").String(), form)
	if err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	m := codeOnPage.FindSubmatch(page)
	if m == nil {
		return "", errors.New("authorize: no code on the page")
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	b, err = postForm(ctx, c, node.JoinPath("/oauth/token").String(), url.Values{
		"grant_type": {"authorization_code"}, "code": {strings.TrimSpace(html.UnescapeString(string(m[1])))},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {oob}})
	if err == nil {
		err = json.Unmarshal(b, &tok)
	}
	if err == nil && tok.AccessToken == "" {
		err = errors.New("no access_token")
	}
	if err != nil {
		return "", fmt.Errorf("exchange code: %w", err)
	}
	return tok.AccessToken, nil
}

func hiddenFields(page []byte) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllSubmatch(page, -1) {
		v.Set(html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2])))
	}
	return v
}

func get(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return (&client{http: c}).do(req)
}

func postForm(ctx context.Context, c *http.Client, u string, v url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return (&client{http: c}).do(req)
}
