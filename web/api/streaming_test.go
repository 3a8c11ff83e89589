package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

type streamEvent struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// messages reads a connection in the background (a cancelled Read would
// close it) until the test ends.
func messages(t *testing.T, c *websocket.Conn) <-chan []byte {
	out := make(chan []byte, 64)
	go func() {
		defer close(out)
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			out <- data
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return out
}

// readEvents reads events within d until it has one of each kind.
func readEvents(t *testing.T, c <-chan []byte, d time.Duration, kinds ...string) map[string]streamEvent {
	t.Helper()
	timeout := time.After(d)
	got := map[string]streamEvent{}
	for len(got) < len(kinds) {
		var data []byte
		select {
		case data = <-c:
		case <-timeout:
			t.Fatalf("events %v within %v: got only %v", kinds, d, got)
		}
		var ev streamEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("bad event %s: %v", data, err)
		}
		for _, k := range kinds {
			if ev.Event == k {
				got[k] = ev
			}
		}
	}
	return got
}

func readEvent(t *testing.T, c <-chan []byte, kind string, d time.Duration) streamEvent {
	t.Helper()
	return readEvents(t, c, d, kind)[kind]
}

func TestStreamingUserAndPublic(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	ctx := context.Background()
	if err := n.Engine.Follow(ctx, alice.ID, bob.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming"

	// alice, as masto.js connects: the token in the subprotocol header.
	userConn, _, err := websocket.Dial(ctx, wsURL+"?stream=user", &websocket.DialOptions{Subprotocols: []string{n.Token(alice)}})
	if err != nil {
		t.Fatal(err)
	}
	user := messages(t, userConn)
	// carol, on the local public stream.
	pubConn, _, err := websocket.Dial(ctx, wsURL+"?stream=public:local&access_token="+n.Token(carol), nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := messages(t, pubConn)
	start := time.Now()
	st, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "hello @alice", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	got := readEvents(t, user, time.Second, "update", "notification")
	ev := got["update"]
	if time.Since(start) > time.Second {
		t.Errorf("update took %v", time.Since(start))
	}
	var status struct {
		ID      string `json:"id"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal([]byte(ev.Payload), &status); err != nil || status.ID != st.ID.String() {
		t.Fatalf("update payload = %s (%v)", ev.Payload, err)
	}
	if ev.Stream[0] != "user" {
		t.Errorf("stream = %v", ev.Stream)
	}
	note := got["notification"]
	if !strings.Contains(note.Payload, `"type":"mention"`) {
		t.Errorf("notification payload = %s", note.Payload)
	}
	if ev := readEvent(t, pub, "update", time.Second); !strings.Contains(ev.Payload, st.ID.String()) {
		t.Errorf("public:local payload = %s", ev.Payload)
	}

	// A followers-only post reaches alice (a follower) but not the public stream.
	priv, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "followers only", Visibility: activitypub.FollowersOnly})
	if err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, user, "update", time.Second); !strings.Contains(ev.Payload, priv.ID.String()) {
		t.Errorf("alice's stream got %s", ev.Payload)
	}
	if _, err := n.Engine.DeleteStatus(ctx, bob.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, pub, "delete", time.Second); ev.Payload != st.ID.String() {
		t.Errorf("carol's public stream: %+v; want the delete (and never the followers-only post)", ev)
	}

	// Multiplexing, as masto.js does: subscribe to a hashtag by message.
	// The protocol has no acknowledgement, so post until the event comes.
	if err := pubConn.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","stream":"hashtag","tag":"Glossary"}`)); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 5*time.Second, "an event on the subscribed hashtag stream", func() bool {
		if _, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "#glossary term", Visibility: activitypub.Public}); err != nil {
			t.Fatal(err)
		}
		wait := time.After(200 * time.Millisecond)
		for {
			select {
			case data := <-pub:
				if strings.Contains(string(data), `"stream":["hashtag","glossary"]`) {
					return true
				}
			case <-wait:
				return false
			}
		}
	})
}

func TestStreamingRefusals(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ctx := context.Background()
	bobsList, err := n.Engine.CreateList(ctx, bob.ID, federation.ListParams{Title: "Colleagues"})
	if err != nil {
		t.Fatal(err)
	}
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming"
	tests := []struct {
		name string
		url  string
	}{
		{"user stream without a token", wsURL + "?stream=user"},
		{"bad token", wsURL + "?stream=public&access_token=nope"},
		{"unknown stream", wsURL + "?stream=nonsense&access_token=" + n.Token(alice)},
		{"user stream with a write-only token", wsURL + "?stream=user&access_token=" + n.Token(alice, "write")},
		{"another member's list", wsURL + "?stream=list&list=" + bobsList.ID.String() + "&access_token=" + n.Token(alice)},
		{"a list that is none", wsURL + "?stream=list&list=12345&access_token=" + n.Token(alice)},
		{"a tag longer than any hashtag", wsURL + "?stream=hashtag&tag=" + strings.Repeat("a", 129)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, resp, err := websocket.Dial(ctx, tt.url, nil)
			if err == nil {
				c.CloseNow()
				t.Fatal("connected")
			}
			if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("response %v; want 401", resp)
			}
		})
	}
	resp, err := http.Get(n.URL + "/api/v1/streaming/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestStreamingServerSentEvents: an SSE stream delivers an update, and
// outlives the deadline every other request has.
func TestStreamingServerSentEvents(t *testing.T) {
	t.Parallel()
	const deadline = 200 * time.Millisecond
	n := testrig.StartOne(t, func(c *node.Config) { c.Tuning.RequestTimeout = deadline })
	alice := n.Member("alice", false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+"/api/v1/streaming/hashtag?tag=glossary", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	<-time.After(2 * deadline) // the behaviour under test is a deadline passing
	st, err := n.Engine.Post(context.Background(), alice.ID, federation.Draft{Text: "a new #glossary entry", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	var event string
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok && event == "update" {
			if !strings.Contains(d, st.ID.String()) {
				t.Fatalf("update data %s", d)
			}
			return
		}
	}
	t.Fatalf("stream ended without the update: %v", sc.Err())
}

// TestStreamingSubscriptionsBounded: one connection holds at most 64
// subscriptions; asking again for one it holds, with fields its stream
// does not read (a tag on the public stream), adds nothing; the 65th
// distinct one is refused with an error event (422) and the connection
// stays open.
func TestStreamingSubscriptionsBounded(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming?stream=public"
	c, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := messages(t, c)
	subscribe := func(stream, tag string) {
		b, _ := json.Marshal(map[string]string{"type": "subscribe", "stream": stream, "tag": tag})
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		subscribe("public", fmt.Sprintf("x%d", i)) // the same subscription each time
	}
	for i := range 63 {
		subscribe("hashtag", fmt.Sprintf("tag%d", i))
	}
	subscribe("hashtag", "onetoomany")
	ev := readEvent(t, msgs, "error", 10*time.Second)
	var e struct{ Error, Status string }
	if err := json.Unmarshal([]byte(ev.Payload), &e); err != nil || e.Status != "422" || len(ev.Stream) != 2 || ev.Stream[1] != "onetoomany" {
		t.Errorf("first error event %+v (%v); want 422 for the 65th subscription, onetoomany", ev, err)
	}
}

// TestStreamsOpenBounded: a member keeps at most 16 streams open at once;
// the 17th is refused with 429 before the upgrade; once one closes,
// another opens. Another member opens theirs.
func TestStreamsOpenBounded(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ctx := context.Background()
	wsURL := func(token string) string {
		return strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming?stream=user&access_token=" + token
	}
	token := n.Token(alice)
	var open []*websocket.Conn
	for i := range 16 {
		c, _, err := websocket.Dial(ctx, wsURL(token), nil)
		if err != nil {
			t.Fatalf("stream %d: %v", i+1, err)
		}
		messages(t, c) // reads, so the stream stays healthy; closed with the test
		open = append(open, c)
	}
	if c, resp, err := websocket.Dial(ctx, wsURL(token), nil); err == nil {
		c.CloseNow()
		t.Fatal("a 17th stream opened")
	} else if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the 17th stream: %v %v; want 429", resp, err)
	}
	if c, _, err := websocket.Dial(ctx, wsURL(n.Token(bob)), nil); err != nil {
		t.Errorf("another member's stream: %v", err)
	} else {
		c.CloseNow()
	}
	open[0].Close(websocket.StatusNormalClosure, "")
	testrig.Eventually(t, 10*time.Second, "a stream opens once one closed", func() bool {
		c, _, err := websocket.Dial(ctx, wsURL(token), nil)
		if err != nil {
			return false
		}
		c.CloseNow()
		return true
	})
}
