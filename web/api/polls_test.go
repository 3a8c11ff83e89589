package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// The helpers of the poll tests start with poll.

// pollEntity is the Poll entity as the API writes it, with the nulls and
// absent keys go-mastodon would hide.
type pollEntity struct {
	ID          string  `json:"id"`
	ExpiresAt   *string `json:"expires_at"`
	Expired     bool    `json:"expired"`
	Multiple    bool    `json:"multiple"`
	VotesCount  int     `json:"votes_count"`
	VotersCount int     `json:"voters_count"`
	Options     []struct {
		Title      string `json:"title"`
		VotesCount *int   `json:"votes_count"`
	} `json:"options"`
	Emojis   []any  `json:"emojis"`
	Voted    *bool  `json:"voted"`
	OwnVotes *[]int `json:"own_votes"`
}

func (p pollEntity) counts() []int {
	out := []int{}
	for _, o := range p.Options {
		if o.VotesCount == nil {
			out = append(out, -1)
		} else {
			out = append(out, *o.VotesCount)
		}
	}
	return out
}

// pollGet reads a poll on n as the holder of token.
func pollGet(t *testing.T, n *testrig.Node, id, token string) pollEntity {
	t.Helper()
	var p pollEntity
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/polls/"+id, token, nil, &p); code != http.StatusOK {
		t.Fatalf("GET poll %s = %d", id, code)
	}
	return p
}

// pollVote votes on n and returns the answer's status.
func pollVote(t *testing.T, n *testrig.Node, id, token string, choices ...string) (int, pollEntity) {
	t.Helper()
	var p pollEntity
	code, _, _ := call(t, "POST", n.URL+"/api/v1/polls/"+id+"/votes", token, url.Values{"choices[]": choices}, &p)
	return code, p
}

// pollExpire moves a poll's end into the past, as if time had passed.
func pollExpire(t *testing.T, n *testrig.Node, id string) {
	t.Helper()
	ctx := context.Background()
	sid, err := storage.ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Store.InTx(ctx, func(tx *storage.Tx) error {
		p, err := tx.PollByStatus(ctx, sid)
		if err != nil {
			return err
		}
		p.ExpiresAt = time.Now().Add(-time.Minute)
		return tx.UpdatePoll(ctx, &p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPollCreateReadAndVote(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	ctx := context.Background()
	aliceToken, bobToken, carolToken := n.Token(alice), n.Token(bob), n.Token(carol)

	posted, err := stClient(n, aliceToken).PostStatus(ctx, &mastodon.Toot{Status: "Where do we meet next?",
		Poll: &mastodon.TootPoll{Options: []string{"Library", "Town hall", " Online "}, ExpiresInSeconds: 3600}})
	if err != nil {
		t.Fatal(err)
	}
	if posted.Poll == nil {
		t.Fatalf("posted status has no poll")
	}
	p := posted.Poll
	if p.ID != posted.ID || p.Multiple || p.Expired || p.VotesCount != 0 || len(p.Options) != 3 || p.Options[2].Title != "Online" {
		t.Errorf("posted poll = %+v", p)
	}
	if d := time.Until(p.ExpiresAt); d < 50*time.Minute || d > 61*time.Minute {
		t.Errorf("expires_at = %v; want in an hour", p.ExpiresAt)
	}
	if !p.Voted || len(p.OwnVotes) != 0 {
		t.Errorf("the author's view: voted %v, own votes %v; want true (as in Mastodon), none", p.Voted, p.OwnVotes)
	}
	id := string(posted.ID)

	// A member who has not voted, and an anonymous reader.
	if got := pollGet(t, n, id, bobToken); got.Voted == nil || *got.Voted || got.OwnVotes == nil || len(*got.OwnVotes) != 0 ||
		!slices.Equal(got.counts(), []int{0, 0, 0}) || got.Emojis == nil {
		t.Errorf("bob's view before voting = %+v", got)
	}
	var anon map[string]any
	call(t, "GET", n.URL+"/api/v1/polls/"+id, "", nil, &anon)
	for _, k := range []string{"voted", "own_votes"} {
		if _, ok := anon[k]; ok {
			t.Errorf("anonymous view has %q", k)
		}
	}
	for _, k := range []string{"id", "expires_at", "expired", "multiple", "votes_count", "voters_count", "options", "emojis"} {
		if _, ok := anon[k]; !ok {
			t.Errorf("poll entity lacks %q", k)
		}
	}

	// bob votes, through go-mastodon.
	voted, err := stClient(n, bobToken).PollVote(ctx, posted.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !voted.Voted || !slices.Equal(voted.OwnVotes, []int{1}) || voted.VotesCount != 1 || voted.VotersCount != 1 ||
		voted.Options[1].VotesCount != 1 {
		t.Errorf("after bob's vote = %+v", voted)
	}
	got, err := stClient(n, carolToken).GetPoll(ctx, posted.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Voted || got.VotesCount != 1 {
		t.Errorf("carol's view = %+v", got)
	}
	st, err := stClient(n, bobToken).GetStatus(ctx, posted.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Poll == nil || !slices.Equal(st.Poll.OwnVotes, []int{1}) || st.Poll.VotesCount != 1 {
		t.Errorf("the status's poll, as bob sees it = %+v", st.Poll)
	}

	refused := []struct {
		name    string
		token   string
		choices []string
		want    int
	}{
		{"bob votes again", bobToken, []string{"0"}, http.StatusUnprocessableEntity},
		{"the author votes", aliceToken, []string{"0"}, http.StatusUnprocessableEntity},
		{"two choices in a single-choice poll", carolToken, []string{"0", "2"}, http.StatusUnprocessableEntity},
		{"a choice out of range", carolToken, []string{"3"}, http.StatusUnprocessableEntity},
		{"a negative choice", carolToken, []string{"-1"}, http.StatusUnprocessableEntity},
		{"a choice that is not a number", carolToken, []string{"first"}, http.StatusUnprocessableEntity},
		{"no choice", carolToken, nil, http.StatusUnprocessableEntity},
		{"anonymous", "", []string{"0"}, http.StatusUnauthorized},
		{"read-only token", n.Token(carol, "read"), []string{"0"}, http.StatusForbidden},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if code, _ := pollVote(t, n, id, tt.token, tt.choices...); code != tt.want {
				t.Errorf("vote = %d; want %d", code, tt.want)
			}
		})
	}
	if got := pollGet(t, n, id, carolToken); got.VotesCount != 1 || got.VotersCount != 1 || *got.Voted {
		t.Errorf("after the refused votes = %+v", got)
	}
	if code, _ := pollVote(t, n, id, carolToken, "2"); code != http.StatusOK {
		t.Errorf("carol votes = %d", code)
	}

	// Once it has ended, it takes no votes.
	dave := n.Member("dave", false)
	pollExpire(t, n, id)
	if code, _ := pollVote(t, n, id, n.Token(dave), "0"); code != http.StatusUnprocessableEntity {
		t.Errorf("vote in an ended poll = %d; want 422", code)
	}
	if got := pollGet(t, n, id, ""); !got.Expired || !slices.Equal(got.counts(), []int{0, 1, 1}) || got.VotersCount != 2 {
		t.Errorf("ended poll = %+v", got)
	}

	// Not a poll, or not there.
	plain, err := stClient(n, aliceToken).PostStatus(ctx, &mastodon.Toot{Status: "no poll here"})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Poll != nil {
		t.Errorf("a status without a poll has %+v", plain.Poll)
	}
	for _, pid := range []string{string(plain.ID), "12345", "abc"} {
		if code, _, _ := call(t, "GET", n.URL+"/api/v1/polls/"+pid, bobToken, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET poll %s = %d; want 404", pid, code)
		}
		if code, _ := pollVote(t, n, pid, bobToken, "0"); code != http.StatusNotFound {
			t.Errorf("vote in %s = %d; want 404", pid, code)
		}
	}
}

func TestPollFormsAndOptions(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	aliceToken, bobToken := n.Token(alice), n.Token(bob)

	// JSON, multiple choice, totals hidden.
	var st struct {
		ID   string      `json:"id"`
		Poll *pollEntity `json:"poll"`
	}
	body := `{"status": "Which tools do you use?", "visibility": "unlisted",
		"poll": {"options": ["Forms", "Surveys", "Interviews"], "expires_in": 600, "multiple": true, "hide_totals": true}}`
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses", aliceToken, body, &st); code != http.StatusOK || st.Poll == nil {
		t.Fatalf("post JSON poll = %d, %+v", code, st.Poll)
	}
	if !st.Poll.Multiple || !slices.Equal(st.Poll.counts(), []int{-1, -1, -1}) {
		t.Errorf("hidden multiple-choice poll = %+v", st.Poll)
	}
	var p pollEntity
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/polls/"+st.ID+"/votes", bobToken, `{"choices": [0, 2]}`, &p); code != http.StatusOK {
		t.Fatalf("vote with JSON = %d", code)
	}
	if p.VotesCount != 2 || p.VotersCount != 1 || !slices.Equal(*p.OwnVotes, []int{0, 2}) || !slices.Equal(p.counts(), []int{-1, -1, -1}) {
		t.Errorf("after a two-choice vote = %+v", p)
	}
	// Another choice is still a vote in a multiple-choice poll; the same one is not.
	if code, _ := pollVote(t, n, st.ID, bobToken, "1"); code != http.StatusOK {
		t.Errorf("a further choice = %d; want 200", code)
	}
	if code, _ := pollVote(t, n, st.ID, bobToken, "2"); code != http.StatusUnprocessableEntity {
		t.Errorf("the same choice again = %d; want 422", code)
	}
	pollExpire(t, n, st.ID)
	if got := pollGet(t, n, st.ID, bobToken); !slices.Equal(got.counts(), []int{1, 1, 1}) || got.VotersCount != 1 {
		t.Errorf("ended hidden poll shows = %+v", got)
	}

	// A form with indexed options.
	form := url.Values{"status": {"Indexed"}, "poll[options][1]": {"second"}, "poll[options][0]": {"first"},
		"poll[expires_in]": {"300"}, "poll[multiple]": {"false"}}
	var indexed struct {
		Poll *pollEntity `json:"poll"`
	}
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses", aliceToken, form, &indexed); code != http.StatusOK || indexed.Poll == nil {
		t.Fatalf("post indexed poll = %d", code)
	}
	if len(indexed.Poll.Options) != 2 || indexed.Poll.Options[0].Title != "first" || indexed.Poll.Options[1].Title != "second" ||
		indexed.Poll.Multiple {
		t.Errorf("indexed poll = %+v", indexed.Poll)
	}
}

func TestPollInvalid(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	token := n.Token(alice)
	long := strings.Repeat("é", 51)
	tests := []struct {
		name string
		form url.Values
	}{
		{"one option", url.Values{"poll[options][]": {"a"}, "poll[expires_in]": {"600"}}},
		{"blank options only count once", url.Values{"poll[options][]": {"a", " ", ""}, "poll[expires_in]": {"600"}}},
		{"five options", url.Values{"poll[options][]": {"a", "b", "c", "d", "e"}, "poll[expires_in]": {"600"}}},
		{"an option too long", url.Values{"poll[options][]": {"a", long}, "poll[expires_in]": {"600"}}},
		{"duplicate options", url.Values{"poll[options][]": {"a", "b", "a"}, "poll[expires_in]": {"600"}}},
		{"too soon", url.Values{"poll[options][]": {"a", "b"}, "poll[expires_in]": {"299"}}},
		{"too late", url.Values{"poll[options][]": {"a", "b"}, "poll[expires_in]": {"2629747"}}},
		{"negative", url.Values{"poll[options][]": {"a", "b"}, "poll[expires_in]": {"-600"}}},
		{"no end", url.Values{"poll[options][]": {"a", "b"}}},
		{"end not a number", url.Values{"poll[options][]": {"a", "b"}, "poll[expires_in]": {"soon"}}},
		{"no options", url.Values{"poll[expires_in]": {"600"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("status", "A question")
			var e struct {
				Error string `json:"error"`
			}
			code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses", token, tt.form, &e)
			if code != http.StatusUnprocessableEntity || !strings.HasPrefix(e.Error, "Validation failed: ") {
				t.Errorf("post = %d %q; want 422 with Mastodon's message", code, e.Error)
			}
		})
	}
	// The longest allowed option, counted in characters, passes.
	ok := url.Values{"status": {"q"}, "poll[options][]": {"a", strings.Repeat("é", 50)}, "poll[expires_in]": {"300"}}
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses", token, ok, nil); code != http.StatusOK {
		t.Errorf("a 50-character option = %d; want 200", code)
	}
}

func TestPollEndNotifies(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	ctx := context.Background()
	posted, err := stClient(n, n.Token(alice)).PostStatus(ctx, &mastodon.Toot{Status: "Quick one",
		Poll: &mastodon.TootPoll{Options: []string{"yes", "no"}, ExpiresInSeconds: 300}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stClient(n, n.Token(bob)).PollVote(ctx, posted.ID, 0); err != nil {
		t.Fatal(err)
	}
	pollExpire(t, n, string(posted.ID))
	notified := func(who storage.Account) bool {
		var ns []struct {
			Type   string `json:"type"`
			Status struct {
				ID   string      `json:"id"`
				Poll *pollEntity `json:"poll"`
			} `json:"status"`
		}
		call(t, "GET", n.URL+"/api/v1/notifications", n.Token(who), url.Values{"types[]": {"poll"}}, &ns)
		return len(ns) == 1 && ns[0].Type == "poll" && ns[0].Status.ID == string(posted.ID) && ns[0].Status.Poll != nil &&
			ns[0].Status.Poll.Expired
	}
	testrig.Eventually(t, stWait, "the voter and the author are told the poll ended", func() bool {
		return notified(bob) && notified(alice)
	})
	var ns []any
	call(t, "GET", n.URL+"/api/v1/notifications", n.Token(carol), nil, &ns)
	if len(ns) != 0 {
		t.Errorf("carol, who did not vote, has %d notifications", len(ns))
	}
}

func TestPollFederates(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, carol := a.Member("alice", false), a.Member("carol", false)
	bob := b.Member("bob", false)
	ctx := context.Background()
	stFollow(t, b, bob, b.Resolve(a.Acct("alice")))

	posted, err := stClient(a, a.Token(alice)).PostStatus(ctx, &mastodon.Toot{Status: "Which day suits the workshop?",
		Poll: &mastodon.TootPoll{Options: []string{"Tuesday", "Thursday"}, ExpiresInSeconds: 86400}})
	if err != nil {
		t.Fatal(err)
	}
	onB := stArrived(t, b, posted.URI).String()

	// bob sees it as a poll on B, and votes there.
	bc := stClient(b, b.Token(bob))
	st, err := bc.GetStatus(ctx, mastodon.ID(onB))
	if err != nil {
		t.Fatal(err)
	}
	if st.Poll == nil || len(st.Poll.Options) != 2 || st.Poll.Options[1].Title != "Thursday" || st.Poll.Expired ||
		st.Poll.ExpiresAt.Sub(posted.Poll.ExpiresAt).Abs() > time.Second {
		t.Fatalf("the poll on B = %+v", st.Poll)
	}
	if _, err := bc.PollVote(ctx, mastodon.ID(onB), 1); err != nil {
		t.Fatal(err)
	}
	if code, _ := pollVote(t, b, onB, b.Token(bob), "0"); code != http.StatusUnprocessableEntity {
		t.Errorf("bob votes twice = %d; want 422", code)
	}

	// A counts it.
	id := string(posted.ID)
	testrig.Eventually(t, stWait, "A counts bob's vote", func() bool {
		p := pollGet(t, a, id, "")
		return p.VotesCount == 1 && p.VotersCount == 1 && slices.Equal(p.counts(), []int{0, 1})
	})
	// The vote is a vote, not a post, and no one is notified of it.
	all := []activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly, activitypub.Direct}
	if n, err := a.Store.CountStatuses(ctx, a.Resolve(b.Acct("bob")).ID, all); err != nil || n != 0 {
		t.Errorf("bob has %d statuses on A (%v)", n, err)
	}
	var ns []any
	call(t, "GET", a.URL+"/api/v1/notifications", a.Token(alice), url.Values{"exclude_types[]": {"follow"}}, &ns)
	if len(ns) != 0 {
		t.Errorf("alice has %d notifications after a vote: %v", len(ns), ns)
	}

	// A's counts reach B in an Update{Question}: carol's vote on A too.
	if _, err := stClient(a, a.Token(carol)).PollVote(ctx, posted.ID, 0); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, stWait, "B has A's counts", func() bool {
		p := pollGet(t, b, onB, b.Token(bob))
		return p.VotesCount == 2 && p.VotersCount == 2 && slices.Equal(p.counts(), []int{1, 1}) &&
			p.Voted != nil && *p.Voted && slices.Equal(*p.OwnVotes, []int{1})
	})
	// New counts are not an edit.
	var raw map[string]any
	call(t, "GET", b.URL+"/api/v1/statuses/"+onB, b.Token(bob), nil, &raw)
	if raw["edited_at"] != nil {
		t.Errorf("the poll on B reads as edited at %v", raw["edited_at"])
	}
}
