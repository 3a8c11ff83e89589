package pages_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

var artefactLocation = regexp.MustCompile(`^/c/libraries/artefacts/(\d+)$`)

// TestArtefactFormsWithoutJavaScript: a member adds an artefact with a
// file through the library's form, edits it, loses nothing to a stale
// edit, and restores a version, each by a plain form POST.
func TestArtefactFormsWithoutJavaScript(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, dan := n.Member("alice", false), n.Member("dan", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	b := signedInBrowser(t, n, "alice")

	// Not signed in: the form sends the browser to sign in, and back.
	anon := testrig.NewFormBrowser(t, n)
	if code, loc, _ := anon.Do(http.MethodGet, "/c/libraries/library/new", nil); code != http.StatusSeeOther || loc != session.SignInURL("/c/libraries/library/new") {
		t.Errorf("anonymous GET of the form: %d %q; want 303 to sign in", code, loc)
	}

	hidden, page := formPage(t, b, "/c/libraries/library/new")
	mustContain(t, "the new artefact form", page, `<label for="title">Title</label>`, `enctype="multipart/form-data"`,
		`<legend>Licence</legend>`, `value="OGL-UK-3.0"`, `value="authors" checked`, `type="file" id="files" name="files" multiple`,
		`<label for="authors">Co-authors (optional)</label>`)

	count := func() int {
		list, err := n.Store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	fields := map[string]string{"title": "Opening hours", "summary": "How we publish them.", "body": "# Steps\n\nPublish hours **weekly**.",
		"tags": "#hours, libraries", "licence": storage.LicenceOGL, "edit_policy": storage.EditAuthors, "note": "First draft"}
	csv := upload{"files", "hours.csv", []byte("day,open\nMon,9\n")}

	t.Run("a form without its CSRF token is refused", func(t *testing.T) {
		code, _, page := postMultipart(t, b, "/c/libraries/library/new", with(nil, fields), csv)
		if code != http.StatusForbidden || !strings.Contains(page, "The form had expired") || count() != 0 {
			t.Fatalf("%d, %d artefacts; want 403 and none\n%s", code, count(), page)
		}
	})
	t.Run("problems are shown beside the fields, and what was typed is kept", func(t *testing.T) {
		code, _, page := postMultipart(t, b, "/c/libraries/library/new", with(hidden, map[string]string{"summary": "Kept <summary>",
			"tags": "not a tag!", "edit_policy": storage.EditAuthors}))
		if code != http.StatusUnprocessableEntity || count() != 0 {
			t.Fatalf("%d, %d artefacts; want 422 and none\n%s", code, count(), page)
		}
		mustContain(t, "the form with problems", page, "<title>Error: Add an artefact", `class="error-summary"`,
			`<a href="#title">Enter a title</a>`, `<a href="#licence">Choose a licence</a>`, `href="#tags"`,
			`id="title-error"`, `aria-invalid="true" aria-describedby="title-error"`, "Kept &lt;summary&gt;", `value="not a tag!"`)
	})
	t.Run("a co-author nobody has", func(t *testing.T) {
		code, _, page := postMultipart(t, b, "/c/libraries/library/new", with(with(hidden, fields), map[string]string{"authors": "dan, nobody"}), csv)
		if code != http.StatusUnprocessableEntity || count() != 0 {
			t.Fatalf("%d, %d artefacts; want 422 and none\n%s", code, count(), page)
		}
		mustContain(t, "the form naming nobody", page, `<a href="#authors">Nobody was found with the handle nobody</a>`, `value="dan, nobody"`)
	})
	var id storage.ID
	t.Run("adding an artefact with a file and a co-author", func(t *testing.T) {
		code, loc, page := postMultipart(t, b, "/c/libraries/library/new", with(with(hidden, fields), map[string]string{"authors": "dan"}), csv)
		m := artefactLocation.FindStringSubmatch(loc)
		if code != http.StatusSeeOther || m == nil {
			t.Fatalf("%d %q; want 303 to the artefact\n%s", code, loc, page)
		}
		id, _ = storage.ParseID(m[1])
		if a, err := n.Store.ArtefactByID(ctx, id); err != nil || !slices.Equal(a.Authors, []storage.ID{alice.ID, dan.ID}) {
			t.Errorf("authors %v, %v; want alice and dan", a.Authors, err)
		}
		p := fetch(t, http.MethodGet, n.URL+loc, browserAccept)
		mustContain(t, "the new artefact's page", p.body, "<h1>Opening hours</h1>", "<strong>weekly</strong>", "hours.csv",
			"Version 2", "First draft", "Open Government Licence v3.0", "#hours", "#libraries")
	})
	if id == 0 {
		t.FailNow()
	}
	artPath := "/c/libraries/artefacts/" + id.String()

	t.Run("editing makes a new version", func(t *testing.T) {
		hidden, page := formPage(t, b, artPath+"/edit")
		mustContain(t, "the edit form", page, `name="base_version" value="2"`, "You are editing version 2", "Publish hours **weekly**.",
			`name="keep" value=`, "hours.csv")
		form := with(hidden, fields)
		form.Set("body", "# Steps\n\nPublish hours **daily**.")
		form.Set("note", "daily")
		form["keep"] = keepAll(page)
		code, loc, page := postMultipart(t, b, artPath+"/edit", form)
		if code != http.StatusSeeOther || loc != artPath {
			t.Fatalf("%d %q; want 303 to the artefact\n%s", code, loc, page)
		}
		a, err := n.Store.ArtefactByID(ctx, id)
		if err != nil || a.Version != 3 || !strings.Contains(a.BodySource, "daily") {
			t.Fatalf("after the edit: version %d, %q, %v", a.Version, a.BodySource, err)
		}
		cur, err := n.Store.ArtefactVersion(ctx, id, 3)
		if err != nil || len(cur.Files) != 1 {
			t.Errorf("version 3 files %+v, %v; want hours.csv kept", cur.Files, err)
		}
	})

	t.Run("a stale edit keeps what was typed and links to what changed", func(t *testing.T) {
		hidden, page := formPage(t, b, artPath+"/edit") // starts from version 3
		other := "Someone else's summary"
		if _, err := n.Engine.EditArtefact(ctx, alice, id, federation.ArtefactEdit{BaseVersion: 3, Summary: &other, Note: "other tab"}); err != nil {
			t.Fatal(err)
		}
		form := with(hidden, fields)
		form.Set("body", "My careful words, typed for an hour.")
		form["keep"] = keepAll(page)
		code, _, page := postMultipart(t, b, artPath+"/edit", form)
		if code != http.StatusConflict {
			t.Fatalf("%d; want 409\n%s", code, page)
		}
		mustContain(t, "the stale edit", page, "My careful words, typed for an hour.", "you started from version 3, and it is now at version 4",
			`href="`+artPath+`?from=3&amp;to=4#diff" target="_blank"`, `name="base_version" value="4"`, `class="error-summary"`)
		if a, _ := n.Store.ArtefactByID(ctx, id); a.Version != 4 || strings.Contains(a.BodySource, "careful") {
			t.Fatalf("the stale edit was saved: version %d %q", a.Version, a.BodySource)
		}
		// Saving the kept form again, now on version 4, is taken.
		again := testrig.Hidden(page)
		form = with(again, fields)
		form.Set("body", "My careful words, typed for an hour.")
		form.Set("summary", other)
		form["keep"] = keepAll(page)
		if code, loc, page := postMultipart(t, b, artPath+"/edit", form); code != http.StatusSeeOther || loc != artPath {
			t.Fatalf("saving after the conflict: %d %q\n%s", code, loc, page)
		}
		if a, _ := n.Store.ArtefactByID(ctx, id); a.Version != 5 || !strings.Contains(a.BodySource, "careful") || a.Summary != other {
			t.Fatalf("after the merge: version %d %q %q", a.Version, a.Summary, a.BodySource)
		}
	})

	t.Run("restoring a version", func(t *testing.T) {
		p := fetch(t, http.MethodGet, n.URL+artPath, browserAccept)
		if strings.Contains(p.body, "Restore version") {
			t.Errorf("the page offers a restore to a browser not signed in")
		}
		code, _, page := b.Do(http.MethodGet, artPath, nil)
		if code != http.StatusOK {
			t.Fatal(code)
		}
		mustContain(t, "the artefact page signed in", page, `href="`+artPath+`/edit"`, "Restore version 1</button>")
		form := restoreForm(t, page, 1)
		noToken := with(form, nil)
		noToken.Del("csrf")
		if code, _, _ := b.Do(http.MethodPost, artPath+"/restore", noToken); code != http.StatusForbidden {
			t.Errorf("restore without the token: %d; want 403", code)
		}
		if code, loc, page := b.Do(http.MethodPost, artPath+"/restore", form); code != http.StatusSeeOther || loc != artPath {
			t.Fatalf("restore: %d %q\n%s", code, loc, page)
		}
		a, err := n.Store.ArtefactByID(ctx, id)
		if err != nil || a.Version != 6 || !strings.Contains(a.BodySource, "weekly") {
			t.Fatalf("after restoring version 1: version %d %q %v", a.Version, a.BodySource, err)
		}
		// The same form again names a version that is no longer current.
		if code, _, page := b.Do(http.MethodPost, artPath+"/restore", form); code != http.StatusConflict || !strings.Contains(page, "This artefact has changed") {
			t.Errorf("a stale restore: %d\n%s", code, page)
		}
	})
}

// TestArtefactFormsRefuse: who may not add or edit is told so, and nothing
// is stored.
func TestArtefactFormsRefuse(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	n.Member("carol", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	newCommunity(t, n, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden", Visibility: storage.CommunityMembersOnly})
	joined(t, n, bob, g)
	art, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Alice's routine", Body: "Her words."})
	if err != nil {
		t.Fatal(err)
	}
	artPath := "/c/libraries/artefacts/" + art.ID.String()
	fields := map[string]string{"title": "Carol's", "licence": storage.LicenceCCBY, "edit_policy": storage.EditAuthors}

	t.Run("a non-member cannot add to the library", func(t *testing.T) {
		c := signedInBrowser(t, n, "carol")
		hidden, _ := formPage(t, c, "/c/libraries/library/new")
		code, _, page := postMultipart(t, c, "/c/libraries/library/new", with(hidden, fields))
		if code != http.StatusForbidden {
			t.Fatalf("%d; want 403\n%s", code, page)
		}
		mustContain(t, "the refusal", page, "You cannot add to this library", `value="Carol&#39;s"`)
		if list, _ := n.Store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 10}); len(list) != 1 {
			t.Errorf("%d artefacts; want only Alice's", len(list))
		}
	})
	t.Run("a member who is not an author cannot edit it", func(t *testing.T) {
		c := signedInBrowser(t, n, "bob")
		hidden, _ := formPage(t, c, artPath+"/edit")
		form := with(hidden, fields)
		form.Set("body", "Bob's rewrite")
		code, _, page := postMultipart(t, c, artPath+"/edit", form)
		if code != http.StatusForbidden {
			t.Fatalf("%d; want 403\n%s", code, page)
		}
		mustContain(t, "the refusal", page, "You cannot edit this artefact: only its authors and the community&#39;s moderators can.", "Bob&#39;s rewrite")
		if a, _ := n.Store.ArtefactByID(ctx, art.ID); a.Version != 1 {
			t.Errorf("version %d; want 1", a.Version)
		}
	})
	t.Run("any member edits an artefact open to members, but only its authors change that", func(t *testing.T) {
		open, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Shared routine", Body: "Draft.",
			EditPolicy: storage.EditMembers})
		if err != nil {
			t.Fatal(err)
		}
		path := "/c/libraries/artefacts/" + open.ID.String() + "/edit"
		c := signedInBrowser(t, n, "bob")
		hidden, page := formPage(t, c, path)
		mustContain(t, "the edit form", page, `value="members" checked`)
		form := with(hidden, map[string]string{"title": "Shared routine", "body": "Bob's better draft.", "licence": storage.LicenceReserved,
			"edit_policy": storage.EditAuthors})
		code, _, page := postMultipart(t, c, path, form)
		if code != http.StatusForbidden {
			t.Fatalf("%d; want 403\n%s", code, page)
		}
		mustContain(t, "the refusal", page, `<a href="#edit_policy">Only its authors and the community&#39;s moderators can change who may edit it</a>`,
			"Bob&#39;s better draft.")
		form.Set("edit_policy", storage.EditMembers)
		if code, _, page := postMultipart(t, c, path, form); code != http.StatusSeeOther {
			t.Fatalf("%d; want 303\n%s", code, page)
		}
		if a, _ := n.Store.ArtefactByID(ctx, open.ID); a.Version != 2 || a.BodySource != "Bob's better draft." {
			t.Errorf("version %d %q", a.Version, a.BodySource)
		}
	})
	t.Run("a members-only community's form is not found for a non-member", func(t *testing.T) {
		c := signedInBrowser(t, n, "carol")
		if code, _, _ := c.Do(http.MethodGet, "/c/hidden/library/new", nil); code != http.StatusNotFound {
			t.Errorf("%d; want 404", code)
		}
	})
}

var keepBox = regexp.MustCompile(`name="keep" value="(\d+)" checked`)

// keepAll is every file the edit form lists as kept.
func keepAll(page string) []string {
	var out []string
	for _, m := range keepBox.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

var restoreForms = regexp.MustCompile(`(?s)<form method="post" action="[^"]+/restore" class="inline">(.*?)</form>`)

// restoreForm is the fields of the page's form that restores version.
func restoreForm(t *testing.T, page string, version int) map[string][]string {
	t.Helper()
	for _, m := range restoreForms.FindAllStringSubmatch(page, -1) {
		f := testrig.Hidden(m[1])
		if f.Get("version") == strconv.Itoa(version) {
			return f
		}
	}
	t.Fatalf("no form restores version %d\n%s", version, page)
	return nil
}

// TestArtefactFormFiles: a file over the node's limit, or whose bytes do
// not match its name, is refused with a clear message.
func TestArtefactFormFiles(t *testing.T) {
	n := testrig.StartOne(t, func(c *node.Config) { c.ArtefactFileLimit = 1 << 10 })
	ctx := context.Background()
	alice := n.Member("alice", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	b := signedInBrowser(t, n, "alice")
	hidden, _ := formPage(t, b, "/c/libraries/library/new")
	form := with(hidden, map[string]string{"title": "Figures", "licence": storage.LicenceOGL, "edit_policy": storage.EditAuthors})
	count := func() int {
		list, err := n.Store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	rows := func(size int) []byte { return []byte("n\n" + strings.Repeat("1\n", size/2)) }

	t.Run("a file over the limit", func(t *testing.T) {
		code, _, page := postMultipart(t, b, "/c/libraries/library/new", form, upload{"files", "big.csv", rows(2 << 10)})
		if code != http.StatusUnprocessableEntity || count() != 0 {
			t.Fatalf("%d, %d artefacts; want 422 and none\n%s", code, count(), page)
		}
		mustContain(t, "the refusal", page, `<a href="#files">big.csv is larger than the limit of 1 KB a file</a>`, `value="Figures"`)
	})
	t.Run("a body over the limit", func(t *testing.T) {
		code, _, page := postMultipart(t, b, "/c/libraries/library/new", form, upload{"files", "huge.csv", rows(200 << 10)})
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(page, "The files are too large") || count() != 0 {
			t.Fatalf("%d, %d artefacts; want 413 and none\n%s", code, count(), page)
		}
	})
	t.Run("a file whose bytes do not match its name", func(t *testing.T) {
		code, _, page := postMultipart(t, b, "/c/libraries/library/new", form, upload{"files", "report.pdf", rows(100)})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%d; want 422\n%s", code, page)
		}
		mustContain(t, "the edit form", page, "The artefact was saved, but not all its files", `href="#files"`, `name="base_version" value="1"`)
		list, err := n.Store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 10})
		if err != nil || len(list) != 1 || list[0].Version != 1 {
			t.Fatalf("artefacts %+v, %v; want one, without the file", list, err)
		}
	})
}

// TestArtefactStaleEditKeepsOthersFiles: a file someone added while a
// member was editing is kept when the member saves again after the
// conflict, as is the member's text.
func TestArtefactStaleEditKeepsOthersFiles(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	art, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Figures", Body: "Old text."})
	if err != nil {
		t.Fatal(err)
	}
	path := "/c/libraries/artefacts/" + art.ID.String() + "/edit"
	b := signedInBrowser(t, n, "alice")
	hidden, _ := formPage(t, b, path)
	_, f, err := n.Engine.AddArtefactFile(ctx, alice, art.ID, 1, "new.csv", strings.NewReader("a,b\n1,2\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	form := with(hidden, map[string]string{"title": "Figures", "body": "My new text.", "licence": storage.LicenceReserved,
		"edit_policy": storage.EditAuthors})
	code, _, page := postMultipart(t, b, path, form)
	if code != http.StatusConflict {
		t.Fatalf("%d; want 409\n%s", code, page)
	}
	mustContain(t, "the stale edit", page, `name="keep" value="`+f.ID.String()+`" checked`, "new.csv", "My new text.")
	form = with(testrig.Hidden(page), map[string]string{"title": "Figures", "body": "My new text.", "licence": storage.LicenceReserved,
		"edit_policy": storage.EditAuthors})
	form["keep"] = keepAll(page)
	if code, _, page := postMultipart(t, b, path, form); code != http.StatusSeeOther {
		t.Fatalf("saving again: %d\n%s", code, page)
	}
	v, err := n.Store.ArtefactVersion(ctx, art.ID, 3)
	if err != nil || v.BodySource != "My new text." || len(v.Files) != 1 || v.Files[0].Name != "new.csv" {
		t.Fatalf("version 3: %q with %+v, %v; want the new text and new.csv", v.BodySource, v.Files, err)
	}
}
