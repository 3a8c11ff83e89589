package pages_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestFindCommunity: a member of B finds a community hosted on A by its
// handle and lands on its page on B, where they can join it; what is not
// a community, or cannot be reached, is said beside the field.
func TestFindCommunity(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	newCommunity(t, a, alice, federation.NewCommunity{Handle: "wards", Name: "Wards"})
	b.Member("bea", false)

	find := func(handle string) string { return "/communities/find?" + url.Values{"handle": {handle}}.Encode() }
	if code, loc, _ := testrig.NewFormBrowser(t, b).Do(http.MethodGet, find("wards@"+a.Host), nil); code != http.StatusSeeOther || !strings.Contains(loc, "sign_in") {
		t.Errorf("an anonymous look-up: %d to %q; want 303 to sign in", code, loc)
	}
	bb := signedInBrowser(t, b, "bea")
	_, _, page := bb.Do(http.MethodGet, "/communities", nil)
	mustContain(t, "the communities page, to a member", page, `href="/communities/find"`)
	code, loc, page := bb.Do(http.MethodGet, find("@wards@"+a.Host), nil)
	if code != http.StatusSeeOther || loc != "/c/wards@"+a.Host {
		t.Fatalf("find wards@%s: %d to %q\n%s", a.Host, code, loc, page)
	}
	_, _, page = bb.Do(http.MethodGet, loc, nil)
	mustContain(t, "the found community's page", page, "Wards", "Join this community")

	tests := []struct{ handle, want string }{
		{"", "Enter the community&#39;s handle"},
		{"nobody@" + a.Host, "No community was found at nobody@" + a.Host},
		{"alice@" + a.Host, "No community was found at alice@" + a.Host},
		{"wards@127.0.0.1:1", "The server of wards@127.0.0.1:1 did not answer"},
	}
	for _, tt := range tests {
		t.Run(tt.handle, func(t *testing.T) {
			code, _, page := bb.Do(http.MethodGet, find(tt.handle), nil)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("%d; want 422\n%s", code, page)
			}
			mustContain(t, "the form shown again", page, `href="#handle">`+tt.want)
		})
	}
}
