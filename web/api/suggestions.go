package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Follow suggestions (federation.Engine.Suggestions): colleagues first,
// as Mastodon's API gives them.

// Suggestion is Mastodon's Suggestion entity (v2). Its sources say why:
// "featured" for a colleague of the caller's organisation, "similar_to_
// recently_followed" for someone met in the caller's communities,
// "most_followed" otherwise; source is the older single word.
type Suggestion struct {
	Source  string   `json:"source"`
	Sources []string `json:"sources"`
	Account Account  `json:"account"`
}

func (h *Handler) mountSuggestions(r chi.Router) {
	r.Get("/api/v1/suggestions", h.handle(h.suggestionsV1))
	r.Get("/api/v2/suggestions", h.handle(h.suggestionsV2))
	r.Delete("/api/v1/suggestions/{account_id}", h.handle(h.dismissSuggestion))
}

// suggestions reads the caller's suggestions, ?limit= of them.
func (h *Handler) suggestions(r *http.Request) (storage.Account, []storage.Suggestion, error) {
	me, err := Caller(r, "read")
	if err != nil {
		return storage.Account{}, nil, err
	}
	limit := 40
	if s := r.URL.Query().Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 {
			return storage.Account{}, nil, httperr.New(http.StatusBadRequest, "limit must be a positive number")
		}
	}
	list, err := h.engine.Suggestions(r.Context(), me, limit)
	return me, list, err
}

// GET /api/v1/suggestions: the accounts.
func (h *Handler) suggestionsV1(w http.ResponseWriter, r *http.Request) error {
	me, list, err := h.suggestions(r)
	if err != nil {
		return err
	}
	out := make([]Account, 0, len(list))
	err = h.presentSuggestions(r.Context(), me, list, func(_ storage.Suggestion, a Account) { out = append(out, a) })
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// GET /api/v2/suggestions: the accounts with why each.
func (h *Handler) suggestionsV2(w http.ResponseWriter, r *http.Request) error {
	me, list, err := h.suggestions(r)
	if err != nil {
		return err
	}
	out := make([]Suggestion, 0, len(list))
	err = h.presentSuggestions(r.Context(), me, list, func(s storage.Suggestion, a Account) {
		e := Suggestion{Source: "global", Sources: []string{"most_followed"}, Account: a}
		switch {
		case s.SameOrganisation:
			e.Source, e.Sources = "staff", []string{"featured"}
		case s.SharedGroups > 0:
			e.Source, e.Sources = "past_interactions", []string{"similar_to_recently_followed"}
		}
		out = append(out, e)
	})
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// presentSuggestions renders each suggestion's account for me and hands
// it to add.
func (h *Handler) presentSuggestions(ctx context.Context, me storage.Account, list []storage.Suggestion, add func(storage.Suggestion, Account)) error {
	p := h.presenter(me)
	for _, s := range list {
		a, err := p.account(ctx, s.Account)
		if err != nil {
			return err
		}
		add(s, a)
	}
	return nil
}

// DELETE /api/v1/suggestions/:account_id
func (h *Handler) dismissSuggestion(w http.ResponseWriter, r *http.Request) error {
	return h.byIDFor(w, r, "read", "account_id", h.engine.DismissSuggestion)
}
