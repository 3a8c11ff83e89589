package copseapi

import (
	"net/http"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// editCommunityRequest is a change to a community: absent fields stay.
type editCommunityRequest struct {
	Name          *string `json:"name"`
	Description   *string `json:"description"`
	Rules         *string `json:"rules"`
	Language      *string `json:"language"`
	JoinPolicy    *string `json:"join_policy"`
	PostingPolicy *string `json:"posting_policy"`
	Visibility    *string `json:"visibility"`
}

// editCommunity: PATCH /api/copse/v1/communities/{id}, a JSON object, by
// one of its moderators; the Group's followers are sent Update{Group}.
func (h *Handler) editCommunity(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "write")
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req editCommunityRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := h.engine.EditCommunity(r.Context(), me, id, federation.CommunityEdit{
		Name: req.Name, Description: req.Description, Rules: req.Rules, Language: req.Language,
		JoinPolicy: req.JoinPolicy, PostingPolicy: req.PostingPolicy, Visibility: req.Visibility,
	})
	if err != nil {
		return err
	}
	g, err := h.store.AccountByID(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	ent, err := h.entity(r, g, c)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}
