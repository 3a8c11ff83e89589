package pages

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// The forms that post into a community from its pages, for members who
// read it here rather than in a Mastodon app: "Start a thread" at
// /c/{handle}/threads/new (a title and the text) and "Reply" at
// /c/{handle}/threads/{id}/reply (the text; to the thread, or to one of
// its replies with ?to=). The post is the member's own, made by the engine
// as from an app (mentions, hashtags and links work the same) into the
// community here or elsewhere; whether the community takes it is the
// engine's rule (Engine.MayPostIn, Draft.Community), and its refusal is
// shown in its words. Both forms take a content warning, and images
// (post_images.go) or a poll.

type postFields struct {
	Title, Text, To, CW string
	Alts                [federation.MaxAttachments]string // the new images' descriptions
	// A poll: its answers (empty for none), how long it is open (seconds,
	// one of pollDurations) and whether several answers may be chosen.
	Answers      [federation.MaxPollOptions]string
	PollDuration string
	PollMultiple bool
}

// pollDurations are how long a poll made on the pages is open, in
// seconds, with their words; the first is the default.
var pollDurations = []durationChoice{{Value: "86400", Label: "1 day"}, {Value: "3600", Label: "1 hour"},
	{Value: "259200", Label: "3 days"}, {Value: "604800", Label: "7 days"}}

// durationChoice is one option of the poll's duration.
type durationChoice struct {
	Value, Label string
	Selected     bool
}

// answerSlot is one answer field of the poll fieldset.
type answerSlot struct {
	N            int
	Value, Error string
}

// PostUploadBody bounds the body of a post form that carries images
// (web/node applies it to the paths IsPostUpload names): as many of the
// largest image an app may upload as a post takes, and the form's text.
const PostUploadBody = federation.MaxAttachments*federation.MaxMediaSize + 1<<20

// IsPostUpload reports whether a request posts a thread, reply or edit
// form, which may carry images.
func IsPostUpload(method, path string) bool {
	rest, ok := strings.CutPrefix(path, "/c/")
	if method != http.MethodPost || !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 3 && parts[1] == "threads" && parts[2] == "new":
		return parts[0] != ""
	case len(parts) == 4 && parts[1] == "threads" && parts[3] == "reply",
		len(parts) == 4 && parts[1] == "posts" && parts[3] == "edit":
		return parts[0] != "" && parts[2] != ""
	}
	return false
}

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
	Once string
	// Kept are the images of the post edited; NoImages: the post takes
	// none (it has a poll).
	Kept     []keptImage
	NoImages bool
	thread   storage.Status
	post     storage.Status                                   // the post edited
	images   [federation.MaxAttachments]*multipart.FileHeader // the new images sent with the form, by field
	poll     *federation.PollDraft                            // the poll the form makes, if any
}

// AnswerSlots are the poll's answer fields, as the template lists them.
func (v postFormPage) AnswerSlots() []answerSlot {
	out := make([]answerSlot, 0, len(v.Fields.Answers))
	for i, a := range v.Fields.Answers {
		out = append(out, answerSlot{N: i + 1, Value: a, Error: v.Form.FieldError["answer_"+strconv.Itoa(i+1)]})
	}
	return out
}

// PollDurations are the choices of how long a poll is open, the form's
// one chosen.
func (v postFormPage) PollDurations() []durationChoice {
	out := slices.Clone(pollDurations)
	for i := range out {
		out[i].Selected = out[i].Value == cmp.Or(v.Fields.PollDuration, pollDurations[0].Value)
	}
	return out
}

// readPoll reads the poll a thread or reply form makes, if any answer is
// given, and says on the form what to fix: two answers at least, each
// short enough, a duration it offers, and no image beside it.
func readPoll(r *http.Request, v *postFormPage) {
	f := &v.Fields
	var answers []string
	for i := range f.Answers {
		field := "answer_" + strconv.Itoa(i+1)
		f.Answers[i] = r.FormValue(field)
		a := strings.TrimSpace(f.Answers[i])
		switch {
		case a == "":
			continue
		case utf8.RuneCountInString(a) > federation.MaxPollOptionChars:
			v.Form.add(field, fmt.Sprintf("Answer %d must be %d characters or fewer", i+1, federation.MaxPollOptionChars))
		case slices.Contains(answers, a):
			v.Form.add(field, fmt.Sprintf("Answer %d repeats an answer above it", i+1))
		}
		answers = append(answers, a)
	}
	f.PollDuration, f.PollMultiple = r.FormValue("poll_duration"), r.FormValue("poll_multiple") == "yes"
	if len(answers) == 0 {
		return
	}
	if len(answers) == 1 {
		v.Form.add("answer_1", "Give at least two answers, or none for a post without a poll")
	}
	var seconds int
	for _, d := range pollDurations {
		if d.Value == cmp.Or(f.PollDuration, pollDurations[0].Value) {
			seconds, _ = strconv.Atoi(d.Value)
		}
	}
	if seconds == 0 {
		v.Form.add("poll_duration", "Choose how long the poll is open")
	}
	if field := v.firstImage(); field != "" {
		v.Form.add(field, "A post with a poll cannot have images: remove the images or the answers")
	}
	v.poll = &federation.PollDraft{Options: answers, ExpiresIn: time.Duration(seconds) * time.Second, Multiple: f.PollMultiple}
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
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readPostForm, h.newThreadPage)
	if !ok {
		return
	}
	defer removeFiles(r)
	v.Fields = postFields{Title: r.FormValue("title"), Text: r.FormValue("text"), CW: r.FormValue("cw")}
	title := checkTitle(&v.Form, v.Fields.Title)
	readImages(r, &v)
	readPoll(r, &v)
	h.postDraft(w, r, &v, func() (string, error) {
		media, err := h.uploadImages(r, me, v)
		if err != nil {
			return "", err
		}
		st, err := h.engine.Post(r.Context(), me.ID, federation.Draft{Community: v.group.ID, Title: title, Text: v.Fields.Text,
			SpoilerText: strings.TrimSpace(v.Fields.CW), MediaIDs: media, Poll: v.poll, IdempotencyKey: onceKey(v.Once)})
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
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readPostForm, h.replyPage)
	if !ok {
		return
	}
	defer removeFiles(r)
	v.Fields.Text, v.Fields.CW = r.FormValue("text"), r.FormValue("cw")
	readImages(r, &v)
	readPoll(r, &v)
	parent := v.thread.ID
	if v.ReplyTo != nil {
		parent, _ = storage.ParseID(v.ReplyTo.ID)
	}
	h.postDraft(w, r, &v, func() (string, error) {
		media, err := h.uploadImages(r, me, v)
		if err != nil {
			return "", err
		}
		st, err := h.engine.Post(r.Context(), me.ID, federation.Draft{Community: v.group.ID, InReplyTo: parent, Text: v.Fields.Text,
			SpoilerText: strings.TrimSpace(v.Fields.CW), MediaIDs: media, Poll: v.poll, IdempotencyKey: onceKey(v.Once)})
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
		h.refuse(w, r, http.StatusForbidden, "You cannot post here", httperr.Sentence(why)+".")
	}
	return ok
}

// postDraft ends the thread, reply and edit forms' POST: the text
// checked, then save asks the engine and returns where to send the
// browser (the post on its thread page); a refusal is shown on the form.
func (h *Handler) postDraft(w http.ResponseWriter, r *http.Request, v *postFormPage, save func() (string, error)) {
	switch n := utf8.RuneCountInString(v.Fields.Text) + utf8.RuneCountInString(strings.TrimSpace(v.Fields.CW)); {
	case strings.TrimSpace(v.Fields.Text) == "":
		v.Form.add("text", "Enter what you want to say")
	case n > federation.MaxChars:
		v.Form.add("text", fmt.Sprintf("Your post and its content warning must be %d characters or fewer; they are %d", federation.MaxChars, n))
	}
	show := func(code int) {
		askImagesAgain(v)
		showForm(h, w, r, code, "post_form", *v)
	}
	h.submit(w, r, &v.Form, show, func(err error) bool {
		var denied *federation.DeniedError
		var field *federation.FieldError
		switch {
		case errors.As(err, &denied):
			v.Form.Problem = httperr.Sentence(denied.Reason) + "."
			show(http.StatusForbidden)
			return true
		case errors.As(err, &field):
			v.Form.add(field.Field, httperr.Sentence(field.Invalid.Msg))
			show(http.StatusUnprocessableEntity)
			return true
		}
		return refusedOn(&v.Form, show, "text", "You cannot post in "+v.Community.Name+".")(err)
	}, save)
}

// readPostForm reads a thread, reply or edit form: with images
// (multipart), once the member's upload limits admit them (readFiles),
// else as text.
func (h *Handler) readPostForm(w http.ResponseWriter, r *http.Request) bool {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return h.readText(w, r)
	}
	if !h.readFiles(w, r, "The images are too large",
		"An image can be at most "+sizeOf(federation.MaxMediaSize)+".",
		"Go back and choose smaller images, or post without them.") {
		return false
	}
	if !anyImageChosen(r) {
		me, _ := session.Member(r)
		h.engine.NoFileUploaded(me.ID) // a post without an image is no upload
	}
	return true
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
