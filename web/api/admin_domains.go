package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

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
	r.Get("/api/v1/instance/domain_blocks", h.handle(h.instanceDomainBlocks))
	r.Get("/api/v1/admin/domain_blocks", h.handle(h.adminDomainBlocks))
	r.Get("/api/v1/admin/domain_blocks/{id}", h.handle(h.adminDomainBlock))
	r.Post("/api/v1/admin/domain_blocks", h.handle(h.adminCreateDomainBlock))
	r.Put("/api/v1/admin/domain_blocks/{id}", h.handle(h.adminUpdateDomainBlock))
	r.Delete("/api/v1/admin/domain_blocks/{id}", h.handle(h.adminDeleteDomainBlock))
	r.Get("/api/v1/admin/domain_allows", h.handle(h.adminDomainAllows))
	r.Get("/api/v1/admin/domain_allows/{id}", h.handle(h.adminDomainAllow))
	r.Post("/api/v1/admin/domain_allows", h.handle(h.adminCreateDomainAllow))
	r.Delete("/api/v1/admin/domain_allows/{id}", h.handle(h.adminDeleteDomainAllow))
}

// GET /api/v1/admin/domain_blocks: newest first; max_id, since_id,
// min_id, limit (default 100, at most 200).
func (h *Handler) adminDomainBlocks(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "domain_blocks")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	_, blocks, _, err := h.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return err
	}
	blocks = pageByID(blocks, page(v, 100, 200), func(b storage.NodeDomainBlock) storage.ID { return b.ID })
	out := make([]AdminDomainBlock, 0, len(blocks))
	for _, b := range blocks {
		out = append(out, adminDomainBlock(b))
	}
	if len(blocks) > 0 {
		h.setLink(w, r, blocks[0].ID, blocks[len(blocks)-1].ID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/admin/domain_blocks/{id}
func (h *Handler) adminDomainBlock(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "domain_blocks")
	if err != nil {
		return err
	}
	_, blocks, _, err := h.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return err
	}
	id, _ := pathID(r, "id")
	for _, b := range blocks {
		if b.ID == id {
			h.json(w, adminDomainBlock(b))
			return nil
		}
	}
	return httperr.New(http.StatusNotFound, "Record not found")
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
	_, blocks, _, err := h.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return err
	}
	id, _ := pathID(r, "id")
	i := slices.IndexFunc(blocks, func(b storage.NodeDomainBlock) bool { return b.ID == id })
	if i < 0 {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	b := blocks[i]
	readBlockForm(&b, v)
	b, err = h.engine.ChangeDomainBlock(r.Context(), me.ID, b)
	if err != nil {
		return err
	}
	h.json(w, adminDomainBlock(b))
	return nil
}

// DELETE /api/v1/admin/domain_blocks/{id}: answers the block lifted.
func (h *Handler) adminDeleteDomainBlock(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "domain_blocks")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	b, err := h.engine.RemoveDomainBlock(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	h.json(w, adminDomainBlock(b))
	return nil
}

// GET /api/v1/admin/domain_allows: newest first, paged as blocks are.
func (h *Handler) adminDomainAllows(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "domain_allows")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	_, _, allows, err := h.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return err
	}
	allows = pageByID(allows, page(v, 100, 200), func(a storage.NodeDomainAllow) storage.ID { return a.ID })
	out := make([]AdminDomainAllow, 0, len(allows))
	for _, a := range allows {
		out = append(out, adminDomainAllow(a))
	}
	if len(allows) > 0 {
		h.setLink(w, r, allows[0].ID, allows[len(allows)-1].ID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/admin/domain_allows/{id}
func (h *Handler) adminDomainAllow(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "domain_allows")
	if err != nil {
		return err
	}
	_, _, allows, err := h.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return err
	}
	id, _ := pathID(r, "id")
	for _, a := range allows {
		if a.ID == id {
			h.json(w, adminDomainAllow(a))
			return nil
		}
	}
	return httperr.New(http.StatusNotFound, "Record not found")
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

// DELETE /api/v1/admin/domain_allows/{id}: answers {}.
func (h *Handler) adminDeleteDomainAllow(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "domain_allows")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	if _, err := h.engine.RemoveDomainAllow(r.Context(), me.ID, id); err != nil {
		return err
	}
	h.json(w, struct{}{})
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
	for _, b := range blocks {
		if b.Severity == storage.SeverityNoop {
			continue
		}
		d := b.Domain
		if b.Obfuscate {
			d = obfuscateDomain(d)
		}
		out = append(out, PublicDomainBlock{Domain: d, Digest: domainDigest(b.Domain),
			Severity: mastodonSeverity(b.Severity), Comment: b.PublicComment})
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
	return AdminDomainBlock{ID: b.ID.String(), Domain: b.Domain, Digest: domainDigest(b.Domain),
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

// domainDigest is Mastodon's digest of a domain: SHA-256, hex.
func domainDigest(d string) string {
	sum := sha256.Sum256([]byte(d))
	return hex.EncodeToString(sum[:])
}

// obfuscateDomain masks all but the first and last character of each
// label, so people who know the domain can recognise it and others
// cannot follow it.
func obfuscateDomain(d string) string {
	labels := strings.Split(d, ".")
	for i, l := range labels {
		if len(l) > 2 {
			labels[i] = l[:1] + strings.Repeat("*", len(l)-2) + l[len(l)-1:]
		}
	}
	return strings.Join(labels, ".")
}

// pageByID pages a list in memory (the policy lists are small and
// loaded whole), newest first as Mastodon lists them.
func pageByID[T any](items []T, p storage.Page, id func(T) storage.ID) []T {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b T) int {
		switch {
		case id(a) > id(b):
			return -1
		case id(a) < id(b):
			return 1
		}
		return 0
	})
	out := items[:0]
	for _, it := range items {
		x := id(it)
		if (p.MaxID != 0 && x >= p.MaxID) || (p.SinceID != 0 && x <= p.SinceID) || (p.MinID != 0 && x <= p.MinID) {
			continue
		}
		out = append(out, it)
	}
	if p.MinID != 0 && len(out) > p.Limit { // min_id pages forward: the oldest after it
		return out[len(out)-p.Limit:]
	}
	if len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return out
}
