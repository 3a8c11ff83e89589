package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/copse-dev/copse/storage"
)

// Notifications for the node's staff, as Mastodon sends its own:
// admin.report when a report arrives, admin.sign_up when someone joins.
const (
	NotifyAdminReport = "admin.report"
	NotifyAdminSignUp = "admin.sign_up"
)

// rolesThatCan lists the node roles that may do a: who a notification
// about it goes to. Permission.Can stays the one rule.
func rolesThatCan(a Action) []string {
	var out []string
	for _, p := range []Permission{PermissionModerator, PermissionAdmin} {
		if p.Can(a) {
			out = append(out, string(p))
		}
	}
	return out
}

// notifyReport tells those who must look at rep: the node's staff who
// handle reports when it is in the node's queue, and the members here who
// moderate the community it is about (of a community hosted here, or of
// one hosted elsewhere whose moderators collection lists them). The
// notification comes from the reporter; from the community when the
// reporter is not known here.
func (e *Engine) notifyReport(ctx context.Context, tx *storage.Tx, rep storage.Report) error {
	var to []storage.ID
	if rep.ForNode {
		staff, err := tx.MembersWithRoles(ctx, rolesThatCan(ActHandleReports)...)
		if err != nil {
			return err
		}
		to = append(to, staff...)
	}
	var group storage.Account
	if rep.CommunityID != 0 {
		var err error
		if group, err = tx.AccountByID(ctx, rep.CommunityID); err != nil {
			return fmt.Errorf("community of report %d: %w", rep.ID, err)
		}
		mods, err := e.communityModeratorsHere(ctx, tx, group)
		if err != nil {
			return err
		}
		to = append(to, mods...)
	}
	from := group
	if rep.ReporterID != 0 {
		r, err := tx.AccountByID(ctx, rep.ReporterID)
		if err != nil {
			return fmt.Errorf("reporter of report %d: %w", rep.ID, err)
		}
		from = r
	}
	if from.ID == 0 { // neither a known reporter nor a community: the node's own actor
		from = e.instance
	}
	return e.notifyAll(ctx, tx, to, from, NotifyAdminReport, rep.ID)
}

// communityModeratorsHere lists the members of this node who moderate g.
func (e *Engine) communityModeratorsHere(ctx context.Context, tx *storage.Tx, g storage.Account) ([]storage.ID, error) {
	var out []storage.ID
	if g.Local() {
		mods, err := tx.CommunityModerators(ctx, g.ID)
		if err != nil {
			return nil, fmt.Errorf("moderators of %s: %w", g.Acct(), err)
		}
		for _, m := range mods {
			if m.Local() {
				out = append(out, m.ID)
			}
		}
		return out, nil
	}
	uris, err := e.localModeratorsOf(ctx, tx, g)
	if err != nil {
		return nil, fmt.Errorf("moderators of %s: %w", g.Acct(), err)
	}
	for _, uri := range uris {
		m, err := tx.AccountByURI(ctx, uri)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m.ID)
	}
	return out, nil
}

// notifySignUp tells the staff who approve registrations that a member
// joined: once their address is confirmed, or at once with an invitation.
func (e *Engine) notifySignUp(ctx context.Context, tx *storage.Tx, member storage.Account) error {
	staff, err := tx.MembersWithRoles(ctx, rolesThatCan(ActManageRegistrations)...)
	if err != nil {
		return err
	}
	return e.notifyAll(ctx, tx, staff, member, NotifyAdminSignUp, 0)
}

// notifyAll sends one notification of typ to each of to, once each,
// never to from itself.
func (e *Engine) notifyAll(ctx context.Context, tx *storage.Tx, to []storage.ID, from storage.Account, typ string, report storage.ID) error {
	slices.Sort(to)
	for _, id := range slices.Compact(to) {
		if id == from.ID {
			continue
		}
		n := storage.Notification{AccountID: id, FromAccountID: from.ID, Type: typ, ReportID: report}
		if err := tx.InsertNotification(ctx, &n); err != nil {
			return err
		}
		e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{id}})
	}
	return nil
}
