package pages_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestEditAndDeletePost: a member edits their thread's title and text
// and a reply from the pages, and deletes them; nobody else is offered
// the forms or may use them.
func TestEditAndDeletePost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	mod, bea, cat := n.Member("mod", false), n.Member("bea", false), n.Member("cat", false)
	g := desk(t, n, mod, bea, cat)
	thread, err := n.Engine.Post(ctx, bea.ID, federation.Draft{Community: g.ID, Title: "Holiday hours", Text: "What are yours?"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := n.Engine.Post(ctx, bea.ID, federation.Draft{Community: g.ID, InReplyTo: thread.ID, Text: "Ours: closed on the 25th"})
	if err != nil {
		t.Fatal(err)
	}
	threadPath := "/c/desk/threads/" + thread.ID.String()
	editThread := "/c/desk/posts/" + thread.ID.String() + "/edit"
	editReply := "/c/desk/posts/" + reply.ID.String() + "/edit"

	bb := signedInBrowser(t, n, "bea")
	_, _, page := bb.Do(http.MethodGet, threadPath, nil)
	mustContain(t, "the thread page, to its author", page, `href="`+editThread+`"`, `href="`+editReply+`"`)
	form, page := formPage(t, bb, editThread)
	mustContain(t, "the thread's edit form", page, "Edit your thread", `value="Holiday hours"`, "What are yours?</textarea>", "Delete your thread")
	form.Set("title", "")
	form.Set("text", "What are yours this year?")
	if code, _, body := bb.Do(http.MethodPost, editThread, form); code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#title">Enter a title`) {
		t.Errorf("an edit without a title: %d; want 422 asking for one", code)
	}
	form.Set("title", "Holiday opening hours")
	if code, loc, body := bb.Do(http.MethodPost, editThread, form); code != http.StatusSeeOther || loc != threadPath+"#post-"+thread.ID.String() {
		t.Fatalf("the edit: %d to %q\n%s", code, loc, body)
	}
	_, _, page = bb.Do(http.MethodGet, threadPath, nil)
	mustContain(t, "the thread after the edit", page, "<h1>Holiday opening hours</h1>", "What are yours this year?")

	form, page = formPage(t, bb, editReply)
	if strings.Contains(page, `id="title"`) {
		t.Error("the reply's edit form asks for a title")
	}
	if code, _, body := bb.Do(http.MethodPost, "/c/desk/posts/"+reply.ID.String()+"/delete", form); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Tick the box") {
		t.Errorf("a delete without the box ticked: %d; want 422", code)
	}

	cb := signedInBrowser(t, n, "cat")
	if code, _, _ := cb.Do(http.MethodGet, editReply, nil); code != http.StatusForbidden {
		t.Errorf("cat opens bea's edit form: %d; want 403", code)
	}
	catForm := testrig.Hidden(func() string { _, _, p := cb.Do(http.MethodGet, threadPath, nil); return p }())
	catForm.Set("confirm", "yes")
	if code, _, _ := cb.Do(http.MethodPost, "/c/desk/posts/"+reply.ID.String()+"/delete", catForm); code != http.StatusForbidden {
		t.Errorf("cat deletes bea's reply: %d; want 403", code)
	}

	form.Set("confirm", "yes")
	if code, loc, _ := bb.Do(http.MethodPost, "/c/desk/posts/"+reply.ID.String()+"/delete", form); code != http.StatusSeeOther || loc != threadPath+"#post-"+reply.ID.String() {
		t.Errorf("delete the reply: %d to %q", code, loc)
	}
	if _, err := n.Store.StatusByID(ctx, reply.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the reply after its delete: %v; want gone", err)
	}
	if code, loc, _ := bb.Do(http.MethodPost, "/c/desk/posts/"+thread.ID.String()+"/delete", form); code != http.StatusSeeOther || loc != "/c/desk#threads" {
		t.Errorf("delete the thread: %d to %q; want 303 to the community", code, loc)
	}
	if code, _, _ := bb.Do(http.MethodGet, threadPath, nil); code != http.StatusNotFound && code != http.StatusGone {
		t.Errorf("the deleted thread's page: %d; want gone", code)
	}
}
