package federation

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestRemoteGroupCannotModerateWhatWasNotPostedToIt: a Group on another
// node moderates only what was posted to it. By boosting a post first (or
// by a post merely mentioning it), it must not come to remove or lock a
// member's post here that is in no community, or a thread of a community
// hosted here.
func TestRemoteGroupCannotModerateWhatWasNotPostedToIt(t *testing.T) {
	const evilURI = "https://evil.example/c/takeover"
	tests := []struct {
		name  string
		text  string // alice's post
		inner string // the Group's own moderation, %[1]s the Group, %[2]s the post
	}{
		{"removal of a member's post in no community", "Opening hours: how do you publish them?",
			`{"id":"https://evil.example/a/1","type":"Delete","actor":"%[1]s","object":"%[2]s","summary":"Spam"}`},
		{"removal of a thread of a community hosted here", "@libraries Opening hours: how do you publish them?",
			`{"id":"https://evil.example/a/2","type":"Delete","actor":"%[1]s","object":"%[2]s","summary":"Spam"}`},
		{"lock of a thread of a community hosted here", "@libraries Opening hours: how do you publish them?",
			`{"id":"https://evil.example/a/3","type":"Lock","actor":"%[1]s","object":"%[2]s"}`},
		{"removal of a post that mentions the Group but is in a community hosted here", "@libraries @takeover@evil.example Opening hours",
			`{"id":"https://evil.example/a/4","type":"Delete","actor":"%[1]s","object":"%[2]s","summary":"Spam"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t)
			ctx := context.Background()
			alice := member(t, e, "alice")
			community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
			evil := storage.Account{URI: evilURI, Username: "takeover", Domain: "evil.example", ActorType: activitypub.TypeGroup,
				Inbox: evilURI + "/inbox", Followers: evilURI + "/followers", Featured: evilURI + "/featured", FetchedAt: e.now()}
			if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &evil) }); err != nil {
				t.Fatal(err)
			}
			st, err := e.Post(ctx, alice.ID, Draft{Text: tt.text, Visibility: activitypub.Public})
			if err != nil {
				t.Fatal(err)
			}
			apply := func(raw string) error {
				act, err := activitypub.ParseActivity([]byte(raw))
				if err != nil {
					t.Fatal(err)
				}
				return e.Apply(withInboxBody(ctx, []byte(raw)), act)
			}
			// The Group boosts the post: anyone may boost a public post.
			if err := apply(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + evilURI + `/announce/1","type":"Announce",` +
				`"actor":"` + evilURI + `","to":["https://www.w3.org/ns/activitystreams#Public"],"object":"` + st.URI + `"}`); err != nil {
				t.Fatalf("boost: %v", err)
			}
			err = apply(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + evilURI + `/announce/2","type":"Announce",` +
				`"actor":"` + evilURI + `","to":["https://www.w3.org/ns/activitystreams#Public"],"object":` +
				fmt.Sprintf(tt.inner, evilURI, st.URI) + `}`)
			if err != nil && !errors.Is(err, ErrDenied) {
				t.Fatalf("moderation: %v; want it refused", err)
			}
			if _, err := e.store.StatusByID(ctx, st.ID); err != nil {
				t.Errorf("alice's post: %v; a Group it was never posted to removed it", err)
			}
			if locked, _ := e.store.ThreadLocked(ctx, st.ID); locked {
				t.Error("a Group the thread was never posted to locked it")
			}
			if log, _ := e.store.ModerationLog(ctx, evil.ID, storage.Page{}); len(log) != 0 {
				t.Errorf("log of %s = %+v; want nothing applied", evil.URI, log)
			}
		})
	}
}
