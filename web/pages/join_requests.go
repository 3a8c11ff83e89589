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

// Requests to join a community that approves its members, for its
// moderators who use copse's pages: who asks (with their organisation,
// department and role, which is what a moderator of a community of
// practice decides on), and a button to let each in or a form to refuse
// with a reason the person is told. The engine decides who may (the
// community's moderators here, and members here who moderate a
// community hosted elsewhere, whose Group applies their answer), as for
// the API; each answer is in the community's moderation log, and takes
// the request's notifications with it.

// maxJoinRequestsShown bounds the requests the page lists, oldest first.
const maxJoinRequestsShown = 80

// joinRequestsPage is the page's view.
type joinRequestsPage struct {
	pageView
	Community *communityView
	Requests  []joinRequestView
	Notice    string
}

// joinRequestView is one person asking to join.
type joinRequestView struct {
	personView
	ID           string
	Organisation string
	When, ISO    string
}

// JoinRequests serves /c/{handle}/join-requests to the community's
// moderators.
func (h *Handler) JoinRequests(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	me, ok := signedIn(w, r, path)
	if !ok {
		return
	}
	g, cv, _, err := h.pageCommunity(r, nil)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	reqs, err := h.engine.JoinRequests(r.Context(), me, g.ID, storage.Page{Limit: maxJoinRequestsShown})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v := joinRequestsPage{pageView: h.viewIn(cv, "Requests to join "+cv.Name), Community: cv}
	v.Member = h.memberOf(r)
	switch r.URL.Query().Get("answered") {
	case "accepted":
		v.Notice = "They are now a member."
	case "refused":
		v.Notice = "Their request was refused; they are told why."
	}
	if v.Notice != "" && !g.Local() {
		// The community's own server applies the answer and tells them.
		v.Notice = "Your answer was sent to " + g.Domain + ", which hosts the community; it lets them in or tells them why not."
	}
	for _, a := range reqs {
		asked := a.RowID.Time() // the request's id is when it was made
		v.Requests = append(v.Requests, joinRequestView{personView: h.personOf(a.Account), ID: a.Account.ID.String(),
			Organisation: a.Account.Organisation, When: asked.Format("2 January 2006, 15:04 MST"),
			ISO: asked.Format(time.RFC3339)})
	}
	if err := h.render(w, r, http.StatusOK, "join_requests", &v); err != nil {
		h.Error(w, r, err)
	}
}

// AnswerJoinRequest takes POST /c/{handle}/join-requests/{account}/accept
// and …/refuse (with a reason).
func (h *Handler) AnswerJoinRequest(w http.ResponseWriter, r *http.Request) {
	back := communityPath(chi.URLParam(r, "handle")) + "/join-requests"
	me, ok := h.formPost(w, r, back, h.readText)
	if !ok {
		return
	}
	g, _, err := h.shownCommunity(r)
	var who storage.ID
	if err == nil {
		who, err = storage.ParseID(chi.URLParam(r, "account"))
	}
	answer := chi.URLParam(r, "answer")
	if err == nil {
		switch answer {
		case "accept":
			err = h.engine.AcceptJoin(r.Context(), me, g.ID, who)
			answer = "accepted"
		case "refuse":
			err = h.engine.RejectJoin(r.Context(), me, g.ID, who, r.FormValue("reason"))
			answer = "refused"
		default:
			err = storage.ErrNotFound
		}
	}
	var inv *federation.InvalidError
	switch {
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "The refusal could not be sent", strings.ToUpper(inv.Msg[:1])+inv.Msg[1:]+". Go back and shorten the reason.")
		return
	case err != nil:
		h.Error(w, r, err)
		return
	}
	http.Redirect(w, r, back+"?answered="+answer, http.StatusSeeOther)
}
