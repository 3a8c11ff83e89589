package dashboard

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Domain policy (admins): the federation mode, domain blocks and allows,
// and blocks imported from and exported to Mastodon's CSV
// (federation/policy_csv.go). Every change goes through the engine, which
// puts it in force at once.

func (d *Dashboard) mountDomains(r chi.Router) {
	f := federation.ActManageFederation
	r.Get("/admin/domains", d.page(f, d.domainsPage))
	r.Post("/admin/domains/mode", d.page(f, d.setMode))
	r.Post("/admin/domains/blocks", d.page(f, d.addBlock))
	r.Get("/admin/domains/blocks/{id}", d.page(f, d.blockPage))
	r.Post("/admin/domains/blocks/{id}", d.page(f, d.changeBlock))
	r.Post("/admin/domains/blocks/{id}/remove", d.page(f, byID(dropResult(d.engine.RemoveDomainBlock), "/admin/domains", "unblocked")))
	r.Post("/admin/domains/allows", d.page(f, d.addAllow))
	r.Post("/admin/domains/allows/{id}/remove", d.page(f, byID(dropResult(d.engine.RemoveDomainAllow), "/admin/domains", "disallowed")))
	r.Post("/admin/domains/import", d.page(f, d.importBlocks))
	r.Get("/admin/domains/export.csv", d.page(f, d.exportBlocks))
	d.mountSubscriptions(r) // shared lists (subscriptions.go)
}

var severities = []option{
	{storage.SeveritySuspend, "Suspend: no traffic either way; the domain's data is purged"},
	{storage.SeverityLimit, "Limit: hidden from public timelines and from people who do not follow its accounts"},
	{storage.SeverityNoop, "None: only the options below apply"},
}

var federationModes = []option{
	{storage.FederationOpen, "Open: federate with every server that is not suspended"},
	{storage.FederationAllowlist, "Allow list: federate only with the allowed domains"},
}

var domainNotices = map[string]string{
	"mode":           "The federation mode has been changed.",
	"blocked":        "The domain has been blocked.",
	"changed":        "The block has been changed.",
	"unblocked":      "The block has been lifted.",
	"allowed":        "The domain has been allowed.",
	"disallowed":     "The domain is no longer on the allow list.",
	"imported":       "The block list has been imported.",
	"subscribed":     "The node is subscribed to the list, which has been read.",
	"subscribed-bad": "The node is subscribed to the list, but it could not be read: see its last error. It will be tried again.",
	"refreshed":      "The list has been read again.",
	"refresh-bad":    "The list could not be read: see its last error. Nothing has changed.",
	"unsubscribed":   "The node is no longer subscribed to the list. The blocks and allows it brought stay.",
	"approved":       "The draft is now a block, in force at once.",
	"approved-allow": "The domain is now allowed, at once.",
	"rejected":       "The draft has been rejected: the list will not offer it again.",
}

type blockRow struct {
	URL, Domain, Severity, Flags, PublicComment, PrivateComment string
}

type allowRow struct{ ID, Domain, Created string }

type domainsView struct {
	frame
	Mode       string
	Modes      []option
	Severities []option
	Blocks     []blockRow
	Allows     []allowRow
	Imported   string

	Subscriptions []subscriptionRow
	Drafts        []draftRow
	MoreDrafts    bool // only the first maxDraftsShown are listed
}

// flagsOf words a block's options for a list.
func flagsOf(rejectMedia, rejectReports, obfuscate bool) string {
	var words []string
	for _, f := range []struct {
		on   bool
		name string
	}{{rejectMedia, "reject media"}, {rejectReports, "reject reports"}, {obfuscate, "obfuscated"}} {
		if f.on {
			words = append(words, f.name)
		}
	}
	return strings.Join(words, ", ")
}

// domainsPage shows the policy with its forms: GET /admin/domains.
func (d *Dashboard) domainsPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	mode, blocks, allows, err := d.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return err
	}
	v := &domainsView{frame: frame{Title: "Domain policy", Notice: noticeOf(r, domainNotices)}, Mode: mode,
		Modes: federationModes, Severities: severities}
	if r.URL.Query().Get("done") == "imported" {
		added, err1 := strconv.Atoi(r.URL.Query().Get("added"))
		updated, err2 := strconv.Atoi(r.URL.Query().Get("updated"))
		if err1 == nil && err2 == nil {
			v.Imported = strconv.Itoa(added) + " added, " + strconv.Itoa(updated) + " changed."
		}
	}
	for _, b := range blocks {
		v.Blocks = append(v.Blocks, blockRow{URL: "/admin/domains/blocks/" + b.ID.String(), Domain: b.Domain,
			Severity: b.Severity, PublicComment: b.PublicComment, PrivateComment: b.PrivateComment,
			Flags: flagsOf(b.RejectMedia, b.RejectReports, b.Obfuscate)})
	}
	for _, a := range allows {
		v.Allows = append(v.Allows, allowRow{ID: a.ID.String(), Domain: a.Domain, Created: when(a.CreatedAt)})
	}
	if v.Subscriptions, v.Drafts, v.MoreDrafts, err = d.subscriptionRows(r, me); err != nil {
		return err
	}
	return d.render(w, r, http.StatusOK, "domains", v)
}

// setMode sets the federation mode: POST /admin/domains/mode with mode.
func (d *Dashboard) setMode(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	if err := d.engine.SetFederationMode(r.Context(), me.ID, r.PostFormValue("mode")); err != nil {
		return err
	}
	return done(w, r, "/admin/domains", "mode")
}

// blockOf reads a block's form.
func blockOf(r *http.Request) storage.NodeDomainBlock {
	return storage.NodeDomainBlock{Domain: r.PostFormValue("domain"), Severity: r.PostFormValue("severity"),
		RejectMedia: r.PostFormValue("reject_media") == "1", RejectReports: r.PostFormValue("reject_reports") == "1",
		Obfuscate: r.PostFormValue("obfuscate") == "1", PublicComment: r.PostFormValue("public_comment"),
		PrivateComment: r.PostFormValue("private_comment")}
}

// addBlock blocks a domain: POST /admin/domains/blocks.
func (d *Dashboard) addBlock(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	_, err := d.engine.AddDomainBlock(r.Context(), me.ID, blockOf(r))
	if errors.Is(err, storage.ErrDuplicate) {
		return httperr.New(http.StatusUnprocessableEntity, "That domain is blocked already: change its block instead")
	}
	if err != nil {
		return err
	}
	return done(w, r, "/admin/domains", "blocked")
}

type blockView struct {
	frame
	Base       string
	Block      storage.NodeDomainBlock
	Severities []option
}

// blockPage is the form to change or lift a block: GET /admin/domains/blocks/{id}.
func (d *Dashboard) blockPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	b, err := d.block(r, me)
	if err != nil {
		return err
	}
	v := &blockView{frame: frame{Title: "Block of " + b.Domain}, Base: "/admin/domains/blocks/" + b.ID.String(),
		Block: b, Severities: severities}
	return d.render(w, r, http.StatusOK, "block", v)
}

// block is the block {id} of the path, read through the engine (for
// those who may manage federation only).
func (d *Dashboard) block(r *http.Request, me storage.Account) (storage.NodeDomainBlock, error) {
	id, err := pathID(r)
	if err != nil {
		return storage.NodeDomainBlock{}, err
	}
	_, blocks, _, err := d.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return storage.NodeDomainBlock{}, err
	}
	for _, b := range blocks {
		if b.ID == id {
			return b, nil
		}
	}
	return storage.NodeDomainBlock{}, storage.ErrNotFound
}

// changeBlock changes a block's severity, options and comments: POST
// /admin/domains/blocks/{id}.
func (d *Dashboard) changeBlock(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b := blockOf(r)
	b.ID = id
	if _, err := d.engine.ChangeDomainBlock(r.Context(), me.ID, b); err != nil {
		return err
	}
	return done(w, r, "/admin/domains", "changed")
}

// addAllow allows a domain: POST /admin/domains/allows with domain.
func (d *Dashboard) addAllow(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	_, err := d.engine.AddDomainAllow(r.Context(), me.ID, r.PostFormValue("domain"))
	if errors.Is(err, storage.ErrDuplicate) {
		return httperr.New(http.StatusUnprocessableEntity, "That domain is allowed already")
	}
	if err != nil {
		return err
	}
	return done(w, r, "/admin/domains", "allowed")
}

// importBlocks adds blocks from an uploaded CSV file in Mastodon's
// format: POST /admin/domains/import (multipart, the file in "file").
// One bad line imports nothing, and the page names it.
func (d *Dashboard) importBlocks(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	f, _, err := r.FormFile("file")
	if err != nil {
		return httperr.New(http.StatusUnprocessableEntity, "Choose a CSV file to import")
	}
	defer f.Close()
	blocks, err := federation.ParseDomainBlocksCSV(f)
	if err != nil {
		return err
	}
	if len(blocks) == 0 {
		return httperr.New(http.StatusUnprocessableEntity, "The file lists no domains")
	}
	added, updated, err := d.engine.ImportDomainBlocks(r.Context(), me.ID, blocks)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/domains?done=imported&added="+strconv.Itoa(added)+"&updated="+strconv.Itoa(updated),
		http.StatusSeeOther)
	return nil
}

// exportBlocks downloads the blocks as Mastodon's CSV: GET
// /admin/domains/export.csv (private comments are left out).
func (d *Dashboard) exportBlocks(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	_, blocks, _, err := d.engine.DomainPolicy(r.Context(), me.ID)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="domain_blocks.csv"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if err := federation.WriteDomainBlocksCSV(w, blocks); err != nil {
		d.log.ErrorContext(r.Context(), "export domain blocks", "err", err) // the answer has begun
	}
	return nil
}

// The block form's fields (template "block-fields") read these: empty
// for a new block, Suspend chosen.

// SeverityChecked reports whether the severity at index i is chosen.
func (v *domainsView) SeverityChecked(_ string, i int) bool { return i == 0 }

// Flag reports whether an option is ticked.
func (v *domainsView) Flag(string) bool { return false }

// Comment is a comment's text.
func (v *domainsView) Comment(string) string { return "" }

// SeverityChecked reports whether severity is the block's.
func (v *blockView) SeverityChecked(severity string, _ int) bool { return v.Block.Severity == severity }

// Flag reports whether the block has option name.
func (v *blockView) Flag(name string) bool {
	switch name {
	case "reject_media":
		return v.Block.RejectMedia
	case "reject_reports":
		return v.Block.RejectReports
	case "obfuscate":
		return v.Block.Obfuscate
	}
	return false
}

// Comment is the block's public or private comment.
func (v *blockView) Comment(kind string) string {
	if kind == "private" {
		return v.Block.PrivateComment
	}
	return v.Block.PublicComment
}
