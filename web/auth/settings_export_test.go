package auth_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestExportData: a member downloads whom she follows (with boosts and
// notifications as set), her lists, blocks, mutes, blocked domains and
// bookmarks as Mastodon's CSV files, every account by its full address;
// nobody else's data, and only when signed in.
func TestExportData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	alice, bob, dave, erin := n.Member("alice", false), n.Member("bob", false), n.Member("dave", false), n.Member("erin", false)
	e := n.Engine
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.Follow(ctx, alice.ID, bob.ID, federation.FollowOptions{ShowReblogs: false, Notify: true}))
	must(e.Follow(ctx, alice.ID, erin.ID, federation.FollowOptions{ShowReblogs: true}))
	must(e.Follow(ctx, bob.ID, dave.ID, federation.FollowOptions{ShowReblogs: true})) // bob's, not alice's
	must(e.Block(ctx, alice.ID, dave.ID))
	must(e.Mute(ctx, alice.ID, erin.ID, true, 0))
	must(e.BlockDomain(ctx, alice.ID, "spam.example"))
	st, err := e.Post(ctx, bob.ID, federation.Draft{Text: "Worth keeping", Visibility: activitypub.Public})
	must(err)
	must(e.Bookmark(ctx, alice.ID, st.ID))
	list, err := e.CreateList(ctx, alice.ID, federation.ListParams{Title: "Colleagues"})
	must(err)
	must(e.AddToList(ctx, alice.ID, list.ID, []storage.ID{bob.ID}))

	b := testrig.NewFormBrowser(t, n)
	if code, _, _ := b.Do(http.MethodGet, "/settings/export/following_accounts.csv", nil); code != http.StatusSeeOther {
		t.Errorf("an export without signing in: %d; want 303 to sign in", code)
	}
	webSignIn(b, "", "alice", password)
	host := n.Host
	tests := []struct {
		file string
		want [][]string
	}{
		{"following_accounts.csv", [][]string{{"Account address", "Show boosts", "Notify on new posts", "Languages"},
			{"bob@" + host, "false", "true", ""}, {"erin@" + host, "true", "false", ""}}},
		{"lists.csv", [][]string{{"Colleagues", "bob@" + host}}},
		{"blocked_accounts.csv", [][]string{{"dave@" + host}}},
		{"muted_accounts.csv", [][]string{{"Account address", "Hide notifications"}, {"erin@" + host, "true"}}},
		{"blocked_domains.csv", [][]string{{"spam.example"}}},
		{"bookmarks.csv", [][]string{{st.URI}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			code, _, body := b.Do(http.MethodGet, "/settings/export/"+tt.file, nil)
			if code != http.StatusOK {
				t.Fatalf("%d\n%s", code, body)
			}
			got, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("not CSV: %v\n%s", err, body)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %q; want %q", got, tt.want)
			}
		})
	}
	if code, _, page := b.Do(http.MethodGet, "/settings/export", nil); code != http.StatusOK || !strings.Contains(page, `href="/settings/export/following_accounts.csv"`) {
		t.Errorf("the export page: %d\n%s", code, page)
	}
	if code, _, _ := b.Do(http.MethodGet, "/settings/export/passwords.csv", nil); code != http.StatusNotFound {
		t.Errorf("an export that is none: %d; want 404", code)
	}

	t.Run("archive of her posts", func(t *testing.T) {
		var img bytes.Buffer
		must(png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 4))))
		m, err := e.UploadMedia(ctx, alice.ID, &img, "A square", federation.Focus{})
		must(err)
		_, err = e.Post(ctx, alice.ID, federation.Draft{Text: "Public with a picture", Visibility: activitypub.Public, MediaIDs: []storage.ID{m.ID}})
		must(err)
		_, err = e.Post(ctx, alice.ID, federation.Draft{Text: "For followers only", Visibility: activitypub.FollowersOnly})
		must(err)
		_, err = e.Reblog(ctx, alice.ID, st.ID, activitypub.Public)
		must(err)
		must(e.Favourite(ctx, alice.ID, st.ID))
		code, _, body := b.Do(http.MethodGet, "/settings/export/archive.zip", nil)
		if code != http.StatusOK {
			t.Fatalf("%d\n%s", code, body)
		}
		z, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("not a zip: %v", err)
		}
		read := func(name string) []byte {
			t.Helper()
			f, err := z.Open(name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			defer f.Close()
			data, err := io.ReadAll(f)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		var actor, outbox map[string]any
		must(json.Unmarshal(read("actor.json"), &actor))
		must(json.Unmarshal(read("outbox.json"), &outbox))
		items, _ := outbox["orderedItems"].([]any)
		if actor["id"] != alice.URI || outbox["totalItems"] != 2.0 || len(items) != 2 {
			t.Fatalf("actor %v, outbox of %v with %d items; want alice's, 2 posts (not the boost)", actor["id"], outbox["totalItems"], len(items))
		}
		newest := items[0].(map[string]any)["object"].(map[string]any)
		if items[0].(map[string]any)["type"] != "Create" || !strings.Contains(newest["content"].(string), "For followers only") {
			t.Errorf("newest item = %v", items[0])
		}
		for _, name := range []string{"likes.json", "bookmarks.json"} {
			var c map[string]any
			must(json.Unmarshal(read(name), &c))
			if items, _ := c["orderedItems"].([]any); len(items) != 1 || items[0] != st.URI {
				t.Errorf("%s = %v; want bob's post", name, c)
			}
		}
		media := 0
		for _, f := range z.File {
			if strings.HasPrefix(f.Name, "media_attachments/") {
				media++
			}
		}
		if media != 1 {
			t.Errorf("%d media files; want the picture", media)
		}
	})
}
