package pages

import (
	"net/http"
	"strings"

	"github.com/copse-dev/copse/federation"
)

// Joining and leaving a community from its page, for members who use
// copse's pages rather than an app: the member signed in follows the
// community's Group, as following it from an app does (a request where
// its moderators approve members, or until a community on another
// server accepts it), and unfollows it to leave or to withdraw a request.
// The engine decides, as for the API; a ban or a block is its refusal.

// JoinCommunity takes POST /c/{handle}/join.
func (h *Handler) JoinCommunity(w http.ResponseWriter, r *http.Request) { h.membershipForm(w, r, true) }

// LeaveCommunity takes POST /c/{handle}/leave.
func (h *Handler) LeaveCommunity(w http.ResponseWriter, r *http.Request) {
	h.membershipForm(w, r, false)
}

func (h *Handler) membershipForm(w http.ResponseWriter, r *http.Request, join bool) {
	back := strings.TrimSuffix(strings.TrimSuffix(r.URL.Path, "/join"), "/leave")
	me, ok := h.formPost(w, r, back, h.readText)
	if !ok {
		return
	}
	g, _, err := h.shownCommunity(r)
	if err == nil {
		if join {
			// Its threads reach the member's home as the Group's boosts.
			err = h.engine.Follow(r.Context(), me.ID, g.ID, federation.FollowOptions{ShowReblogs: true})
		} else {
			err = h.engine.Unfollow(r.Context(), me.ID, g.ID)
		}
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	http.Redirect(w, r, back+"#standing", http.StatusSeeOther)
}
