package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// EmailDomainBlock is Mastodon's Admin::EmailDomainBlock. copse keeps no
// sign-up attempts per day, so history is empty.
type EmailDomainBlock struct {
	ID        string `json:"id"`
	Domain    string `json:"domain"`
	CreatedAt string `json:"created_at"`
	History   []any  `json:"history"`
}

func emailDomainBlock(b storage.EmailDomainBlock) EmailDomainBlock {
	return EmailDomainBlock{ID: b.ID.String(), Domain: b.Domain, CreatedAt: isoTime(b.CreatedAt), History: []any{}}
}

// Admins' email domain blocks (federation.Engine.BlockEmailDomain):
// sign-ups from those domains are refused. The engine decides who may.
func (h *Handler) mountAdminEmailDomains(r chi.Router) {
	r.Get("/api/v1/admin/email_domain_blocks", h.handle(h.adminEmailDomainBlocks))
	r.Get("/api/v1/admin/email_domain_blocks/{id}", h.handle(h.adminEmailDomainBlock))
	r.Post("/api/v1/admin/email_domain_blocks", h.handle(h.adminCreateEmailDomainBlock))
	r.Delete("/api/v1/admin/email_domain_blocks/{id}", h.handle(h.adminDeleteEmailDomainBlock))
}

// GET /api/v1/admin/email_domain_blocks: newest first; max_id, since_id,
// min_id, limit (default 100, at most 200).
func (h *Handler) adminEmailDomainBlocks(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "email_domain_blocks")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	blocks, err := h.engine.EmailDomainBlocks(r.Context(), me.ID, page(v, 100, 200))
	if err != nil {
		return err
	}
	out := make([]EmailDomainBlock, 0, len(blocks))
	for _, b := range blocks {
		out = append(out, emailDomainBlock(b))
	}
	if len(blocks) > 0 {
		h.setLink(w, r, blocks[0].ID, blocks[len(blocks)-1].ID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/admin/email_domain_blocks/{id}
func (h *Handler) adminEmailDomainBlock(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "email_domain_blocks")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	b, err := h.engine.EmailDomainBlock(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	h.json(w, emailDomainBlock(b))
	return nil
}

// POST /api/v1/admin/email_domain_blocks: domain.
func (h *Handler) adminCreateEmailDomainBlock(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "email_domain_blocks")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	b, err := h.engine.BlockEmailDomain(r.Context(), me.ID, v.Get("domain"))
	if err != nil {
		return err
	}
	h.json(w, emailDomainBlock(b))
	return nil
}

// DELETE /api/v1/admin/email_domain_blocks/{id}
func (h *Handler) adminDeleteEmailDomainBlock(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "email_domain_blocks")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	if _, err := h.engine.UnblockEmailDomain(r.Context(), me.ID, id); err != nil {
		return err
	}
	h.json(w, struct{}{})
	return nil
}
