package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestRepertoireDeleteAcrossNodes: bea on B is a member of a community
// on A. A glossary term deleted by A's moderator (with a reason) and an
// event deleted by its organiser disappear from B too, the term's
// removal in B's log of the community. Then bea is made a moderator of
// the community: from B's API she deletes an artefact ann made on A; her
// Delete goes to the Group, which applies it on A, logs it with her
// reason and announces it, and the artefact is gone from both nodes. A
// member of B who moderates nothing is refused.
func TestRepertoireDeleteAcrossNodes(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, ann := a.Member("alice", false), a.Member("ann", false)
	bea, bob := b.Member("bea", false), b.Member("bob", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupID := community["id"].(string)
	groupOnA := a.Resolve("libraries@" + a.Host)
	if err := a.Engine.Follow(ctx, ann.ID, groupOnA.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, ann, groupOnA)
	groupOnB := b.Resolve("libraries@" + a.Host)
	for _, m := range []storage.Account{bea, bob} {
		if err := b.Engine.Follow(ctx, m.ID, groupOnB.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
		joined(t, b, m, groupOnB)
	}

	term, err := a.Engine.CreateTerm(ctx, ann, groupOnA.ID, federation.NewTerm{Term: "Weeding", Definition: "Removing old stock."})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	ev, err := a.Engine.CreateEvent(ctx, ann, groupOnA.ID, federation.NewEvent{Name: "Stock review", Start: start,
		End: start.Add(time.Hour), TimeZone: "UTC", PlaceName: "Central Library"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the term and the event reach B", func() bool {
		_, errT := b.Store.TermByURI(ctx, term.URI)
		_, errE := b.Store.CommunityEventByURI(ctx, ev.URI)
		return errT == nil && errE == nil
	})

	api := a.URL + "/api/copse/v1"
	if code, body := communityCall(t, http.MethodDelete, api+"/glossary/"+term.ID.String(), a.Token(alice),
		map[string]any{"reason": "Not a library term"}); code != http.StatusOK {
		t.Fatalf("delete the term by the moderator: %d %s", code, body)
	}
	if code, body := communityCall(t, http.MethodDelete, api+"/events/"+ev.ID.String(), a.Token(ann), nil); code != http.StatusOK {
		t.Fatalf("delete the event by its organiser: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "the term and the event are gone from B", func() bool {
		_, errT := b.Store.TermByURI(ctx, term.URI)
		_, errE := b.Store.CommunityEventByURI(ctx, ev.URI)
		return errors.Is(errT, storage.ErrNotFound) && errors.Is(errE, storage.ErrNotFound)
	})
	logB, err := b.Store.ModerationLog(ctx, groupOnB.ID, storage.Page{})
	if err != nil || len(logB) != 1 || logB[0].Action != storage.ModRemoveTerm || logB[0].Reason != "Not a library term" {
		t.Errorf("log on B: %+v %v; want the term's removal only (the organiser's own delete is no moderation)", logB, err)
	}

	// bea, on B, becomes a moderator of the community.
	beaOnA := a.Resolve(bea.URI)
	modsURL := api + "/communities/" + groupID + "/moderators/" + beaOnA.ID.String()
	if code, body := communityCall(t, http.MethodPost, modsURL, a.Token(alice), nil); code != http.StatusOK {
		t.Fatalf("make bea a moderator: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "B hears that bea moderates the community", func() bool {
		ok, err := b.Store.IsRemoteModerator(ctx, groupOnB.ID, bea.URI)
		return err == nil && ok
	})
	art, err := a.Engine.CreateArtefact(ctx, ann, groupOnA.ID, federation.NewArtefact{Title: "Stocktake routine", Body: "Count the shelves."})
	if err != nil {
		t.Fatal(err)
	}
	var onB storage.Artefact
	testrig.Eventually(t, communityWait, "the artefact reaches B", func() bool {
		onB, err = b.Store.ArtefactByURI(ctx, art.URI)
		return err == nil
	})
	delOnB := b.URL + "/api/copse/v1/artefacts/" + onB.ID.String()
	if code, body := communityCall(t, http.MethodDelete, delOnB, b.Token(bob), nil); code != http.StatusForbidden {
		t.Errorf("delete by a member of B who moderates nothing: %d %s; want 403", code, body)
	}
	const reason = "Out of date since 2024."
	if code, body := communityCall(t, http.MethodDelete, delOnB, b.Token(bea), map[string]any{"reason": reason}); code != http.StatusOK {
		t.Fatalf("delete from B by the remote moderator: %d %s", code, body)
	}
	for _, n := range []*testrig.Node{a, b} {
		testrig.Eventually(t, communityWait, "the artefact is gone from "+n.Host, func() bool {
			_, err := n.Store.ArtefactByURI(ctx, art.URI)
			return errors.Is(err, storage.ErrNotFound)
		})
	}
	var logA []logEntry
	if code := getJSON(t, api+"/communities/"+groupID+"/moderation_log", "", &logA); code != http.StatusOK ||
		len(logA) == 0 || logA[0].Action != "remove_artefact" || logA[0].Reason != reason || logA[0].Target != art.URI ||
		logA[0].Moderator != "bea@"+b.Host {
		t.Errorf("log on A: %d %+v", code, logA)
	}
}
