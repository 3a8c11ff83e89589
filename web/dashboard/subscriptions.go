package dashboard

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Subscriptions to shared domain lists (admins), on the domain policy
// page: subscribe to a list's URL (of domains to block or to allow;
// trusted or not), read it now, unsubscribe; and the drafts a list that
// is not trusted leaves, to approve (a block or an allow, in force at
// once) or reject. The engine
// (federation/policy_subscriptions.go) fetches, parses and applies the
// lists; these forms only name what to do.

func (d *Dashboard) mountSubscriptions(r chi.Router) {
	f := federation.ActManageFederation
	r.Post("/admin/domains/subscriptions", d.page(f, d.subscribe))
	r.Post("/admin/domains/subscriptions/{id}/refresh", d.page(f, d.refreshSubscription))
	r.Post("/admin/domains/subscriptions/{id}/remove", d.page(f,
		byID(dropResult(d.engine.UnsubscribeDomainList), "/admin/domains", "unsubscribed")))
	r.Post("/admin/domains/drafts/{id}/approve", d.page(f, d.approveDraft))
	r.Post("/admin/domains/drafts/{id}/reject", d.page(f, byID(dropResult(d.engine.RejectPolicyDraft), "/admin/domains", "rejected")))
}

// maxDraftsShown bounds the drafts listed: a large list that is not
// trusted can leave thousands.
const maxDraftsShown = 200

type subscriptionRow struct {
	ID, URL, Kind, Fetched, LastError, Entries string
	Trusted                                    bool
}

type draftRow struct {
	ID, Domain, Proposal, Severity, Flags, PublicComment, List, State string
	Pending                                                           bool
	Allow                                                             bool // of an allows list: approving allows the domain
}

// kindName is how the table names a list's kind.
func kindName(kind string) string {
	if kind == storage.ListAllows {
		return "Allows"
	}
	return "Blocks"
}

// subscriptionRows loads the subscriptions and their drafts for the
// domain policy page.
func (d *Dashboard) subscriptionRows(r *http.Request, me storage.Account) ([]subscriptionRow, []draftRow, bool, error) {
	subs, err := d.engine.PolicySubscriptions(r.Context(), me.ID)
	if err != nil {
		return nil, nil, false, err
	}
	lists := map[storage.ID]string{}
	var rows []subscriptionRow
	for _, s := range subs {
		lists[s.ID] = s.URL
		row := subscriptionRow{ID: s.ID.String(), URL: s.URL, Kind: kindName(s.Kind), Trusted: s.Trusted, Fetched: when(s.FetchedAt),
			LastError: s.LastError, Entries: strconv.Itoa(s.Entries)}
		if s.FetchedAt.IsZero() {
			row.Fetched, row.Entries = "Never", "–"
		}
		rows = append(rows, row)
	}
	drafts, err := d.engine.PolicyDrafts(r.Context(), me.ID, 0, "")
	if err != nil {
		return nil, nil, false, err
	}
	more := len(drafts) > maxDraftsShown
	if more {
		drafts = drafts[:maxDraftsShown]
	}
	var draftRows []draftRow
	for _, dr := range drafts {
		row := draftRow{ID: dr.ID.String(), Domain: dr.Domain, Proposal: "Block", Severity: dr.Severity,
			PublicComment: dr.PublicComment, List: lists[dr.SubscriptionID], State: "Waiting",
			Pending: dr.State == storage.DraftPending, Flags: flagsOf(dr.RejectMedia, dr.RejectReports, false)}
		if dr.Kind == storage.ListAllows {
			row.Proposal, row.Severity, row.Flags, row.Allow = "Allow", "–", "", true
		}
		if !row.Pending {
			row.State = "Rejected"
		}
		draftRows = append(draftRows, row)
	}
	return rows, draftRows, more, nil
}

// subscribe subscribes the node to a list and reads it once: POST
// /admin/domains/subscriptions with url, kind (blocks, the default, or
// allows) and trusted ("1"). A list that cannot be read yet is still
// subscribed to, and the page says so.
func (d *Dashboard) subscribe(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	s, _, err := d.engine.SubscribeDomainList(r.Context(), me.ID, r.PostFormValue("url"), r.PostFormValue("kind"),
		r.PostFormValue("trusted") == "1")
	if err != nil {
		return err
	}
	if s.LastError != "" {
		return done(w, r, "/admin/domains", "subscribed-bad")
	}
	return done(w, r, "/admin/domains", "subscribed")
}

// refreshSubscription reads a list now: POST
// /admin/domains/subscriptions/{id}/refresh.
func (d *Dashboard) refreshSubscription(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, _, err := d.engine.RefreshPolicySubscription(r.Context(), me.ID, id)
	if err != nil && s.LastError != "" {
		// The list's fault, kept as its last error: the row shows it.
		return done(w, r, "/admin/domains", "refresh-bad")
	}
	if err != nil {
		return err
	}
	return done(w, r, "/admin/domains", "refreshed")
}

// approveDraft makes a draft a block, or an allow when it is from a list
// of allowed domains: POST /admin/domains/drafts/{id}/approve.
func (d *Dashboard) approveDraft(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	approved, err := d.engine.ApprovePolicyDraft(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	if approved.Kind == storage.ListAllows {
		return done(w, r, "/admin/domains", "approved-allow")
	}
	return done(w, r, "/admin/domains", "approved")
}
