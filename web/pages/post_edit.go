package pages

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// A member's own posts in a community, changed from its pages as from an
// app: "Edit" at /c/{handle}/posts/{id}/edit (the text, its content
// warning, a thread's title, and its images: their descriptions changed,
// removed, or new ones added, post_images.go; the engine sends Update,
// which the Group relays) and "Delete"
// there (POST …/delete, the box ticked; the engine sends Delete, and the
// Group takes its boost of a thread back). Only the author may: the
// engine decides, and refuses anyone else.

// editPostPage is the edit form of the path's post ({id}), in the path's
// community, by the member signed in.
func (h *Handler) editPostPage(r *http.Request) (postFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return postFormPage{}, err
	}
	st, cp, err := h.communityPost(r, g, chi.URLParam(r, "id"))
	if err != nil {
		return postFormPage{}, err
	}
	if st.AccountID != viewerOf(r).ID {
		return postFormPage{}, fmt.Errorf("edit %d: %w", st.ID, federation.ErrDenied)
	}
	back := threadPath(g.Acct(), cp.RootID) + "#post-" + st.ID.String()
	what := "reply"
	if st.InReplyToID == 0 {
		what = "thread"
	}
	path := communityPath(g.Acct()) + "/posts/" + st.ID.String()
	v := postFormPage{repertoireForm: h.newForm(g, cv, "Edit your "+what, path+"/edit", back), post: st, What: what,
		DeleteAction: path + "/delete"}
	v.Editing, v.Kept = true, keptImages(st)
	if _, err := h.store.PollByStatus(r.Context(), st.ID); err == nil {
		v.NoImages = true
	} else if !errors.Is(err, storage.ErrNotFound) {
		return postFormPage{}, err
	}
	return v, nil
}

// communityPost is the post raw names (its ID) in the community g, if
// the reader may see it, with where it is in the community; anything
// else is not found.
func (h *Handler) communityPost(r *http.Request, g storage.Account, raw string) (storage.Status, storage.CommunityPost, error) {
	id, err := storage.ParseID(raw)
	if err != nil {
		return storage.Status{}, storage.CommunityPost{}, fmt.Errorf("post %q: %w", raw, storage.ErrNotFound)
	}
	cp, err := h.store.CommunityPost(r.Context(), id)
	if err != nil || cp.GroupID != g.ID {
		return storage.Status{}, storage.CommunityPost{}, fmt.Errorf("post %d in %s: %w", id, g.Acct(), cmp.Or(err, storage.ErrNotFound))
	}
	st, err := h.store.StatusByID(r.Context(), id)
	if err != nil {
		return storage.Status{}, storage.CommunityPost{}, err
	}
	if ok, err := h.engine.CanSee(r.Context(), viewerOf(r), st); err != nil || !ok {
		return storage.Status{}, storage.CommunityPost{}, fmt.Errorf("post %d: %w", id, cmp.Or(err, storage.ErrNotFound))
	}
	return st, cp, nil
}

// EditPostForm serves GET /c/{handle}/posts/{id}/edit.
func (h *Handler) EditPostForm(w http.ResponseWriter, r *http.Request) {
	if _, v, ok := openForm(h, w, r, r.URL.Path, nil, h.editPostPage); ok {
		v.Fields = postFields{Title: v.post.Title, Text: v.post.SourceText, CW: v.post.SpoilerText}
		showForm(h, w, r, http.StatusOK, "post_form", v)
	}
}

// EditPost takes POST /c/{handle}/posts/{id}/edit.
func (h *Handler) EditPost(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readPostForm, h.editPostPage)
	if !ok {
		return
	}
	defer removeFiles(r)
	st := v.post
	v.Fields = postFields{Title: r.FormValue("title"), Text: r.FormValue("text"), CW: r.FormValue("cw")}
	d := federation.Draft{Text: v.Fields.Text, Title: st.Title, SpoilerText: strings.TrimSpace(v.Fields.CW), Sensitive: st.Sensitive,
		Language: st.Language}
	if v.What == "thread" {
		d.Title = checkTitle(&v.Form, v.Fields.Title)
	}
	readImages(r, &v)
	h.postDraft(w, r, &v, func() (string, error) {
		if !v.NoImages {
			uploaded, err := h.uploadImages(r, me, v)
			if err != nil {
				return "", err
			}
			d.MediaIDs, d.MediaEdits = editedMedia(v.Kept, uploaded)
		}
		_, err := h.engine.Edit(r.Context(), me.ID, st.ID, d)
		return v.Form.Cancel, err
	})
}

// DeletePost takes POST /c/{handle}/posts/{id}/delete, the box ticked,
// and goes back to the thread (to the community, when the thread went).
func (h *Handler) DeletePost(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.editPostPage)
	if !ok {
		return
	}
	if r.FormValue("confirm") != "yes" {
		v.Fields = postFields{Title: v.post.Title, Text: v.post.SourceText, CW: v.post.SpoilerText}
		v.Form.add("confirm", "Tick the box to delete your "+v.What)
		showForm(h, w, r, http.StatusUnprocessableEntity, "post_form", v)
		return
	}
	if _, err := h.engine.DeleteStatus(r.Context(), me.ID, v.post.ID); err != nil {
		h.Error(w, r, err)
		return
	}
	back := v.Form.Cancel
	if v.What == "thread" {
		back = v.Community.URL + "#threads"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
