package federation

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// maxReportNote bounds a moderator's note on a report.
const maxReportNote = 2000

// reportQueueReader is what the check of a queue reads: the store or a
// transaction.
type reportQueueReader interface {
	UserByAccount(ctx context.Context, id storage.ID) (storage.User, error)
	AccountByID(ctx context.Context, id storage.ID) (storage.Account, error)
	CommunityByAccount(ctx context.Context, id storage.ID) (storage.Community, error)
	IsCommunityModerator(ctx context.Context, community, account storage.ID) (bool, error)
	IsRemoteModerator(ctx context.Context, communityID storage.ID, uri string) (bool, error)
	ReportByID(ctx context.Context, id storage.ID) (storage.Report, error)
}

// mayHandleReports decides who works a queue, in one place: the node's
// queue (communityID 0) is for users with the moderator or admin
// permission; a community's is for its moderators, whether the
// community is hosted here or a remote Group lists a member here among
// its moderators. ErrDenied otherwise.
func mayHandleReports(ctx context.Context, q reportQueueReader, mod storage.Account, communityID storage.ID) error {
	if !mod.Local() {
		return fmt.Errorf("reports of %s: %w", mod.URI, ErrDenied)
	}
	if communityID == 0 {
		u, err := q.UserByAccount(ctx, mod.ID)
		if err != nil {
			return fmt.Errorf("reports: user %d: %w", mod.ID, ErrDenied)
		}
		if u.Permission != storage.PermissionModerator && u.Permission != storage.PermissionAdmin {
			return fmt.Errorf("reports: %s is not a moderator of the node: %w", mod.Username, ErrDenied)
		}
		return nil
	}
	g, err := q.AccountByID(ctx, communityID)
	if err != nil {
		return fmt.Errorf("community %d: %w", communityID, err)
	}
	if g.ActorType != activitypub.TypeGroup {
		return fmt.Errorf("community %d: %w", communityID, storage.ErrNotFound)
	}
	var ok bool
	if g.Local() {
		if _, err := q.CommunityByAccount(ctx, g.ID); err != nil {
			return fmt.Errorf("community %d: %w", communityID, err)
		}
		ok, err = q.IsCommunityModerator(ctx, g.ID, mod.ID)
	} else {
		ok, err = q.IsRemoteModerator(ctx, g.ID, mod.URI)
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s moderates not %s: %w", mod.Username, g.URI, ErrDenied)
	}
	return nil
}

// queuedReport loads a report of the queue, checking who asks: a report
// of another queue is ErrNotFound.
func queuedReport(ctx context.Context, q reportQueueReader, mod storage.Account, communityID, id storage.ID) (storage.Report, error) {
	if err := mayHandleReports(ctx, q, mod, communityID); err != nil {
		return storage.Report{}, err
	}
	rep, err := q.ReportByID(ctx, id)
	if err != nil {
		return storage.Report{}, fmt.Errorf("report %d: %w", id, err)
	}
	if (communityID == 0 && !rep.ForNode) || (communityID != 0 && rep.CommunityID != communityID) {
		return storage.Report{}, fmt.Errorf("report %d: %w", id, storage.ErrNotFound)
	}
	return rep, nil
}

// Reports lists a queue (the node's when communityID is 0, else that
// community's) for one of its moderators, newest first.
func (e *Engine) Reports(ctx context.Context, mod storage.Account, communityID storage.ID, f storage.ReportFilter, p storage.Page) ([]storage.Report, error) {
	if err := mayHandleReports(ctx, e.store, mod, communityID); err != nil {
		return nil, err
	}
	f.Node, f.CommunityID = communityID == 0, communityID
	return e.store.Reports(ctx, f, p)
}

// CountReports counts the reports of a queue that f matches, for whom
// Reports lists them.
func (e *Engine) CountReports(ctx context.Context, mod storage.Account, communityID storage.ID, f storage.ReportFilter) (int, error) {
	if err := mayHandleReports(ctx, e.store, mod, communityID); err != nil {
		return 0, err
	}
	f.Node, f.CommunityID = communityID == 0, communityID
	return e.store.CountReports(ctx, f)
}

// QueuedReport reads one report of a queue, with what was done with it.
func (e *Engine) QueuedReport(ctx context.Context, mod storage.Account, communityID, id storage.ID) (storage.Report, []storage.ReportLogEntry, error) {
	rep, err := queuedReport(ctx, e.store, mod, communityID, id)
	if err != nil {
		return storage.Report{}, nil, err
	}
	log, err := e.store.ReportLog(ctx, rep.ID)
	return rep, log, err
}

// AssignReport assigns a report to the moderator who asks, or (assign
// false) to nobody.
func (e *Engine) AssignReport(ctx context.Context, mod storage.Account, communityID, id storage.ID, assign bool) (storage.Report, error) {
	return e.changeReport(ctx, mod, communityID, id, func(tx *storage.Tx, rep *storage.Report) error {
		action := storage.ReportLogUnassign
		rep.AssigneeID = 0
		if assign {
			action, rep.AssigneeID = storage.ReportLogAssign, mod.ID
		}
		if err := tx.UpdateReport(ctx, rep); err != nil {
			return err
		}
		return appendReportLog(ctx, tx, communityID, &storage.ReportLogEntry{ReportID: rep.ID, AccountID: mod.ID, Action: action})
	})
}

// NoteReport adds a moderator's note to a report. Notes are never
// edited or removed.
func (e *Engine) NoteReport(ctx context.Context, mod storage.Account, communityID, id storage.ID, text string) (storage.Report, error) {
	text = strings.TrimSpace(cleanText(text))
	if text == "" {
		return storage.Report{}, invalid("a note needs text")
	}
	if utf8.RuneCountInString(text) > maxReportNote {
		return storage.Report{}, invalid("a note is at most %d characters", maxReportNote)
	}
	return e.changeReport(ctx, mod, communityID, id, func(tx *storage.Tx, rep *storage.Report) error {
		if err := tx.UpdateReport(ctx, rep); err != nil { // its updated_at
			return err
		}
		return appendReportLog(ctx, tx, communityID, &storage.ReportLogEntry{ReportID: rep.ID, AccountID: mod.ID,
			Action: storage.ReportLogNote, Text: text})
	})
}

// ResolveReport closes a report, recording the action taken (one of
// none, removed, warned, banned, limited, suspended, other; "" none)
// and why. A community's report is closed on the Group's node too: a
// moderator here of a remote community sends the Group Lemmy's
// Resolve{Flag}; a community hosted here announces it to its remote
// moderators' nodes.
func (e *Engine) ResolveReport(ctx context.Context, mod storage.Account, communityID, id storage.ID, action, reason string) (storage.Report, error) {
	if action == "" {
		action = "none"
	}
	if !reportActions[action] {
		return storage.Report{}, invalid("action %q is not one of none, removed, warned, banned, limited, suspended, other", action)
	}
	reason, err := cleanReason(reason)
	if err != nil {
		return storage.Report{}, err
	}
	return e.changeReport(ctx, mod, communityID, id, func(tx *storage.Tx, rep *storage.Report) error {
		if rep.State == storage.ReportResolved {
			return invalid("the report is resolved already")
		}
		if err := e.closeReport(ctx, tx, *rep, mod, action, reason); err != nil {
			return err
		}
		if err := auditNodeQueue(ctx, tx, communityID, mod.ID, "report_"+storage.ReportLogResolve, rep.ID, action, reason); err != nil {
			return err
		}
		if rep.CommunityID == 0 || rep.URI == "" {
			return nil
		}
		g, err := tx.AccountByID(ctx, rep.CommunityID)
		if err != nil {
			return err
		}
		rid := e.urls.Activity(mod.Username, tx.NewID())
		body, err := resolveBody(rid, mod.URI, g.URI, rep.URI)
		if err != nil {
			return err
		}
		var inboxes []string
		if !g.Local() {
			inboxes = []string{g.Inbox}
		}
		if err := e.publishBody(ctx, tx, mod, rid, TypeResolve, false, body, inboxes); err != nil {
			return err
		}
		if g.Local() {
			return e.announceToModerators(ctx, tx, g, body, nil)
		}
		return nil
	})
}

// ReopenReport opens a resolved report again (here only: no server
// federates reopening).
func (e *Engine) ReopenReport(ctx context.Context, mod storage.Account, communityID, id storage.ID) (storage.Report, error) {
	return e.changeReport(ctx, mod, communityID, id, func(tx *storage.Tx, rep *storage.Report) error {
		if rep.State == storage.ReportOpen {
			return invalid("the report is open")
		}
		rep.State, rep.ResolvedBy, rep.ResolvedAt, rep.Action, rep.ActionReason = storage.ReportOpen, 0, time.Time{}, "", ""
		if err := tx.UpdateReport(ctx, rep); err != nil {
			return err
		}
		if err := appendReportLog(ctx, tx, communityID, &storage.ReportLogEntry{ReportID: rep.ID, AccountID: mod.ID,
			Action: storage.ReportLogReopen}); err != nil {
			return err
		}
		return e.logReportAction(ctx, tx, *rep, mod, storage.ModReopenReport, "")
	})
}

// changeReport runs change on a report of the queue in one transaction
// and returns the report as it then stands.
func (e *Engine) changeReport(ctx context.Context, mod storage.Account, communityID, id storage.ID,
	change func(tx *storage.Tx, rep *storage.Report) error) (storage.Report, error) {
	var out storage.Report
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		rep, err := queuedReport(ctx, tx, mod, communityID, id)
		if err != nil {
			return err
		}
		if err := change(tx, &rep); err != nil {
			return err
		}
		out, err = tx.ReportByID(ctx, rep.ID)
		return err
	})
	return out, err
}
