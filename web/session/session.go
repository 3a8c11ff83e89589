// Package session carries the member signed in from a browser through a
// request's context, for every package that renders pages. web/auth finds
// the member (its LoadSession middleware) and puts them here; web/pages
// and web/auth's own pages read them back. It is a leaf, so the page
// packages can share one layout without importing each other.
package session

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/copse-dev/copse/storage"
)

type ctxKey struct{}

type signedIn struct {
	account storage.Account
	signOut string
	staff   bool
}

// With returns ctx carrying account as the member signed in, and the CSRF
// token their sign-out form must carry.
func With(ctx context.Context, account storage.Account, signOutToken string) context.Context {
	return context.WithValue(ctx, ctxKey{}, signedIn{account: account, signOut: signOutToken})
}

// Member returns the member signed in from r's browser, if any.
func Member(r *http.Request) (storage.Account, bool) {
	si, ok := r.Context().Value(ctxKey{}).(signedIn)
	return si.account, ok
}

// WithStaff returns ctx, which carries a signed-in member (With), marked
// as one who may open the moderation dashboard, so the site's layout
// links to it. It decides nothing: every dashboard page asks the
// engine's permission rule again.
func WithStaff(ctx context.Context) context.Context {
	si, ok := ctx.Value(ctxKey{}).(signedIn)
	if !ok {
		return ctx
	}
	si.staff = true
	return context.WithValue(ctx, ctxKey{}, si)
}

// Staff reports whether the member signed in from r's browser may open
// the moderation dashboard (WithStaff); false when no one is signed in.
func Staff(r *http.Request) bool {
	si, _ := r.Context().Value(ctxKey{}).(signedIn)
	return si.staff
}

// SignOutToken is the CSRF token the sign-out form of the member signed
// in must carry; "" when no one is.
func SignOutToken(r *http.Request) string {
	si, _ := r.Context().Value(ctxKey{}).(signedIn)
	return si.signOut
}

// SignInURL is the web sign-in page, which comes back to next (a path on
// this node) once the member has signed in.
func SignInURL(next string) string {
	if !LocalPath(next) {
		return "/auth/sign_in"
	}
	return "/auth/sign_in?" + url.Values{"next": {next}}.Encode()
}

// LocalPath reports whether p is a path on this node, so a redirect to it
// cannot leave the site: "//host" and "/\host" are other hosts to a
// browser.
func LocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) {
		return false
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && !strings.ContainsAny(p, "\r\n\t")
}

// FormToken is the CSRF token of the forms of one part of the site
// (label: "repertoire forms", "copse dashboard") for the member signed in
// from r: an HMAC of the session's sign-out token, so it needs no storage
// and ends with the session; "" when no one is signed in.
func FormToken(r *http.Request, label string) string {
	base := SignOutToken(r)
	if base == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(base))
	m.Write([]byte(label))
	return hex.EncodeToString(m.Sum(nil))
}

// ValidFormToken reports whether got is FormToken(r, label) of a signed-in
// member, in constant time.
func ValidFormToken(r *http.Request, label, got string) bool {
	want := FormToken(r, label)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
