package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/copse-dev/copse/storage"
)

// Subscriptions to shared domain lists: a group of authorities keeps one
// list at a URL, and each node reads it on a schedule. A list is of
// domains to block (storage.ListBlocks) or of domains to federate with in
// allow-list mode (storage.ListAllows). A trusted list's entries become
// blocks (or allows) at once, and its blocks (allows) go when it drops
// them; another list's entries wait as drafts until an admin approves or
// rejects each. A block or allow made by hand, imported, or from another
// list is never changed or removed by a list.

// DefaultPolicyListRefresh is how often a subscribed list is read again.
const DefaultPolicyListRefresh = 6 * time.Hour

// Bounds of one list fetch: the largest shared lists are a few thousand
// lines, far under the size; the time covers a slow server.
const (
	maxPolicyListBytes   = 16 << 20
	policyListTimeout    = 30 * time.Second
	maxPolicyListURLSize = 2000
)

// Audit actions on shared lists and their entries.
const (
	AuditSubscribe     = "subscribe_list"
	AuditUnsubscribe   = "unsubscribe_list"
	AuditDraftBlock    = "draft_domain_block"   // a list's new entry, waiting
	AuditApproveDraft  = "approve_domain_block" // an admin made a draft a block
	AuditRejectDraft   = "reject_domain_block"
	AuditListBlock     = "list_block_domain"    // a trusted list's entry became a block
	AuditListChange    = "list_change_block"    // a trusted list changed its block
	AuditListUnblock   = "list_unblock_domain"  // a trusted list dropped its block
	AuditDraftAllow    = "draft_domain_allow"   // an allows list's new entry, waiting
	AuditApproveAllow  = "approve_domain_allow" // an admin made a draft an allow
	AuditRejectAllow   = "reject_domain_allow"
	AuditListAllow     = "list_allow_domain"    // a trusted allows list's entry became an allow
	AuditListDisallow  = "list_disallow_domain" // a trusted allows list dropped its allow
	AuditBlockDomain   = "block_domain"
	AuditChangeBlock   = "change_domain_block"
	AuditUnblockDomain = "unblock_domain"
	AuditAllowDomain   = "allow_domain"
	AuditDisallow      = "disallow_domain"
	AuditFederation    = "federation_mode"
	AuditImportBlocks  = "import_domain_blocks"
)

// ListRefresh is what one reading of a list did.
type ListRefresh struct {
	NotModified bool   // the server answered 304: nothing read
	Format      string // ListCSV, ListJSON or ListText
	Entries     int    // domains on the list
	Drafted     int    // new drafts (a list not trusted)
	Added       int    // new blocks or allows (a trusted list)
	Updated     int    // blocks or drafts changed
	Removed     int    // blocks or allows a trusted list dropped
}

// ParseListKind reads a list's kind: storage.ListBlocks (also for ""),
// or storage.ListAllows; an *InvalidError for any other word.
func ParseListKind(kind string) (string, error) {
	switch kind {
	case "", storage.ListBlocks:
		return storage.ListBlocks, nil
	case storage.ListAllows:
		return storage.ListAllows, nil
	}
	return "", invalid("list kind %q is not blocks or allows", kind)
}

// SubscribeDomainList subscribes the node to the list of kind (blocks,
// the default, or allows) at rawURL and reads it once. The subscription
// is kept even when that first reading fails (its LastError says why; the
// schedule tries again); the error is for a bad URL or kind
// (*InvalidError), a list on a host the node does not federate with (in
// allow-list mode: one not allowed; its list could never be read), one
// already subscribed, or ErrDenied.
func (e *Engine) SubscribeDomainList(ctx context.Context, by storage.ID, rawURL, kind string, trusted bool) (storage.PolicySubscription, ListRefresh, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return storage.PolicySubscription{}, ListRefresh{}, err
	}
	kind, err := ParseListKind(kind)
	if err != nil {
		return storage.PolicySubscription{}, ListRefresh{}, err
	}
	u, err := e.checkListURL(rawURL)
	if err != nil {
		return storage.PolicySubscription{}, ListRefresh{}, err
	}
	if err := e.checkListHost(u); err != nil {
		return storage.PolicySubscription{}, ListRefresh{}, err
	}
	s := storage.PolicySubscription{URL: u, Kind: kind, Trusted: trusted, CreatedBy: by}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertPolicySubscription(ctx, &s); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditSubscribe, storage.AuditPolicySubscription, s.ID, "url", s.URL,
			"kind", s.Kind, "trusted", fmt.Sprint(trusted))
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.PolicySubscription{}, ListRefresh{}, invalid("the node is already subscribed to %s", u)
	}
	if err != nil {
		return storage.PolicySubscription{}, ListRefresh{}, fmt.Errorf("subscribe to %s: %w", u, err)
	}
	e.log.InfoContext(ctx, "subscribed to domain list", "url", u, "kind", kind, "trusted", trusted, "by", by)
	s, r, err := e.refreshList(ctx, by, s)
	if err != nil && s.LastError == "" {
		return s, r, err // not the list's fault: the database's
	}
	return s, r, nil
}

// UnsubscribeDomainList ends subscription id and drops its drafts; the
// blocks (or allows) it brought stay, as if made by hand.
func (e *Engine) UnsubscribeDomainList(ctx context.Context, by, id storage.ID) (storage.PolicySubscription, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return storage.PolicySubscription{}, err
	}
	s, err := e.store.PolicySubscriptionByID(ctx, id)
	if err != nil {
		return storage.PolicySubscription{}, err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.DeletePolicySubscription(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditUnsubscribe, storage.AuditPolicySubscription, id, "url", s.URL)
	})
	if err != nil {
		return storage.PolicySubscription{}, fmt.Errorf("unsubscribe from %s: %w", s.URL, err)
	}
	return s, nil
}

// PolicySubscriptions lists the node's subscriptions, for by.
func (e *Engine) PolicySubscriptions(ctx context.Context, by storage.ID) ([]storage.PolicySubscription, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return nil, err
	}
	return e.store.PolicySubscriptions(ctx)
}

// PolicySubscriptionNamed is the subscription to exactly rawURL, or
// storage.ErrNotFound (for the command line, which names lists by URL).
func (e *Engine) PolicySubscriptionNamed(ctx context.Context, by storage.ID, rawURL string) (storage.PolicySubscription, error) {
	subs, err := e.PolicySubscriptions(ctx, by)
	if err != nil {
		return storage.PolicySubscription{}, err
	}
	for _, s := range subs {
		if s.URL == rawURL {
			return s, nil
		}
	}
	return storage.PolicySubscription{}, fmt.Errorf("subscription to %s: %w", rawURL, storage.ErrNotFound)
}

// RefreshPolicySubscription reads list id now. A list that cannot be read
// or parsed changes nothing; its error is returned and kept as the
// subscription's LastError.
func (e *Engine) RefreshPolicySubscription(ctx context.Context, by, id storage.ID) (storage.PolicySubscription, ListRefresh, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return storage.PolicySubscription{}, ListRefresh{}, err
	}
	s, err := e.store.PolicySubscriptionByID(ctx, id)
	if err != nil {
		return storage.PolicySubscription{}, ListRefresh{}, err
	}
	return e.refreshList(ctx, by, s)
}

// PolicyDrafts lists drafts in state (empty: any) of subscription sub (0:
// any), for by.
func (e *Engine) PolicyDrafts(ctx context.Context, by, sub storage.ID, state string) ([]storage.PolicyDraft, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return nil, err
	}
	if state != "" && state != storage.DraftPending && state != storage.DraftRejected {
		return nil, invalid("state %q is not pending or rejected", state)
	}
	return e.store.PolicyDrafts(ctx, sub, state)
}

// ApprovedDraft is what approving a draft made: a block (a draft of a
// blocks list) or an allow (of an allows list).
type ApprovedDraft struct {
	Kind  string // storage.ListBlocks or storage.ListAllows
	Block storage.NodeDomainBlock
	Allow storage.NodeDomainAllow
}

// Domain is the domain blocked or allowed.
func (a ApprovedDraft) Domain() string {
	if a.Kind == storage.ListAllows {
		return a.Allow.Domain
	}
	return a.Block.Domain
}

// ApprovePolicyDraft makes draft id (pending or rejected) a block, or an
// allow when it is a draft of an allows list, in force at once, and
// returns it. The block or allow remembers its list, so a trusted list
// could not remove one made by hand.
func (e *Engine) ApprovePolicyDraft(ctx context.Context, by, id storage.ID) (ApprovedDraft, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return ApprovedDraft{}, err
	}
	d, err := e.store.PolicyDraftByID(ctx, id)
	if err != nil {
		return ApprovedDraft{}, err
	}
	if d.Kind == storage.ListAllows {
		a, err := e.approveAllowDraft(ctx, by, d)
		return ApprovedDraft{Kind: storage.ListAllows, Allow: a}, err
	}
	b := storage.NodeDomainBlock{Domain: d.Domain, Severity: d.Severity, RejectMedia: d.RejectMedia,
		RejectReports: d.RejectReports, PublicComment: d.PublicComment, CreatedBy: by, SubscriptionID: d.SubscriptionID}
	if err := checkBlock(&b); err != nil {
		return ApprovedDraft{}, err
	}
	err = e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		if err := tx.InsertNodeDomainBlock(ctx, &b); err != nil {
			return err
		}
		if err := tx.DeletePolicyDraft(ctx, d.ID); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditApproveDraft, storage.AuditDomainBlock, b.ID, "domain", b.Domain,
			"severity", b.Severity, "draft", d.ID.String())
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return ApprovedDraft{}, invalid("%s is already blocked", b.Domain)
	}
	if err != nil {
		return ApprovedDraft{}, fmt.Errorf("approve block of %s: %w", b.Domain, err)
	}
	e.log.InfoContext(ctx, "domain blocked from a list", "domain", b.Domain, "severity", b.Severity, "by", by)
	return ApprovedDraft{Kind: storage.ListBlocks, Block: b}, nil
}

// approveAllowDraft makes draft d of an allows list an allow, made as an
// allow by hand is (insertAllow), remembering its list.
func (e *Engine) approveAllowDraft(ctx context.Context, by storage.ID, d storage.PolicyDraft) (storage.NodeDomainAllow, error) {
	a := storage.NodeDomainAllow{Domain: policyDomain(d.Domain), SubscriptionID: d.SubscriptionID}
	if err := validDomain(a.Domain); err != nil {
		return storage.NodeDomainAllow{}, err
	}
	err := e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		if err := insertAllow(ctx, tx, by, &a, AuditApproveAllow, "draft", d.ID.String()); err != nil {
			return err
		}
		return tx.DeletePolicyDraft(ctx, d.ID)
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.NodeDomainAllow{}, invalid("%s is already allowed", a.Domain)
	}
	if err != nil {
		return storage.NodeDomainAllow{}, fmt.Errorf("approve allow of %s: %w", a.Domain, err)
	}
	e.log.InfoContext(ctx, "domain allowed from a list", "domain", a.Domain, "by", by)
	return a, nil
}

// RejectPolicyDraft marks draft id rejected: it is not offered again
// while its list keeps the entry.
func (e *Engine) RejectPolicyDraft(ctx context.Context, by, id storage.ID) (storage.PolicyDraft, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return storage.PolicyDraft{}, err
	}
	d, err := e.store.PolicyDraftByID(ctx, id)
	if err != nil {
		return storage.PolicyDraft{}, err
	}
	d.State = storage.DraftRejected
	action := AuditRejectDraft
	if d.Kind == storage.ListAllows {
		action = AuditRejectAllow
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.UpdatePolicyDraft(ctx, d); err != nil {
			return err
		}
		return audit(ctx, tx, by, action, storage.AuditPolicyDraft, d.ID, "domain", d.Domain)
	})
	if err != nil {
		return storage.PolicyDraft{}, fmt.Errorf("reject %s entry %s: %w", d.Kind, d.Domain, err)
	}
	return d, nil
}

// checkListURL accepts an absolute https URL (http too on a network of
// plain-http nodes: tests and demos) and returns it in canonical form.
func (e *Engine) checkListURL(rawURL string) (string, error) {
	if len(rawURL) > maxPolicyListURLSize {
		return "", invalid("the list URL is longer than %d characters", maxPolicyListURLSize)
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil || !(u.Scheme == "https" || u.Scheme == "http" && e.scheme == "http") {
		return "", invalid("%q is not an https URL", rawURL)
	}
	u.Fragment = ""
	return u.String(), nil
}

// checkListHost refuses a list on a host the node does not federate with:
// every outgoing request goes through the federation policy, so in
// allow-list mode a list on a host not allowed (or, in any mode, on a
// suspended one) could never be read.
func (e *Engine) checkListHost(listURL string) error {
	u, err := url.Parse(listURL)
	if err != nil {
		return invalid("%q is not an https URL", listURL)
	}
	if e.policy.Allows(u.Host).Federate {
		return nil
	}
	if e.policy.Mode() == storage.FederationAllowlist {
		return invalid("the node is in allow-list mode and %s is not on its allow list, so the list could not be read: allow %s first",
			u.Host, u.Hostname())
	}
	return invalid("%s is blocked, so the list could not be read", u.Host)
}

// refreshList reads s's list and applies it, in one transaction with the
// record of the attempt. by (0: the schedule) is who asked.
func (e *Engine) refreshList(ctx context.Context, by storage.ID, s storage.PolicySubscription) (storage.PolicySubscription, ListRefresh, error) {
	var r ListRefresh
	got, err := e.fetchList(ctx, s)
	s.FetchedAt = e.now()
	var blocks []storage.NodeDomainBlock
	if err == nil && !got.notModified {
		blocks, r.Format, err = ParseDomainList(got.contentType, got.body)
	}
	if err != nil {
		s.LastError = listError(err)
		if rerr := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdatePolicySubscriptionFetch(ctx, s) }); rerr != nil {
			return s, r, fmt.Errorf("refresh %s: %w", s.URL, rerr)
		}
		return s, r, fmt.Errorf("refresh %s: %w", s.URL, err)
	}
	s.LastError = ""
	if got.notModified {
		r.NotModified, r.Entries = true, s.Entries
		if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdatePolicySubscriptionFetch(ctx, s) }); err != nil {
			return s, r, fmt.Errorf("refresh %s: %w", s.URL, err)
		}
		return s, r, nil
	}
	s.ETag, s.LastModified, s.Entries = got.etag, got.lastModified, len(blocks)
	r.Entries = len(blocks)
	apply := func(tx *storage.Tx) error {
		apply := e.applyList
		if s.Kind == storage.ListAllows {
			apply = e.applyAllowList
		}
		counts, err := apply(ctx, tx, by, s, blocks)
		if err != nil {
			return err
		}
		counts.Format, counts.Entries = r.Format, r.Entries
		r = counts
		return tx.UpdatePolicySubscriptionFetch(ctx, s)
	}
	if s.Trusted {
		err = e.changePolicy(ctx, by, apply)
	} else {
		err = e.store.InTx(ctx, apply)
	}
	if err != nil {
		return s, ListRefresh{}, fmt.Errorf("apply list %s: %w", s.URL, err)
	}
	e.log.InfoContext(ctx, "domain list read", "url", s.URL, "entries", r.Entries, "drafted", r.Drafted,
		"added", r.Added, "updated", r.Updated, "removed", r.Removed)
	return s, r, nil
}

// applyList brings the blocks (a trusted list) or drafts (another) of s
// in line with the list's entries.
func (e *Engine) applyList(ctx context.Context, tx *storage.Tx, by storage.ID, s storage.PolicySubscription, entries []storage.NodeDomainBlock) (ListRefresh, error) {
	var r ListRefresh
	existing, err := tx.NodeDomainBlocks(ctx)
	if err != nil {
		return r, err
	}
	blocked := make(map[string]storage.NodeDomainBlock, len(existing))
	for _, b := range existing {
		blocked[b.Domain] = b
	}
	drafted, err := draftsByDomain(ctx, tx, s.ID)
	if err != nil {
		return r, err
	}
	listed := make(map[string]bool, len(entries))
	for _, b := range entries {
		listed[b.Domain] = true
		if b.Domain == e.policy.self {
			continue
		}
		d, hasDraft := drafted[b.Domain]
		if old, ok := blocked[b.Domain]; ok {
			if s.Trusted && old.SubscriptionID == s.ID && !sameBlock(old, b) {
				old.Severity, old.RejectMedia, old.RejectReports, old.PublicComment = b.Severity, b.RejectMedia, b.RejectReports, b.PublicComment
				if err := tx.UpdateNodeDomainBlock(ctx, old); err != nil {
					return r, err
				}
				if err := audit(ctx, tx, by, AuditListChange, storage.AuditDomainBlock, old.ID, "domain", old.Domain,
					"severity", old.Severity, "list", s.URL); err != nil {
					return r, err
				}
				r.Updated++
			}
			if hasDraft && d.State == storage.DraftPending { // blocked meanwhile: nothing left to review
				if err := tx.DeletePolicyDraft(ctx, d.ID); err != nil {
					return r, err
				}
				delete(drafted, b.Domain)
			}
			continue
		}
		if s.Trusted {
			b.SubscriptionID, b.CreatedBy = s.ID, 0
			if err := tx.InsertNodeDomainBlock(ctx, &b); err != nil {
				return r, err
			}
			if err := audit(ctx, tx, by, AuditListBlock, storage.AuditDomainBlock, b.ID, "domain", b.Domain,
				"severity", b.Severity, "list", s.URL); err != nil {
				return r, err
			}
			r.Added++
			continue
		}
		if hasDraft {
			if d.State == storage.DraftPending && !sameDraft(d, b) {
				d.Severity, d.RejectMedia, d.RejectReports, d.PublicComment = b.Severity, b.RejectMedia, b.RejectReports, b.PublicComment
				if err := tx.UpdatePolicyDraft(ctx, d); err != nil {
					return r, err
				}
				r.Updated++
			}
			continue
		}
		nd := storage.PolicyDraft{SubscriptionID: s.ID, Domain: b.Domain, Severity: b.Severity, RejectMedia: b.RejectMedia,
			RejectReports: b.RejectReports, PublicComment: b.PublicComment}
		if err := tx.InsertPolicyDraft(ctx, &nd); err != nil {
			return r, err
		}
		if err := audit(ctx, tx, by, AuditDraftBlock, storage.AuditPolicyDraft, nd.ID, "domain", nd.Domain,
			"severity", nd.Severity, "list", s.URL); err != nil {
			return r, err
		}
		r.Drafted++
	}
	made := make([]listMade, 0, len(existing))
	for _, old := range existing {
		made = append(made, listMade{old.ID, old.SubscriptionID, old.Domain})
	}
	err = settleList(ctx, tx, s, listed, drafted, made, &r, func(m listMade) error {
		if err := tx.DeleteNodeDomainBlock(ctx, m.id); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditListUnblock, storage.AuditDomainBlock, m.id, "domain", m.domain, "list", s.URL)
	})
	return r, err
}

// applyAllowList brings the allows (a trusted list) or drafts (another)
// of s, a list of allowed domains, in line with its entries (of which
// only the domains count).
func (e *Engine) applyAllowList(ctx context.Context, tx *storage.Tx, by storage.ID, s storage.PolicySubscription, entries []storage.NodeDomainBlock) (ListRefresh, error) {
	var r ListRefresh
	existing, err := tx.NodeDomainAllows(ctx)
	if err != nil {
		return r, err
	}
	allowed := make(map[string]bool, len(existing))
	for _, a := range existing {
		allowed[a.Domain] = true
	}
	drafted, err := draftsByDomain(ctx, tx, s.ID)
	if err != nil {
		return r, err
	}
	listed := make(map[string]bool, len(entries))
	for _, en := range entries {
		listed[en.Domain] = true
		if en.Domain == e.policy.self {
			continue // always allowed
		}
		d, hasDraft := drafted[en.Domain]
		if allowed[en.Domain] {
			if hasDraft && d.State == storage.DraftPending { // allowed meanwhile: nothing left to review
				if err := tx.DeletePolicyDraft(ctx, d.ID); err != nil {
					return r, err
				}
				delete(drafted, en.Domain)
			}
			continue
		}
		if s.Trusted {
			a := storage.NodeDomainAllow{Domain: en.Domain, SubscriptionID: s.ID}
			if err := insertAllow(ctx, tx, by, &a, AuditListAllow, "list", s.URL); err != nil {
				return r, err
			}
			allowed[a.Domain] = true
			r.Added++
			continue
		}
		if hasDraft {
			continue
		}
		nd := storage.PolicyDraft{SubscriptionID: s.ID, Kind: storage.ListAllows, Domain: en.Domain}
		if err := tx.InsertPolicyDraft(ctx, &nd); err != nil {
			return r, err
		}
		if err := audit(ctx, tx, by, AuditDraftAllow, storage.AuditPolicyDraft, nd.ID, "domain", nd.Domain,
			"list", s.URL); err != nil {
			return r, err
		}
		r.Drafted++
	}
	made := make([]listMade, 0, len(existing))
	for _, old := range existing {
		made = append(made, listMade{old.ID, old.SubscriptionID, old.Domain})
	}
	err = settleList(ctx, tx, s, listed, drafted, made, &r, func(m listMade) error {
		if err := tx.DeleteNodeDomainAllow(ctx, m.id); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditListDisallow, storage.AuditDomainAllow, m.id, "domain", m.domain, "list", s.URL)
	})
	return r, err
}

// draftsByDomain returns the drafts of a subscription by their domain.
func draftsByDomain(ctx context.Context, tx *storage.Tx, subscription storage.ID) (map[string]storage.PolicyDraft, error) {
	drafts, err := tx.PolicyDrafts(ctx, subscription, "")
	if err != nil {
		return nil, err
	}
	drafted := make(map[string]storage.PolicyDraft, len(drafts))
	for _, d := range drafts {
		drafted[d.Domain] = d
	}
	return drafted, nil
}

// listMade is a block or allow as a list refresh sees it: which list
// brought it, if any.
type listMade struct {
	id, subscription storage.ID
	domain           string
}

// settleList ends a refresh of s, for either kind of list: the drafts of
// domains it no longer names go, and a trusted list withdraws what it
// brought itself and no longer names (withdraw removes and audits one),
// never what an admin made by hand or another list brought.
func settleList(ctx context.Context, tx *storage.Tx, s storage.PolicySubscription, listed map[string]bool,
	drafted map[string]storage.PolicyDraft, made []listMade, r *ListRefresh, withdraw func(listMade) error) error {
	for domain, d := range drafted {
		if !listed[domain] {
			if err := tx.DeletePolicyDraft(ctx, d.ID); err != nil {
				return err
			}
		}
	}
	if !s.Trusted {
		return nil
	}
	for _, m := range made {
		if m.subscription != s.ID || listed[m.domain] {
			continue
		}
		if err := withdraw(m); err != nil {
			return err
		}
		r.Removed++
	}
	return nil
}

func sameBlock(a, b storage.NodeDomainBlock) bool {
	return a.Severity == b.Severity && a.RejectMedia == b.RejectMedia && a.RejectReports == b.RejectReports &&
		a.PublicComment == b.PublicComment
}

func sameDraft(d storage.PolicyDraft, b storage.NodeDomainBlock) bool {
	return d.Severity == b.Severity && d.RejectMedia == b.RejectMedia && d.RejectReports == b.RejectReports &&
		d.PublicComment == b.PublicComment
}

// listError is what the subscription shows of a failed reading: the
// message of an *InvalidError (a bad list), or the error.
func listError(err error) string {
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Msg
	}
	return err.Error()
}

type fetchedList struct {
	body                            []byte
	contentType, etag, lastModified string
	notModified                     bool
}

// fetchList GETs s's list through the engine's client (SSRF guard and
// federation policy), conditionally on the last response's validators,
// bounded in size and time.
func (e *Engine) fetchList(ctx context.Context, s storage.PolicySubscription) (fetchedList, error) {
	ctx, cancel := context.WithTimeout(ctx, policyListTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return fetchedList{}, fmt.Errorf("GET %s: %w", s.URL, err)
	}
	req.Header.Set("Accept", "text/csv, application/json;q=0.9, text/plain;q=0.8")
	if s.ETag != "" {
		req.Header.Set("If-None-Match", s.ETag)
	}
	if s.LastModified != "" {
		req.Header.Set("If-Modified-Since", s.LastModified)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return fetchedList{}, fmt.Errorf("GET %s: %w", s.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && (s.ETag != "" || s.LastModified != "") {
		return fetchedList{notModified: true}, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fetchedList{}, &StatusError{URL: s.URL, Code: resp.StatusCode}
	}
	body, err := ReadBounded(resp.Body, maxPolicyListBytes)
	if err != nil {
		return fetchedList{}, fmt.Errorf("GET %s: %w", s.URL, err)
	}
	return fetchedList{body: body, contentType: resp.Header.Get("Content-Type"), etag: resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified")}, nil
}

// refreshDueLists reads every list not read for a refresh interval; run
// by the policy worker.
func (e *Engine) refreshDueLists(ctx context.Context, log *slog.Logger) {
	due, err := e.store.PolicySubscriptionsDue(ctx, e.now().Add(-e.listRefresh))
	if err != nil {
		log.ErrorContext(ctx, "subscribed lists due", "err", err)
		return
	}
	for _, s := range due {
		if ctx.Err() != nil {
			return
		}
		if _, _, err := e.refreshList(ctx, 0, s); err != nil {
			log.WarnContext(ctx, "read subscribed domain list", "url", s.URL, "err", err)
		}
	}
}

// runPolicyLists reads subscribed lists when due, until ctx ends.
func (e *Engine) runPolicyLists(ctx context.Context) {
	log := e.log.With("component", "policy_lists")
	t := time.NewTicker(e.poll)
	defer t.Stop()
	for {
		e.refreshDueLists(ctx, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
