package api_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestStreamsShowWhatTimelinesShow: a viewer's public, local, hashtag,
// home and list streams leave out the posts (and the boosts of posts) of
// accounts the viewer blocks, mutes or domain-blocks and of accounts
// that block the viewer, as the REST public and hashtag timelines do;
// what the viewer may see still arrives.
func TestStreamsShowWhatTimelinesShow(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	vic := a.Member("vic", false)
	blocked, muted, blocker := a.Member("blocked", false), a.Member("muted", false), a.Member("blocker", false)
	fine, booster, dave := a.Member("fine", false), a.Member("booster", false), a.Member("dave", false)
	bob := b.Member("bob", false)

	// dave brings bob's posts to node a.
	stFollow(t, a, dave, a.Resolve(b.Acct("bob")))
	// vic follows booster and muted, and lists both.
	stFollow(t, a, vic, booster)
	stFollow(t, a, vic, muted)
	client := stClient(a, a.Token(vic))
	list, err := client.CreateList(ctx, "practice")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []storage.Account{booster, muted} {
		if err := client.AddToList(ctx, list.ID, mastodon.ID(m.ID.String())); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.Engine.Block(ctx, vic.ID, blocked.ID))
	must(a.Engine.Mute(ctx, vic.ID, muted.ID, true, 0))
	must(a.Engine.Block(ctx, blocker.ID, vic.ID))
	must(a.Engine.BlockDomain(ctx, vic.ID, b.Host))

	streams := map[string]string{
		"public":       "stream=public",
		"public:local": "stream=public:local",
		"hashtag":      "stream=hashtag&tag=practice",
		"user":         "stream=user",
		"list":         "stream=list&list=" + string(list.ID),
	}
	wsURL := strings.Replace(a.URL, "http://", "ws://", 1) + "/api/v1/streaming?access_token=" + a.Token(vic) + "&"
	conns := map[string]<-chan []byte{}
	for name, q := range streams {
		c, _, err := websocket.Dial(ctx, wsURL+q, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		conns[name] = messages(t, c)
	}

	post := func(author storage.Account, text string) storage.Status {
		return acctPost(t, a, author, federation.Draft{Text: text + " #practice", Visibility: activitypub.Public})
	}
	boost := func(st storage.Status) storage.Status {
		t.Helper()
		r, err := a.Engine.Reblog(ctx, booster.ID, st.ID, activitypub.Public)
		if err != nil {
			t.Fatalf("boost %d: %v", st.ID, err)
		}
		return r
	}
	remote, err := stClient(b, b.Token(bob)).PostStatus(ctx, &mastodon.Toot{Status: "from afar #practice", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	remoteOnA, err := a.Store.StatusByID(ctx, stArrived(t, a, remote.URI))
	if err != nil {
		t.Fatal(err)
	}
	hidden := map[string]storage.Status{
		"blocked": post(blocked, "blocked"), "muted": post(muted, "muted"), "blocker": post(blocker, "blocker"),
		"domain-blocked": remoteOnA,
	}
	hiddenIDs := map[storage.ID]string{}
	for why, st := range hidden {
		hiddenIDs[st.ID] = why
		hiddenIDs[boost(st).ID] = "boost of " + why
	}
	fineSt := post(fine, "fine")
	fineBoost := boost(fineSt)
	marker := post(booster, "marker")

	want := map[string][]storage.ID{
		"public":       {fineSt.ID, marker.ID},
		"public:local": {fineSt.ID, marker.ID},
		"hashtag":      {fineSt.ID, marker.ID},
		"user":         {fineBoost.ID, marker.ID},
		"list":         {fineBoost.ID, marker.ID},
	}
	for _, name := range slices.Sorted(maps.Keys(streams)) {
		t.Run(name, func(t *testing.T) {
			got := updatesUntil(t, conns[name], marker.ID)
			for _, id := range got {
				if why, ok := hiddenIDs[id]; ok {
					t.Errorf("the %s stream carried %d, the %s post", name, id, why)
				}
			}
			if !slices.Equal(got, want[name]) {
				t.Errorf("the %s stream carried %v; want %v", name, got, want[name])
			}
		})
	}

	// The REST timelines leave out the same posts: one rule.
	for _, path := range []string{"/api/v1/timelines/public", "/api/v1/timelines/tag/practice"} {
		var sts []struct{ ID string }
		if code, _, raw := call(t, http.MethodGet, a.URL+path, a.Token(vic), nil, &sts); code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, raw)
		}
		var ids []string
		for _, s := range sts {
			ids = append(ids, s.ID)
		}
		if w := []string{marker.ID.String(), fineSt.ID.String()}; !slices.Equal(ids, w) {
			t.Errorf("%s for vic = %v; want %v", path, ids, w)
		}
	}
}

// updatesUntil reads a stream's update events until the status last
// arrives, and returns the IDs of the statuses they carried in order.
// Events come in the order the statuses were made, so what is not there
// by then never comes.
func updatesUntil(t *testing.T, c <-chan []byte, last storage.ID) []storage.ID {
	t.Helper()
	timeout := time.After(stWait)
	var got []storage.ID
	for {
		var data []byte
		select {
		case data = <-c:
		case <-timeout:
			t.Fatalf("status %d did not arrive; got %v", last, got)
		}
		var ev streamEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("bad event %s: %v", data, err)
		}
		if ev.Event != "update" {
			continue
		}
		var st struct{ ID string }
		if err := json.Unmarshal([]byte(ev.Payload), &st); err != nil {
			t.Fatalf("bad payload %s: %v", ev.Payload, err)
		}
		id, err := storage.ParseID(st.ID)
		if err != nil {
			t.Fatalf("payload id %q", st.ID)
		}
		got = append(got, id)
		if id == last {
			return got
		}
	}
}
