package federation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestSetCommunityModerator: a moderator adds and removes moderators
// (Lemmy's Add/Remove with target the moderators collection, announced
// by the Group), logged; others may not; the last one stays; a member
// banned from the community is not made one until the ban is lifted.
func TestSetCommunityModerator(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, dave := member(t, e, "alice"), member(t, e, "dave")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	carol := remotePerson(t, e, "carol", "mbin.example")
	erin := remotePerson(t, e, "erin", "piefed.example")
	follows(t, e, erin, g)

	if err := e.SetCommunityModerator(ctx, dave, g.ID, carol.ID, true); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator adds: %v; want denied", err)
	}
	var inv *InvalidError
	if err := e.SetCommunityModerator(ctx, alice, g.ID, alice.ID, false); !errors.As(err, &inv) {
		t.Errorf("removing the last moderator: %v; want invalid", err)
	}
	if err := e.SetCommunityModerator(ctx, alice, g.ID, g.ID, true); !errors.As(err, &inv) {
		t.Errorf("the Group as its own moderator: %v; want invalid", err)
	}
	if err := e.BanFromCommunity(ctx, alice, g.ID, Ban{AccountID: dave.ID, Reason: "spam", ExpiresIn: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetCommunityModerator(ctx, alice, g.ID, dave.ID, true); !errors.As(err, &inv) {
		t.Errorf("a member banned from it made moderator: %v; want invalid (lift the ban first)", err)
	}
	if is, _ := e.store.IsCommunityModerator(ctx, g.ID, dave.ID); is {
		t.Error("the banned member moderates")
	}
	sentRaw(t, e, erin.SharedInbox) // the ban's Block
	if err := e.SetCommunityModerator(ctx, alice, g.ID, carol.ID, true); err != nil {
		t.Fatal(err)
	}
	if is, _ := e.store.IsCommunityModerator(ctx, g.ID, carol.ID); !is {
		t.Fatal("carol is no moderator")
	}
	for _, in := range []string{erin.SharedInbox, carol.SharedInbox} {
		anns := announced(t, g, sentRaw(t, e, in))
		if len(anns) != 1 || anns[0]["type"] != "Add" || anns[0]["object"] != carol.URI ||
			anns[0]["target"] != e.urls.Moderators(g.Username) || anns[0]["actor"] != alice.URI {
			t.Errorf("%s got %v; want alice's Add of carol to the moderators", in, anns)
		}
	}
	if l := lastLog(t, e, g); l.Action != storage.ModAddModerator || l.Target != carol.URI {
		t.Errorf("log = %+v", l)
	}
	if err := e.SetCommunityModerator(ctx, alice, g.ID, carol.ID, true); err != nil {
		t.Fatal(err)
	}
	if anns := announced(t, g, sentRaw(t, e, erin.SharedInbox)); len(anns) != 0 {
		t.Errorf("adding again sent %v; want nothing", anns)
	}
	if err := e.SetCommunityModerator(ctx, alice, g.ID, carol.ID, false); err != nil {
		t.Fatal(err)
	}
	if anns := announced(t, g, sentRaw(t, e, erin.SharedInbox)); len(anns) != 1 || anns[0]["type"] != "Remove" {
		t.Errorf("followers got %v; want the Remove", anns)
	}
	if l := lastLog(t, e, g); l.Action != storage.ModRemoveModerator || l.Target != carol.URI {
		t.Errorf("log = %+v", l)
	}
}

// TestRemoteModeratorChangeToGroup: a remote moderator's Add sent to the
// Group (as Lemmy sends it) is applied and announced as received; from a
// non-moderator it is refused; Add on someone's featured collection is
// ignored.
func TestRemoteModeratorChangeToGroup(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	carol := remotePerson(t, e, "carol", "mbin.example")
	erin := remotePerson(t, e, "erin", "piefed.example")
	bob := remotePerson(t, e, "bob", "lemmy.example")
	follows(t, e, erin, g)
	if err := e.SetCommunityModerator(ctx, alice, g.ID, carol.ID, true); err != nil {
		t.Fatal(err)
	}
	sentRaw(t, e, erin.SharedInbox)
	add := func(actor, id, target string) string {
		return `{"@context":"https://www.w3.org/ns/activitystreams","id":"` + id + `","type":"Add","actor":"` + actor +
			`","object":"` + bob.URI + `","target":"` + target + `","to":["` + g.URI + `"],"cc":["` + activitypub.PublicIRI + `"]}`
	}
	mods := e.urls.Moderators(g.Username)
	if err := applyRaw(t, e, add(erin.URI, "https://piefed.example/a/1", mods)); !errors.Is(err, ErrDenied) {
		t.Errorf("a non-moderator's Add: %v; want denied", err)
	}
	if err := applyRaw(t, e, add(erin.URI, "https://piefed.example/a/2", erin.URI+"/featured")); err != nil {
		t.Errorf("a pin on a person's featured: %v; want ignored", err)
	}
	if is, _ := e.store.IsCommunityModerator(ctx, g.ID, bob.ID); is {
		t.Fatal("bob became a moderator without a moderator's Add")
	}
	if err := applyRaw(t, e, add(carol.URI, "https://mbin.example/a/1", mods)); err != nil {
		t.Fatal(err)
	}
	if is, _ := e.store.IsCommunityModerator(ctx, g.ID, bob.ID); !is {
		t.Error("the remote moderator's Add was not applied")
	}
	anns := announced(t, g, sentRaw(t, e, erin.SharedInbox))
	if len(anns) != 1 || anns[0]["id"] != "https://mbin.example/a/1" || anns[0]["actor"] != carol.URI {
		t.Errorf("followers got %v; want carol's Add as received", anns)
	}
	if l := lastLog(t, e, g); l.Action != storage.ModAddModerator || l.ModeratorURI != carol.URI || l.Target != bob.URI {
		t.Errorf("log = %+v", l)
	}
}

// TestAnnouncedModeratorChange: a node hears from a remote Group's
// announced Add and Remove who moderates it, so its members' report
// queue follows at once.
func TestAnnouncedModeratorChange(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	cid := member(t, e, "cid")
	const groupURI = "https://council-b.example/users/libraries"
	g := storage.Account{URI: groupURI, Username: "libraries", Domain: "council-b.example", ActorType: activitypub.TypeGroup,
		Inbox: groupURI + "/inbox", Followers: groupURI + "/followers", Featured: groupURI + "/collections/featured", FetchedAt: e.now()}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &g) }); err != nil {
		t.Fatal(err)
	}
	change := func(typ, id string) string {
		return `{"@context":"https://www.w3.org/ns/activitystreams","id":"` + groupURI + `/a/` + id + `","type":"Announce","actor":"` + groupURI +
			`","object":{"id":"https://council-b.example/m/` + id + `","type":"` + typ + `","actor":"https://council-b.example/users/alice","object":"` +
			cid.URI + `","target":"` + groupURI + `/moderators"}}`
	}
	if _, err := e.Reports(ctx, cid, g.ID, storage.ReportFilter{}, storage.Page{}); !errors.Is(err, ErrDenied) {
		t.Errorf("queue before the Add: %v; want denied", err)
	}
	if err := applyRaw(t, e, change("Add", "1")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reports(ctx, cid, g.ID, storage.ReportFilter{}, storage.Page{}); err != nil {
		t.Errorf("queue after the Add: %v", err)
	}
	if err := applyRaw(t, e, change("Remove", "2")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reports(ctx, cid, g.ID, storage.ReportFilter{}, storage.Page{}); !errors.Is(err, ErrDenied) {
		t.Errorf("queue after the Remove: %v; want denied", err)
	}

	// A read of the moderators collection that began before an announced
	// change (on joining, say) does not undo it; one after every change
	// is kept.
	seen := e.moderatorsRead.changes(g.ID)
	if err := applyRaw(t, e, change("Add", "3")); err != nil {
		t.Fatal(err)
	}
	if err := e.storeModeratorsRead(ctx, g, nil, seen); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.store.IsRemoteModerator(ctx, g.ID, cid.URI); err != nil || !ok {
		t.Errorf("a read older than the Add undid it: %v, %v", ok, err)
	}
	if err := e.storeModeratorsRead(ctx, g, nil, e.moderatorsRead.changes(g.ID)); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.store.IsRemoteModerator(ctx, g.ID, cid.URI); err != nil || ok {
		t.Errorf("a read newer than every change was not kept: %v, %v", ok, err)
	}
}
