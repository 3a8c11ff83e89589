package auth

import (
	"errors"
	"net/url"
	"slices"
	"strings"
)

// OOBRedirect is the out-of-band redirect URI: the code is shown on a
// page for the member to paste into the app.
const OOBRedirect = "urn:ietf:wg:oauth:2.0:oob"

// KnownScopes are Mastodon's scopes, in the order of its documentation.
// copse has no IP or canonical email blocks; an admin app may still ask
// for their scopes, which grant nothing here.
var KnownScopes = []string{
	"read", "write", "follow", "push", "profile",
	"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
	"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
	"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
	"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
	"write:reports", "write:statuses",
	"admin:read", "admin:write",
	"admin:read:accounts", "admin:read:reports", "admin:read:domain_allows", "admin:read:domain_blocks",
	"admin:read:ip_blocks", "admin:read:email_domain_blocks", "admin:read:canonical_email_blocks",
	"admin:write:accounts", "admin:write:reports", "admin:write:domain_allows", "admin:write:domain_blocks",
	"admin:write:ip_blocks", "admin:write:email_domain_blocks", "admin:write:canonical_email_blocks",
}

// ScopeCovers reports whether a granted scope covers the required one:
// "read" covers "read:statuses" and "admin:read" "admin:read:accounts";
// the legacy "follow" covers the follow, block and mute scopes;
// "profile" is covered by "read" and "read:accounts".
func ScopeCovers(granted, required string) bool {
	if granted == required {
		return true
	}
	top, _, _ := strings.Cut(required, ":")
	if granted == top || (granted == "admin:read" || granted == "admin:write") && strings.HasPrefix(required, granted+":") {
		return true
	}
	switch required {
	case "read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes":
		return granted == "follow"
	case "profile":
		return granted == "read" || granted == "read:accounts"
	}
	return false
}

// HasScope reports whether one of scopes covers required.
func HasScope(scopes []string, required string) bool {
	return slices.ContainsFunc(scopes, func(g string) bool { return ScopeCovers(g, required) })
}

// ParseScopes splits a scope parameter: spaces, or pluses where a client
// put them in a query string unencoded.
func ParseScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' || r == '\t' || r == '\n' })
}

// ValidScopes checks that every scope is one of Mastodon's and drops
// repeats; no scope at all means def.
func ValidScopes(scopes, def []string) ([]string, error) {
	if len(scopes) == 0 {
		return def, nil
	}
	for _, s := range scopes {
		if !slices.Contains(KnownScopes, s) {
			return nil, errors.New("Scopes are invalid: " + s)
		}
	}
	return distinct(scopes), nil
}

// Grantable checks requested scopes against an app's: each must be known
// and covered by one the app registered ("read" covers "read:statuses").
// None requested means all the app's.
func Grantable(requested, app []string) ([]string, error) {
	scopes, err := ValidScopes(requested, app)
	if err != nil {
		return nil, err
	}
	for _, s := range scopes {
		if !HasScope(app, s) {
			return nil, errors.New("The requested scope " + s + " was not registered by the application.")
		}
	}
	return scopes, nil
}

func distinct(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ValidRedirectURI accepts the out-of-band URI and absolute URIs without
// a fragment (RFC 6749 section 3.1.2): https and http for web apps, and a
// private scheme ("elk://", "com.example.app:/cb") for native apps.
func ValidRedirectURI(s string) bool {
	if s == OOBRedirect {
		return true
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob":
		return false
	case "http", "https":
		return u.Host != ""
	}
	return u.Host != "" || u.Opaque != "" || u.Path != ""
}

// scopeDescriptions say on the consent page what each scope allows.
var scopeDescriptions = map[string]string{
	"read":    "Read all your account's data",
	"write":   "Change all your account's data",
	"follow":  "Follow, mute and block accounts",
	"push":    "Receive push notifications",
	"profile": "Read only your basic profile",
}

func describeScope(s string) string {
	if d, ok := scopeDescriptions[s]; ok {
		return d
	}
	kind, what, _ := strings.Cut(s, ":")
	what = strings.ReplaceAll(what, "_", " ")
	switch kind {
	case "read":
		return "Read your " + what
	case "write":
		return "Change your " + what
	case "admin":
		return "Moderation and administration (" + what + ")"
	}
	return s
}
