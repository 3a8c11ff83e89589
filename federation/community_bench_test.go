package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// BenchmarkReceiveCommunityPost is the work the inbox's one writer does
// for a community post, without HTTP, signatures or deliveries: a
// member on another node posts a thread into a community hosted here
// (Lemmy's shape: the Group in to and audience), and Receive applies it
// at once in a write transaction: the post stored, checked against the
// community's rules, recorded in it, the Group's boost and both
// announces queued. One goroutine, so ns/op is the writer's time per
// post, the figure that bounds web/e2e's BenchmarkInboxCommunityPost
// (about 1/ns-op posts per second) and that varies far less than a
// throughput from hour to hour.
func BenchmarkReceiveCommunityPost(b *testing.B) {
	ctx := context.Background()
	e := testEngine(b)
	alice := member(b, e, "alice")
	g := community(b, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	bob := remotePerson(b, e, "bob", "lemmy.example")
	joins(b, e, bob, g)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		id := fmt.Sprintf("%s/posts/%d-%d", bob.URI, time.Now().UnixNano(), i)
		note := map[string]any{"id": id, "type": "Page", "attributedTo": bob.URI, "name": fmt.Sprintf("Thread %d", i),
			"content": "<p>The enquiry routine is on the shared drive; the opening hours changed on Monday.</p>",
			"to":      []string{activitypub.PublicIRI, g.URI}, "cc": []string{bob.Followers}, "audience": g.URI,
			"published": time.Now().UTC().Format(time.RFC3339)}
		var err error
		bodies[i], err = json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": id + "/create", "type": "Create", "actor": bob.URI, "to": note["to"], "cc": note["cc"],
			"audience": g.URI, "object": note})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := e.Receive(ctx, bodies[i], bob.URI); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	ids, err := e.store.CommunityStatusIDsBy(ctx, g.ID, bob.ID)
	if err != nil || len(ids) != b.N {
		b.Fatalf("the community holds %d of bob's posts (%v); want %d, applied at once", len(ids), err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
