package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// The helpers of the scheduled status tests start with sched.

// schedEntity is the ScheduledStatus entity, with the nulls kept.
type schedEntity struct {
	ID          string `json:"id"`
	ScheduledAt string `json:"scheduled_at"`
	Params      struct {
		Text string `json:"text"`
		Poll *struct {
			Options    []string `json:"options"`
			ExpiresIn  string   `json:"expires_in"`
			Multiple   bool     `json:"multiple"`
			HideTotals bool     `json:"hide_totals"`
		} `json:"poll"`
		MediaIDs      []string `json:"media_ids"`
		Sensitive     *bool    `json:"sensitive"`
		SpoilerText   *string  `json:"spoiler_text"`
		Visibility    string   `json:"visibility"`
		InReplyToID   *string  `json:"in_reply_to_id"`
		Language      *string  `json:"language"`
		ApplicationID *int64   `json:"application_id"`
	} `json:"params"`
	MediaAttachments []struct {
		ID string `json:"id"`
	} `json:"media_attachments"`
}

// schedAt is a scheduled_at d from the node's now, as apps write it.
func schedAt(n *testrig.Node, d time.Duration) string {
	return n.Clock.Now().Add(d).UTC().Format("2006-01-02T15:04:05.000Z")
}

// schedList reads every page of the member's scheduled statuses,
// following the Link header, and returns their IDs page by page.
func schedList(t *testing.T, n *testrig.Node, token string, limit string) [][]string {
	t.Helper()
	var pages [][]string
	next := n.URL + "/api/v1/scheduled_statuses?limit=" + limit
	for next != "" && len(pages) < 10 {
		var got []schedEntity
		code, h, raw := call(t, "GET", next, token, nil, &got)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", next, code, raw)
		}
		if len(got) == 0 {
			break
		}
		var ids []string
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		pages = append(pages, ids)
		next, _ = stLinks(h.Get("Link"))
	}
	return pages
}

// schedTexts are the plain texts of an account's statuses, newest first,
// and the media IDs of each.
func schedTexts(t *testing.T, n *testrig.Node, token string, account storage.Account) ([]string, map[string][]string) {
	t.Helper()
	var sts []struct {
		Content          string `json:"content"`
		MediaAttachments []struct {
			ID string `json:"id"`
		} `json:"media_attachments"`
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/accounts/"+account.ID.String()+"/statuses", token, nil, &sts); code != http.StatusOK {
		t.Fatalf("account statuses = %d %s", code, raw)
	}
	var texts []string
	media := map[string][]string{}
	for _, st := range sts {
		text := plain(st.Content)
		texts = append(texts, text)
		for _, m := range st.MediaAttachments {
			media[text] = append(media[text], m.ID)
		}
	}
	return texts, media
}

func TestScheduledStatusesEndToEnd(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ta, tb := n.Token(alice), n.Token(bob)
	pic, err := n.Engine.UploadMedia(ctx, alice.ID, bytes.NewReader(mediaImage(t, 40, 20, false)), "a chart", federation.Focus{})
	if err != nil {
		t.Fatal(err)
	}

	// Schedule, with every parameter.
	var withPic schedEntity
	code, _, raw := call(t, "POST", n.URL+"/api/v1/statuses", ta, map[string]any{
		"status": "the quarterly figures", "media_ids": []string{pic.ID.String()}, "sensitive": true,
		"spoiler_text": "numbers", "visibility": "unlisted", "language": "en", "scheduled_at": schedAt(n, 26*time.Hour),
	}, &withPic)
	if code != http.StatusOK {
		t.Fatalf("schedule = %d %s", code, raw)
	}
	p := withPic.Params
	if withPic.ID == "" || p.Text != "the quarterly figures" || !slices.Equal(p.MediaIDs, []string{pic.ID.String()}) ||
		p.Sensitive == nil || !*p.Sensitive || p.SpoilerText == nil || *p.SpoilerText != "numbers" || p.Visibility != "unlisted" ||
		p.Language == nil || *p.Language != "en" || p.InReplyToID != nil || p.Poll != nil || p.ApplicationID == nil ||
		len(withPic.MediaAttachments) != 1 || withPic.MediaAttachments[0].ID != pic.ID.String() {
		t.Errorf("scheduled = %s", raw)
	}
	var keys struct{ Params map[string]any }
	json.Unmarshal([]byte(raw), &keys)
	for _, k := range []string{"scheduled_at", "idempotency"} {
		if v, ok := keys.Params[k]; !ok || v != nil {
			t.Errorf("params.%s = %v (present %v); want null", k, v, ok)
		}
	}
	if keys.Params["with_rate_limit"] != false {
		t.Errorf("params.with_rate_limit = %v; want false", keys.Params["with_rate_limit"])
	}
	// The upload the scheduled post waits for is in use: it cannot be
	// deleted from under it.
	if code, _, raw := call(t, "DELETE", n.URL+"/api/v1/media/"+pic.ID.String(), ta, nil, nil); code != http.StatusNotFound {
		t.Errorf("DELETE a scheduled post's upload = %d %s; want 404", code, raw)
	}
	var poll schedEntity
	code, _, raw = call(t, "POST", n.URL+"/api/v1/statuses", ta, map[string]any{"status": "which day?",
		"poll":         map[string]any{"options": []string{"Tuesday", "Thursday"}, "expires_in": 3600, "multiple": true},
		"scheduled_at": schedAt(n, 20*time.Minute)}, &poll)
	if code != http.StatusOK || poll.Params.Poll == nil || !slices.Equal(poll.Params.Poll.Options, []string{"Tuesday", "Thursday"}) ||
		poll.Params.Poll.ExpiresIn != "3600" || !poll.Params.Poll.Multiple || poll.Params.MediaIDs != nil || poll.Params.Visibility != "public" {
		t.Errorf("schedule a poll = %d %s", code, raw)
	}
	var ids []string // oldest first
	ids = append(ids, withPic.ID, poll.ID)
	for i, text := range []string{"first reminder", "second reminder"} {
		var s schedEntity
		if code, _, raw := call(t, "POST", n.URL+"/api/v1/statuses", ta,
			map[string]any{"status": text, "scheduled_at": schedAt(n, time.Duration(i+1)*10*time.Minute)}, &s); code != http.StatusOK {
			t.Fatalf("schedule %q = %d %s", text, code, raw)
		}
		ids = append(ids, s.ID)
	}

	// What is refused.
	refusals := []struct {
		name  string
		token string
		body  map[string]any
		code  int
		msg   string
	}{
		{"less than five minutes ahead", ta, map[string]any{"status": "soon", "scheduled_at": schedAt(n, 4*time.Minute+50*time.Second)},
			http.StatusUnprocessableEntity, "Validation failed: Scheduled at date must be in the future"},
		{"not a date", ta, map[string]any{"status": "when?", "scheduled_at": "next tuesday"}, http.StatusUnprocessableEntity, ""},
		{"blank", ta, map[string]any{"status": " ", "scheduled_at": schedAt(n, time.Hour)}, http.StatusUnprocessableEntity, ""},
		{"a poll of one option", ta, map[string]any{"status": "?", "poll": map[string]any{"options": []string{"a"}, "expires_in": 3600},
			"scheduled_at": schedAt(n, time.Hour)}, http.StatusUnprocessableEntity, ""},
		{"an upload already scheduled", ta, map[string]any{"status": "again", "media_ids": []string{pic.ID.String()},
			"scheduled_at": schedAt(n, time.Hour)}, http.StatusUnprocessableEntity, ""},
		{"a reply to nothing", ta, map[string]any{"status": "re", "in_reply_to_id": "123456", "scheduled_at": schedAt(n, time.Hour)},
			http.StatusNotFound, "The post you are trying to reply to does not appear to exist."},
		{"read-only token", n.Token(alice, "read"), map[string]any{"status": "hi", "scheduled_at": schedAt(n, time.Hour)},
			http.StatusForbidden, ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			code, _, raw := call(t, "POST", n.URL+"/api/v1/statuses", tt.token, tt.body, nil)
			var e struct{ Error string }
			json.Unmarshal([]byte(raw), &e)
			if code != tt.code || e.Error == "" || tt.msg != "" && e.Error != tt.msg {
				t.Errorf("= %d %s; want %d %q", code, raw, tt.code, tt.msg)
			}
		})
	}
	// A time already past posts now, as on Mastodon.
	var now struct{ Content string }
	if code, _, raw := call(t, "POST", n.URL+"/api/v1/statuses", tb,
		map[string]any{"status": "right away", "scheduled_at": schedAt(n, -time.Hour)}, &now); code != http.StatusOK || plain(now.Content) != "right away" {
		t.Errorf("scheduled in the past = %d %s; want the status posted", code, raw)
	}

	// The list, newest first, paged by its Link header.
	if got, want := schedList(t, n, ta, "3"), [][]string{{ids[3], ids[2], ids[1]}, {ids[0]}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("pages = %v; want %v", got, want)
	}
	if got := schedList(t, n, tb, "20"); len(got) != 0 {
		t.Errorf("bob's scheduled statuses = %v; want none", got)
	}

	// Another member's is not found, whatever the method.
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		code, _, raw := call(t, method, n.URL+"/api/v1/scheduled_statuses/"+ids[2], tb,
			map[string]any{"scheduled_at": schedAt(n, 2*time.Hour)}, nil)
		if code != http.StatusNotFound {
			t.Errorf("bob %s alice's = %d %s; want 404", method, code, raw)
		}
	}

	// Reschedule: the same five-minute rule.
	if code, _, raw := call(t, "PUT", n.URL+"/api/v1/scheduled_statuses/"+ids[2], ta,
		map[string]any{"scheduled_at": schedAt(n, time.Minute)}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("reschedule too soon = %d %s; want 422", code, raw)
	}
	later := n.Clock.Now().Add(2 * time.Hour).UTC().Truncate(time.Millisecond)
	var moved schedEntity
	code, _, raw = call(t, "PUT", n.URL+"/api/v1/scheduled_statuses/"+ids[2], ta,
		map[string]any{"scheduled_at": later.Format(time.RFC3339Nano)}, &moved)
	if code != http.StatusOK || moved.ID != ids[2] || moved.ScheduledAt != later.Format("2006-01-02T15:04:05.000Z") ||
		moved.Params.Text != "first reminder" {
		t.Errorf("reschedule = %d %s; want it at %v", code, raw, later)
	}
	var got schedEntity
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/scheduled_statuses/"+ids[2], ta, nil, &got); code != http.StatusOK || got.ScheduledAt != moved.ScheduledAt {
		t.Errorf("get after reschedule = %d %s", code, raw)
	}

	// Delete: {}, then gone.
	if code, _, raw := call(t, "DELETE", n.URL+"/api/v1/scheduled_statuses/"+ids[3], ta, nil, nil); code != http.StatusOK || strings.TrimSpace(raw) != "{}" {
		t.Errorf("delete = %d %s; want 200 {}", code, raw)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/scheduled_statuses/"+ids[3], ta, nil, nil); code != http.StatusNotFound {
		t.Errorf("get a deleted one = %d; want 404", code)
	}

	// Time passes: what is due is posted, once; the rest waits.
	n.Clock.Advance(25 * time.Hour)
	testrig.Eventually(t, 10*time.Second, "the due scheduled statuses are posted", func() bool {
		texts, _ := schedTexts(t, n, ta, alice)
		return slices.Equal(texts, []string{"first reminder", "which day?"}) // newest first: published in the order due
	})
	if got := schedList(t, n, ta, "20"); !slices.EqualFunc(got, [][]string{{ids[0]}}, slices.Equal) {
		t.Errorf("left scheduled = %v; want only %s", got, ids[0])
	}
	// The janitor leaves the upload the last one waits for, though no
	// post took it within a day.
	if pruned, err := n.Engine.PruneMedia(ctx, 24*time.Hour); err != nil || pruned != 0 {
		t.Errorf("pruned %d, %v; want nothing", pruned, err)
	}
	n.Clock.Advance(2 * time.Hour)
	testrig.Eventually(t, 10*time.Second, "the last scheduled status is posted", func() bool {
		texts, media := schedTexts(t, n, ta, alice)
		return len(texts) == 3 && texts[0] == "the quarterly figures" &&
			slices.Equal(media["the quarterly figures"], []string{pic.ID.String()})
	})
	if got := schedList(t, n, ta, "20"); len(got) != 0 {
		t.Errorf("left scheduled = %v; want none", got)
	}
	var list []schedEntity
	if code, h, raw := call(t, "GET", n.URL+"/api/v1/scheduled_statuses", ta, nil, &list); code != http.StatusOK ||
		strings.TrimSpace(raw) != "[]" || h.Get("Link") != "" {
		t.Errorf("empty list = %d %s (Link %q); want [] and no Link", code, raw, h.Get("Link"))
	}
}

// TestScheduledIdempotencyKey: a retried "post later" with the same
// Idempotency-Key answers the scheduled status the first request made,
// and schedules nothing more.
func TestScheduledIdempotencyKey(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	ta := n.Token(alice)
	schedule := func(key string) schedEntity {
		t.Helper()
		var s schedEntity
		req := request(t, "POST", n.URL+"/api/v1/statuses", ta,
			map[string]any{"status": "the agenda for Thursday", "scheduled_at": schedAt(n, time.Hour)})
		req.Header.Set("Idempotency-Key", key)
		if code, _, raw := send(t, req, &s); code != http.StatusOK || s.ID == "" {
			t.Fatalf("schedule with key %q: %d %s", key, code, raw)
		}
		return s
	}
	first := schedule("agenda-1")
	if again := schedule("agenda-1"); again.ID != first.ID {
		t.Errorf("the same key scheduled again: %s, then %s", first.ID, again.ID)
	}
	if other := schedule("agenda-2"); other.ID == first.ID {
		t.Error("another key answered the first scheduled status")
	}
	var list []schedEntity
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/scheduled_statuses", ta, nil, &list); code != http.StatusOK || len(list) != 2 {
		t.Errorf("scheduled list = %d %s; want 2 entries", code, raw)
	}
}
