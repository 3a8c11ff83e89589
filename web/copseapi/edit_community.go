package copseapi

import (
	"net/http"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
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
	return h.answerEdit(w, r, me, id, federation.CommunityEdit{
		Name: req.Name, Description: req.Description, Rules: req.Rules, Language: req.Language,
		JoinPolicy: req.JoinPolicy, PostingPolicy: req.PostingPolicy, Visibility: req.Visibility,
	})
}

// communityImage: PUT /api/copse/v1/communities/{id}/icon or /header,
// the image in the multipart part "file", and DELETE of either (set
// false), by one of its moderators, as EditCommunity applies them.
func (h *Handler) communityImage(which string, set bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := api.Caller(r, "write")
		if err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var ed federation.CommunityEdit
		if !set {
			ed.RemoveIcon, ed.RemoveHeader = which == "icon", which == "header"
			return h.answerEdit(w, r, me, id, ed)
		}
		done, err := h.readUpload(r, me, "image", federation.MaxMediaSize)
		if err != nil {
			return err
		}
		defer done()
		file, _, err := r.FormFile("file")
		if err != nil {
			return httperr.New(http.StatusUnprocessableEntity, "the image must be in the part named \"file\"")
		}
		defer file.Close()
		if which == "icon" {
			ed.Icon = file
		} else {
			ed.Header = file
		}
		return h.answerEdit(w, r, me, id, ed)
	}
}

// answerEdit applies ed to the community id for me and answers with the
// community as it then is: 200; or, for a community hosted on another
// node, whose Group applies the edit when it arrives, 202 with the
// community as it is until then.
func (h *Handler) answerEdit(w http.ResponseWriter, r *http.Request, me storage.Account, id storage.ID, ed federation.CommunityEdit) error {
	c, err := h.engine.EditCommunity(r.Context(), me, id, ed)
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
	code := http.StatusOK
	if !g.Local() {
		code = http.StatusAccepted
	}
	httperr.JSON(w, code, ent)
	return nil
}
