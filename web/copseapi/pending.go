package copseapi

import (
	"net/http"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/httperr"
)

// A change to the repertoire of a community hosted on another node is a
// proposal sent to its Group (federation.SubmitArtefact and the like
// route it): the answer is 202 Accepted with pendingEntity, since the
// change is final only once the Group's node accepts it. The new version
// then arrives as the Group announces it, like any version; a refusal
// comes back to this node as a Reject and changes nothing but the
// member's proposal (proposals.go), which also records an Accept.

// pendingEntity is the answer to a proposal: pending is always true, id
// the id of the Create or Update sent to the Group, proposal_id the
// member's record of it (GET /api/copse/v1/proposals/{proposal_id}).
type pendingEntity struct {
	Pending    bool   `json:"pending"`
	ID         string `json:"id"`
	ProposalID string `json:"proposal_id"`
}

// answerPending answers a proposal: 202 with the activity's id.
func answerPending(w http.ResponseWriter, p federation.Pending) error {
	httperr.JSON(w, http.StatusAccepted, pendingEntity{Pending: true, ID: p.ActivityID, ProposalID: p.ProposalID.String()})
	return nil
}
