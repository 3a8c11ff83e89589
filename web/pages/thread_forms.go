package pages

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// The forms that post into a community from its pages, for members who
// read it here rather than in a Mastodon app: "Start a thread" at
// /c/{handle}/threads/new (a title and the text) and "Reply" at
// /c/{handle}/threads/{id}/reply (the text; to the thread, or to one of
// its replies with ?to=). The post is the member's own, made by the engine
// as from an app (mentions, hashtags and links work the same) into the
// community here or elsewhere; whether the community takes it is the
// engine's rule (Engine.MayPostIn, Draft.Community), and its refusal is
// shown in its words.

type postFields struct{ Title, Text, To string }

type postFormPage struct {
	repertoireForm
	Fields postFields
	// Thread is the thread replied to, ReplyTo the reply replied to
	// within it (nil: the thread's first post); both nil for a new
	// thread.
	Thread      *statusView
	ReplyTo     *statusView
	ThreadTitle string
	// What is edited, "thread" or "reply", and where its delete form
	// posts (post_edit.go).
	What, DeleteAction string
	// Once is the form's own key, sent back with it: a second press of
	// its button (or a resent form) lands on the post the first made
	// (Draft.IdempotencyKey) instead of posting it twice.
	Once   string
	thread storage.Status
	post   storage.Status // the post edited
}

func threadPath(handle string, id storage.ID) string {
	return communityPath(handle) + "/threads/" + id.String()
}

// newThreadPage is the "Start a thread" form of the path's community.
func (h *Handler) newThreadPage(r *http.Request) (postFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return postFormPage{}, err
	}
	return postFormPage{repertoireForm: h.newForm(g, cv, "Start a thread in "+cv.Name, cv.URL+"/threads/new", cv.URL+"#threads"),
		Once: onceOf(r)}, nil
}

// replyPage is the "Reply" form of the path's thread, replying to the
// post ?to= (or the form's field) names in it, else to the thread.
func (h *Handler) replyPage(r *http.Request) (postFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return postFormPage{}, err
	}
	me := viewerOf(r)
	st, err := h.pageThread(r, g, me)
	if err != nil {
		return postFormPage{}, err
	}
	back := threadPath(g.Acct(), st.ID)
	title := threadTitle(st)
	v := postFormPage{repertoireForm: h.newForm(g, cv, "Reply to "+title, back+"/reply", back), ThreadTitle: title, thread: st,
		Once: onceOf(r)}
	shown := []storage.Status{st}
	if to := r.FormValue("to"); to != "" && to != st.ID.String() {
		parent, err := h.replyInThread(r, g, st, to)
		if err != nil {
			return postFormPage{}, err
		}
		shown = append(shown, parent)
		v.Fields.To = to
	}
	views, err := h.listed(r, shown)
	if err != nil {
		return postFormPage{}, err
	}
	v.Thread = &views[0]
	if len(views) > 1 {
		v.ReplyTo = &views[1]
	}
	return v, nil
}

// replyInThread is the post id, a reply in the thread whose first post
// is thread in the community g, if the reader may see it; anything else
// is not found.
func (h *Handler) replyInThread(r *http.Request, g storage.Account, thread storage.Status, id string) (storage.Status, error) {
	st, cp, err := h.communityPost(r, g, id)
	if err != nil {
		return storage.Status{}, err
	}
	if cp.RootID != thread.ID {
		return storage.Status{}, fmt.Errorf("reply %d in thread %d: %w", st.ID, thread.ID, storage.ErrNotFound)
	}
	return st, nil
}

// NewThreadForm serves GET /c/{handle}/threads/new.
func (h *Handler) NewThreadForm(w http.ResponseWriter, r *http.Request) {
	if me, v, ok := openForm(h, w, r, r.URL.Path, nil, h.newThreadPage); ok && h.mayPost(w, r, me, v) {
		showForm(h, w, r, http.StatusOK, "post_form", v)
	}
}

// CreateThread takes POST /c/{handle}/threads/new.
func (h *Handler) CreateThread(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.newThreadPage)
	if !ok {
		return
	}
	v.Fields = postFields{Title: r.FormValue("title"), Text: r.FormValue("text")}
	title := checkTitle(&v.Form, v.Fields.Title)
	h.postDraft(w, r, &v, func() (string, error) {
		st, err := h.engine.Post(r.Context(), me.ID, federation.Draft{Community: v.group.ID, Title: title, Text: v.Fields.Text,
			IdempotencyKey: onceKey(v.Once)})
		return threadPath(v.group.Acct(), firstMade(st.ID, err)), unlessDuplicate(err)
	})
}

// checkTitle says on the form f what to fix in a thread's title, and
// returns it trimmed.
func checkTitle(f *formView, title string) string {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		f.add("title", "Enter a title for the thread")
	case utf8.RuneCountInString(title) > federation.MaxThreadTitle:
		f.add("title", fmt.Sprintf("The title must be %d characters or fewer", federation.MaxThreadTitle))
	}
	return title
}

// ReplyForm serves GET /c/{handle}/threads/{id}/reply.
func (h *Handler) ReplyForm(w http.ResponseWriter, r *http.Request) {
	if me, v, ok := openForm(h, w, r, r.URL.RequestURI(), nil, h.replyPage); ok && h.mayPost(w, r, me, v) {
		showForm(h, w, r, http.StatusOK, "post_form", v)
	}
}

// CreateReply takes POST /c/{handle}/threads/{id}/reply.
func (h *Handler) CreateReply(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.replyPage)
	if !ok {
		return
	}
	v.Fields.Text = r.FormValue("text")
	parent := v.thread.ID
	if v.ReplyTo != nil {
		parent, _ = storage.ParseID(v.ReplyTo.ID)
	}
	h.postDraft(w, r, &v, func() (string, error) {
		st, err := h.engine.Post(r.Context(), me.ID, federation.Draft{Community: v.group.ID, InReplyTo: parent, Text: v.Fields.Text,
			IdempotencyKey: onceKey(v.Once)})
		return threadPath(v.group.Acct(), v.thread.ID) + "#post-" + firstMade(st.ID, err).String(), unlessDuplicate(err)
	})
}

// mayPost answers a form the member may not post with (the engine's
// rule, MayPostIn) with a page that says why, and reports false; a
// locked thread says so.
func (h *Handler) mayPost(w http.ResponseWriter, r *http.Request, me storage.Account, v postFormPage) bool {
	ok, why, err := h.engine.MayPostIn(r.Context(), me, v.group)
	if err != nil {
		h.Error(w, r, err)
		return false
	}
	if ok && v.thread.ID != 0 {
		locked, err := h.store.ThreadLocked(r.Context(), v.thread.ID)
		if err != nil {
			h.Error(w, r, err)
			return false
		}
		moderator, err := h.engine.Moderates(r.Context(), me, v.group)
		if err != nil {
			h.Error(w, r, err)
			return false
		}
		ok, why = !locked || moderator, "this thread is locked: it takes no new replies"
	}
	if !ok {
		h.refuse(w, r, http.StatusForbidden, "You cannot post here", sentence(why)+".")
	}
	return ok
}

// postDraft ends the thread, reply and edit forms' POST: the text
// checked, then save asks the engine and returns where to send the
// browser (the post on its thread page); a refusal is shown on the form.
func (h *Handler) postDraft(w http.ResponseWriter, r *http.Request, v *postFormPage, save func() (string, error)) {
	switch n := utf8.RuneCountInString(v.Fields.Text); {
	case strings.TrimSpace(v.Fields.Text) == "":
		v.Form.add("text", "Enter what you want to say")
	case n > federation.MaxChars:
		v.Form.add("text", fmt.Sprintf("Your post must be %d characters or fewer; it is %d", federation.MaxChars, n))
	}
	show := func(code int) { showForm(h, w, r, code, "post_form", *v) }
	h.submit(w, r, &v.Form, show, func(err error) bool {
		var denied *federation.DeniedError
		if errors.As(err, &denied) {
			v.Form.Problem = sentence(denied.Reason) + "."
			show(http.StatusForbidden)
			return true
		}
		return refusedOn(&v.Form, show, "text", "You cannot post in "+v.Community.Name+".")(err)
	}, save)
}

// pageThread is the thread of the path ({id}, its first post) in the
// community g, if viewer may see it.
func (h *Handler) pageThread(r *http.Request, g, viewer storage.Account) (storage.Status, error) {
	ctx := r.Context()
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return storage.Status{}, fmt.Errorf("thread %q: %w", chi.URLParam(r, "id"), storage.ErrNotFound)
	}
	st, err := h.store.StatusByID(ctx, id)
	if err != nil {
		return storage.Status{}, err
	}
	if in, err := h.store.InCommunity(ctx, st.ID, g.ID); err != nil || !in || st.InReplyToID != 0 || st.ReblogOfID != 0 {
		return storage.Status{}, fmt.Errorf("thread %d in %s: %w", id, g.Username, cmp.Or(err, storage.ErrNotFound))
	}
	if ok, err := h.engine.CanSee(ctx, viewer, st); err != nil || !ok {
		return storage.Status{}, fmt.Errorf("thread %d: %w", id, cmp.Or(err, storage.ErrNotFound))
	}
	return st, nil
}

// setMayPost says on cv whether the member signed in, me, may post in
// g (the engine's rule), for the pages' links to the forms.
func (h *Handler) setMayPost(r *http.Request, me, g storage.Account, cv *communityView) error {
	if me.ID == 0 || cv.Hidden {
		return nil
	}
	ok, _, err := h.engine.MayPostIn(r.Context(), me, g)
	cv.MayPost = ok
	if ok {
		cv.Once = rand.Text()
	}
	return err
}

// onceOf is the key of a post form: the one it was sent with (a form
// shown again keeps it), or a new one for a new form.
func onceOf(r *http.Request) string {
	if once := r.PostFormValue("once"); once != "" && len(once) <= 64 {
		return once
	}
	return rand.Text()
}

// onceKey is a post form's key as the engine records it, apart from the
// keys apps send.
func onceKey(once string) string { return "pages " + once }

// firstMade is the post a draft made: made, or the first one a resent
// form made (err a *DuplicateError).
func firstMade(made storage.ID, err error) storage.ID {
	var dup *federation.DuplicateError
	if errors.As(err, &dup) {
		return dup.Earlier.StatusID
	}
	return made
}

// unlessDuplicate is err, but nil for a resent form's *DuplicateError:
// its post was made, and the browser is sent to it.
func unlessDuplicate(err error) error {
	var dup *federation.DuplicateError
	if errors.As(err, &dup) && dup.Earlier.StatusID != 0 {
		return nil
	}
	return err
}
