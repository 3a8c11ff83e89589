package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation/imaging/imagingtest"
)

// TestAdminManagesEmojis adds a custom emoji from the web (a multipart
// form), sees it listed with its image, has a bad shortcode and a file
// that is not an image refused on a page that says why, and removes it;
// a moderator has no such page.
func TestAdminManagesEmojis(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	b := signedIn(t, n, "root")
	if page := b.page("/admin"); !strings.Contains(page, `href="/admin/emojis"`) || !strings.Contains(page, "draw for :shortcodes:") {
		t.Errorf("the admin's overview lacks custom emojis:\n%s", page)
	}
	png := imagingtest.PNG(t, imagingtest.Halves(300, 200))
	code, to, _ := b.upload("/admin/emojis", "image", "heron.png", png,
		url.Values{"csrf": {b.csrf()}, "shortcode": {"grey_heron"}, "category": {"Birds <b>"}})
	page := b.page(to)
	if code != http.StatusSeeOther || !strings.Contains(page, "The emoji is added") || !strings.Contains(page, ":grey_heron:") ||
		!strings.Contains(page, "Birds &lt;b&gt;") || !strings.Contains(page, `alt=":grey_heron:"`) {
		t.Fatalf("add: %d:\n%s", code, page)
	}
	all, err := n.Engine.CustomEmojis(ctx)
	if err != nil || len(all) != 1 || all[0].Shortcode != "grey_heron" || !all[0].VisibleInPicker {
		t.Fatalf("emojis after the form: %+v %v", all, err)
	}
	refusals := []struct {
		name, shortcode string
		data            []byte
		want            string
	}{
		{"bad shortcode", "grey heron", png, "2 to 64 letters, digits or underscores"},
		{"taken", "Grey_Heron", png, "is taken"},
		{"not an image", "notes", []byte("plain text"), "File type is not supported"},
	}
	for _, r := range refusals {
		code, _, page := b.upload("/admin/emojis", "image", "x.png", r.data, url.Values{"csrf": {b.csrf()}, "shortcode": {r.shortcode}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, r.want) {
			t.Errorf("%s: %d:\n%s", r.name, code, page)
		}
	}
	if code, _, page := b.post("/admin/emojis", url.Values{"shortcode": {"owl"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Choose an image") {
		t.Errorf("no image: %d:\n%s", code, page)
	}

	code, to, _ = b.post("/admin/emojis/"+all[0].ID.String()+"/change", url.Values{"category": {"Water birds"}, "hidden": {"1"}})
	page = b.page(to)
	if code != http.StatusSeeOther || !strings.Contains(page, "The emoji is changed") || !strings.Contains(page, "Water birds") {
		t.Fatalf("change: %d:\n%s", code, page)
	}
	if got, err := n.Engine.CustomEmojis(ctx); err != nil || got[0].Category != "Water birds" || got[0].VisibleInPicker {
		t.Errorf("after the change: %+v %v; want Water birds, out of pickers", got, err)
	}
	if code, _, page := b.post("/admin/emojis/"+all[0].ID.String()+"/change", url.Values{"category": {strings.Repeat("b", 65)}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "at most 64") {
		t.Errorf("a long category: %d:\n%s", code, page)
	}

	// Another server's emoji, copied by its image's address.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/emoji/wren.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}))
	defer other.Close()
	code, to, page = b.post("/admin/emojis", url.Values{"shortcode": {"wren"}, "image_url": {other.URL + "/emoji/wren.png"}})
	if page = b.page(to); code != http.StatusSeeOther || !strings.Contains(page, ":wren:") {
		t.Fatalf("copy: %d:\n%s", code, page)
	}
	if code, _, page := b.post("/admin/emojis", url.Values{"shortcode": {"owl"}, "image_url": {other.URL + "/emoji/owl.png"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "answered 404") {
		t.Errorf("copying an image that is not there: %d:\n%s", code, page)
	}

	mod := signedIn(t, n, "mod")
	if code, _, _ := mod.open(http.MethodGet, "/admin/emojis", nil); code != http.StatusForbidden {
		t.Errorf("a moderator opening the emojis page: %d; want 403", code)
	}
	code, to, _ = b.post("/admin/emojis/"+all[0].ID.String()+"/delete", nil)
	page = b.page(to)
	if code != http.StatusSeeOther || !strings.Contains(page, "The emoji is removed") || strings.Contains(page, `alt=":grey_heron:"`) || !strings.Contains(page, `alt=":wren:"`) {
		t.Fatalf("remove: %d:\n%s", code, page)
	}
}
