package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Account actions (issue 14 item 4), on local and remote accounts, in
// Mastodon's admin API's terms: suspend, silence (copse says "limit"),
// mark media sensitive, disable sign-in, and a warning (none). Each
// carries a reason the member is shown, is undone by its opposite, and
// is recorded in the audit log in its own transaction.

// Account action types, as Mastodon's POST /api/v1/admin/accounts/{id}/action
// names them.
const (
	ActionNone      = "none"
	ActionSensitive = "sensitive"
	ActionDisable   = "disable"
	ActionSilence   = "silence"
	ActionSuspend   = "suspend"
)

// Undoing an action, as Mastodon's admin API names the routes.
const (
	UndoSilence   = "unsilence"
	UndoSuspend   = "unsuspend"
	UndoSensitive = "unsensitive"
	UndoDisable   = "enable"
)

// SuspensionRetention is how long a suspended account's posts and data
// are kept so that an appeal can restore them; after it they are purged
// (runPurge). Mastodon keeps them 30 days too.
const SuspensionRetention = 30 * 24 * time.Hour

// AccountAction is one moderator's action on an account.
type AccountAction struct {
	By       storage.ID // the moderator; 0: the command line
	Target   storage.ID
	Type     string // ActionNone (a warning), ActionSensitive, ...
	Text     string // the reason, which the member is shown
	ReportID storage.ID
}

var actionAudit = map[string]string{
	ActionNone: AuditWarn, ActionSensitive: AuditSensitive, ActionDisable: AuditDisable,
	ActionSilence: AuditLimit, ActionSuspend: AuditSuspend,
	UndoSilence: AuditUnlimit, UndoSuspend: AuditUnsuspend, UndoSensitive: AuditUnsensitive, UndoDisable: AuditEnable,
}

// reportTaken is what resolving a report with an action records.
var reportTaken = map[string]string{
	ActionNone: "warned", ActionSensitive: "other", ActionDisable: "other", ActionSilence: "limited", ActionSuspend: "suspended",
}

// ActOnAccount applies an account action. A local member is told why
// (an AccountWarning and a moderation_warning notification). A local
// suspension also federates a Delete of the actor to its followers'
// nodes and schedules its data's purge after SuspensionRetention. With a
// report, the report is resolved with the action.
func (e *Engine) ActOnAccount(ctx context.Context, act AccountAction) error {
	if _, ok := reportTaken[act.Type]; !ok {
		return invalid("type %q is not one of none, sensitive, disable, silence, suspend", act.Type)
	}
	text, err := cleanReason(act.Text)
	if err != nil {
		return err
	}
	target, user, by, err := e.accountActionParties(ctx, act.By, act.Target, act.Type)
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		m, err := tx.AccountModeration(ctx, target.ID)
		if err != nil {
			return err
		}
		now := tx.Now()
		switch act.Type {
		case ActionSensitive:
			m.SensitiveAt = now
			if err := tx.MarkMediaSensitive(ctx, target.ID); err != nil {
				return err
			}
		case ActionSilence:
			m.LimitedAt = now
		case ActionDisable:
			if user == nil {
				return invalid("%s has no sign-in to disable", target.Username)
			}
			m.DisabledAt = now
			if err := endSignIns(ctx, tx, target.ID); err != nil {
				return err
			}
		case ActionSuspend:
			if err := e.suspendInTx(ctx, tx, &target, &m); err != nil {
				return err
			}
		}
		if err := tx.SetAccountModeration(ctx, m); err != nil {
			return err
		}
		if user != nil {
			if err := e.warn(ctx, tx, target.ID, act.Type, text, act.ReportID); err != nil {
				return err
			}
		}
		if act.ReportID != 0 && by.ID != 0 {
			rep, err := queuedReport(ctx, tx, by, 0, act.ReportID)
			if err != nil {
				return err
			}
			if rep.TargetID != target.ID {
				return invalid("report %d is not about %s", rep.ID, target.Username)
			}
			if err := e.closeReport(ctx, tx, rep, by, reportTaken[act.Type], text); err != nil {
				return err
			}
		}
		return audit(ctx, tx, act.By, actionAudit[act.Type], storage.AuditAccount, target.ID,
			"reason", text, "report_id", idText(act.ReportID))
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", act.Type, target.URI, err)
	}
	return nil
}

// UndoAccountAction undoes an action (UndoSilence, UndoSuspend,
// UndoSensitive, UndoDisable). Undoing what was not done is no error,
// and is not logged. A local account unsuspended within its retention
// period has everything back, and its actor goes to its followers' nodes
// again as an Update.
func (e *Engine) UndoAccountAction(ctx context.Context, by, targetID storage.ID, undo string) error {
	if _, ok := actionAudit[undo]; !ok || reportTaken[undo] != "" {
		return invalid("%q is not one of unsilence, unsuspend, unsensitive, enable", undo)
	}
	target, _, _, err := e.accountActionParties(ctx, by, targetID, undo)
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		m, err := tx.AccountModeration(ctx, target.ID)
		if err != nil {
			return err
		}
		was := m
		switch undo {
		case UndoSilence:
			m.LimitedAt = time.Time{}
		case UndoSensitive:
			m.SensitiveAt = time.Time{}
		case UndoDisable:
			m.DisabledAt = time.Time{}
		case UndoSuspend:
			if target.SuspendedAt.IsZero() {
				return nil
			}
			m.PurgeAfter = time.Time{}
			target.SuspendedAt = time.Time{}
			if target.Local() {
				err = e.updateActor(ctx, tx, &target)
			} else {
				err = tx.UpdateAccount(ctx, &target)
			}
			if err != nil {
				return err
			}
		}
		if m == was && undo != UndoSuspend {
			return nil
		}
		if err := tx.SetAccountModeration(ctx, m); err != nil {
			return err
		}
		return audit(ctx, tx, by, actionAudit[undo], storage.AuditAccount, target.ID)
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", undo, target.URI, err)
	}
	return nil
}

// accountActionParties loads the target of an action and checks that by
// (0: the command line) may take it: a moderator or admin, not on
// themselves, not on the instance actor, a moderator not on staff, and
// no action that would leave the node without an admin who can sign in.
// user is the target's sign-in, nil for a remote account or a Group.
func (e *Engine) accountActionParties(ctx context.Context, byID, targetID storage.ID, typ string) (target storage.Account, user *storage.User, by storage.Account, err error) {
	if byID != 0 {
		if err := e.Authorize(ctx, byID, ActModerateAccounts); err != nil {
			return target, nil, by, err
		}
		if byID == targetID {
			return target, nil, by, invalid("moderators cannot act on their own account")
		}
		if by, err = e.store.AccountByID(ctx, byID); err != nil {
			return target, nil, by, fmt.Errorf("moderator %d: %w", byID, err)
		}
	}
	if target, err = e.store.AccountByID(ctx, targetID); err != nil {
		return target, nil, by, fmt.Errorf("account %d: %w", targetID, err)
	}
	if target.ID == e.instance.ID {
		return target, nil, by, invalid("the node's own actor cannot be moderated")
	}
	if !target.Local() {
		return target, nil, by, nil
	}
	u, err := e.store.UserByAccount(ctx, target.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return target, nil, by, nil
	}
	if err != nil {
		return target, nil, by, fmt.Errorf("account %d: %w", targetID, err)
	}
	if byID != 0 && Permission(u.Permission) != PermissionMember {
		if ok, err := e.Can(ctx, byID, ActManageRoles); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("act on staff: %w", ErrDenied)
			}
			return target, nil, by, err
		}
	}
	if typ == ActionSuspend || typ == UndoSuspend {
		if joined(u) != nil {
			return target, nil, by, invalid("%s has not finished joining: approve or delete the sign-up instead", target.Username)
		}
	}
	if (typ == ActionSuspend || typ == ActionDisable) && Permission(u.Permission) == PermissionAdmin {
		if err := e.keepAnAdmin(ctx, target); err != nil {
			return target, nil, by, err
		}
	}
	return target, &u, by, nil
}

// suspendInTx suspends an account in tx: hidden on every path by the
// visibility rule, sign-ins ended, its data's purge scheduled; for a
// local account a Delete of the actor goes to its followers' nodes.
// Suspending a suspended account changes nothing.
func (e *Engine) suspendInTx(ctx context.Context, tx *storage.Tx, a *storage.Account, m *storage.AccountModeration) error {
	if !a.SuspendedAt.IsZero() {
		return nil
	}
	var inboxes []string
	if a.Local() {
		var err error
		if inboxes, err = tx.FollowerInboxes(ctx, a.ID); err != nil {
			return err
		}
	}
	a.SuspendedAt = tx.Now()
	m.PurgeAfter = a.SuspendedAt.Add(SuspensionRetention)
	if err := tx.UpdateAccount(ctx, a); err != nil {
		return err
	}
	if !a.Local() {
		return nil
	}
	if err := tx.DeleteOtherSessions(ctx, a.ID, ""); err != nil {
		return err
	}
	// Mastodon removes the actor when told of its Delete and makes it
	// anew from an Update when the suspension is lifted. The id is new
	// each time: a second suspension's Delete must not be taken for the
	// first one's, seen already.
	act := activitypub.Activity{ID: e.urls.Activity(a.Username, tx.NewID()), Type: activitypub.TypeDelete, Actor: a.URI,
		To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: a.URI}}
	return e.publish(ctx, tx, *a, act, false, inboxes)
}

// endSignIns ends an account's sessions and revokes its apps' tokens.
func endSignIns(ctx context.Context, tx *storage.Tx, account storage.ID) error {
	if err := tx.DeleteOtherSessions(ctx, account, ""); err != nil {
		return err
	}
	_, err := tx.RevokeAccountTokens(ctx, account)
	return err
}

// warn tells a local member of an action and why: an AccountWarning and
// a moderation_warning notification from the node.
func (e *Engine) warn(ctx context.Context, tx *storage.Tx, account storage.ID, typ, text string, report storage.ID) error {
	n := storage.Notification{AccountID: account, FromAccountID: e.instance.ID, Type: storage.NotifyModerationWarning}
	if err := tx.InsertNotification(ctx, &n); err != nil {
		return err
	}
	// The warning takes the notification's id, so the notification
	// finds its warning with no column of its own.
	w := storage.AccountWarning{ID: n.ID, AccountID: account, Action: typ, Text: text, ReportID: report}
	if err := tx.InsertAccountWarning(ctx, &w); err != nil {
		return err
	}
	e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{account}})
	return nil
}

// draftSensitive is whether a local member's draft is to be marked
// sensitive: as they asked, or because it has media and a moderator
// marked their media sensitive.
func (e *Engine) draftSensitive(ctx context.Context, author storage.ID, d Draft) (bool, error) {
	if d.Sensitive || len(d.MediaIDs) == 0 {
		return d.Sensitive, nil
	}
	m, err := e.store.AccountModeration(ctx, author)
	if err != nil {
		return false, err
	}
	return !m.SensitiveAt.IsZero(), nil
}

// signInDisabled returns ErrLoginDisabled when a moderator has disabled
// a member's sign-in.
func (e *Engine) signInDisabled(ctx context.Context, account storage.ID) error {
	m, err := e.store.AccountModeration(ctx, account)
	if err != nil {
		return err
	}
	if !m.DisabledAt.IsZero() {
		return ErrLoginDisabled
	}
	return nil
}

// PurgeSuspended deletes the posts of accounts whose suspension has
// outlasted SuspensionRetention (at most a batch of accounts per call),
// and reports how many accounts it purged. The account row stays,
// suspended, so its name is not given to anyone else.
func (e *Engine) PurgeSuspended(ctx context.Context) (int, error) {
	ids, err := e.store.PurgeDue(ctx, e.store.Now(), 50)
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		for {
			sts, err := e.store.AccountStatusIDs(ctx, id, 200)
			if err != nil {
				return i, err
			}
			if len(sts) == 0 {
				break
			}
			err = e.store.InTx(ctx, func(tx *storage.Tx) error {
				for _, st := range sts {
					if err := e.deleteStatusRow(ctx, tx, st); err != nil && !errors.Is(err, storage.ErrNotFound) {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return i, fmt.Errorf("purge %d: %w", id, err)
			}
		}
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			m, err := tx.AccountModeration(ctx, id)
			if err != nil {
				return err
			}
			m.PurgeAfter = time.Time{}
			if err := tx.SetAccountModeration(ctx, m); err != nil {
				return err
			}
			return audit(ctx, tx, 0, AuditPurgeSuspended, storage.AuditAccount, id)
		})
		if err != nil {
			return i, fmt.Errorf("purge %d: %w", id, err)
		}
	}
	return len(ids), nil
}

// runPurge purges suspended accounts' data when it is due, hourly.
func (e *Engine) runPurge(ctx context.Context) {
	log := e.log.With("component", "purge")
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := e.PurgeSuspended(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "purge suspended accounts", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "purged suspended accounts", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func idText(id storage.ID) string {
	if id == 0 {
		return ""
	}
	return id.String()
}
