package copseapi

import (
	"errors"
	"net/http"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// A change to the repertoire of a community hosted on another node is a
// proposal sent to its Group (federation.ProposeArtefact and the like):
// the answer is 202 Accepted with pendingEntity, since the change is final
// only once the Group's node accepts it. The new version then arrives as
// the Group announces it, like any version; a refusal comes back to this
// node as a Reject and changes nothing.

// pendingEntity is the answer to a proposal: pending is always true, id
// the id of the Create or Update sent to the Group.
type pendingEntity struct {
	Pending bool   `json:"pending"`
	ID      string `json:"id"`
}

// answerPending answers a proposal: 202 with the activity's id, or the
// error (files are refused with 422).
func answerPending(w http.ResponseWriter, p federation.Pending, err error) error {
	if errors.Is(err, federation.ErrFilesElsewhere) {
		return httperr.New(http.StatusUnprocessableEntity, federation.ErrFilesElsewhere.Error())
	}
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusAccepted, pendingEntity{Pending: true, ID: p.ActivityID})
	return nil
}

// remoteCommunity reports whether the community id names is hosted on
// another node (its Group is remote); an id that names no account is for
// the engine to refuse.
func (h *Handler) remoteCommunity(r *http.Request, id storage.ID) bool {
	g, err := h.store.AccountByID(r.Context(), id)
	return err == nil && !g.Local()
}
