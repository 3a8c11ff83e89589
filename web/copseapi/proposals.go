package copseapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// A member's proposals to communities on other nodes (pending.go answers
// one with 202 and its proposal_id): where each stands, so an app can
// say "accepted" or "refused, because …" instead of leaving the member to
// guess from a copy that did not change.

// proposalEntity is one proposal as the API shows it.
type proposalEntity struct {
	ID         string  `json:"id"`
	ActivityID string  `json:"activity_id"` // the Create or Update sent
	Community  string  `json:"community"`   // the community's id here
	Acct       string  `json:"community_acct"`
	Kind       string  `json:"kind"`   // artefact, term or event
	Action     string  `json:"action"` // create, update, restore or cancel
	Title      string  `json:"title"`
	State      string  `json:"state"`            // pending, accepted or refused
	Reason     string  `json:"reason,omitempty"` // why it was refused
	ObjectID   *string `json:"object_id"`        // the item's id here, once known
	ObjectURI  string  `json:"object_uri,omitempty"`
	CreatedAt  string  `json:"created_at"`
	DecidedAt  *string `json:"decided_at"`
}

// proposalStates are the states ?state= may name.
var proposalStates = []string{storage.ProposalPending, storage.ProposalAccepted, storage.ProposalRefused}

// proposals: GET /api/copse/v1/proposals, the caller's proposals newest
// first (?state=pending|accepted|refused, max_id, limit; Link to the
// next page).
func (h *Handler) proposals(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "read")
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	if state != "" && !slices.Contains(proposalStates, state) {
		return httperr.New(http.StatusUnprocessableEntity, "state must be pending, accepted or refused")
	}
	ctx := r.Context()
	list, err := h.store.Proposals(ctx, me.ID, state, listPage(r))
	if err != nil {
		return err
	}
	out := make([]proposalEntity, 0, len(list))
	var oldest storage.ID
	for _, p := range list {
		e, err := h.proposalEntity(ctx, p)
		if err != nil {
			return err
		}
		out = append(out, e)
		oldest = p.ID
	}
	h.setNextLink(w, r, oldest)
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// proposal: GET /api/copse/v1/proposals/{id}, one of the caller's
// proposals (anyone else's is not found).
func (h *Handler) proposal(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "read")
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p, err := h.store.ProposalByID(ctx, id)
	if err != nil {
		return err
	}
	if p.AccountID != me.ID {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	e, err := h.proposalEntity(ctx, p)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, e)
	return nil
}

// proposalEntity presents p, with its community and, when this node holds
// the item it made or changed, that item's id here.
func (h *Handler) proposalEntity(ctx context.Context, p storage.Proposal) (proposalEntity, error) {
	e := proposalEntity{ID: p.ID.String(), ActivityID: p.ActivityURI, Community: p.CommunityID.String(), Kind: p.Kind,
		Action: p.Action, Title: p.Title, State: p.State, Reason: p.Reason, ObjectURI: p.ObjectURI,
		CreatedAt: p.CreatedAt.UTC().Format(time.RFC3339)}
	if !p.DecidedAt.IsZero() {
		e.DecidedAt = new(p.DecidedAt.UTC().Format(time.RFC3339))
	}
	g, err := h.store.AccountByID(ctx, p.CommunityID)
	if err != nil {
		return proposalEntity{}, err
	}
	e.Acct = h.acct(g)
	if p.ObjectURI == "" {
		return e, nil
	}
	var id storage.ID
	switch p.Kind {
	case storage.ProposalArtefact:
		var a storage.Artefact
		a, err = h.store.ArtefactByURI(ctx, p.ObjectURI)
		id = a.ID
	case storage.ProposalTerm:
		var t storage.Term
		t, err = h.store.TermByURI(ctx, p.ObjectURI)
		id = t.ID
	case storage.ProposalEvent:
		var ev storage.CommunityEvent
		ev, err = h.store.CommunityEventByURI(ctx, p.ObjectURI)
		id = ev.ID
	}
	switch {
	case errors.Is(err, storage.ErrNotFound): // not arrived yet, or deleted since
	case err != nil:
		return proposalEntity{}, err
	case id != 0:
		e.ObjectID = new(id.String())
	}
	return e, nil
}
