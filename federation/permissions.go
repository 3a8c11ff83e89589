package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/storage"
)

// Permission is a member's role on the node: what they may do here, not
// their job (that is Account.JobTitle). It is stored as the users.role
// text ("member", "moderator", "admin").
type Permission string

// The node roles. Each includes everything the one before it may do.
const (
	PermissionMember    Permission = storage.PermissionMember
	PermissionModerator Permission = storage.PermissionModerator
	PermissionAdmin     Permission = storage.PermissionAdmin
)

// Action is something only some roles may do on the node. Every path that
// offers one (CLI, web, the Mastodon admin API) asks Can, so the rule of
// who may do what is written here once.
type Action int

// The actions. Moderators act on content, accounts and reports; admins
// also on federation policy, roles, registrations, node settings,
// announcements and custom emojis.
const (
	// ActModerateContent: remove posts, mark media sensitive.
	ActModerateContent Action = iota + 1
	// ActModerateAccounts: suspend, limit, silence, warn local and remote
	// accounts.
	ActModerateAccounts
	// ActHandleReports: read the report queue, assign, note, resolve.
	ActHandleReports
	// ActViewAuditLog: read the log of moderators' and admins' actions.
	ActViewAuditLog
	// ActManageFederation: domain blocks and allows, federation mode,
	// shared lists.
	ActManageFederation
	// ActManageRoles: make members moderators or admins, and back.
	ActManageRoles
	// ActManageRegistrations: registration mode, invitations, approving
	// sign-ups.
	ActManageRegistrations
	// ActManageSettings: the node's name, rules and other settings.
	ActManageSettings
	// ActManageAnnouncements: publish and delete the announcements every
	// member reads.
	ActManageAnnouncements
	// ActManageEmojis: add and remove the node's custom emojis.
	ActManageEmojis
)

// actionNames are for error messages and logs.
var actionNames = map[Action]string{
	ActModerateContent:     "moderate content",
	ActModerateAccounts:    "moderate accounts",
	ActHandleReports:       "handle reports",
	ActViewAuditLog:        "view the audit log",
	ActManageFederation:    "manage federation policy",
	ActManageRoles:         "manage roles",
	ActManageRegistrations: "manage registrations",
	ActManageSettings:      "manage node settings",
	ActManageAnnouncements: "manage announcements",
	ActManageEmojis:        "manage custom emojis",
}

func (a Action) String() string {
	if n, ok := actionNames[a]; ok {
		return n
	}
	return fmt.Sprintf("action %d", int(a))
}

// moderatorActions are what a moderator may do; an admin may do every
// action, a member none.
var moderatorActions = map[Action]bool{
	ActModerateContent:  true,
	ActModerateAccounts: true,
	ActHandleReports:    true,
	ActViewAuditLog:     true,
}

// Valid reports whether p is one of the node roles.
func (p Permission) Valid() bool {
	return p == PermissionMember || p == PermissionModerator || p == PermissionAdmin
}

// Can reports whether a member with role p may do a. An unknown role may
// do nothing, and no role may do an unknown action.
func (p Permission) Can(a Action) bool {
	if _, known := actionNames[a]; !known {
		return false
	}
	switch p {
	case PermissionAdmin:
		return true
	case PermissionModerator:
		return moderatorActions[a]
	}
	return false
}

// atLeast reports whether p is q or a role above it; an unknown role is
// below every role.
func (p Permission) atLeast(q Permission) bool {
	rank := map[Permission]int{PermissionMember: 1, PermissionModerator: 2, PermissionAdmin: 3}
	return rank[p] > 0 && rank[p] >= rank[q]
}

// ParsePermission returns the role named s, or an InvalidError that a
// person can read.
func ParsePermission(s string) (Permission, error) {
	p := Permission(s)
	if !p.Valid() {
		return "", invalid("role %q is not member, moderator or admin", s)
	}
	return p, nil
}

// Can reports whether the local account may do a. An account without a
// sign-in (a community, a remote actor) may do nothing, and neither may a
// suspended member. Any other error loading them is returned, never taken
// for a quiet "no".
func (e *Engine) Can(ctx context.Context, account storage.ID, a Action) (bool, error) {
	acct, err := e.store.AccountByID(ctx, account)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("may %d %s: %w", account, a, err)
	}
	return e.AccountCan(ctx, acct, a)
}

// AccountCan is Can for an account the caller has already loaded (a
// session has), so the account is not read again: the rule is the same,
// and written only here. The account's role is still read, as it lives
// with the sign-in.
func (e *Engine) AccountCan(ctx context.Context, acct storage.Account, a Action) (bool, error) {
	if acct.ID == 0 || !acct.SuspendedAt.IsZero() {
		return false, nil
	}
	u, err := e.store.UserByAccount(ctx, acct.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("may %d %s: %w", acct.ID, a, err)
	}
	return Permission(u.Permission).Can(a), nil
}

// Authorize is Can for a command: nil when the account may do a,
// ErrDenied when it may not.
func (e *Engine) Authorize(ctx context.Context, account storage.ID, a Action) error {
	ok, err := e.Can(ctx, account, a)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: %w", a, ErrDenied)
	}
	return nil
}
