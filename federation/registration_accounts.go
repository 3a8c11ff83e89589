package federation

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// What the node's admins do to a member's place on the node: their role,
// suspension, their password, and deletion. The CLI calls these today;
// the web dashboard and the Mastodon admin API are to call the same ones.

// ErrLastAdmin is a change that would leave the node with no admin who
// can sign in.
var ErrLastAdmin = errors.New("federation: the node's last admin")

// member returns a local member (an account with a sign-in) by username.
func (e *Engine) member(ctx context.Context, username string) (storage.Account, storage.User, error) {
	a, err := e.store.AccountByUsername(ctx, username)
	if err != nil {
		return storage.Account{}, storage.User{}, fmt.Errorf("member %s: %w", username, err)
	}
	u, err := e.store.UserByAccount(ctx, a.ID)
	if err != nil {
		return storage.Account{}, storage.User{}, fmt.Errorf("member %s: %w", username, err)
	}
	return a, u, nil
}

// SetPermission changes a member's node role. It refuses (ErrLastAdmin)
// to take the role from the node's last admin who is not suspended.
func (e *Engine) SetPermission(ctx context.Context, username string, p Permission) error {
	return e.setPermission(ctx, 0, username, p)
}

// setPermission is SetPermission by by (0: the command line), who has
// been authorized, recorded in the audit log.
func (e *Engine) setPermission(ctx context.Context, by storage.ID, username string, p Permission) error {
	if !p.Valid() {
		return invalid("role %q is not member, moderator or admin", p)
	}
	a, u, err := e.member(ctx, username)
	if err != nil {
		return err
	}
	if Permission(u.Permission) == PermissionAdmin && p != PermissionAdmin {
		if err := e.keepAnAdmin(ctx, a); err != nil {
			return err
		}
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetUserRole(ctx, a.ID, string(p)); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditChangeRole, storage.AuditAccount, a.ID, "role", string(p), "was", u.Permission)
	})
	if err != nil {
		return fmt.Errorf("set role of %s: %w", username, err)
	}
	return nil
}

// keepAnAdmin returns ErrLastAdmin when a is an admin who can sign in and
// no other admin can.
func (e *Engine) keepAnAdmin(ctx context.Context, a storage.Account) error {
	if !a.SuspendedAt.IsZero() {
		return nil // not counted among those who can sign in
	}
	n, err := e.store.CountPermission(ctx, storage.PermissionAdmin)
	if err != nil {
		return err
	}
	if n <= 1 {
		return fmt.Errorf("%s: %w", a.Username, ErrLastAdmin)
	}
	return nil
}

// SuspendMember suspends a member from the command line (ActOnAccount
// with ActionSuspend): their sessions end, their apps' tokens are
// refused while the suspension lasts, their profile and posts are hidden
// on every path, and their followers' nodes are sent a Delete of the
// actor. Nothing is deleted for SuspensionRetention: UnsuspendMember
// restores all of it. Suspending a suspended member is no error.
func (e *Engine) SuspendMember(ctx context.Context, username string) (storage.Account, error) {
	a, _, err := e.member(ctx, username)
	if err != nil {
		return storage.Account{}, err
	}
	if err := e.ActOnAccount(ctx, AccountAction{Target: a.ID, Type: ActionSuspend}); err != nil {
		return storage.Account{}, err
	}
	return e.store.AccountByID(ctx, a.ID)
}

// UnsuspendMember lifts a member's suspension (UndoAccountAction with
// UndoSuspend); their apps' tokens work again. Unsuspending a member who
// is not suspended is no error.
func (e *Engine) UnsuspendMember(ctx context.Context, username string) (storage.Account, error) {
	a, _, err := e.member(ctx, username)
	if err != nil {
		return storage.Account{}, err
	}
	if err := e.UndoAccountAction(ctx, 0, a.ID, UndoSuspend); err != nil {
		return storage.Account{}, err
	}
	return e.store.AccountByID(ctx, a.ID)
}

// ResetPassword sets a member's password without the current one (an
// admin's reset, or a reset confirmed by email), ends every session of
// theirs and revokes every app's token: whoever held the old password, or
// an app it let in, is shut out.
func (e *Engine) ResetPassword(ctx context.Context, username, password string) error {
	a, _, err := e.member(ctx, username)
	if err != nil {
		return err
	}
	return e.resetPassword(ctx, a.ID, password)
}

func (e *Engine) resetPassword(ctx context.Context, account storage.ID, password string) error {
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetPasswordHash(ctx, account, hash); err != nil {
			return err
		}
		if err := tx.DeleteOtherSessions(ctx, account, ""); err != nil {
			return err
		}
		if _, err := tx.RevokeAccountTokens(ctx, account); err != nil {
			return err
		}
		return audit(ctx, tx, 0, AuditResetPassword, storage.AuditAccount, account, "via", "operator")
	})
	if err != nil {
		return fmt.Errorf("reset password of %d: %w", account, err)
	}
	return nil
}

// hashPassword checks a new password against the node's rule and hashes
// it.
func hashPassword(password string) (string, error) {
	if len(password) < minPasswordLength {
		return "", invalid("password must be at least %d characters", minPasswordLength)
	}
	if len(password) > 72 {
		// bcrypt reads no further: a longer password would be accepted
		// with anything after its 72nd byte.
		return "", invalid("password must be at most 72 bytes")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(hash), nil
}

// DeleteMember deletes a member: their sign-in (email, password, role),
// sessions and tokens go at once, the account is suspended so their
// profile and posts disappear from every page and API, and a Delete of
// the actor goes to their followers' servers. The account row stays, so
// the username is never given to someone else (peers remember the actor
// by its id) and its queued deliveries can still be signed.
func (e *Engine) DeleteMember(ctx context.Context, username string) (storage.Account, error) {
	a, u, err := e.member(ctx, username)
	if err != nil {
		return storage.Account{}, err
	}
	return a, e.deleteMember(ctx, a, u, 0)
}

// DeleteOwnAccount deletes the member's own account for good, as
// DeleteMember does, when password is theirs (else ErrDenied); the
// node's last admin who can sign in cannot (ErrLastAdmin). The audit log
// names the member as the one who did it.
func (e *Engine) DeleteOwnAccount(ctx context.Context, memberID storage.ID, password string) error {
	a, err := e.localAccount(ctx, memberID)
	if err != nil {
		return err
	}
	u, err := e.store.UserByAccount(ctx, memberID)
	if err != nil {
		return fmt.Errorf("delete account %d: %w", memberID, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return ErrDenied
	}
	return e.deleteMember(ctx, a, u, a.ID)
}

// deleteMember deletes a's sign-in, sessions and tokens, hides what they
// wrote, and sends a Delete of the actor; by is who did it (0: the
// operator).
func (e *Engine) deleteMember(ctx context.Context, a storage.Account, u storage.User, by storage.ID) error {
	if Permission(u.Permission) == PermissionAdmin {
		if err := e.keepAnAdmin(ctx, a); err != nil {
			return err
		}
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		inboxes, err := tx.FollowerInboxes(ctx, a.ID)
		if err != nil {
			return err
		}
		if a.SuspendedAt.IsZero() {
			a.SuspendedAt = tx.Now()
		}
		if err := tx.UpdateAccount(ctx, &a); err != nil {
			return err
		}
		if err := tx.DeleteOtherSessions(ctx, a.ID, ""); err != nil {
			return err
		}
		if _, err := tx.RevokeAccountTokens(ctx, a.ID); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, a.ID); err != nil {
			return err
		}
		if err := audit(ctx, tx, by, AuditDeleteAccount, storage.AuditAccount, a.ID); err != nil {
			return err
		}
		act := activitypub.Activity{ID: a.URI + "#delete", Type: activitypub.TypeDelete, Actor: a.URI,
			To: []string{activitypub.PublicIRI}, Object: activitypub.Object{IRI: a.URI}}
		return e.publish(ctx, tx, a, act, false, inboxes)
	})
	if err != nil {
		return fmt.Errorf("delete member %s: %w", a.Username, err)
	}
	return nil
}
