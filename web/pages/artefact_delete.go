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
	deleteItem(h, w, r, deletion{what: "artefact", back: strings.TrimSuffix(r.URL.Path, "/delete"),
		confirm: "Tick the box to confirm that you want to delete it, with every version and file.",
		denied:  "Only its authors and the community's moderators can delete it."},
		h.formArtefact, func(a storage.Artefact) storage.ID { return a.ID }, h.engine.DeleteArtefact, libraryPath)
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

// deletion words one kind of delete form: what is deleted, the page a
// visitor signs in to come back to, and the refusals.
type deletion struct {
	what, back, confirm, denied string
}

// deleteItem takes POST /c/{handle}/artefacts/{id}/delete,
// /c/{handle}/glossary/{id}/delete and /c/{handle}/events/{id}/delete,
// the form of deleteSection: with the token and the box ticked, the
// engine deletes the item (which decides who may), and the member is
// sent to done, the list it was on.
func deleteItem[T any](h *Handler, w http.ResponseWriter, r *http.Request, d deletion,
	load func(*http.Request) (storage.Account, *communityView, T, error), id func(T) storage.ID,
	del func(ctx context.Context, me storage.Account, id storage.ID, reason string) error, done func(handle string) string) {
	what := d.what
	me, ok := signedIn(w, r, d.back)
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
		h.refuse(w, r, http.StatusUnprocessableEntity, "The "+what+" was not deleted", d.confirm)
		return
	}
	err = del(r.Context(), me, id(item), r.FormValue("reason"))
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, federation.ErrDenied):
		h.refuse(w, r, http.StatusForbidden, "You cannot delete this "+what, d.denied)
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "The "+what+" was not deleted", inv.Error())
	case err != nil:
		h.Error(w, r, err)
	default:
		http.Redirect(w, r, done(g.Acct()), http.StatusSeeOther)
	}
}

// DeleteTerm takes POST /c/{handle}/glossary/{id}/delete.
func (h *Handler) DeleteTerm(w http.ResponseWriter, r *http.Request) {
	deleteItem(h, w, r, listedDeletion("term", r), h.formTerm, func(t storage.Term) storage.ID { return t.ID }, h.engine.DeleteTerm, glossaryPath)
}

// DeleteEvent takes POST /c/{handle}/events/{id}/delete.
func (h *Handler) DeleteEvent(w http.ResponseWriter, r *http.Request) {
	deleteItem(h, w, r, listedDeletion("event", r), h.formEvent, func(ev storage.CommunityEvent) storage.ID { return ev.ID }, h.engine.DeleteEvent, eventsPath)
}

// listedDeletion words the delete form at the foot of a term's or an
// event's edit page.
func listedDeletion(what string, r *http.Request) deletion {
	return deletion{what: what, back: strings.TrimSuffix(r.URL.Path, "/delete") + "/edit",
		confirm: "Tick the box to confirm that you want to delete it.",
		denied:  "Only the member who added it and the community's moderators can delete it."}
}
