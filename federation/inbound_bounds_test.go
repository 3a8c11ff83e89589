package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// What a peer controls, bounded: how many inbox workers one host's
// announces may hold while their fetches hang, and how much of a remote
// community's repertoire is stored or walked.

// hangingTransport answers every request to host only when the request
// is cancelled (a peer that never answers); any other host gets a 404.
type hangingTransport struct {
	host    string
	mu      sync.Mutex
	started int
}

func (h *hangingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != h.host {
		return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Request: r}, nil
	}
	h.mu.Lock()
	h.started++
	h.mu.Unlock()
	<-r.Context().Done()
	return nil, r.Context().Err()
}

func (h *hangingTransport) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started
}

// TestGroupAnnounceFloodLeavesInboxWorkersForOtherPeers: a remote Group
// announces hundreds of ids on a host that never answers. Each is a
// fetch made by an inbox worker; before, the flood held every worker
// (one fetch each, up to the client's timeout, then retried), and
// another peer's boost waited behind all of them. A host now holds at
// most inboxWorkersPerHost workers, and the others go on.
func TestGroupAnnounceFloodLeavesInboxWorkersForOtherPeers(t *testing.T) {
	e := testEngine(t)
	e.poll = 10 * time.Millisecond
	hang := &hangingTransport{host: "slow.example"}
	e.fetcher.Client = &http.Client{Transport: hang}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done }) // before the store closes

	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://flood.example/c/spam", "https://flood.example/c/spam/followers")
	joins(t, e, alice, g)
	const flood = 300
	for i := range flood {
		body := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/announce/%d","type":"Announce",`+
			`"actor":"%s","to":["%s"],"object":"https://slow.example/notes/%d"}`, g.URI, i, g.URI, activitypub.PublicIRI, i)
		if err := e.Receive(ctx, []byte(body), g.URI); err != nil {
			t.Fatal(err)
		}
	}
	st, err := e.Post(ctx, alice.ID, Draft{Text: "hello", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	bob := remotePerson(t, e, "bob", "calm.example")
	boost := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/boosts/1","type":"Announce",`+
		`"actor":"%s","to":["%s"],"object":"%s"}`, bob.URI, bob.URI, activitypub.PublicIRI, st.URI)
	if err := e.Receive(ctx, []byte(boost), bob.URI); err != nil {
		t.Fatal(err)
	}

	go func() { defer close(done); e.runInbox(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := e.store.CountReblogs(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("another peer's boost not applied after 5s: %d fetches hang on slow.example, holding the inbox workers", hang.count())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := hang.count(); n > inboxWorkersPerHost {
		t.Errorf("%d fetches for one host's announces at once; want at most %d", n, inboxWorkersPerHost)
	}
}

// TestRemoteEventHTMLDescriptionBounded: an event a remote Group
// announces with its description in HTML only (no Markdown source, as
// Mobilizon sends) is held to the bound a source has, as an artefact's
// and a term's HTML are; before, half a megabyte of it was stored and
// shown.
func TestRemoteEventHTMLDescriptionBounded(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	joins(t, e, alice, g)
	start := clock.now().Add(48 * time.Hour)
	id := "https://council-b.example/events/huge"
	inner, err := activitypub.MarshalEventActivity(id+"/create", activitypub.TypeCreate, "https://council-b.example/users/bea",
		clock.now(), activitypub.Event{ID: id, Name: "Workshop", Content: "<p>" + strings.Repeat("word ", 120_000) + "</p>",
			Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London", Audience: g.URI,
			To: []string{activitypub.PublicIRI}, CC: []string{g.URI}, Published: clock.now()})
	if err != nil {
		t.Fatal(err)
	}
	err = receive(t, e, groupAnnounce(g, 1, inner))
	ev, gerr := e.store.CommunityEventByURI(ctx, id)
	if gerr == nil && len(ev.DescriptionHTML) > 2*maxEventDescription {
		t.Fatalf("event stored with a description of %d bytes (receive: %v); want at most %d", len(ev.DescriptionHTML), err, 2*maxEventDescription)
	}
	if gerr == nil {
		return
	}
	if !errors.Is(gerr, storage.ErrNotFound) {
		t.Fatal(gerr)
	}
	if !errors.Is(err, ErrDenied) {
		t.Errorf("receive: %v; want the event refused (ErrDenied)", err)
	}
}

// TestRemoteTermManyAliasesRefused: a term a remote Group announces
// with thousands of distinct aliases is refused (a term has at most
// maxTermAliases). BenchmarkCleanList shows the aliases are deduplicated
// in linear time first, not by comparing each with every other.
func TestRemoteTermManyAliasesRefused(t *testing.T) {
	e, clock := eventEngine(t)
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	joins(t, e, alice, g)
	id := "https://council-b.example/glossary/many"
	aliases := make([]string, 9_000)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("alias number %d of a term that has too many", i)
	}
	inner, err := activitypub.MarshalTermActivity(id+"/versions/1", activitypub.TypeCreate,
		"https://council-b.example/users/bea", clock.now(), activitypub.Term{ID: id, Name: "Triage", Source: "Sorting.",
			Description: "<p>Sorting.</p>", Aliases: aliases, Audience: g.URI, History: id + "/history", Version: 1,
			To: []string{activitypub.PublicIRI}, CC: []string{g.URI}, Published: clock.now()})
	if err != nil {
		t.Fatal(err)
	}
	var check struct {
		Object struct {
			AlternateName []string `json:"alternateName"`
		} `json:"object"`
	}
	if err := json.Unmarshal(inner, &check); err != nil || len(check.Object.AlternateName) != len(aliases) {
		t.Fatalf("term carries %d aliases (%v)", len(check.Object.AlternateName), err)
	}
	if err := receive(t, e, groupAnnounce(g, 1, inner)); !errors.Is(err, ErrDenied) {
		t.Errorf("receive: %v; want the term refused (ErrDenied)", err)
	}
}

// BenchmarkCleanList deduplicates a peer's list of distinct aliases of
// 900 and of 9,000: ten times the aliases should cost about ten times as
// much (comparing each with every other cost a hundred times, over a
// second for 9,000).
func BenchmarkCleanList(b *testing.B) {
	for _, n := range []int{900, 9_000} {
		aliases := make([]string, n)
		for i := range aliases {
			aliases[i] = fmt.Sprintf("alias number %d of a term that has too many", i)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if got := cleanList(aliases); len(got) != n {
					b.Fatalf("kept %d of %d distinct aliases", len(got), n)
				}
			}
		})
	}
}

// TestCleanListDropsRepeatsAsEqualFold: the linear cleanList drops the
// same repeats strings.EqualFold finds, Unicode case folding included.
func TestCleanListDropsRepeatsAsEqualFold(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"Triage", "triage", "TRIAGE"}, []string{"Triage"}},
		{[]string{"Kelvin", "\u212Aelvin"}, []string{"Kelvin"}}, // the Kelvin sign folds to K
		{[]string{"straße", "STRAẞE"}, []string{"straße"}},
		{[]string{"  a  b ", "A B", "", "c"}, []string{"a b", "c"}},
		{[]string{"Σίσυφος", "σίσυφοσ", "ΣΊΣΥΦΟΣ"}, []string{"Σίσυφος"}},
	}
	for _, tt := range tests {
		got := cleanList(tt.in)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("cleanList(%q) = %q; want %q", tt.in, got, tt.want)
		}
		for i, a := range got {
			for _, b := range got[i+1:] {
				if strings.EqualFold(a, b) {
					t.Errorf("cleanList(%q) keeps %q and %q", tt.in, a, b)
				}
			}
		}
	}
}
