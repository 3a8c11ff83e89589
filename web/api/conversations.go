package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Conversation is Mastodon's Conversation entity: a thread of direct
// statuses as one participant sees it.
type Conversation struct {
	ID         string    `json:"id"`
	Unread     bool      `json:"unread"`
	Accounts   []Account `json:"accounts"`
	LastStatus *Status   `json:"last_status"`
}

func (h *Handler) mountConversations(r chi.Router) {
	r.Get("/api/v1/conversations", h.handle(h.conversations))
	r.Delete("/api/v1/conversations/{id}", h.handle(h.deleteConversation))
	r.Post("/api/v1/conversations/{id}/read", h.handle(h.readConversation))
}

// conversation renders a conversation: the other participants (the
// viewer alone when they wrote only to themselves) and its last status.
func (p *presenter) conversation(ctx context.Context, c storage.Conversation) (Conversation, error) {
	e := Conversation{ID: c.ID.String(), Unread: c.Unread, Accounts: []Account{}}
	for _, id := range c.Participants {
		a, err := p.accountByID(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return Conversation{}, err
		}
		e.Accounts = append(e.Accounts, a)
	}
	if len(e.Accounts) == 0 {
		a, err := p.account(ctx, p.viewer)
		if err != nil {
			return Conversation{}, err
		}
		e.Accounts = append(e.Accounts, a)
	}
	if c.LastStatusID != 0 {
		st, err := p.store.StatusByID(ctx, c.LastStatusID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return Conversation{}, err
		}
		// A last status the viewer may no longer see (its author
		// suspended, or blocking them since) is left out.
		visible := false
		if err == nil {
			if visible, err = p.engine.CanSee(ctx, p.viewer, st); err != nil {
				return Conversation{}, err
			}
		}
		if visible {
			s, err := p.status(ctx, st)
			if err != nil {
				return Conversation{}, err
			}
			e.LastStatus = &s
		}
	}
	return e, nil
}

// GET /api/v1/conversations: the member's direct conversations, the
// latest active first, paged by their last status.
func (h *Handler) conversations(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	cs, err := h.store.ConversationPage(r.Context(), me.ID, page(v, timelineDefault, timelineMax))
	if err != nil {
		return err
	}
	p := h.presenter(me)
	out := make([]Conversation, 0, len(cs))
	for _, c := range cs {
		e, err := p.conversation(r.Context(), c)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(cs) > 0 {
		h.setLink(w, r, cs[0].LastStatusID, cs[len(cs)-1].LastStatusID)
	}
	h.json(w, out)
	return nil
}

// DELETE /api/v1/conversations/:id
func (h *Handler) deleteConversation(w http.ResponseWriter, r *http.Request) error {
	return h.byID(w, r, "write:conversations", h.engine.DeleteConversation)
}

// POST /api/v1/conversations/:id/read
func (h *Handler) readConversation(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:conversations")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = h.engine.MarkConversationRead(r.Context(), me.ID, id)
	}
	var c storage.Conversation
	if err == nil {
		c, err = h.store.ConversationByID(r.Context(), me.ID, id)
	}
	var e Conversation
	if err == nil {
		e, err = h.presenter(me).conversation(r.Context(), c)
	}
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// conversationMessage is what the direct stream sends for a new direct
// status, as Mastodon does: a "conversation" event with the viewer's
// conversation, not the status.
func (h *Handler) conversationMessage(ctx context.Context, viewer storage.Account, s subscription, ev federation.Event) (streamMessage, bool) {
	c, err := h.store.ConversationOfStatus(ctx, viewer.ID, ev.StatusID)
	if err != nil {
		return streamMessage{}, false
	}
	e, err := h.presenter(viewer).conversation(ctx, c)
	if err != nil {
		return streamMessage{}, false
	}
	b, err := json.Marshal(e)
	if err != nil {
		return streamMessage{}, false
	}
	return streamMessage{Stream: s.names(), Event: "conversation", Payload: string(b)}, true
}
