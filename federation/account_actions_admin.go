package federation

import (
	"context"
	"fmt"

	"github.com/copse-dev/copse/storage"
)

// What the Mastodon admin API and the dashboard read and do about
// accounts beyond the actions themselves (account_actions.go): listing,
// roles, approving and rejecting sign-ups. Each asks Authorize first.

// AdminAccounts lists accounts for a moderator.
func (e *Engine) AdminAccounts(ctx context.Context, by storage.ID, f storage.AdminAccountFilter, p storage.Page) ([]storage.Account, error) {
	if err := e.Authorize(ctx, by, ActModerateAccounts); err != nil {
		return nil, err
	}
	return e.store.AdminAccounts(ctx, f, p)
}

// AccountStanding is an account as moderators see it: its sign-in (nil
// for a remote account or a Group) and the actions on it.
type AccountStanding struct {
	Account    storage.Account
	User       *storage.User
	Moderation storage.AccountModeration
}

// AdminAccount returns one account as moderators see it.
func (e *Engine) AdminAccount(ctx context.Context, by, id storage.ID) (AccountStanding, error) {
	if err := e.Authorize(ctx, by, ActModerateAccounts); err != nil {
		return AccountStanding{}, err
	}
	return e.AccountStanding(ctx, id)
}

// AccountStanding loads an account, its sign-in and the actions on it,
// for a caller that has been authorized (or the command line).
func (e *Engine) AccountStanding(ctx context.Context, id storage.ID) (AccountStanding, error) {
	var s AccountStanding
	var err error
	if s.Account, err = e.store.AccountByID(ctx, id); err != nil {
		return s, fmt.Errorf("account %d: %w", id, err)
	}
	if s.Account.Local() {
		if u, err := e.store.UserByAccount(ctx, id); err == nil {
			s.User = &u
		}
	}
	if s.Moderation, err = e.store.AccountModeration(ctx, id); err != nil {
		return s, err
	}
	return s, nil
}

// SetRoleOf changes a member's node role for an admin (ActManageRoles:
// a moderator is refused with ErrDenied).
func (e *Engine) SetRoleOf(ctx context.Context, by, target storage.ID, role string) error {
	if err := e.Authorize(ctx, by, ActManageRoles); err != nil {
		return err
	}
	p, err := ParsePermission(role)
	if err != nil {
		return err
	}
	a, err := e.store.AccountByID(ctx, target)
	if err != nil {
		return fmt.Errorf("account %d: %w", target, err)
	}
	if !a.Local() {
		return invalid("%s is not a member of this node", a.URI)
	}
	return e.setPermission(ctx, by, a.Username, p)
}

// ApproveAccount lets in a member who waits for approval, for an admin.
func (e *Engine) ApproveAccount(ctx context.Context, by, target storage.ID) (Joined, error) {
	if err := e.Authorize(ctx, by, ActManageRegistrations); err != nil {
		return Joined{}, err
	}
	a, err := e.store.AccountByID(ctx, target)
	if err != nil {
		return Joined{}, fmt.Errorf("account %d: %w", target, err)
	}
	return e.approveMember(ctx, by, a.Username)
}

// RejectAccount turns down a sign-up that waits for approval, for an
// admin: its sign-in goes, and the account stays held (suspended), so
// its name is not reused. An approved member is not a sign-up to reject.
func (e *Engine) RejectAccount(ctx context.Context, by, target storage.ID) error {
	if err := e.Authorize(ctx, by, ActManageRegistrations); err != nil {
		return err
	}
	a, err := e.store.AccountByID(ctx, target)
	if err != nil {
		return fmt.Errorf("account %d: %w", target, err)
	}
	u, err := e.store.UserByAccount(ctx, target)
	if err != nil {
		return fmt.Errorf("account %d: %w", target, err)
	}
	if !u.ApprovedAt.IsZero() {
		return invalid("%s is not waiting for approval", a.Username)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if a.SuspendedAt.IsZero() {
			a.SuspendedAt = tx.Now()
			if err := tx.UpdateAccount(ctx, &a); err != nil {
				return err
			}
		}
		if err := endSignIns(ctx, tx, a.ID); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, a.ID); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditReject, storage.AuditAccount, a.ID)
	})
	if err != nil {
		return fmt.Errorf("reject %s: %w", a.Username, err)
	}
	return nil
}

// AccountWarnings lists the reasons a member has been given for actions
// on their account, newest first: the member themselves, or a moderator.
func (e *Engine) AccountWarnings(ctx context.Context, by, account storage.ID, limit int) ([]storage.AccountWarning, error) {
	if by != account {
		if err := e.Authorize(ctx, by, ActModerateAccounts); err != nil {
			return nil, err
		}
	}
	return e.store.AccountWarnings(ctx, account, limit)
}
