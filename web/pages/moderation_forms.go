package pages

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// The moderators' forms on a community's pages, for moderators who use
// copse's pages (Mastodon apps have no way to moderate a community): on a
// thread page, lock or unlock the thread, pin or unpin it, remove a post
// or reply with a reason, and ban its author (with a reason, an end, and
// whether their posts go too); on the moderation log page, the bans in
// force, each with "Lift the ban". The engine decides who may (the
// community's moderators here, or of a community elsewhere its
// moderators collection lists them in, whose Group then applies it), as
// for the API; each action is in the community's moderation log.

// banDurations are the ends a ban may have on the form, by field value.
var banDurations = map[string]time.Duration{
	"day": 24 * time.Hour, "week": 7 * 24 * time.Hour, "month": 30 * 24 * time.Hour, "never": 0,
}

// ModerateThread takes POST /c/{handle}/threads/{id}/{act}: lock,
// unlock (with a reason), pin or unpin.
func (h *Handler) ModerateThread(w http.ResponseWriter, r *http.Request) {
	h.moderatorForm(w, r, func(me, g storage.Account, id storage.ID) (string, error) {
		back := threadPath(g.Acct(), id)
		var err error
		switch chi.URLParam(r, "act") {
		case "lock":
			err = h.engine.LockThread(r.Context(), me, g.ID, id, true, r.FormValue("reason"))
		case "unlock":
			err = h.engine.LockThread(r.Context(), me, g.ID, id, false, r.FormValue("reason"))
		case "pin":
			err = h.engine.PinThread(r.Context(), me, g.ID, id, true)
		case "unpin":
			err = h.engine.PinThread(r.Context(), me, g.ID, id, false)
		default:
			err = storage.ErrNotFound
		}
		return back, err
	})
}

// RemovePost takes POST /c/{handle}/posts/{id}/remove, with a reason, and
// goes back to the thread (to the community, when the thread itself went).
func (h *Handler) RemovePost(w http.ResponseWriter, r *http.Request) {
	h.moderatorForm(w, r, func(me, g storage.Account, id storage.ID) (string, error) {
		back := communityPath(g.Acct())
		if thread := r.FormValue("thread"); thread != "" && thread != id.String() {
			if _, err := storage.ParseID(thread); err == nil {
				back += "/threads/" + thread
			}
		}
		return back, h.engine.RemoveCommunityPost(r.Context(), me, g.ID, id, r.FormValue("reason"))
	})
}

// Ban takes POST /c/{handle}/bans/{id}: ban the account id, with a
// reason, an end (day, week, month, never) and, if remove_data is set,
// their posts in the community removed too.
func (h *Handler) Ban(w http.ResponseWriter, r *http.Request) {
	h.moderatorForm(w, r, func(me, g storage.Account, id storage.ID) (string, error) {
		d, ok := banDurations[r.FormValue("duration")]
		if !ok {
			return "", &federation.InvalidError{Msg: "choose how long the ban lasts"}
		}
		back := communityPath(g.Acct()) + "/moderation#bans"
		return back, h.engine.BanFromCommunity(r.Context(), me, g.ID, federation.Ban{AccountID: id,
			Reason: r.FormValue("reason"), ExpiresIn: d, RemoveData: r.FormValue("remove_data") == "yes"})
	})
}

// LiftBan takes POST /c/{handle}/bans/{id}/lift.
func (h *Handler) LiftBan(w http.ResponseWriter, r *http.Request) {
	h.moderatorForm(w, r, func(me, g storage.Account, id storage.ID) (string, error) {
		return communityPath(g.Acct()) + "/moderation#bans", h.engine.UnbanFromCommunity(r.Context(), me, g.ID, id)
	})
}

// moderatorForm runs one moderator's form: the member signed in, the
// form's CSRF token, the path's community and {id} (if it has one); act does it and says
// where to go back to. A refusal the engine explains (a reason too long,
// a thread pinned too often) is a page saying so; one it does not (not a
// moderator) its error page.
func (h *Handler) moderatorForm(w http.ResponseWriter, r *http.Request, act func(me, g storage.Account, id storage.ID) (string, error)) {
	me, ok := h.formPost(w, r, communityPath(chi.URLParam(r, "handle")), h.readText)
	if !ok {
		return
	}
	g, _, err := h.shownCommunity(r)
	var id storage.ID
	if raw := chi.URLParam(r, "id"); err == nil && raw != "" {
		id, err = storage.ParseID(raw)
	}
	back := ""
	if err == nil {
		back, err = act(me, g, id)
	}
	var inv *federation.InvalidError
	switch {
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "That could not be done",
			strings.ToUpper(inv.Msg[:1])+inv.Msg[1:]+".", "Go back and try again.")
		return
	case err != nil:
		h.Error(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// AddModerator takes POST /c/{handle}/moderators: make the person whose
// handle the form gives ("ann" here, "ann@council-b.example" elsewhere,
// found by WebFinger) a moderator of the community hosted here.
func (h *Handler) AddModerator(w http.ResponseWriter, r *http.Request) {
	h.moderatorForm(w, r, func(me, g storage.Account, _ storage.ID) (string, error) {
		back := communityPath(g.Acct()) + "/moderation#moderators"
		ref := strings.TrimSpace(r.FormValue("account"))
		if ref == "" {
			return "", &federation.InvalidError{Msg: "give the handle of the person to add, such as ann or ann@council-b.example"}
		}
		a, err := h.engine.ResolveAccount(r.Context(), ref)
		if errors.Is(err, storage.ErrNotFound) {
			return "", &federation.InvalidError{Msg: "nobody was found with the handle " + ref}
		}
		if err != nil {
			return "", err
		}
		return back, h.engine.SetCommunityModerator(r.Context(), me, g.ID, a.ID, true)
	})
}

// RemoveModerator takes POST /c/{handle}/moderators/{id}/remove.
func (h *Handler) RemoveModerator(w http.ResponseWriter, r *http.Request) {
	h.moderatorForm(w, r, func(me, g storage.Account, id storage.ID) (string, error) {
		return communityPath(g.Acct()) + "/moderation#moderators", h.engine.SetCommunityModerator(r.Context(), me, g.ID, id, false)
	})
}
