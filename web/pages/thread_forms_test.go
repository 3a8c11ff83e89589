package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/session"
	"github.com/copse-dev/copse/web/testrig"
)

// TestThreadForms: a member starts a thread and replies from the
// community's pages, without an app; the forms say what to fix, and
// someone the community would not take a post from is told why, with
// nothing posted.
func TestThreadForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n, mod, bea, g := startDesk(t)
	n.Member("erin", false)

	anon := testrig.NewFormBrowser(t, n)
	_, _, page := anon.Do(http.MethodGet, "/c/desk", nil)
	mustContain(t, "the community page, to nobody signed in", page, "to start a thread here")
	if code, loc, _ := anon.Do(http.MethodGet, "/c/desk/threads/new", nil); code != http.StatusSeeOther || loc != session.SignInURL("/c/desk/threads/new") {
		t.Errorf("the form without signing in: %d to %q; want 303 to sign in", code, loc)
	}

	eb := signedInBrowser(t, n, "erin")
	if _, _, page := eb.Do(http.MethodGet, "/c/desk", nil); strings.Contains(page, "Start a thread") {
		t.Error("the community page offers a non-member the thread form")
	}
	if code, _, page := eb.Do(http.MethodGet, "/c/desk/threads/new", nil); code != http.StatusForbidden || !strings.Contains(page, "Only members post in this community") {
		t.Errorf("the form to a non-member: %d; want 403 saying only members post\n%s", code, page)
	}

	bb := signedInBrowser(t, n, "bea")
	_, _, page = bb.Do(http.MethodGet, "/c/desk", nil)
	mustContain(t, "the community page, to a member", page, `href="/c/desk/threads/new"`)
	form, _ := formPage(t, bb, "/c/desk/threads/new")
	code, _, page := bb.Do(http.MethodPost, "/c/desk/threads/new", form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("an empty thread: %d; want 422", code)
	}
	mustContain(t, "an empty thread's form", page, "<title>Error: ", `href="#title">Enter a title for the thread`, `href="#text">Enter what you want to say`)
	if code, _, _ := eb.Do(http.MethodPost, "/c/desk/threads/new", form); code != http.StatusForbidden {
		t.Errorf("erin posts the form with bea's token: %d; want 403", code)
	}

	form.Set("title", "Holiday hours")
	form.Set("text", "What are yours this year? #opening")
	code, loc, page := bb.Do(http.MethodPost, "/c/desk/threads/new", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/c/desk/threads/") {
		t.Fatalf("the thread: %d to %q; want 303 to its page\n%s", code, loc, page)
	}
	threadPath := loc
	// The same form sent again (a second press, a resent page) lands on
	// the thread the first made, and posts nothing.
	if code, again, _ := bb.Do(http.MethodPost, "/c/desk/threads/new", form); code != http.StatusSeeOther || again != threadPath {
		t.Errorf("the form sent again: %d to %q; want 303 to %q", code, again, threadPath)
	}
	if sts, err := n.Store.AccountStatuses(ctx, bea.ID, []activitypub.Visibility{activitypub.Public}, storage.Page{Limit: 10}); err != nil || len(sts) != 1 {
		t.Errorf("bea has %d posts (%v); want 1", len(sts), err)
	}
	thread := statusAt(t, n, threadPath)
	if thread.Title != "Holiday hours" || thread.AccountID != bea.ID {
		t.Errorf("thread %+v; want bea's, titled Holiday hours", thread)
	}
	if gid, err := n.Store.CommunityOfStatus(ctx, thread.ID); err != nil || gid != g.ID {
		t.Errorf("thread in community %d (%v); want the desk's", gid, err)
	}
	_, _, page = bb.Do(http.MethodGet, "/c/desk", nil)
	mustContain(t, "the community page", page, `href="`+threadPath+`">Holiday hours</a>`)

	form, page = formPage(t, bb, threadPath)
	mustContain(t, "the thread page, to a member", page, "<h1>Holiday hours</h1>", "Reply to this thread", `action="`+threadPath+`/reply"`)
	form.Set("text", "Closed from the 24th to the 27th.")
	code, loc, _ = bb.Do(http.MethodPost, threadPath+"/reply", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, threadPath+"#post-") {
		t.Fatalf("the reply: %d to %q; want 303 to it on the thread", code, loc)
	}
	replyID := strings.TrimPrefix(loc, threadPath+"#post-")
	_, _, page = bb.Do(http.MethodGet, threadPath, nil)
	mustContain(t, "the thread page", page, `id="post-`+replyID+`"`, "Closed from the 24th to the 27th.", threadPath+"/reply?to="+replyID)

	form, page = formPage(t, bb, threadPath+"/reply?to="+replyID)
	mustContain(t, "the form replying to a reply", page, "You are replying to this reply", "Closed from the 24th")
	form.Set("text", "Thanks: same here.")
	code, loc, _ = bb.Do(http.MethodPost, threadPath+"/reply", form)
	if code != http.StatusSeeOther {
		t.Fatalf("the reply to a reply: %d", code)
	}
	second := statusAt(t, n, loc[:strings.Index(loc, "#")]+"/"+strings.TrimPrefix(loc[strings.Index(loc, "#"):], "#post-"))
	if second.InReplyToID.String() != replyID {
		t.Errorf("the reply to a reply answers %d; want %s", second.InReplyToID, replyID)
	}
	if code, _, _ := bb.Do(http.MethodGet, threadPath+"/reply?to="+thread.ID.String()+"0", nil); code != http.StatusNotFound {
		t.Errorf("a reply form to a post not in the thread: %d; want 404", code)
	}

	if err := n.Engine.LockThread(ctx, mod, g.ID, thread.ID, true, "Answered"); err != nil {
		t.Fatal(err)
	}
	if _, _, page := bb.Do(http.MethodGet, threadPath, nil); strings.Contains(page, "Reply to this thread") {
		t.Error("a locked thread offers its reply form")
	}
	form.Set("text", "One more thing")
	form.Set("once", "a new form")
	code, _, page = bb.Do(http.MethodPost, threadPath+"/reply", form)
	if code != http.StatusForbidden || !strings.Contains(page, "This thread is locked") {
		t.Errorf("a reply to a locked thread: %d; want 403 saying it is locked\n%s", code, page)
	}
	if code, _, _ := bb.Do(http.MethodPost, threadPath+"/reply", url.Values{"text": {"no token"}}); code != http.StatusForbidden {
		t.Errorf("a reply without the form's token: %d; want 403", code)
	}
	replies, err := n.Store.Descendants(ctx, thread.ID, 40, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 2 {
		t.Errorf("%d replies; want 2: nothing refused was posted", len(replies))
	}
}

// statusAt is the status whose ID ends path.
func statusAt(t *testing.T, n *testrig.Node, path string) storage.Status {
	t.Helper()
	id, err := storage.ParseID(path[strings.LastIndex(path, "/")+1:])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	st, err := n.Store.StatusByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPostFormImageAndWarning: a thread from the pages carries a content
// warning and images, each with its description, which the form asks
// for; a file that is no image is refused beside its field, with nothing
// posted; the thread page shows the warning and the images'
// descriptions; a reply takes a warning too; editing changes the warning
// and the images: a description changed, an image removed, one added.
func TestPostFormImageAndWarning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n, _, bea, _ := startDesk(t)
	bb := signedInBrowser(t, n, "bea")
	form, page := formPage(t, bb, "/c/desk/threads/new")
	mustContain(t, "the thread form", page, `enctype="multipart/form-data"`, "Content warning (optional)", `type="file" id="image_1" name="image_1"`,
		"Describe image 1", "<summary>Add more images</summary>", `name="image_4"`, `name="alt_4"`)
	form.Set("title", "Remembering Sam")
	form.Set("text", "Sam ran the enquiry desk for twenty years.")
	form.Set("cw", "Mentions a death")
	img := upload{field: "image_1", name: "sam.png", data: pagePNG(t)}
	desk := upload{field: "image_2", name: "desk.png", data: pagePNG(t)}
	posts := func() int {
		sts, err := n.Store.AccountStatuses(ctx, bea.ID, []activitypub.Visibility{activitypub.Public, activitypub.Unlisted,
			activitypub.FollowersOnly, activitypub.Direct}, storage.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(sts)
	}

	code, _, page := postMultipart(t, bb, "/c/desk/threads/new", form, img, desk)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("images without descriptions: %d; want 422\n%s", code, page)
	}
	mustContain(t, "the form without descriptions", page, `href="#alt_1">Describe image 1 for people who cannot see it`,
		`href="#alt_2">Describe image 2 for people who cannot see it`, `href="#image_1">Choose image 1 again`,
		`href="#image_2">Choose image 2 again`, `value="Mentions a death"`, `<details class="more-images" open>`)

	form.Set("alt_1", "Sam at the desk, smiling, in 2005.")
	form.Set("alt_2", "The enquiry desk, empty, with his mug.")
	code, _, page = postMultipart(t, bb, "/c/desk/threads/new", form, img, upload{field: "image_2", name: "x.png", data: []byte("not a picture")})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#image_2">`) {
		t.Fatalf("a file that is no image: %d; want 422 beside its field\n%s", code, page)
	}
	if got := posts(); got != 0 {
		t.Fatalf("refused forms posted %d", got)
	}

	code, loc, page := postMultipart(t, bb, "/c/desk/threads/new", form, img, desk)
	if code != http.StatusSeeOther {
		t.Fatalf("the thread with images: %d\n%s", code, page)
	}
	thread := statusAt(t, n, loc)
	if thread.SpoilerText != "Mentions a death" || len(thread.Attachments) != 2 ||
		thread.Attachments[0].Description != "Sam at the desk, smiling, in 2005." ||
		thread.Attachments[1].Description != "The enquiry desk, empty, with his mug." {
		t.Fatalf("thread = warning %q, attachments %+v", thread.SpoilerText, thread.Attachments)
	}
	_, _, page = bb.Do(http.MethodGet, loc, nil)
	mustContain(t, "the thread page", page, "<summary>Mentions a death</summary>", `alt="Sam at the desk, smiling, in 2005."`,
		`alt="The enquiry desk, empty, with his mug."`)

	form, _ = formPage(t, bb, loc)
	form.Set("text", "He trained half of us.")
	form.Set("cw", "Grief")
	code, rloc, _ := bb.Do(http.MethodPost, loc+"/reply", form) // urlencoded: no image
	if code != http.StatusSeeOther {
		t.Fatalf("the reply: %d", code)
	}
	reply := statusAt(t, n, loc+"/"+rloc[strings.Index(rloc, "#post-")+len("#post-"):])
	if reply.SpoilerText != "Grief" || len(reply.Attachments) != 0 {
		t.Errorf("reply = warning %q, %d attachments", reply.SpoilerText, len(reply.Attachments))
	}

	edit := "/c/desk/posts/" + thread.ID.String() + "/edit"
	first, second := thread.Attachments[0].ID.String(), thread.Attachments[1].ID.String()
	form, page = formPage(t, bb, edit)
	mustContain(t, "the edit form", page, `value="Mentions a death"`, `enctype="multipart/form-data"`,
		`<textarea id="kept_alt_`+first+`" name="kept_alt_`+first+`"`, "Sam at the desk, smiling, in 2005.</textarea>",
		`<label for="remove_`+second+`">Remove image 2 from the post</label>`, `<label for="image_1">Choose image 3</label>`, `name="image_2"`)
	if strings.Contains(page, `name="image_3"`) {
		t.Error("the edit form offers more new images than the post may take")
	}
	form.Set("title", "Remembering Sam")
	form.Set("text", "Sam ran the enquiry desk for twenty years, and trained most of us.")
	form.Set("cw", "")
	form.Set("kept_alt_"+first, "")
	if code, _, page := postMultipart(t, bb, edit, form); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `href="#kept_alt_`+first+`">Describe image 1 for people who cannot see it`) {
		t.Fatalf("an image kept without its description: %d; want 422 beside it\n%s", code, page)
	}
	form.Set("kept_alt_"+first, "Sam at the enquiry desk, smiling, in 2005.")
	form.Set("remove_"+second, "yes")
	form.Set("alt_1", "Sam's leaving card, signed by forty people.")
	if code, _, page := postMultipart(t, bb, edit, form, upload{field: "image_1", name: "card.png", data: pagePNG(t)}); code != http.StatusSeeOther {
		t.Fatalf("the edit: %d\n%s", code, page)
	}
	edited, err := n.Store.StatusByID(ctx, thread.ID)
	if err != nil {
		t.Fatal(err)
	}
	if edited.SpoilerText != "" || len(edited.Attachments) != 2 || edited.Attachments[0].ID != thread.Attachments[0].ID ||
		edited.Attachments[0].Description != "Sam at the enquiry desk, smiling, in 2005." ||
		edited.Attachments[1].Description != "Sam's leaving card, signed by forty people." {
		t.Errorf("edited = warning %q, attachments %+v; want none, the first image described anew and the card after it",
			edited.SpoilerText, edited.Attachments)
	}
}
