package e2e

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestUpdatesOutOfOrder sends node A signed Update activities of bob (of
// node B) newest first, as a retried delivery can: an older profile or
// edit arriving late must not overwrite a newer one.
func TestUpdatesOutOfOrder(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	secFollow(t, a, alice, b, "bob")
	asBob := secSigner(t, bob)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second)
	seq := 0

	// send posts an Update of obj by bob to A's shared inbox and waits
	// until A has applied it.
	send := func(t *testing.T, obj activitypub.Object) {
		t.Helper()
		seq++
		act := activitypub.Activity{ID: bob.URI + "#updates/e2e-" + strconv.Itoa(seq), Type: activitypub.TypeUpdate,
			Actor: bob.URI, To: []string{activitypub.PublicIRI}, CC: []string{bob.Followers}, Object: obj}
		if got := secPostTo(t, a.URL+"/inbox", secMarshal(t, act), asBob); got.code != http.StatusAccepted {
			t.Fatalf("Update: status = %d %s; want 202", got.code, got.body)
		}
		testrig.Eventually(t, securityWait, "A applied the Update", func() bool { return secDrained(t, a) })
	}
	bobOnA := func(t *testing.T) storage.Account {
		t.Helper()
		acc, err := a.Store.AccountByURI(ctx, bob.URI)
		if err != nil {
			t.Fatal(err)
		}
		return acc
	}

	t.Run("profile", func(t *testing.T) {
		profile := func(name string, updated time.Time) activitypub.Object {
			doc := federation.ActorOf(bob)
			doc.Name, doc.Updated = name, updated
			return activitypub.Object{IRI: bob.URI, Type: activitypub.TypePerson, Actor: &doc}
		}
		send(t, profile("Bob, second edit", t0.Add(2*time.Minute)))
		send(t, profile("Bob, first edit", t0.Add(time.Minute)))
		if got := bobOnA(t); got.DisplayName != "Bob, second edit" || !got.ActorUpdatedAt.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("after a late older Update, A has %q updated %v; want the newer profile", got.DisplayName, got.ActorUpdatedAt)
		}
		send(t, profile("Bob, third edit", t0.Add(3*time.Minute)))
		if got := bobOnA(t); got.DisplayName != "Bob, third edit" {
			t.Errorf("after a newer Update, A has %q; want it", got.DisplayName)
		}
	})

	// A profile edit on a copse node goes out with its updated: a late
	// copy of the profile as it was is then recognised and ignored.
	t.Run("profile edited on B", func(t *testing.T) {
		carol := b.Member("carol", false)
		secFollow(t, a, alice, b, "carol")
		renamed, err := b.Engine.UpdateProfile(ctx, carol.ID, federation.Profile{DisplayName: "Carol, renamed", Discoverable: true})
		if err != nil {
			t.Fatal(err)
		}
		edited := renamed.UpdatedAt.Truncate(time.Second) // the precision of updated on the wire
		carolOnA := func() storage.Account {
			acc, err := a.Store.AccountByURI(ctx, carol.URI)
			if err != nil {
				t.Fatal(err)
			}
			return acc
		}
		testrig.Eventually(t, securityWait, "carol's new name on A", func() bool {
			got := carolOnA()
			return got.DisplayName == "Carol, renamed" && got.ActorUpdatedAt.Equal(edited)
		})

		old := federation.ActorOf(carol)
		old.Updated = edited.Add(-time.Minute)
		act := activitypub.Activity{ID: carol.URI + "#updates/e2e-old", Type: activitypub.TypeUpdate, Actor: carol.URI,
			To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: carol.URI, Type: activitypub.TypePerson, Actor: &old}}
		if got := secPostTo(t, a.URL+"/inbox", secMarshal(t, act), secSigner(t, carol)); got.code != http.StatusAccepted {
			t.Fatalf("Update: status = %d %s; want 202", got.code, got.body)
		}
		testrig.Eventually(t, securityWait, "A applied the late Update", func() bool { return secDrained(t, a) })
		if got := carolOnA(); got.DisplayName != "Carol, renamed" {
			t.Errorf("after a late copy of the old profile, A has %q; want the new one", got.DisplayName)
		}

		// Mastodon sends no updated: A fetches the profile from B instead
		// of trusting the copy.
		undated := federation.ActorOf(carol)
		undated.Updated = time.Time{}
		act = activitypub.Activity{ID: carol.URI + "#updates/e2e-undated", Type: activitypub.TypeUpdate, Actor: carol.URI,
			To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: carol.URI, Type: activitypub.TypePerson, Actor: &undated}}
		if got := secPostTo(t, a.URL+"/inbox", secMarshal(t, act), secSigner(t, carol)); got.code != http.StatusAccepted {
			t.Fatalf("Update: status = %d %s; want 202", got.code, got.body)
		}
		testrig.Eventually(t, securityWait, "A applied the undated Update", func() bool { return secDrained(t, a) })
		if got := carolOnA(); got.DisplayName != "Carol, renamed" {
			t.Errorf("after a late undated copy of the old profile, A has %q; want B's current one", got.DisplayName)
		}
	})

	t.Run("post", func(t *testing.T) {
		st := secPost(t, b, bob, "the first version", activitypub.Public)
		testrig.Eventually(t, securityWait, "post on A", func() bool { return secHasStatus(t, a, st.URI) })
		edit := func(text string, updated time.Time) activitypub.Object {
			n := activitypub.Note{ID: st.URI, Type: activitypub.TypeNote, AttributedTo: bob.URI, Content: "<p>" + text + "</p>",
				To: []string{activitypub.PublicIRI}, CC: []string{bob.Followers}, Published: st.CreatedAt, Updated: updated}
			return activitypub.Object{IRI: st.URI, Type: activitypub.TypeNote, Note: &n}
		}
		send(t, edit("the third version", t0.Add(2*time.Minute)))
		send(t, edit("the second version", t0.Add(time.Minute)))
		got, err := a.Store.StatusByURI(ctx, st.URI)
		if err != nil {
			t.Fatal(err)
		}
		if got.Content != "<p>the third version</p>" || !got.EditedAt.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("after a late older edit, A has %q edited %v; want the newer edit", got.Content, got.EditedAt)
		}
	})
}
