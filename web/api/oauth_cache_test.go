package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

// varies reports whether h's Vary names header.
func varies(h http.Header, header string) bool {
	for _, v := range h.Values("Vary") {
		if slices.ContainsFunc(strings.Split(v, ","), func(s string) bool {
			return strings.EqualFold(strings.TrimSpace(s), header)
		}) {
			return true
		}
	}
	return false
}

// TestAuthenticatedAnswersAreNotCached checks that an answer given to a
// token says no cache may keep it and that answers vary with the
// Authorization header, so a shared cache never gives one member's answer
// to another; anonymous answers to public endpoints stay cacheable.
func TestAuthenticatedAnswersAreNotCached(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	member := n.Token(alice)
	app := testrig.RegisterApp(t, n, testrig.OOB, "read")
	_, appTok := testrig.PostToken(t, n, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}})
	tests := []struct {
		name    string
		path    string
		token   string
		noStore bool
	}{
		{"member, own account", "/api/v1/accounts/verify_credentials", member, true},
		{"member, public timeline", "/api/v1/timelines/public", member, true},
		{"member, instance", "/api/v2/instance", member, true},
		{"app token", "/api/v1/apps/verify_credentials", appTok.AccessToken, true},
		{"invalid token", "/api/v1/timelines/public", "not-a-token", true},
		{"anonymous, public timeline", "/api/v1/timelines/public", "", false},
		{"anonymous, instance", "/api/v2/instance", "", false},
		{"anonymous, account", "/api/v1/accounts/" + alice.ID.String(), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, h, _ := call(t, http.MethodGet, n.URL+tt.path, tt.token, nil, nil)
			noStore := strings.Contains(h.Get("Cache-Control"), "no-store")
			if noStore != tt.noStore {
				t.Errorf("Cache-Control %q; want no-store: %v", h.Get("Cache-Control"), tt.noStore)
			}
			if !varies(h, "Authorization") {
				t.Errorf("Vary %q; want Authorization", h.Values("Vary"))
			}
		})
	}
}
