package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityForms: a member creates a community from the pages and,
// as its moderator, edits it; the form says what to fix beside each
// field; someone who does not moderate it cannot edit it.
func TestCommunityForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	n.Member("bob", false)

	ab := signedInBrowser(t, n, "alice")
	_, _, page := ab.Do(http.MethodGet, "/communities", nil)
	mustContain(t, "the communities page, to a member", page, `href="/communities/new"`)
	form, page := formPage(t, ab, "/communities/new")
	mustContain(t, "the new community form", page, `id="handle"`, `value="open" checked`, `value="members" checked`, `value="public" checked`)

	tests := []struct {
		name   string
		fields url.Values
		want   []string // on the form shown again
	}{
		{"empty", url.Values{}, []string{`href="#handle">Enter a handle for the community`, `href="#name">Enter the community&#39;s name`}},
		{"bad handle", url.Values{"handle": {"school nurses"}, "name": {"School nurses"}}, []string{`href="#handle">Handle &#34;school nurses&#34; must be 1 to 30 letters`}},
		{"handle taken", url.Values{"handle": {"Alice"}, "name": {"School nurses"}}, []string{`href="#handle">That handle is taken`}},
		{"long rules", url.Values{"handle": {"nurses"}, "name": {"School nurses"}, "rules": {strings.Repeat("r", 5001)}},
			[]string{`href="#rules">Rules are longer than 5000 characters`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{"csrf": {form.Get("csrf")}, "join_policy": {"open"}, "posting_policy": {"members"}, "visibility": {"public"}}
			for k, v := range tt.fields {
				f[k] = v
			}
			code, _, page := postMultipart(t, ab, "/communities/new", f)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("%d; want 422\n%s", code, page)
			}
			mustContain(t, "the form shown again", page, append(tt.want, "<title>Error: ")...)
		})
	}

	f := url.Values{"csrf": {form.Get("csrf")}, "handle": {"@nurses"}, "name": {"School nurses"}, "description": {"For **school** nurses."},
		"rules": {"Be kind\nNo patient details"}, "language": {"en"}, "join_policy": {"approval"}, "posting_policy": {"moderators"},
		"visibility": {"public"}}
	if code, _, page := postMultipart(t, ab, "/communities/new", f, upload{"icon", "icon.txt", []byte("not an image")}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `href="#icon">`) {
		t.Errorf("a text icon: %d; want 422 beside the icon field\n%s", code, page)
	}
	code, loc, page := postMultipart(t, ab, "/communities/new", f, upload{"icon", "icon.png", profilePNG(t, 600, 600)}, upload{"header", "", nil})
	if code != http.StatusSeeOther || loc != "/c/nurses" {
		t.Fatalf("create: %d to %q; want 303 to /c/nurses\n%s", code, loc, page)
	}
	g, err := n.Store.AccountByUsername(ctx, "nurses")
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.Store.CommunityByAccount(ctx, g.ID)
	if err != nil || c.JoinPolicy != storage.JoinApproval || c.PostingPolicy != storage.PostingModerators || c.Rules != "Be kind\nNo patient details" {
		t.Fatalf("community %+v (%v); want approval, moderators posting, the rules", c, err)
	}
	if !strings.HasPrefix(g.AvatarURL, n.URL+"/media/") || g.HeaderURL != "" {
		t.Errorf("icon %q, header %q; want the icon uploaded, no header (its input was left empty)", g.AvatarURL, g.HeaderURL)
	}
	if mod, err := n.Store.IsCommunityModerator(ctx, g.ID, alice.ID); err != nil || !mod {
		t.Errorf("the creator moderates it: %v (%v)", mod, err)
	}
	_, _, page = ab.Do(http.MethodGet, "/c/nurses", nil)
	mustContain(t, "the new community's page, to its moderator", page, "<strong>school</strong>", "<li>No patient details</li>", `href="/c/nurses/edit"`)

	form, page = formPage(t, ab, "/c/nurses/edit")
	mustContain(t, "the edit form", page, `value="School nurses"`, "Be kind\nNo patient details</textarea>", `value="approval" checked`,
		`src="`+g.AvatarURL+`"`, `name="remove_icon"`)
	if strings.Contains(page, `id="handle"`) {
		t.Error("the edit form offers to change the handle")
	}
	form.Set("name", "School nursing")
	form.Set("description", "For school nurses.")
	form.Set("rules", "Be kind")
	form.Set("language", "en")
	form.Set("join_policy", "open")
	form.Set("posting_policy", "members")
	form.Set("visibility", "public")
	form.Set("remove_icon", "yes")
	if code, loc, page := postMultipart(t, ab, "/c/nurses/edit", form, upload{"header", "header.png", profilePNG(t, 1500, 500)}); code != http.StatusSeeOther || loc != "/c/nurses" {
		t.Fatalf("edit: %d to %q\n%s", code, loc, page)
	}
	if g, err = n.Store.AccountByID(ctx, g.ID); err != nil || g.DisplayName != "School nursing" || g.Locked || g.AvatarURL != "" || g.HeaderURL == "" {
		t.Errorf("after the edit %q, locked %v, icon %q, header %q (%v); want School nursing, open, no icon, a header", g.DisplayName, g.Locked, g.AvatarURL, g.HeaderURL, err)
	}

	_, _, page = ab.Do(http.MethodGet, "/c/nurses", nil)
	mustContain(t, "the community's page after the edit", page, "School nursing", `class="profile-header" src="`+g.HeaderURL+`"`)
	bb := signedInBrowser(t, n, "bob")
	if _, _, page := bb.Do(http.MethodGet, "/c/nurses", nil); strings.Contains(page, "/c/nurses/edit") {
		t.Error("the community page offers its edit form to someone who does not moderate it")
	}
	if code, _, page := bb.Do(http.MethodGet, "/c/nurses/edit", nil); code != http.StatusForbidden || !strings.Contains(page, "Only its moderators can") {
		t.Errorf("the edit form to a non-moderator: %d; want 403\n%s", code, page)
	}
	bobForm := testrig.Hidden(func() string { _, _, p := bb.Do(http.MethodGet, "/communities/new", nil); return p }())
	bobForm.Set("name", "Taken over")
	if code, _, _ := postMultipart(t, bb, "/c/nurses/edit", bobForm); code != http.StatusForbidden {
		t.Errorf("a non-moderator posts the edit form: %d; want 403", code)
	}
}

// TestCommunityCreatorsSetting: where the node lets only its
// administrators create communities, a member is not offered the form and
// is told who may; an administrator creates one.
func TestCommunityCreatorsSetting(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, func(c *node.Config) { c.CommunityCreators = federation.PermissionAdmin })
	n.Member("plain", false)
	boss := n.Member("boss", false)
	if err := n.Engine.SetPermission(context.Background(), "boss", federation.PermissionAdmin); err != nil {
		t.Fatal(err)
	}
	newCommunity(t, n, boss, federation.NewCommunity{Handle: "desk", Name: "Enquiry desk"})
	pb := signedInBrowser(t, n, "plain")
	if _, _, page := pb.Do(http.MethodGet, "/communities", nil); strings.Contains(page, "/communities/new") {
		t.Error("the communities page offers a member the form")
	}
	if code, _, page := pb.Do(http.MethodGet, "/communities/new", nil); code != http.StatusForbidden || !strings.Contains(page, "only its administrators create communities") {
		t.Errorf("the form to a member: %d; want 403 saying who may\n%s", code, page)
	}
	form := testrig.Hidden(func() string { _, _, p := pb.Do(http.MethodGet, "/c/desk", nil); return p }())
	form.Set("handle", "mine")
	form.Set("name", "Mine")
	if code, _, page := postMultipart(t, pb, "/communities/new", form); code != http.StatusForbidden || !strings.Contains(page, "Only the node&#39;s administrators create communities here") {
		t.Errorf("a member posts the form: %d; want 403 saying who may\n%s", code, page)
	}
	bb := signedInBrowser(t, n, "boss")
	form, _ = formPage(t, bb, "/communities/new")
	form.Set("handle", "ours")
	form.Set("name", "Ours")
	form.Set("join_policy", "open")
	form.Set("posting_policy", "members")
	form.Set("visibility", "public")
	if code, loc, page := postMultipart(t, bb, "/communities/new", form); code != http.StatusSeeOther || loc != "/c/ours" {
		t.Errorf("an administrator creates one: %d to %q\n%s", code, loc, page)
	}
}
