package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

func TestOlderThan(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name            string
		updated, stored time.Time
		want            bool
	}{
		{"older", t0, t0.Add(time.Second), true},
		{"newer", t0.Add(time.Second), t0, false},
		{"equal: the later arrival wins", t0, t0, false},
		{"incoming carries none", time.Time{}, t0, false},
		{"nothing stored yet", t0, time.Time{}, false},
		{"neither", time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := olderThan(tt.updated, tt.stored); got != tt.want {
				t.Errorf("olderThan(%v, %v) = %v; want %v", tt.updated, tt.stored, got, tt.want)
			}
		})
	}
}

// originTransport is the origin of remote actors: it answers a GET of an
// actor's URL with the document served there, or 404, and counts GETs.
type originTransport struct {
	mu    sync.Mutex
	docs  map[string]activitypub.Actor
	fetch atomic.Int32
}

// serve makes the origin answer a GET of url with doc.
func (o *originTransport) serve(url string, doc activitypub.Actor) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.docs == nil {
		o.docs = map[string]activitypub.Actor{}
	}
	o.docs[url] = doc
}

func (o *originTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	o.fetch.Add(1)
	o.mu.Lock()
	doc, ok := o.docs[r.URL.String()]
	o.mu.Unlock()
	w := httptest.NewRecorder()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return w.Result(), nil
	}
	body, err := activitypub.MarshalActor(doc)
	if err != nil {
		return nil, err
	}
	w.Header().Set("Content-Type", "application/activity+json")
	w.Write(body)
	return w.Result(), nil
}

// originEngine is an engine whose outgoing requests reach origin only.
func originEngine(t *testing.T, origin *originTransport) *Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	store.Now = clock
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, Now: clock, Client: &http.Client{Transport: origin},
		NewKey: testkit.Keys()})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestUpdatePersonOrder applies Update{Person} activities of one actor in
// the order given: one whose updated is older than the stored profile's
// is ignored.
func TestUpdatePersonOrder(t *testing.T) {
	t.Parallel()
	e := originEngine(t, &originTransport{}) // the origin is down
	ctx := context.Background()
	h := hanna(t, e)
	t0 := e.now().Add(-time.Hour)
	steps := []struct {
		name        string
		doc         activitypub.Actor
		wantName    string
		wantUpdated time.Time
	}{
		{"first update", hannaProfile(h, "Hanna two", t0.Add(2*time.Minute)), "Hanna two", t0.Add(2 * time.Minute)},
		{"an older one arrives late", hannaProfile(h, "Hanna one", t0.Add(time.Minute)), "Hanna two", t0.Add(2 * time.Minute)},
		{"same stamp, later arrival", hannaProfile(h, "Hanna two, again", t0.Add(2*time.Minute)), "Hanna two, again", t0.Add(2 * time.Minute)},
		{"newer", hannaProfile(h, "Hanna three", t0.Add(3*time.Minute)), "Hanna three", t0.Add(3 * time.Minute)},
		// Nothing to order by, and the origin cannot be asked: the signed
		// copy is stored, and the newest updated seen is kept.
		{"no updated", hannaProfile(h, "Hanna undated", time.Time{}), "Hanna undated", t0.Add(3 * time.Minute)},
		{"still older than the newest seen", hannaProfile(h, "Hanna one", t0.Add(time.Minute)), "Hanna undated", t0.Add(3 * time.Minute)},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := e.Apply(ctx, profileUpdate(h, strconv.Itoa(i), st.doc)); err != nil {
				t.Fatal(err)
			}
			got, err := e.store.AccountByURI(ctx, h.URI)
			if err != nil {
				t.Fatal(err)
			}
			if got.DisplayName != st.wantName || !got.ActorUpdatedAt.Equal(st.wantUpdated) {
				t.Errorf("stored %q updated %v; want %q updated %v", got.DisplayName, got.ActorUpdatedAt, st.wantName, st.wantUpdated)
			}
		})
	}
}

// TestWithOriginActor: an Update of an actor with no updated takes the
// origin's current document instead of the one it carries; anything else
// passes unchanged, with no request.
func TestWithOriginActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		origin      string // the name the origin serves; "": it answers 404
		originID    string // the id its document claims; "": hanna's
		edit        func(act *activitypub.Activity)
		wantName    string
		wantFetches int32
	}{
		{"no updated: the origin's", "Hanna (origin)", "", nil, "Hanna (origin)", 1},
		{"no updated, origin down: the copy sent", "", "", nil, "Hanna (sent)", 1},
		{"origin serves another actor: the copy sent", "Hanna (origin)", "https://mastodon.example/users/other", nil, "Hanna (sent)", 1},
		{"updated: the copy sent", "Hanna (origin)", "", func(act *activitypub.Activity) { act.Object.Actor.Updated = at }, "Hanna (sent)", 0},
		{"not the sender's own profile", "Hanna (origin)", "", func(act *activitypub.Activity) { act.Actor = "https://mastodon.example/users/other" }, "Hanna (sent)", 0},
		{"a Create", "Hanna (origin)", "", func(act *activitypub.Activity) { act.Type = activitypub.TypeCreate }, "Hanna (sent)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := &originTransport{}
			e := originEngine(t, origin)
			h := hanna(t, e)
			if tt.origin != "" {
				doc := hannaProfile(h, tt.origin, time.Time{})
				if tt.originID != "" {
					doc.ID = tt.originID
				}
				origin.serve(h.URI, doc)
			}
			act := profileUpdate(h, "1", hannaProfile(h, "Hanna (sent)", time.Time{}))
			if tt.edit != nil {
				tt.edit(&act)
			}
			got := e.withOriginActor(ctx, act)
			if got.Object.Actor.Name != tt.wantName || origin.fetch.Load() != tt.wantFetches {
				t.Errorf("got %q after %d GETs; want %q after %d", got.Object.Actor.Name, origin.fetch.Load(), tt.wantName, tt.wantFetches)
			}
			if act.Object.Actor.Name != "Hanna (sent)" {
				t.Errorf("the activity given was changed")
			}
		})
	}
}

// TestUpdatePersonUndatedLate: an undated profile that arrives after a
// newer one is applied as the inbox applies it, origin's copy first, and
// leaves the origin's current profile.
func TestUpdatePersonUndatedLate(t *testing.T) {
	t.Parallel()
	origin := &originTransport{}
	e := originEngine(t, origin)
	ctx := context.Background()
	h := hanna(t, e)
	origin.serve(h.URI, hannaProfile(h, "Hanna, second edit", time.Time{}))
	for i, name := range []string{"Hanna, second edit", "Hanna, first edit"} {
		act := e.withOriginActor(ctx, profileUpdate(h, strconv.Itoa(i), hannaProfile(h, name, time.Time{})))
		if err := e.Apply(ctx, act); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.store.AccountByURI(ctx, h.URI)
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "Hanna, second edit" {
		t.Errorf("stored %q; want the origin's current profile", got.DisplayName)
	}
}

// hannaProfile is hanna's actor document, named name.
func hannaProfile(h storage.Account, name string, updated time.Time) activitypub.Actor {
	return activitypub.Actor{ID: h.URI, Type: activitypub.TypePerson, PreferredUsername: h.Username, Name: name,
		Inbox: h.Inbox, SharedInbox: h.SharedInbox, Followers: h.Followers, Updated: updated}
}

// profileUpdate is hanna's Update of her profile to doc.
func profileUpdate(h storage.Account, slug string, doc activitypub.Actor) activitypub.Activity {
	return activitypub.Activity{ID: h.URI + "#updates/" + slug, Type: activitypub.TypeUpdate, Actor: h.URI,
		To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: h.URI, Type: activitypub.TypePerson, Actor: &doc}}
}

// TestUpdateNoteOrder applies edits of one post in the order given: an
// edit older than the stored one is ignored.
func TestUpdateNoteOrder(t *testing.T) {
	t.Parallel()
	e := originEngine(t, &originTransport{})
	ctx := context.Background()
	alice := member(t, e, "alice")
	h := hanna(t, e)
	follows(t, e, alice, h)
	t0 := e.now().Add(-time.Hour)
	note := func(text string, updated time.Time) activitypub.Note {
		return activitypub.Note{ID: h.URI + "/statuses/1", Type: activitypub.TypeNote, AttributedTo: h.URI,
			Content: "<p>" + text + "</p>", To: []string{activitypub.PublicIRI}, CC: []string{h.Followers},
			Published: t0, Updated: updated}
	}
	apply := func(t *testing.T, typ, id string, n activitypub.Note) {
		t.Helper()
		act := activitypub.Activity{ID: id, Type: typ, Actor: h.URI, To: n.To, CC: n.CC,
			Object: activitypub.Object{IRI: n.ID, Type: n.Type, Note: &n}}
		if err := e.Apply(ctx, act); err != nil {
			t.Fatal(err)
		}
	}
	apply(t, activitypub.TypeCreate, h.URI+"/statuses/1/activity", note("first", time.Time{}))

	steps := []struct {
		name       string
		note       activitypub.Note
		wantText   string
		wantEdited time.Time
	}{
		{"second edit arrives first", note("third", t0.Add(2*time.Minute)), "third", t0.Add(2 * time.Minute)},
		{"first edit arrives late", note("second", t0.Add(time.Minute)), "third", t0.Add(2 * time.Minute)},
		{"a newer edit", note("fourth", t0.Add(3*time.Minute)), "fourth", t0.Add(3 * time.Minute)},
		// No updated: nothing to order by, so it is applied, edited now.
		{"an edit with no updated", note("fifth", time.Time{}), "fifth", e.now()},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			apply(t, activitypub.TypeUpdate, h.URI+"/statuses/1#updates/"+strconv.Itoa(i), st.note)
			got, err := e.store.StatusByURI(ctx, st.note.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Content != "<p>"+st.wantText+"</p>" || !got.EditedAt.Equal(st.wantEdited) {
				t.Errorf("stored %q edited %v; want %q edited %v", got.Content, got.EditedAt, st.wantText, st.wantEdited)
			}
		})
	}
}
