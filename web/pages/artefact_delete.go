package pages

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// DeleteArtefact takes POST /c/{handle}/artefacts/{id}/delete, the
// "Delete this artefact" form of the artefact page (shown only to its
// authors and the community's moderators, a moderator asked for a reason
// for the log), confirmed with a checkbox: the engine deletes it (and
// decides again who may) with every version and file, and the member is
// sent to the library.
func (h *Handler) DeleteArtefact(w http.ResponseWriter, r *http.Request) {
	me, ok := signedIn(w, r, strings.TrimSuffix(r.URL.Path, "/delete"))
	if !ok {
		return
	}
	if err := readTextForm(w, r); err != nil {
		h.Error(w, r, err)
		return
	}
	if !validToken(r, r.FormValue("csrf")) {
		h.expired(w, r)
		return
	}
	g, _, a, err := h.formArtefact(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if r.FormValue("confirm") != "yes" {
		h.refuse(w, r, http.StatusUnprocessableEntity, "The artefact was not deleted",
			"Tick the box to confirm that you want to delete it, with every version and file.")
		return
	}
	err = h.engine.DeleteArtefact(r.Context(), me, a.ID, r.FormValue("reason"))
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, federation.ErrDenied):
		h.refuse(w, r, http.StatusForbidden, "You cannot delete this artefact",
			"Only its authors and the community's moderators can delete it.")
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "The artefact was not deleted", inv.Error())
	case err != nil:
		h.Error(w, r, err)
	default:
		http.Redirect(w, r, libraryPath(g.Username), http.StatusSeeOther)
	}
}

// deleteSection is the "Delete" form at the foot of a term's or an
// event's edit page and on an artefact's page, shown only to those who
// may delete it (its author, the community's moderators): it posts to
// Action with the page's token, a confirmation box and, for a moderator,
// a reason for the log.
type deleteSection struct {
	Action     string
	What       string // "term", "event", "artefact"
	Moderating bool   // not the author: a moderator, asked for a reason
}

// deleteSectionFor is the delete form of an item of the community g that
// owners made, for me; nil when they may not delete it.
func (h *Handler) deleteSectionFor(r *http.Request, me, g storage.Account, action, what string, owners ...storage.ID) (*deleteSection, error) {
	ok, err := h.engine.MayDeleteRepertoire(r.Context(), me, g.ID, owners...)
	if err != nil || !ok {
		return nil, err
	}
	return &deleteSection{Action: action, What: what, Moderating: !slices.Contains(owners, me.ID)}, nil
}

// deleteItem takes POST /c/{handle}/glossary/{id}/delete and
// /c/{handle}/events/{id}/delete, the form of deleteSection: with the
// token and the box ticked, the engine deletes the item (which decides
// who may), and the member is sent to done, the list it was on.
func deleteItem[T any](h *Handler, w http.ResponseWriter, r *http.Request, what string,
	load func(*http.Request) (storage.Account, *communityView, T, error), id func(T) storage.ID,
	del func(ctx context.Context, me storage.Account, id storage.ID, reason string) error, done func(handle string) string) {
	me, ok := signedIn(w, r, strings.TrimSuffix(r.URL.Path, "/delete")+"/edit")
	if !ok {
		return
	}
	if err := readTextForm(w, r); err != nil {
		h.Error(w, r, err)
		return
	}
	if !validToken(r, r.FormValue("csrf")) {
		h.expired(w, r)
		return
	}
	g, _, item, err := load(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if r.FormValue("confirm") != "yes" {
		h.refuse(w, r, http.StatusUnprocessableEntity, "The "+what+" was not deleted",
			"Tick the box to confirm that you want to delete it.")
		return
	}
	err = del(r.Context(), me, id(item), r.FormValue("reason"))
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, federation.ErrDenied):
		h.refuse(w, r, http.StatusForbidden, "You cannot delete this "+what,
			"Only the member who added it and the community's moderators can delete it.")
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "The "+what+" was not deleted", inv.Error())
	case err != nil:
		h.Error(w, r, err)
	default:
		http.Redirect(w, r, done(g.Username), http.StatusSeeOther)
	}
}

// DeleteTerm takes POST /c/{handle}/glossary/{id}/delete.
func (h *Handler) DeleteTerm(w http.ResponseWriter, r *http.Request) {
	deleteItem(h, w, r, "term", h.formTerm, func(t storage.Term) storage.ID { return t.ID }, h.engine.DeleteTerm, glossaryPath)
}

// DeleteEvent takes POST /c/{handle}/events/{id}/delete.
func (h *Handler) DeleteEvent(w http.ResponseWriter, r *http.Request) {
	deleteItem(h, w, r, "event", h.formEvent, func(ev storage.CommunityEvent) storage.ID { return ev.ID }, h.engine.DeleteEvent, eventsPath)
}
