package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TypeResolve is Lemmy's activity that closes a report (Resolve{Flag}).
const TypeResolve = "Resolve"

// Bounds of a report: Mastodon allows a comment of 1,000 characters.
const (
	maxReportComment  = 1000
	maxReportStatuses = 50
	maxReportRules    = 20
	maxFlagObjects    = 100
)

// Resolutions a moderator may record when closing a report. Resolving
// records what was done; the action itself is taken through its own
// route (remove a post, ban, suspend).
var reportActions = map[string]bool{
	"none": true, "removed": true, "warned": true, "banned": true, "limited": true, "suspended": true, "other": true,
}

// NewReport is a member's report, as an app sends it.
type NewReport struct {
	TargetID  storage.ID
	StatusIDs []storage.ID
	Comment   string
	Forward   bool   // send a Flag to the reported account's node
	Category  string // storage.Report*; "" other (violation with rules)
	RuleIDs   []string
}

func (nr NewReport) clean() (NewReport, error) {
	nr.Comment = strings.TrimSpace(cleanText(nr.Comment))
	if utf8.RuneCountInString(nr.Comment) > maxReportComment {
		return nr, invalid("comment is longer than %d characters", maxReportComment)
	}
	if len(nr.StatusIDs) > maxReportStatuses {
		return nr, invalid("a report names at most %d statuses", maxReportStatuses)
	}
	if len(nr.RuleIDs) > maxReportRules {
		return nr, invalid("a report names at most %d rules", maxReportRules)
	}
	for _, r := range nr.RuleIDs {
		if _, err := storage.ParseID(r); err != nil {
			return nr, invalid("rule id %q is not an id", r)
		}
	}
	switch {
	case nr.Category == "" && len(nr.RuleIDs) > 0:
		nr.Category = storage.ReportViolation
	case nr.Category == "":
		nr.Category = storage.ReportOther
	case !storage.ValidReportCategory(nr.Category):
		return nr, invalid("category %q is not spam, legal, violation or other", nr.Category)
	}
	if nr.Category != storage.ReportViolation {
		nr.RuleIDs = nil // Mastodon keeps rules for violations only
	}
	return nr, nil
}

// Report stores a member's report. About content in a community it also
// reaches the community's moderators: in its queue when the community is
// hosted here (and, for those on other nodes, as the Group's
// Announce{Flag}), or as a Flag by the member to the Group hosted
// elsewhere (the shape Lemmy and Mbin read). With Forward, a report
// about an account on another node is sent there as a Flag from this
// node's instance actor (the shape Mastodon sends and reads), unless the
// Flag to its community already goes to that node.
func (e *Engine) Report(ctx context.Context, reporter storage.Account, nr NewReport) (storage.Report, error) {
	return limited(e.acts, actReport, reporter.ID, func() (storage.Report, error) { return e.report(ctx, reporter, nr) })
}

func (e *Engine) report(ctx context.Context, reporter storage.Account, nr NewReport) (storage.Report, error) {
	nr, err := nr.clean()
	if err != nil {
		return storage.Report{}, err
	}
	if nr.TargetID == reporter.ID {
		return storage.Report{}, invalid("you cannot report yourself")
	}
	var rep storage.Report
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		target, err := tx.AccountByID(ctx, nr.TargetID)
		if err != nil {
			return fmt.Errorf("report %d: %w", nr.TargetID, err)
		}
		rep = storage.Report{ReporterID: reporter.ID, TargetID: target.ID, ForNode: true, Category: nr.Category,
			RuleIDs: nr.RuleIDs, Comment: nr.Comment}
		var sts []storage.Status
		var group storage.Account
		for _, id := range nr.StatusIDs {
			st, err := tx.StatusByID(ctx, id)
			if err != nil {
				return fmt.Errorf("reported status %d: %w", id, err)
			}
			if st.AccountID != target.ID {
				return invalid("status %s is not by the reported account", id)
			}
			if ok, err := canSee(ctx, tx, reporter, st); err != nil || !ok {
				if err == nil {
					err = fmt.Errorf("reported status %d: %w", id, storage.ErrNotFound)
				}
				return err
			}
			if g, _, in, err := communityOf(ctx, tx, st); err != nil {
				return err
			} else if in && group.ID == 0 {
				group = g
			}
			if !containsID(rep.StatusIDs, st.ID) {
				sts = append(sts, st)
				rep.StatusIDs = append(rep.StatusIDs, st.ID)
			}
		}
		rep.ID = tx.NewID()
		forwardedToGroup := false
		if group.ID != 0 {
			rep.CommunityID = group.ID
			rep.URI = e.urls.Activity(reporter.Username, rep.ID)
			objects := make([]string, 0, len(sts))
			for _, st := range sts {
				objects = append(objects, st.URI)
			}
			body, err := flagBody(rep.URI, reporter.URI, []string{group.URI}, objects, rep.Comment)
			if err != nil {
				return err
			}
			var inboxes []string
			if !group.Local() {
				inboxes = []string{group.Inbox}
				forwardedToGroup = target.Domain == group.Domain
			}
			if err := e.publishBody(ctx, tx, reporter, rep.URI, activitypub.TypeFlag, false, body, inboxes); err != nil {
				return err
			}
			if group.Local() {
				if err := e.announceToModerators(ctx, tx, group, body, nil); err != nil {
					return err
				}
			}
		}
		if nr.Forward && !target.Local() {
			rep.Forwarded = true
			if !forwardedToGroup {
				objects := []string{target.URI}
				for _, st := range sts {
					objects = append(objects, st.URI)
				}
				id := e.urls.Activity(e.instance.Username, tx.NewID())
				body, err := flagBody(id, e.instance.URI, []string{target.URI}, objects, rep.Comment)
				if err != nil {
					return err
				}
				if err := e.publishBody(ctx, tx, e.instance, id, activitypub.TypeFlag, false, body, []string{target.DeliveryInbox()}); err != nil {
					return err
				}
				if rep.URI == "" {
					rep.URI = id
				}
			}
		}
		if err := tx.InsertReport(ctx, &rep); err != nil {
			return err
		}
		return e.notifyReport(ctx, tx, rep)
	})
	return rep, err
}

// flagBody is a Flag: the comment as content (Mastodon, Mbin) and as
// summary (Lemmy); one object as an id (Lemmy reads one), several as an
// array (Mastodon: the account, then its statuses).
func flagBody(id, actor string, to, objects []string, comment string) ([]byte, error) {
	m := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id, "type": activitypub.TypeFlag, "actor": actor, "to": to,
		"content": comment, "summary": comment,
	}
	if len(objects) == 1 {
		m["object"] = objects[0]
	} else {
		m["object"] = objects
	}
	body, err := marshalJSON(m)
	if err != nil {
		return nil, fmt.Errorf("marshal flag %s: %w", id, err)
	}
	return body, nil
}

// announceToModerators has a community hosted here announce a report
// activity (Flag or Resolve), as received or sent, to the nodes of its
// moderators on other nodes, and to nobody else: reports are never
// shown to the community's followers. reads, when not nil, says which
// of those nodes read inner (by their host); the others are not sent it.
func (e *Engine) announceToModerators(ctx context.Context, tx *storage.Tx, g storage.Account, inner []byte,
	reads func(host string) (bool, error)) error {
	mods, err := tx.CommunityModerators(ctx, g.ID)
	if err != nil {
		return err
	}
	var to, inboxes []string
	for _, m := range mods {
		if m.Local() {
			continue
		}
		if reads != nil {
			if ok, err := reads(m.Domain); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
		}
		to = append(to, m.URI)
		inboxes = append(inboxes, m.DeliveryInbox())
	}
	if len(inboxes) == 0 {
		return nil
	}
	id := e.urls.Activity(g.Username, tx.NewID())
	body, err := marshalJSON(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id, "type": activitypub.TypeAnnounce, "actor": g.URI, "to": to, "audience": g.URI,
		"published": tx.Now().UTC().Truncate(time.Second),
		"object":    json.RawMessage(inner),
	})
	if err != nil {
		return fmt.Errorf("announce report: %w", err)
	}
	return e.publishBody(ctx, tx, g, id, activitypub.TypeAnnounce, false, body, inboxes)
}

// flagDoc is what a Flag carries beyond the vocabulary types.
type flagDoc struct {
	Object   json.RawMessage `json:"object"`
	Summary  string          `json:"summary"`
	Content  string          `json:"content"`
	Category json.RawMessage `json:"category"`
	Rules    json.RawMessage `json:"rules"`
}

// category reads a Flag's category and rule ids where the sender sent
// them (Mastodon's report categories, rules by id): a category copse
// does not know, or a rule id that is no id, is dropped rather than
// refusing the report; the defaults are those of a member's report
// (other, or violation when rules are named).
func (d flagDoc) category() (string, []string) {
	var nr NewReport
	_ = json.Unmarshal(d.Category, &nr.Category) // not a string: none
	if !storage.ValidReportCategory(nr.Category) {
		nr.Category = ""
	}
	rules := iris(d.Rules)
	var numbers []json.Number // Mastodon's rule ids are numbers in its own JSON
	if len(rules) == 0 && json.Unmarshal(d.Rules, &numbers) == nil {
		for _, n := range numbers {
			rules = append(rules, n.String())
		}
	}
	for _, r := range rules {
		if _, err := storage.ParseID(r); err == nil && len(nr.RuleIDs) < maxReportRules {
			nr.RuleIDs = append(nr.RuleIDs, r)
		}
	}
	nr, err := nr.clean()
	if err != nil {
		return storage.ReportOther, nil
	}
	return nr.Category, nr.RuleIDs
}

// flagObjects lists the IRIs a Flag names: one id, an array, or
// embedded objects with ids.
func flagObjects(act activitypub.Activity, raw json.RawMessage) []string {
	out := iris(raw)
	if len(out) == 0 {
		out = append([]string{act.Object.IRI}, act.Object.More...)
	}
	if len(out) > maxFlagObjects {
		out = out[:maxFlagObjects]
	}
	return out
}

// flagged resolves what a Flag names, as far as this node knows it: the
// reported account (the first account named, else the author of the
// first status) and the statuses of that account it names.
func flagged(ctx context.Context, tx *storage.Tx, objects []string) (storage.Account, []storage.Status, error) {
	var target storage.Account
	var sts []storage.Status
	for _, iri := range objects {
		if iri == "" {
			continue
		}
		if a, err := tx.AccountByURI(ctx, iri); err == nil {
			if target.ID == 0 {
				target = a
			}
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return storage.Account{}, nil, err
		}
		st, err := tx.StatusByURI(ctx, iri)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return storage.Account{}, nil, err
		}
		sts = append(sts, st)
	}
	if target.ID == 0 && len(sts) > 0 {
		a, err := tx.AccountByID(ctx, sts[0].AccountID)
		if err != nil {
			return storage.Account{}, nil, err
		}
		target = a
	}
	kept := sts[:0]
	for _, st := range sts {
		if st.AccountID == target.ID {
			kept = append(kept, st)
		}
	}
	return target, kept, nil
}

// applyFlag stores a report received from another node: about accounts
// and statuses of this node (Mastodon's shape: the account, then its
// statuses), or sent to a Group hosted here about its content (Lemmy's
// and Mbin's: one id or an array). A report about a community's content
// goes to its queue too, and the Group announces the Flag as received to
// its moderators' nodes.
func (e *Engine) applyFlag(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	if e.policy.Allows(actor.Domain).RejectReports() { // the domain's block says reject_reports
		e.log.InfoContext(ctx, "flag ignored by domain policy", "activity_id", act.ID, "domain", actor.Domain)
		return nil
	}
	var doc flagDoc
	if body := inboxBody(ctx); len(body) > 0 {
		_ = json.Unmarshal(body, &doc) // read as far as it goes: the parsed activity holds the rest
	}
	target, sts, err := flagged(ctx, tx, flagObjects(act, doc.Object))
	if err != nil {
		return err
	}
	if target.ID == 0 {
		return fmt.Errorf("flag %s names nothing known here: %w", act.ID, storage.ErrNotFound)
	}
	rep := storage.Report{URI: act.ID, ReporterID: actor.ID, TargetID: target.ID, ForNode: true,
		Comment: remoteComment(cmpOr(act.Content, cmpOr(doc.Content, doc.Summary)))}
	rep.Category, rep.RuleIDs = doc.category()
	var group storage.Account
	for _, st := range sts {
		rep.StatusIDs = append(rep.StatusIDs, st.ID)
		if g, _, in, err := communityOf(ctx, tx, st); err != nil {
			return err
		} else if in && g.Local() && group.ID == 0 {
			group = g
		}
	}
	if group.ID == 0 && !target.Local() {
		return fmt.Errorf("flag %s of %s, neither from here nor in a community here: %w", act.ID, target.URI, ErrDenied)
	}
	rep.CommunityID = group.ID
	if err := tx.InsertReport(ctx, &rep); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return nil
		}
		return err
	}
	if err := e.notifyReport(ctx, tx, rep); err != nil {
		return err
	}
	if group.ID == 0 {
		return nil
	}
	raw := inboxBody(ctx)
	if len(raw) == 0 {
		objects := []string{}
		for _, st := range sts {
			objects = append(objects, st.URI)
		}
		if raw, err = flagBody(act.ID, actor.URI, []string{group.URI}, objects, rep.Comment); err != nil {
			return err
		}
	}
	return e.announceToModerators(ctx, tx, group, raw, nil)
}

// remoteComment is a report's comment from another server, as plain
// text of a bounded length.
func remoteComment(s string) string {
	s = strings.TrimSpace(PlainText(cleanText(s)))
	if utf8.RuneCountInString(s) > maxReportComment {
		s = string([]rune(s)[:maxReportComment])
	}
	return s
}

// isReportAnnounce reports whether act is a Group's Announce of a report
// (Flag) or of its close (Resolve).
func isReportAnnounce(act activitypub.Activity) bool {
	inner := act.Object.Activity
	return act.Type == activitypub.TypeAnnounce && inner != nil &&
		(inner.Type == activitypub.TypeFlag || inner.Type == TypeResolve)
}

// applyAnnouncedReport applies a remote Group's Announce{Flag} or
// Announce{Resolve}: taken only when a member here moderates that
// community, as its moderators collection lists them, into the
// community's queue on this node (not the node's own).
func (e *Engine) applyAnnouncedReport(ctx context.Context, tx *storage.Tx, g storage.Account, act activitypub.Activity) error {
	inner := *act.Object.Activity
	if g.ActorType != activitypub.TypeGroup || g.Local() {
		return fmt.Errorf("report %s announced by %s, not a remote Group: %w", inner.ID, g.URI, ErrDenied)
	}
	if inner.Type == TypeResolve {
		ok := inner.Actor == g.URI || sameOrigin(inner.Actor, g.URI)
		if !ok {
			listed, err := tx.IsRemoteModerator(ctx, g.ID, inner.Actor)
			if err != nil {
				return err
			}
			ok = listed
		}
		if !ok {
			return fmt.Errorf("resolve %s of a report to %s by %s, not its moderator: %w", inner.ID, g.URI, inner.Actor, ErrDenied)
		}
		rep, err := tx.ReportByURI(ctx, inner.Object.IRI)
		if err != nil || rep.CommunityID != g.ID {
			return ignoreNotFound(err)
		}
		by, err := tx.AccountByURI(ctx, inner.Actor)
		if err != nil {
			by = storage.Account{URI: inner.Actor} // logged by IRI, as moderation by an unknown actor is
		}
		return e.closeReport(ctx, tx, rep, by, "other", "")
	}
	local, err := e.localModeratorsOf(ctx, tx, g)
	if err != nil {
		return err
	}
	if len(local) == 0 {
		return fmt.Errorf("report %s announced by %s: nobody here moderates it: %w", inner.ID, g.URI, ErrDenied)
	}
	// reject_reports holds whoever relays the report: the reporter's
	// domain, and the Group's.
	if u, err := url.Parse(inner.Actor); err != nil || e.policy.Allows(u.Host).RejectReports() || e.policy.Allows(g.Domain).RejectReports() {
		e.log.InfoContext(ctx, "announced flag ignored by domain policy", "activity_id", inner.ID, "reporter", inner.Actor)
		return nil
	}
	var doc struct {
		Object flagDoc `json:"object"`
	}
	if body := inboxBody(ctx); len(body) > 0 {
		_ = json.Unmarshal(body, &doc)
	}
	target, sts, err := flagged(ctx, tx, flagObjects(inner, doc.Object.Object))
	if err != nil {
		return err
	}
	if target.ID == 0 {
		return fmt.Errorf("flag %s names nothing known here: %w", inner.ID, storage.ErrNotFound)
	}
	rep := storage.Report{URI: inner.ID, TargetID: target.ID, CommunityID: g.ID,
		Comment: remoteComment(cmpOr(inner.Content, cmpOr(doc.Object.Content, doc.Object.Summary)))}
	rep.Category, rep.RuleIDs = doc.Object.category()
	if r, err := tx.AccountByURI(ctx, inner.Actor); err == nil {
		rep.ReporterID = r.ID
	}
	for _, st := range sts {
		rep.StatusIDs = append(rep.StatusIDs, st.ID)
	}
	if err := tx.InsertReport(ctx, &rep); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return nil
		}
		return err
	}
	return e.notifyReport(ctx, tx, rep)
}

// moderatedHere reports whether groupURI names a Group hosted elsewhere
// that lists a member here among its moderators: only such a Group's
// announces to moderators make this node fetch what they name.
func (e *Engine) moderatedHere(ctx context.Context, groupURI string) bool {
	g, err := e.store.AccountByURI(ctx, groupURI)
	if err != nil || g.ActorType != activitypub.TypeGroup || g.Local() {
		return false
	}
	local, err := e.localModeratorsOf(ctx, e.store, g)
	return err == nil && len(local) > 0
}

// localModeratorsOf lists the members of this node that a remote
// community's moderators collection lists.
func (e *Engine) localModeratorsOf(ctx context.Context, q interface {
	RemoteModerators(ctx context.Context, communityID storage.ID) ([]string, error)
}, g storage.Account) ([]string, error) {
	uris, err := q.RemoteModerators(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range uris {
		if e.urls.IsLocal(u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// applyResolve applies Lemmy's Resolve{Flag} sent to a Group hosted
// here by one of its moderators (or by the Group itself): the report
// closes and the Group announces the Resolve to its moderators' nodes.
func (e *Engine) applyResolve(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	rep, err := tx.ReportByURI(ctx, act.Object.IRI)
	if err != nil {
		return ignoreNotFound(err)
	}
	if rep.CommunityID == 0 {
		return fmt.Errorf("resolve %s of a report to no community: %w", act.ID, ErrDenied)
	}
	g, err := tx.AccountByID(ctx, rep.CommunityID)
	if err != nil {
		return err
	}
	if !g.Local() {
		return fmt.Errorf("resolve %s sent here of a report to %s: %w", act.ID, g.URI, ErrDenied)
	}
	mod, err := tx.IsCommunityModerator(ctx, g.ID, actor.ID)
	if err != nil {
		return err
	}
	if !mod {
		return fmt.Errorf("resolve %s by %s, not a moderator of %s: %w", act.ID, actor.URI, g.Acct(), ErrDenied)
	}
	if rep.State == storage.ReportResolved {
		return nil
	}
	if err := e.closeReport(ctx, tx, rep, actor, "other", ""); err != nil {
		return err
	}
	raw := inboxBody(ctx)
	if len(raw) == 0 {
		if raw, err = resolveBody(act.ID, actor.URI, g.URI, rep.URI); err != nil {
			return err
		}
	}
	return e.announceToModerators(ctx, tx, g, raw, nil)
}

// resolveBody is Lemmy's Resolve{Flag}, naming the Flag by id.
func resolveBody(id, actor, group, flag string) ([]byte, error) {
	body, err := marshalJSON(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id, "type": TypeResolve, "actor": actor, "to": []string{group}, "audience": group,
		"object": map[string]any{"id": flag, "type": activitypub.TypeFlag},
	})
	if err != nil {
		return nil, fmt.Errorf("marshal resolve %s: %w", id, err)
	}
	return body, nil
}

// closeReport marks a report resolved by by (zero: unknown here) and
// records it: in the report's log, and in its community's moderation
// log when the community is hosted here or by is a member here.
func (e *Engine) closeReport(ctx context.Context, tx *storage.Tx, rep storage.Report, by storage.Account, action, reason string) error {
	if rep.State == storage.ReportResolved {
		return nil
	}
	rep.State, rep.ResolvedBy, rep.ResolvedAt = storage.ReportResolved, by.ID, tx.Now()
	rep.Action, rep.ActionReason = action, reason
	if err := tx.UpdateReport(ctx, &rep); err != nil {
		return err
	}
	if err := tx.AppendReportLog(ctx, &storage.ReportLogEntry{ReportID: rep.ID, AccountID: by.ID,
		Action: storage.ReportLogResolve, Text: strings.TrimSpace(action + ": " + reason)}); err != nil {
		return err
	}
	return e.logReportAction(ctx, tx, rep, by, storage.ModResolveReport, reason)
}

// logReportAction records a moderator's action on a community's report
// in the community's moderation log: what was done about whom and why,
// never the report's comment or its reporter.
func (e *Engine) logReportAction(ctx context.Context, tx *storage.Tx, rep storage.Report, by storage.Account, action, reason string) error {
	if rep.CommunityID == 0 {
		return nil
	}
	target, err := tx.AccountByID(ctx, rep.TargetID)
	if err != nil {
		return err
	}
	return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: rep.CommunityID, ModeratorID: by.ID,
		ModeratorURI: by.URI, Action: action, Target: target.URI, Reason: reason})
}

func containsID(ids []storage.ID, id storage.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// maxPrefetchedFlagObjects bounds what a moderator's node fetches for
// one announced report.
const maxPrefetchedFlagObjects = 5

// prefetchReported fetches, before the transaction that applies it,
// what a Group's Announce{Flag} names and this node does not hold yet
// (the reported post, its author, the reporter), so the report reaches
// a moderator here whose node never saw the post. Only for a Group that
// lists a member here among its moderators: anyone else's announce
// makes this node fetch nothing. Failures leave the report to name what
// is known.
func (e *Engine) prefetchReported(ctx context.Context, act activitypub.Activity) {
	inner := act.Object.Activity
	if inner == nil || inner.Type != activitypub.TypeFlag {
		return
	}
	if !e.moderatedHere(ctx, act.Actor) {
		return
	}
	var doc struct {
		Object flagDoc `json:"object"`
	}
	if body := inboxBody(ctx); len(body) > 0 {
		_ = json.Unmarshal(body, &doc)
	}
	objects := flagObjects(*inner, doc.Object.Object)
	if len(objects) > maxPrefetchedFlagObjects {
		objects = objects[:maxPrefetchedFlagObjects]
	}
	for _, iri := range objects {
		if iri == "" || e.urls.IsLocal(iri) {
			continue
		}
		if _, err := e.store.AccountByURI(ctx, iri); err == nil {
			continue
		}
		if _, err := e.store.StatusByURI(ctx, iri); err == nil {
			continue
		}
		if _, err := e.FetchStatus(ctx, iri); err != nil {
			_, _ = e.AccountByIRI(ctx, iri) // not a post: perhaps the reported account
		}
	}
	if inner.Actor != "" && !e.urls.IsLocal(inner.Actor) {
		_, _ = e.AccountByIRI(ctx, inner.Actor) // the reporter, to show who
	}
}
