package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

const acctWait = 10 * time.Second

func acctClient(n *testrig.Node, token string) *mastodon.Client {
	return mastodon.NewClient(&mastodon.Config{Server: n.URL, AccessToken: token})
}

func acctStatusCode(err error) int {
	var apiErr *mastodon.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

func acctPost(t *testing.T, n *testrig.Node, author storage.Account, d federation.Draft) storage.Status {
	t.Helper()
	st, err := n.Engine.Post(context.Background(), author.ID, d)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	return st
}

func acctFollow(t *testing.T, n *testrig.Node, follower, target storage.Account) {
	t.Helper()
	if err := n.Engine.Follow(context.Background(), follower.ID, target.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatalf("follow: %v", err)
	}
}

func fieldMap(fs []mastodon.Field) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Name] = f.Value
	}
	return m
}

func TestAccountCredentials(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	ctx := context.Background()
	tok := a.Token(alice)
	c := acctClient(a, tok)

	me, err := c.GetAccountCurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Username != "alice" || me.Acct != "alice" || me.DisplayName != "Alice" || string(me.ID) != alice.ID.String() {
		t.Errorf("verify_credentials = %+v", me)
	}
	want := map[string]string{"Organisation": "Hampshire County Council", "Department": "Libraries", "Role": "Information officer"}
	if got := fieldMap(me.Fields); !sameMap(got, want) {
		t.Errorf("fields = %v; want %v", got, want)
	}
	if me.Source == nil || me.Source.Fields == nil || !sameMap(fieldMap(*me.Source.Fields), want) {
		t.Fatalf("source = %+v", me.Source)
	}
	if *me.Source.Privacy != "public" || *me.Source.Note != "" {
		t.Errorf("source privacy, note = %q, %q", *me.Source.Privacy, *me.Source.Note)
	}
	var raw map[string]any
	call(t, "GET", a.URL+"/api/v1/accounts/verify_credentials", tok, nil, &raw)
	if src, _ := raw["source"].(map[string]any); src["follow_requests_count"] != 0.0 || src["language"] != "" || src["sensitive"] != false {
		t.Errorf("source = %v", raw["source"])
	}

	// bob on B follows alice, so B is told of her profile changes.
	aliceOnB := b.Resolve(a.Acct("alice"))
	if err := b.Engine.Follow(ctx, bob.ID, aliceOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, acctWait, "bob's follow of alice accepted", func() bool {
		_, err := b.Store.FollowOf(ctx, bob.ID, aliceOnB.ID)
		return err == nil
	})

	name, note := "Alice Liddell", "Runs the #libraries enquiries desk.\n\nAsk me about routines."
	locked := true
	fields := []mastodon.Field{{Name: "Organisation", Value: "Council B"}, {Name: "Website", Value: "https://example.org"},
		{Name: "Role", Value: "Team lead"}}
	up, err := c.AccountUpdate(ctx, &mastodon.Profile{DisplayName: &name, Note: &note, Locked: &locked, Fields: &fields})
	if err != nil {
		t.Fatal(err)
	}
	if up.DisplayName != name || !up.Locked || !strings.Contains(up.Note, "<p>") || !strings.Contains(up.Note, "libraries") {
		t.Errorf("update_credentials = %+v", up)
	}
	wantFields := []string{"Organisation=Council B", "Role=Team lead", "Website=https://example.org"}
	var got []string
	for _, f := range *up.Source.Fields {
		got = append(got, f.Name+"="+f.Value)
	}
	if !slices.Equal(got, wantFields) {
		t.Errorf("source fields = %v; want %v (organisation and role first, no department, none twice)", got, wantFields)
	}
	if *up.Source.Note != note {
		t.Errorf("source note = %q; want what was typed, %q", *up.Source.Note, note)
	}
	if len(up.Fields) != 3 || !strings.Contains(up.Fields[2].Value, `href="https://example.org"`) {
		t.Errorf("fields = %+v; want the website as a link", up.Fields)
	}
	stored, _ := a.Store.AccountByID(ctx, alice.ID)
	if stored.Organisation != "Council B" || stored.Department != "" || stored.JobTitle != "Team lead" || len(stored.Fields) != 1 {
		t.Errorf("stored org, dept, role, fields = %q, %q, %q, %v", stored.Organisation, stored.Department, stored.JobTitle, stored.Fields)
	}

	// B sees the new name once the Update{Person} arrives. (Wait for it
	// before the next update: the engine applies a peer's actor updates
	// in whatever order they arrive.)
	bobClient := acctClient(b, b.Token(bob))
	testrig.Eventually(t, acctWait, "B sees alice's new display name", func() bool {
		acc, err := bobClient.GetAccount(ctx, mastodon.ID(aliceOnB.ID.String()))
		return err == nil && acc.DisplayName == name && acc.Locked
	})

	// A parameter left out keeps its value.
	other := "Alice L."
	up, err = c.AccountUpdate(ctx, &mastodon.Profile{DisplayName: &other})
	if err != nil {
		t.Fatal(err)
	}
	if !up.Locked || *up.Source.Note != note || len(*up.Source.Fields) != 3 {
		t.Errorf("after a partial update: locked %v, note %q, fields %v", up.Locked, *up.Source.Note, *up.Source.Fields)
	}

	testrig.Eventually(t, acctWait, "B sees alice's second display name", func() bool {
		acc, err := bobClient.GetAccount(ctx, mastodon.ID(aliceOnB.ID.String()))
		return err == nil && acc.DisplayName == other && acc.Locked
	})

	// JSON bodies: fields as an array of objects, and as a hash by index.
	var e struct {
		Fields []struct{ Name, Value string } `json:"fields"`
		Source struct {
			Fields []struct{ Name, Value string } `json:"fields"`
		} `json:"source"`
		Bot bool `json:"bot"`
	}
	code, _, _ := call(t, "PATCH", a.URL+"/api/v1/accounts/update_credentials", tok,
		`{"bot": true, "fields_attributes": [{"name": "Department", "value": "Archives"}, {"name": "Pronouns", "value": "she/her"}]}`, &e)
	if code != 200 || !e.Bot || len(e.Source.Fields) != 2 || e.Source.Fields[0].Name != "Department" || e.Source.Fields[1].Value != "she/her" {
		t.Errorf("JSON array update: %d %+v", code, e)
	}
	if acc, _ := a.Store.AccountByID(ctx, alice.ID); acc.ActorType != activitypub.TypeService || acc.Organisation != "" {
		t.Errorf("after bot=true: actor type %q, organisation %q", acc.ActorType, acc.Organisation)
	}
	code, _, _ = call(t, "PATCH", a.URL+"/api/v1/accounts/update_credentials", tok,
		`{"fields_attributes": {"10": {"name": "Second", "value": "2"}, "9": {"name": "First", "value": "1"}}}`, &e)
	if code != 200 || len(e.Fields) != 2 || e.Fields[0].Name != "First" || e.Fields[1].Name != "Second" {
		t.Errorf("JSON hash update: %d %+v", code, e.Fields)
	}
	form := url.Values{"fields_attributes[][name]": {"Organisation", "Blog"}, "fields_attributes[][value]": {"Council C", "https://blog.example"}}
	code, _, _ = call(t, "PATCH", a.URL+"/api/v1/accounts/update_credentials", tok, form, &e)
	if code != 200 || len(e.Fields) != 2 || e.Fields[0].Value != "Council C" || e.Fields[1].Name != "Blog" {
		t.Errorf("array form update: %d %+v", code, e.Fields)
	}

	// Invalid input is a 422.
	for _, body := range []string{
		"display_name=" + strings.Repeat("x", 31),
		"note=" + strings.Repeat("x", 501),
		"fields_attributes[0][name]=a&fields_attributes[1][name]=b&fields_attributes[2][name]=c&fields_attributes[3][name]=d&fields_attributes[4][name]=e",
	} {
		if code, _, _ := call(t, "PATCH", a.URL+"/api/v1/accounts/update_credentials", tok, body, nil); code != 422 {
			t.Errorf("update with %.40s...: %d; want 422", body, code)
		}
	}
}

func sameMap(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestAccountRemoteLookupAndFollow(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	b.Member("carol", false)
	ctx := context.Background()
	c := acctClient(a, a.Token(alice))

	if _, err := c.AccountLookup(ctx, "nobody@"+b.Host); acctStatusCode(err) != 404 {
		t.Errorf("lookup of an unknown remote user: %v; want 404", err)
	}
	anonLookup := a.URL + "/api/v1/accounts/lookup?acct=" + url.QueryEscape("bob@"+b.Host)
	if code, _, _ := call(t, "GET", anonLookup, "", nil, nil); code != 404 {
		t.Errorf("anonymous lookup of a remote account the node does not know: %d; want 404 (no fetch)", code)
	}
	acc, err := c.AccountLookup(ctx, "bob@"+b.Host)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call(t, "GET", anonLookup, "", nil, nil); code != 200 {
		t.Errorf("anonymous lookup of a known remote account: %d", code)
	}
	if acc.Acct != "bob@"+b.Host || acc.Username != "bob" || acc.DisplayName != "Bob" {
		t.Errorf("lookup = %+v", acc)
	}
	if fieldMap(acc.Fields)["Organisation"] != "Hampshire County Council" {
		t.Errorf("remote fields = %+v", acc.Fields)
	}
	local, err := c.AccountLookup(ctx, "alice")
	if err != nil || string(local.ID) != alice.ID.String() {
		t.Errorf("lookup alice = %v, %v", local, err)
	}

	rel, err := c.AccountFollow(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !rel.Following && !rel.Requested {
		t.Errorf("after follow: %+v; want requested (or already following)", rel)
	}
	testrig.Eventually(t, acctWait, "follow of bob accepted", func() bool {
		rels, err := c.GetAccountRelationships(ctx, []string{string(acc.ID)})
		return err == nil && len(rels) == 1 && rels[0].Following && rels[0].ShowingReblogs
	})
	following, err := c.GetAccountFollowing(ctx, mastodon.ID(alice.ID.String()), nil)
	if err != nil || len(following) != 1 || following[0].ID != acc.ID {
		t.Errorf("alice's following = %v, %v", following, err)
	}
	// On B, bob has alice as a follower.
	bc := acctClient(b, b.Token(bob))
	followers, err := bc.GetAccountFollowers(ctx, mastodon.ID(bob.ID.String()), nil)
	if err != nil || len(followers) != 1 || followers[0].Acct != "alice@"+a.Host {
		t.Errorf("bob's followers on B = %v, %v", followers, err)
	}

	// Following again changes the options.
	var r struct {
		ShowingReblogs bool `json:"showing_reblogs"`
		Notifying      bool `json:"notifying"`
		Following      bool `json:"following"`
	}
	call(t, "POST", a.URL+"/api/v1/accounts/"+string(acc.ID)+"/follow", a.Token(alice), `{"reblogs": false, "notify": true}`, &r)
	if !r.Following || r.ShowingReblogs || !r.Notifying {
		t.Errorf("follow with new options = %+v", r)
	}

	// search with resolve finds a remote member the node has not met.
	found, err := c.AccountsSearchResolve(ctx, "carol@"+b.Host, 5, true)
	if err != nil || len(found) != 1 || found[0].Acct != "carol@"+b.Host {
		t.Errorf("search carol@B with resolve = %v, %v", found, err)
	}
	found, err = c.AccountsSearch(ctx, "ca", 5)
	if err != nil || len(found) != 1 || found[0].Username != "carol" {
		t.Errorf("search 'ca' = %v, %v", found, err)
	}
	found, err = c.AccountsSearch(ctx, "zz", 5)
	if err != nil || len(found) != 0 {
		t.Errorf("search 'zz' = %v, %v", found, err)
	}

	rel, err = c.AccountUnfollow(ctx, acc.ID)
	if err != nil || rel.Following || rel.Requested {
		t.Errorf("unfollow = %+v, %v", rel, err)
	}
	testrig.Eventually(t, acctWait, "B drops alice as a follower", func() bool {
		aliceOnB := b.Resolve(a.Acct("alice"))
		_, err := b.Store.FollowOf(ctx, aliceOnB.ID, bob.ID)
		return errors.Is(err, storage.ErrNotFound)
	})
}

// newLocalAccounts stores n local accounts without keys or passwords
// (enough to follow and be followed locally), quickly.
func newLocalAccounts(t *testing.T, n *testrig.Node, prefix string, count int) []storage.Account {
	t.Helper()
	ctx := context.Background()
	out := make([]storage.Account, count)
	err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range out {
			name := fmt.Sprintf("%s%02d", prefix, i)
			out[i] = storage.Account{URI: n.URL + "/users/" + name, Username: name, DisplayName: name}
			if err := tx.InsertAccount(ctx, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAccountFollowListsPageWithoutGaps(t *testing.T) {
	t.Parallel()
	a := testrig.StartOne(t, nil)
	hub := a.Member("hub", false)
	members := newLocalAccounts(t, a, "m", 45)
	ctx := context.Background()
	for _, m := range members {
		acctFollow(t, a, m, hub)
		acctFollow(t, a, hub, m)
	}
	tok := a.Token(hub)
	c := acctClient(a, tok)
	hubID := mastodon.ID(hub.ID.String())

	walk := func(what string, get func(context.Context, mastodon.ID, *mastodon.Pagination) ([]*mastodon.Account, error)) {
		t.Helper()
		pg := &mastodon.Pagination{Limit: 10}
		var names []string
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("%s: still paging after 10 pages", what)
			}
			accs, err := get(ctx, hubID, pg)
			if err != nil {
				t.Fatal(err)
			}
			for _, acc := range accs {
				names = append(names, acc.Username)
			}
			if pg.MaxID == "" {
				break
			}
		}
		if len(names) != 45 {
			t.Fatalf("%s: walked %d accounts; want 45: %v", what, len(names), names)
		}
		for i, n := range names {
			if want := members[44-i].Username; n != want {
				t.Fatalf("%s[%d] = %s; want %s (newest follow first, no gaps or repeats)", what, i, n, want)
			}
		}
	}
	walk("followers", c.GetAccountFollowers)
	walk("following", c.GetAccountFollowing)

	// The Link header pages both ways: prev from the second page is the first.
	var first, second, back []struct {
		Username string `json:"username"`
	}
	_, h, _ := call(t, "GET", a.URL+"/api/v1/accounts/"+hub.ID.String()+"/followers?limit=10", "", nil, &first)
	next, prev := stLinks(h.Get("Link"))
	if prev == "" || !strings.Contains(next, "max_id=") || !strings.Contains(next, "limit=10") || !strings.HasPrefix(next, a.URL+"/api/v1/accounts/") {
		t.Fatalf("Link = %q", h.Get("Link"))
	}
	_, h, _ = call(t, "GET", next, "", nil, &second)
	_, prev = stLinks(h.Get("Link"))
	if !strings.Contains(prev, "min_id=") {
		t.Fatalf("Link of the second page = %q", h.Get("Link"))
	}
	call(t, "GET", prev, "", nil, &back)
	if len(back) != 10 || back[0] != first[0] || back[9] != first[9] || second[0].Username != members[34].Username {
		t.Errorf("prev of the second page = %v; want the first page %v", back, first)
	}
}

func TestAccountBlocksMutesAndRelationships(t *testing.T) {
	t.Parallel()
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	bob := a.Member("bob", false)
	carol := a.Member("carol", false)
	ctx := context.Background()
	tok := a.Token(alice)
	c := acctClient(a, tok)
	bobID, carolID := mastodon.ID(bob.ID.String()), mastodon.ID(carol.ID.String())

	if _, err := c.AccountFollow(ctx, bobID); err != nil {
		t.Fatal(err)
	}
	acctFollow(t, a, bob, alice)
	acctFollow(t, a, bob, carol)

	rels, err := c.GetAccountRelationships(ctx, []string{bob.ID.String(), carol.ID.String(), "12345", "junk"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 2 || rels[0].ID != bobID || !rels[0].Following || !rels[0].FollowedBy || rels[1].ID != carolID || rels[1].Following {
		t.Errorf("relationships = %+v %+v; want bob (mutual) then carol (none)", rels[0], rels[1])
	}

	// familiar followers of carol: bob, whom alice follows, follows her.
	var ff []struct {
		ID       string `json:"id"`
		Accounts []struct {
			Username string `json:"username"`
		} `json:"accounts"`
	}
	call(t, "GET", a.URL+"/api/v1/accounts/familiar_followers?id[]="+carol.ID.String()+"&id[]="+bob.ID.String(), tok, nil, &ff)
	if len(ff) != 2 || ff[0].ID != carol.ID.String() || len(ff[0].Accounts) != 1 || ff[0].Accounts[0].Username != "bob" || len(ff[1].Accounts) != 0 {
		t.Errorf("familiar_followers = %+v", ff)
	}

	// Asked about many accounts at once, each gets an equal share of 200
	// accounts: with 100 ids, two of carol's three.
	for _, name := range []string{"dave", "erin"} {
		m := a.Member(name, false)
		acctFollow(t, a, alice, m)
		acctFollow(t, a, m, carol)
	}
	many := "?id[]=" + carol.ID.String()
	for i := range 99 {
		many += fmt.Sprintf("&id[]=%d", 900000+i)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{{"?id[]=" + carol.ID.String(), 3}, {many, 2}} {
		ff = nil
		call(t, "GET", a.URL+"/api/v1/accounts/familiar_followers"+tc.query, tok, nil, &ff)
		if len(ff) != 1 || len(ff[0].Accounts) != tc.want {
			t.Errorf("familiar_followers of carol among %d ids = %+v; want %d accounts", strings.Count(tc.query, "id[]"), ff, tc.want)
		}
	}

	// A block ends the follows both ways and shows on both sides.
	rel, err := c.AccountBlock(ctx, bobID)
	if err != nil || !rel.Blocking || rel.Following || rel.FollowedBy {
		t.Errorf("block = %+v, %v", rel, err)
	}
	bc := acctClient(a, a.Token(bob))
	var bobView []struct {
		BlockedBy bool `json:"blocked_by"`
		Following bool `json:"following"`
	}
	call(t, "GET", a.URL+"/api/v1/accounts/relationships?id[]="+alice.ID.String(), a.Token(bob), nil, &bobView)
	if len(bobView) != 1 || !bobView[0].BlockedBy || bobView[0].Following {
		t.Errorf("bob's view of alice = %+v", bobView)
	}
	acctPost(t, a, alice, federation.Draft{Text: "Public notes from the desk"})
	if sts, err := bc.GetAccountStatuses(ctx, mastodon.ID(alice.ID.String()), nil); err != nil || len(sts) != 0 {
		t.Errorf("bob lists %d statuses of alice, who blocks him (%v)", len(sts), err)
	}
	if _, err := bc.AccountFollow(ctx, mastodon.ID(alice.ID.String())); acctStatusCode(err) != 403 {
		t.Errorf("bob follows alice, who blocks him: %v; want 403", err)
	}
	blocked, err := c.GetBlocks(ctx, nil)
	if err != nil || len(blocked) != 1 || blocked[0].ID != bobID {
		t.Errorf("blocks = %v, %v", blocked, err)
	}
	if rel, err := c.AccountUnblock(ctx, bobID); err != nil || rel.Blocking {
		t.Errorf("unblock = %+v, %v", rel, err)
	}

	// A mute hides carol's posts from alice's home and her notifications.
	acctFollow(t, a, alice, carol)
	post := acctPost(t, a, carol, federation.Draft{Text: "@alice the routine is ready"})
	if !homeHas(t, a, alice, post.ID) || !notifiedBy(t, a, alice, carol) {
		t.Fatal("before the mute, carol's post is not in alice's home or notifications")
	}
	rel, err = c.AccountMute(ctx, carolID)
	if err != nil || !rel.Muting || !rel.MutingNotifications || !rel.Following {
		t.Errorf("mute = %+v, %v", rel, err)
	}
	if homeHas(t, a, alice, post.ID) || notifiedBy(t, a, alice, carol) {
		t.Error("carol's post or notification still reaches alice after the mute")
	}
	if ids, err := a.Store.MutedIDs(ctx, alice.ID); err != nil || len(ids) != 1 || ids[0] != carol.ID {
		t.Errorf("MutedIDs = %v, %v", ids, err)
	}
	var muted []struct {
		ID            string  `json:"id"`
		MuteExpiresAt *string `json:"mute_expires_at"`
	}
	call(t, "GET", a.URL+"/api/v1/mutes", tok, nil, &muted)
	if len(muted) != 1 || muted[0].ID != carol.ID.String() || muted[0].MuteExpiresAt != nil {
		t.Errorf("mutes = %+v", muted)
	}
	// Muting again, for an hour and statuses only, replaces the mute.
	var mr struct {
		Muting              bool `json:"muting"`
		MutingNotifications bool `json:"muting_notifications"`
	}
	call(t, "POST", a.URL+"/api/v1/accounts/"+carol.ID.String()+"/mute", tok, "notifications=false&duration=3600", &mr)
	if !mr.Muting || mr.MutingNotifications || !notifiedBy(t, a, alice, carol) {
		t.Errorf("mute of statuses only = %+v", mr)
	}
	call(t, "GET", a.URL+"/api/v1/mutes", tok, nil, &muted)
	if len(muted) != 1 || muted[0].MuteExpiresAt == nil {
		t.Errorf("mutes after a timed mute = %+v", muted)
	}
	if rel, err := c.AccountUnmute(ctx, carolID); err != nil || rel.Muting {
		t.Errorf("unmute = %+v, %v", rel, err)
	}
	if !homeHas(t, a, alice, post.ID) {
		t.Error("carol's post does not come back after the unmute")
	}

	// A private note.
	var nr struct {
		Note string `json:"note"`
	}
	call(t, "POST", a.URL+"/api/v1/accounts/"+carol.ID.String()+"/note", tok, "comment=Met+at+the+practice+day", &nr)
	if nr.Note != "Met at the practice day" {
		t.Errorf("note = %q", nr.Note)
	}

	// Domain blocks, with the domain in a DELETE body as apps send it.
	for _, d := range []string{"Spam.Example", "other.example"} {
		if code, _, _ := call(t, "POST", a.URL+"/api/v1/domain_blocks", tok, "domain="+d, nil); code != 200 {
			t.Errorf("block domain %s: %d", d, code)
		}
	}
	var domains []string
	call(t, "GET", a.URL+"/api/v1/domain_blocks", tok, nil, &domains)
	if !slices.Equal(domains, []string{"other.example", "spam.example"}) {
		t.Errorf("domain blocks = %v", domains)
	}
	call(t, "DELETE", a.URL+"/api/v1/domain_blocks", tok, "domain=other.example", nil)
	call(t, "GET", a.URL+"/api/v1/domain_blocks", tok, nil, &domains)
	if !slices.Equal(domains, []string{"spam.example"}) {
		t.Errorf("domain blocks after delete = %v", domains)
	}
	if code, _, _ := call(t, "POST", a.URL+"/api/v1/domain_blocks", tok, "domain=", nil); code != 422 {
		t.Errorf("block of a blank domain: %d; want 422", code)
	}
}

func homeHas(t *testing.T, n *testrig.Node, account storage.Account, status storage.ID) bool {
	t.Helper()
	sts, err := n.Store.HomeTimelinePage(context.Background(), account.ID, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(sts, func(s storage.Status) bool { return s.ID == status })
}

func notifiedBy(t *testing.T, n *testrig.Node, account, from storage.Account) bool {
	t.Helper()
	notes, err := n.Store.NotificationPage(context.Background(), account.ID, storage.NotificationFilter{}, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(notes, func(x storage.Notification) bool { return x.FromAccountID == from.ID })
}

func TestAccountFollowRequests(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	lou := a.Member("lou", true) // approves followers by hand
	bob := b.Member("bob", false)
	ctx := context.Background()
	ac := acctClient(a, a.Token(alice))
	louTok := a.Token(lou)
	lc := acctClient(a, louTok)

	rel, err := ac.AccountFollow(ctx, mastodon.ID(lou.ID.String()))
	if err != nil || rel.Following || !rel.Requested {
		t.Fatalf("follow of a locked member = %+v, %v; want requested", rel, err)
	}
	louOnB := b.Resolve(a.Acct("lou"))
	if err := b.Engine.Follow(ctx, bob.ID, louOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	var reqs []*mastodon.Account
	testrig.Eventually(t, acctWait, "both requests reach lou", func() bool {
		reqs, err = lc.GetFollowRequests(ctx, nil)
		return err == nil && len(reqs) == 2
	})
	if reqs[0].Acct != "bob@"+b.Host || reqs[1].Username != "alice" {
		t.Errorf("follow requests = %s, %s; want newest first", reqs[0].Acct, reqs[1].Acct)
	}
	me, _ := lc.GetAccountCurrentUser(ctx)
	var raw struct {
		Source struct {
			FollowRequestsCount int `json:"follow_requests_count"`
		} `json:"source"`
	}
	call(t, "GET", a.URL+"/api/v1/accounts/verify_credentials", louTok, nil, &raw)
	if !me.Locked || raw.Source.FollowRequestsCount != 2 {
		t.Errorf("lou: locked %v, follow_requests_count %d", me.Locked, raw.Source.FollowRequestsCount)
	}

	var r struct {
		ID          string `json:"id"`
		FollowedBy  bool   `json:"followed_by"`
		RequestedBy bool   `json:"requested_by"`
	}
	code, _, _ := call(t, "POST", a.URL+"/api/v1/follow_requests/"+alice.ID.String()+"/authorize", louTok, nil, &r)
	if code != 200 || r.ID != alice.ID.String() || !r.FollowedBy || r.RequestedBy {
		t.Errorf("authorize = %d %+v", code, r)
	}
	rels, _ := ac.GetAccountRelationships(ctx, []string{lou.ID.String()})
	if len(rels) != 1 || !rels[0].Following || rels[0].Requested {
		t.Errorf("alice's relationship to lou = %+v", rels)
	}
	if code, _, _ := call(t, "POST", a.URL+"/api/v1/follow_requests/"+alice.ID.String()+"/authorize", louTok, nil, nil); code != 404 {
		t.Errorf("authorize without a pending request: %d; want 404", code)
	}

	bobOnA := a.Resolve(b.Acct("bob"))
	if err := lc.FollowRequestReject(ctx, mastodon.ID(bobOnA.ID.String())); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, acctWait, "B learns of the rejection", func() bool {
		_, err := b.Store.FollowRequestOf(ctx, bob.ID, louOnB.ID)
		return errors.Is(err, storage.ErrNotFound)
	})
	if reqs, _ := lc.GetFollowRequests(ctx, nil); len(reqs) != 0 {
		t.Errorf("follow requests after handling both = %v", reqs)
	}
}

func TestAccountStatusesForEachViewer(t *testing.T) {
	t.Parallel()
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	follower := a.Member("fiona", false)
	stranger := a.Member("sam", false)
	blocker, blocked := a.Member("bea", false), a.Member("bill", false)
	ctx := context.Background()
	acctFollow(t, a, follower, alice)
	// The one visibility rule: nothing across a block, whichever way.
	if err := a.Engine.Block(ctx, blocker.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.Block(ctx, alice.ID, blocked.ID); err != nil {
		t.Fatal(err)
	}

	other := acctPost(t, a, stranger, federation.Draft{Text: "A question about routines"})
	public := acctPost(t, a, alice, federation.Draft{Text: "Public #routines", Visibility: activitypub.Public})
	acctPost(t, a, alice, federation.Draft{Text: "Unlisted", Visibility: activitypub.Unlisted})
	acctPost(t, a, alice, federation.Draft{Text: "Followers only", Visibility: activitypub.FollowersOnly})
	acctPost(t, a, alice, federation.Draft{Text: "@sam direct", Visibility: activitypub.Direct})
	acctPost(t, a, alice, federation.Draft{Text: "Replying to sam", InReplyTo: other.ID})
	acctPost(t, a, alice, federation.Draft{Text: "Continuing my thread", InReplyTo: public.ID})
	if _, err := a.Engine.Reblog(ctx, alice.ID, other.ID, ""); err != nil {
		t.Fatal(err)
	}

	list := func(token, query string) []string {
		t.Helper()
		var sts []struct {
			Content string `json:"content"`
			Reblog  *struct {
				Content string `json:"content"`
			} `json:"reblog"`
		}
		if code, _, _ := call(t, "GET", a.URL+"/api/v1/accounts/"+alice.ID.String()+"/statuses"+query, token, nil, &sts); code != 200 {
			t.Fatalf("statuses%s: %d", query, code)
		}
		var out []string
		for _, s := range sts {
			if s.Reblog != nil {
				out = append(out, "reblog")
				continue
			}
			out = append(out, plain(s.Content))
		}
		return out
	}
	all := []string{"reblog", "Continuing my thread", "Replying to sam", "@sam direct", "Followers only", "Unlisted", "Public #routines"}
	for _, tc := range []struct {
		name, token, query string
		want               []string
	}{
		{"the author", a.Token(alice), "", all},
		{"a follower", a.Token(follower), "", []string{"reblog", "Continuing my thread", "Replying to sam", "Followers only", "Unlisted", "Public #routines"}},
		{"a stranger", a.Token(stranger), "", []string{"reblog", "Continuing my thread", "Replying to sam", "Unlisted", "Public #routines"}},
		{"anyone", "", "", []string{"reblog", "Continuing my thread", "Replying to sam", "Unlisted", "Public #routines"}},
		{"a member who blocks her", a.Token(blocker), "", nil},
		{"a member she blocks", a.Token(blocked), "", nil},
		{"without replies", "", "?exclude_replies=true", []string{"reblog", "Continuing my thread", "Unlisted", "Public #routines"}},
		{"without reblogs", "", "?exclude_reblogs=1", []string{"Continuing my thread", "Replying to sam", "Unlisted", "Public #routines"}},
		{"tagged", "", "?tagged=Routines", []string{"Public #routines"}},
		{"pinned", "", "?pinned=true", nil},
		{"only media", "", "?only_media=true", nil},
		{"limit", "", "?limit=2", []string{"reblog", "Continuing my thread"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.token, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("statuses = %q; want %q", got, tc.want)
			}
		})
	}
	sts, err := acctClient(a, a.Token(stranger)).GetAccountStatuses(ctx, mastodon.ID(alice.ID.String()), &mastodon.Pagination{Limit: 3})
	if err != nil || len(sts) != 3 {
		t.Errorf("go-mastodon reads the statuses: %d, %v", len(sts), err)
	}
}

// plain strips tags from a status's HTML.
func plain(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestAccountScopesAndErrors(t *testing.T) {
	t.Parallel()
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	bob := a.Member("bob", false)
	ctx := context.Background()
	bobPath := a.URL + "/api/v1/accounts/" + bob.ID.String()

	for _, tc := range []struct {
		name, method, url string
		scopes            []string // nil: no token
		want              int
	}{
		{"follow with a read-only token", "POST", bobPath + "/follow", []string{"read"}, 403},
		{"follow with write:follows", "POST", bobPath + "/follow", []string{"write:follows"}, 200},
		{"unfollow with the legacy follow scope", "POST", bobPath + "/unfollow", []string{"follow"}, 200},
		{"block with write:follows", "POST", bobPath + "/block", []string{"write:follows"}, 403},
		{"mute with write:mutes", "POST", bobPath + "/mute", []string{"write:mutes"}, 200},
		{"verify_credentials anonymously", "GET", a.URL + "/api/v1/accounts/verify_credentials", nil, 401},
		{"verify_credentials with profile", "GET", a.URL + "/api/v1/accounts/verify_credentials", []string{"profile"}, 200},
		{"verify_credentials with write", "GET", a.URL + "/api/v1/accounts/verify_credentials", []string{"write"}, 403},
		{"update_credentials with read", "PATCH", a.URL + "/api/v1/accounts/update_credentials", []string{"read"}, 403},
		{"an account anonymously", "GET", bobPath, nil, 200},
		{"an account with a write-only token", "GET", bobPath, []string{"write"}, 403},
		{"an unknown account", "GET", a.URL + "/api/v1/accounts/12345", nil, 404},
		{"a malformed id", "GET", a.URL + "/api/v1/accounts/bob", nil, 404},
		{"statuses of an unknown account", "GET", a.URL + "/api/v1/accounts/12345/statuses", nil, 404},
		{"followers of an unknown account", "GET", a.URL + "/api/v1/accounts/12345/followers", nil, 404},
		{"follow an unknown account", "POST", a.URL + "/api/v1/accounts/12345/follow", []string{"follow"}, 404},
		{"authorize an unknown account", "POST", a.URL + "/api/v1/follow_requests/12345/authorize", []string{"follow"}, 404},
		{"lookup of nobody", "GET", a.URL + "/api/v1/accounts/lookup?acct=nobody", nil, 404},
		{"relationships anonymously", "GET", a.URL + "/api/v1/accounts/relationships?id[]=1", nil, 401},
		{"blocks with read:blocks", "GET", a.URL + "/api/v1/blocks", []string{"read:blocks"}, 200},
		{"mutes with read:blocks", "GET", a.URL + "/api/v1/mutes", []string{"read:blocks"}, 403},
		{"follow_requests with read:follows", "GET", a.URL + "/api/v1/follow_requests", []string{"read:follows"}, 200},
		{"endorsements", "GET", a.URL + "/api/v1/endorsements", []string{"read:accounts"}, 200},
		{"featured tags", "GET", bobPath + "/featured_tags", nil, 200},
		{"lists", "GET", bobPath + "/lists", []string{"read:lists"}, 200},
		{"an invalid token", "GET", bobPath, []string{"invalid"}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := ""
			switch {
			case len(tc.scopes) == 1 && tc.scopes[0] == "invalid":
				token = "not-a-token"
			case tc.scopes != nil:
				token = a.Token(alice, tc.scopes...)
			}
			if code, _, _ := call(t, tc.method, tc.url, token, nil, nil); code != tc.want {
				t.Errorf("%s %s: %d; want %d", tc.method, tc.url, code, tc.want)
			}
		})
	}
	_, err := acctClient(a, a.Token(alice, "read")).AccountFollow(ctx, mastodon.ID(bob.ID.String()))
	if acctStatusCode(err) != 403 {
		t.Errorf("go-mastodon follow with a read-only token: %v; want 403", err)
	}
}

func TestAccountDomainBlockRemovesFollowers(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	ctx := context.Background()
	tok := a.Token(alice)

	aliceOnB := b.Resolve(a.Acct("alice"))
	if err := b.Engine.Follow(ctx, bob.ID, aliceOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, acctWait, "bob's follow of alice accepted", func() bool {
		_, err := b.Store.FollowOf(ctx, bob.ID, aliceOnB.ID)
		return err == nil
	})
	if code, _, _ := call(t, "POST", a.URL+"/api/v1/domain_blocks", tok, `{"domain": "`+strings.ToUpper(b.Host)+`"}`, nil); code != 200 {
		t.Fatalf("block domain: %d", code)
	}
	bobOnA := a.Resolve(b.Acct("bob"))
	var rels []struct {
		FollowedBy     bool `json:"followed_by"`
		DomainBlocking bool `json:"domain_blocking"`
	}
	call(t, "GET", a.URL+"/api/v1/accounts/relationships?id[]="+bobOnA.ID.String(), tok, nil, &rels)
	if len(rels) != 1 || rels[0].FollowedBy || !rels[0].DomainBlocking {
		t.Errorf("relationship to bob after blocking his domain = %+v", rels)
	}
	testrig.Eventually(t, acctWait, "B learns bob no longer follows alice", func() bool {
		_, err := b.Store.FollowOf(ctx, bob.ID, aliceOnB.ID)
		return errors.Is(err, storage.ErrNotFound)
	})
}

// TestAccountOwnFeaturedTags pins GET /api/v1/featured_tags and its
// suggestions, which Phanpy's hashtag page calls through masto.js
// (masto.v1.featuredTags.list): a member's read:accounts token gets an
// empty list, not a 404.
func TestAccountOwnFeaturedTags(t *testing.T) {
	t.Parallel()
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	for _, path := range []string{"/api/v1/featured_tags", "/api/v1/featured_tags/suggestions"} {
		for _, tc := range []struct {
			scopes []string // nil: no token
			want   int
		}{
			{nil, http.StatusUnauthorized},
			{[]string{"write"}, http.StatusForbidden},
			{[]string{"read:accounts"}, http.StatusOK},
			{[]string{"read"}, http.StatusOK},
		} {
			token := ""
			if tc.scopes != nil {
				token = a.Token(alice, tc.scopes...)
			}
			code, h, raw := call(t, "GET", a.URL+path, token, nil, nil)
			if code != tc.want {
				t.Errorf("GET %s with %v: %d; want %d", path, tc.scopes, code, tc.want)
				continue
			}
			if code != http.StatusOK {
				continue
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("GET %s: Content-Type %q; want JSON", path, ct)
			}
			if strings.TrimSpace(raw) != "[]" {
				t.Errorf("GET %s: %s; want an empty JSON array", path, raw)
			}
		}
	}
}
