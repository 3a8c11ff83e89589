package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// AdminDomainBlock is Mastodon's Admin::DomainBlock. Severity is
// Mastodon's word: "silence" for copse's limit.
type AdminDomainBlock struct {
	ID             string `json:"id"`
	Domain         string `json:"domain"`
	Digest         string `json:"digest"`
	CreatedAt      string `json:"created_at"`
	Severity       string `json:"severity"`
	RejectMedia    bool   `json:"reject_media"`
	RejectReports  bool   `json:"reject_reports"`
	PrivateComment string `json:"private_comment"`
	PublicComment  string `json:"public_comment"`
	Obfuscate      bool   `json:"obfuscate"`
}

// AdminDomainAllow is Mastodon's Admin::DomainAllow.
type AdminDomainAllow struct {
	ID        string `json:"id"`
	Domain    string `json:"domain"`
	CreatedAt string `json:"created_at"`
}

// PublicDomainBlock is Mastodon's DomainBlock, as /api/v1/instance/domain_blocks
// shows it: public comment only, the domain masked when obfuscated.
type PublicDomainBlock struct {
	Domain   string `json:"domain"`
	Digest   string `json:"digest"`
	Severity string `json:"severity"`
	Comment  string `json:"comment"`
}

func (h *Handler) mountAdminDomains(r chi.Router) {
	blocks, allows := h.blockRoutes(), h.allowRoutes()
	r.Get("/api/v1/instance/domain_blocks", h.handle(h.instanceDomainBlocks))
	r.Get("/api/v1/admin/domain_blocks", h.handle(blocks.list(h)))
	r.Get("/api/v1/admin/domain_blocks/{id}", h.handle(blocks.get(h)))
	r.Post("/api/v1/admin/domain_blocks", h.handle(h.adminCreateDomainBlock))
	r.Put("/api/v1/admin/domain_blocks/{id}", h.handle(h.adminUpdateDomainBlock))
	r.Delete("/api/v1/admin/domain_blocks/{id}", h.handle(blocks.remove(h)))
	r.Get("/api/v1/admin/domain_allows", h.handle(allows.list(h)))
	r.Get("/api/v1/admin/domain_allows/{id}", h.handle(allows.get(h)))
	r.Post("/api/v1/admin/domain_allows", h.handle(h.adminCreateDomainAllow))
	r.Delete("/api/v1/admin/domain_allows/{id}", h.handle(allows.remove(h)))
}

// policyRoutes are what the block and allow routes share: a page, one by
// id, and a removal, each reading only what it answers (one page, one
// row), all behind the engine's one permission check. T is the stored
// row, E what Mastodon's API shows of it.
type policyRoutes[T, E any] struct {
	scope   string // the granular scope's last part: domain_blocks, domain_allows
	page    func(ctx context.Context, by storage.ID, p storage.Page) ([]T, error)
	one     func(ctx context.Context, by, id storage.ID) (T, error)
	del     func(ctx context.Context, by, id storage.ID) (T, error)
	id      func(T) storage.ID
	show    func(T) E
	removed func(T) any // what DELETE answers
}

func (h *Handler) blockRoutes() policyRoutes[storage.NodeDomainBlock, AdminDomainBlock] {
	return policyRoutes[storage.NodeDomainBlock, AdminDomainBlock]{scope: "domain_blocks",
		page: h.engine.DomainBlockPage, one: h.engine.DomainBlock, del: h.engine.RemoveDomainBlock,
		id: func(b storage.NodeDomainBlock) storage.ID { return b.ID }, show: adminDomainBlock,
		removed: func(b storage.NodeDomainBlock) any { return adminDomainBlock(b) }} // Mastodon answers the block
}

func (h *Handler) allowRoutes() policyRoutes[storage.NodeDomainAllow, AdminDomainAllow] {
	return policyRoutes[storage.NodeDomainAllow, AdminDomainAllow]{scope: "domain_allows",
		page: h.engine.DomainAllowPage, one: h.engine.DomainAllow, del: h.engine.RemoveDomainAllow,
		id: func(a storage.NodeDomainAllow) storage.ID { return a.ID }, show: adminDomainAllow,
		removed: func(storage.NodeDomainAllow) any { return struct{}{} }} // Mastodon answers {}
}

// list: GET …: newest first; max_id, since_id, min_id, limit (default
// 100, at most 200), with a Link header.
func (k policyRoutes[T, E]) list(h *Handler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:read", k.scope)
		if err != nil {
			return err
		}
		v, err := form(r)
		if err != nil {
			return err
		}
		items, err := k.page(r.Context(), me.ID, page(v, 100, 200))
		if err != nil {
			return err
		}
		out := make([]E, 0, len(items))
		for _, it := range items {
			out = append(out, k.show(it))
		}
		if len(items) > 0 {
			h.setLink(w, r, k.id(items[0]), k.id(items[len(items)-1]))
		}
		h.json(w, out)
		return nil
	}
}

// get: GET …/{id}. A malformed id is looked up as none, after the
// permission check, so those who may not manage policy get 403 whatever
// the id.
func (k policyRoutes[T, E]) get(h *Handler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:read", k.scope)
		if err != nil {
			return err
		}
		id, _ := pathID(r, "id")
		it, err := k.one(r.Context(), me.ID, id)
		if err != nil {
			return err
		}
		h.json(w, k.show(it))
		return nil
	}
}

// remove: DELETE …/{id}.
func (k policyRoutes[T, E]) remove(h *Handler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:write", k.scope)
		if err != nil {
			return err
		}
		id, _ := pathID(r, "id")
		it, err := k.del(r.Context(), me.ID, id)
		if err != nil {
			return err
		}
		h.json(w, k.removed(it))
		return nil
	}
}

// POST /api/v1/admin/domain_blocks: domain, severity (suspend by
// default; silence or limit, noop), reject_media, reject_reports,
// private_comment, public_comment, obfuscate.
func (h *Handler) adminCreateDomainBlock(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "domain_blocks")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	b := storage.NodeDomainBlock{Domain: v.Get("domain")}
	readBlockForm(&b, v)
	b, err = h.engine.AddDomainBlock(r.Context(), me.ID, b)
	if errors.Is(err, storage.ErrDuplicate) {
		return httperr.New(http.StatusUnprocessableEntity, "Validation failed: Domain has already been blocked")
	}
	if err != nil {
		return err
	}
	h.json(w, adminDomainBlock(b))
	return nil
}

// PUT /api/v1/admin/domain_blocks/{id}: the fields of POST but domain;
// those left out keep their values.
func (h *Handler) adminUpdateDomainBlock(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "domain_blocks")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	id, _ := pathID(r, "id")
	b, err := h.engine.DomainBlock(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	readBlockForm(&b, v)
	b, err = h.engine.ChangeDomainBlock(r.Context(), me.ID, b)
	if err != nil {
		return err
	}
	h.json(w, adminDomainBlock(b))
	return nil
}

// POST /api/v1/admin/domain_allows: domain. Allowing a domain already
// allowed answers the allow there is, as Mastodon does.
func (h *Handler) adminCreateDomainAllow(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "domain_allows")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	a, err := h.engine.AddDomainAllow(r.Context(), me.ID, v.Get("domain"))
	if errors.Is(err, storage.ErrDuplicate) {
		a, err = h.engine.DomainAllowNamed(r.Context(), v.Get("domain"))
	}
	if err != nil {
		return err
	}
	h.json(w, adminDomainAllow(a))
	return nil
}

// GET /api/v1/instance/domain_blocks: the node's blocks for everyone to
// see, with public comments only and obfuscated domains masked. Blocks
// of severity noop are not listed (they only reject media or reports).
func (h *Handler) instanceDomainBlocks(w http.ResponseWriter, r *http.Request) error {
	blocks, err := h.store.NodeDomainBlocks(r.Context())
	if err != nil {
		return err
	}
	out := []PublicDomainBlock{}
	for _, b := range federation.PublishBlocks(blocks) {
		if b.Severity == storage.SeverityNoop {
			continue
		}
		out = append(out, PublicDomainBlock{Domain: b.Domain, Digest: b.Digest, Severity: mastodonSeverity(b.Severity), Comment: b.Comment})
	}
	h.json(w, out)
	return nil
}

// readBlockForm sets the fields of b that v names.
func readBlockForm(b *storage.NodeDomainBlock, v url.Values) {
	if s := v.Get("severity"); s != "" {
		b.Severity = s
	}
	for _, f := range []struct {
		key string
		to  *bool
	}{{"reject_media", &b.RejectMedia}, {"reject_reports", &b.RejectReports}, {"obfuscate", &b.Obfuscate}} {
		switch strings.ToLower(v.Get(f.key)) {
		case "":
		case "true", "1", "on", "yes", "t":
			*f.to = true
		default:
			*f.to = false
		}
	}
	if v.Has("private_comment") {
		b.PrivateComment = v.Get("private_comment")
	}
	if v.Has("public_comment") {
		b.PublicComment = v.Get("public_comment")
	}
}

func adminDomainBlock(b storage.NodeDomainBlock) AdminDomainBlock {
	return AdminDomainBlock{ID: b.ID.String(), Domain: b.Domain, Digest: federation.DomainDigest(b.Domain),
		CreatedAt: isoTime(b.CreatedAt), Severity: mastodonSeverity(b.Severity), RejectMedia: b.RejectMedia,
		RejectReports: b.RejectReports, PrivateComment: b.PrivateComment, PublicComment: b.PublicComment,
		Obfuscate: b.Obfuscate}
}

func adminDomainAllow(a storage.NodeDomainAllow) AdminDomainAllow {
	return AdminDomainAllow{ID: a.ID.String(), Domain: a.Domain, CreatedAt: isoTime(a.CreatedAt)}
}

// mastodonSeverity is Mastodon's name of a severity: it calls limit
// "silence".
func mastodonSeverity(s string) string {
	if s == storage.SeverityLimit {
		return "silence"
	}
	return s
}
