package auth_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/copse-dev/copse/web/testrig"
)

var (
	secretField  = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)
	recoveryCode = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// TestTwoStepSignIn: a member turns two-step sign-in on from the page
// (its QR code and secret, then a code); signing in, on the web, then
// needs a code as well, and says so; with a code it signs in.
func TestTwoStepSignIn(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	b := testrig.NewFormBrowser(t, n)
	webSignIn(b, "", "alice", password)
	_, _, page := b.Do(http.MethodGet, "/settings/two-step", nil)
	m, s := csrfField.FindStringSubmatch(page), secretField.FindStringSubmatch(page)
	if m == nil || s == nil || !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Fatalf("no form, secret or QR code:\n%s", page)
	}
	secret := s[1]
	form := url.Values{"csrf": {m[1]}, "secret": {secret}, "code": {"000000"}}
	if code, _, page := b.Do(http.MethodPost, "/settings/two-step/on", form); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `href="#code">That code is not right`) || !strings.Contains(page, `value="`+secret+`"`) {
		t.Fatalf("a wrong code: %d\n%s", code, page)
	}
	now, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	form.Set("code", now)
	code, _, page := b.Do(http.MethodPost, "/settings/two-step/on", form)
	recovery := recoveryCode.FindAllStringSubmatch(page, -1)
	if code != http.StatusOK || len(recovery) != 10 || !strings.Contains(page, "Save your recovery codes") {
		t.Fatalf("turning it on: %d, %d recovery codes\n%s", code, len(recovery), page)
	}
	if _, _, page := b.Do(http.MethodGet, "/settings/two-step", nil); strings.Contains(page, recovery[0][1]) || !strings.Contains(page, "10 left") {
		t.Errorf("the page again shows the recovery codes, or not how many are left:\n%s", page)
	}

	other := testrig.NewFormBrowser(t, n)
	code, _, page = webSignIn(other, "", "alice", password)
	if code != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(page), "Enter the code from your authenticator app") {
		t.Fatalf("a sign-in without a code: %d\n%s", code, page)
	}
	next, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, _, page = other.Do(http.MethodGet, "/auth/sign_in", nil)
	m = csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-in form:\n%s", page)
	}
	if code, _, page := other.Do(http.MethodPost, "/auth/sign_in", url.Values{"csrf": {m[1]}, "login": {"alice"}, "password": {password},
		"code": {next}}); code != http.StatusSeeOther {
		t.Fatalf("a sign-in with a code: %d\n%s", code, page)
	}
}
