package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// The admin account commands that act on one member named by username:
// copse admin account role|suspend|unsuspend|delete|reset-password USERNAME.

// accountCommands are the words after copse admin account.
var accountCommands = []subcommand{
	{"create", accountCreate},
	{"list", accountList},
	{"pending", accountPending},
	{"approve", accountApprove},
	{"role", accountRole},
	{"set-role", accountSetRole},
	{"suspend", accountSuspend},
	{"unsuspend", accountUnsuspend},
	{"delete", accountDelete},
	{"reset-password", accountResetPassword},
	{"two-step-off", accountTwoStepOff},
	{"set-email", accountSetEmail},
	moderate("limit"), moderate("unlimit"),
	moderate("sensitive"), moderate("unsensitive"),
	moderate("disable"), moderate("enable"),
	moderate("warn"),
}

// moderate is the subcommand that takes the account action of its name.
func moderate(action string) subcommand {
	return subcommand{action, func(ctx context.Context, args []string, p proc) error {
		return accountModerate(ctx, action, args, p)
	}}
}

// passwordSource is where a command takes a password from: --password
// (for scripts that cannot do better), --password-stdin, or else a
// prompt at a terminal, or else the first line of standard input.
type passwordSource struct {
	value     string
	fromStdin bool
}

func passwordFlags(fs *flag.FlagSet, whose string) *passwordSource {
	s := &passwordSource{}
	fs.StringVar(&s.value, "password", "", whose+" `password` (10 characters or more); it shows in the shell's history "+
		"and the process list, so prefer a prompt or --password-stdin")
	fs.BoolVar(&s.fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	return s
}

func (s *passwordSource) read(p proc, prompt string) (string, error) {
	switch {
	case s.value != "" && s.fromStdin:
		return "", errors.New("give --password or --password-stdin, not both")
	case s.value != "":
		return s.value, nil
	case s.fromStdin:
		return readLine(p)
	}
	return readPassword(p, prompt)
}

// setRole is set-role and role: one way to change a role, and one way to
// say why it could not.
func setRole(ctx context.Context, n *node.Node, cmd, username, role string, p proc) error {
	perm, err := federation.ParsePermission(role)
	if err != nil {
		return err
	}
	if err := memberError(cmd, username, n.Engine.SetPermission(ctx, username, perm)); err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "%s is now %s\n", username, perm)
	return nil
}

// memberError words the engine's refusals about a member for the command
// line.
func memberError(cmd, username string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("%s: there is no member %q", cmd, username)
	case errors.Is(err, federation.ErrLastAdmin):
		return fmt.Errorf("%s: %s is the node's last admin who can sign in; make another admin first", cmd, username)
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

func accountRole(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account role"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "username", "role")
	if err != nil {
		return err
	}
	defer n.Close()
	return setRole(ctx, n, cmd, pos[0], pos[1], p)
}

func accountSuspend(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account suspend"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "username")
	if err != nil {
		return err
	}
	defer n.Close()
	if _, err := n.Engine.SuspendMember(ctx, pos[0]); err != nil {
		return memberError(cmd, pos[0], err)
	}
	fmt.Fprintf(p.stdout, "%s is suspended: signed out everywhere, apps refused, profile and posts hidden\n", pos[0])
	return nil
}

func accountUnsuspend(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account unsuspend"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "username")
	if err != nil {
		return err
	}
	defer n.Close()
	if _, err := n.Engine.UnsuspendMember(ctx, pos[0]); err != nil {
		return memberError(cmd, pos[0], err)
	}
	fmt.Fprintf(p.stdout, "%s may sign in again\n", pos[0])
	return nil
}

func accountDelete(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account delete"
	a := newAdminFlags(cmd)
	yes := a.fs.Bool("yes", false, "confirm: deleting cannot be undone")
	n, pos, err := a.openArgs(ctx, args, p, "username")
	if err != nil {
		return err
	}
	defer n.Close()
	if !*yes {
		return fmt.Errorf("%s: deleting %s cannot be undone; add --yes to do it (or suspend them instead)", cmd, pos[0])
	}
	if _, err := n.Engine.DeleteMember(ctx, pos[0]); err != nil {
		return memberError(cmd, pos[0], err)
	}
	fmt.Fprintf(p.stdout, "deleted %s: their followers' servers are told; the username stays taken\n", pos[0])
	return nil
}

// accountTwoStepOff turns a member's two-step sign-in off, for one who
// lost the phone with their authenticator app.
func accountTwoStepOff(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account two-step-off"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "username")
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Engine.TwoStepOff(ctx, pos[0]); err != nil {
		return memberError(cmd, pos[0], err)
	}
	fmt.Fprintf(p.stdout, "%s signs in with their password alone again\n", pos[0])
	return nil
}

func accountResetPassword(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account reset-password"
	a := newAdminFlags(cmd)
	pw := passwordFlags(a.fs, "the new")
	n, pos, err := a.openArgs(ctx, args, p, "username")
	if err != nil {
		return err
	}
	defer n.Close()
	password, err := pw.read(p, "New password for "+pos[0])
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if err := n.Engine.ResetPassword(ctx, pos[0], password); err != nil {
		return memberError(cmd, pos[0], err)
	}
	fmt.Fprintf(p.stdout, "%s has a new password: signed out everywhere, and every app's access revoked\n", pos[0])
	return nil
}

// accountSetEmail changes a member's address at once, for a member who
// can receive mail at neither address (members change theirs at
// /settings/email-address, confirming by mail).
func accountSetEmail(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account set-email"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "username", "address")
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Engine.SetMemberEmail(ctx, pos[0], pos[1]); err != nil {
		return memberError(cmd, pos[0], err)
	}
	fmt.Fprintf(p.stdout, "%s's email address is now %s\n", pos[0], strings.TrimSpace(pos[1]))
	return nil
}

// accountModerations are the account actions copse admin account takes
// by name, as the engine's action or undo.
var accountModerations = map[string]struct {
	action, undo string
	done         string // what the command says it did
}{
	"limit":       {action: federation.ActionSilence, done: "is limited: hidden from public timelines and from those who do not follow them"},
	"unlimit":     {undo: federation.UndoSilence, done: "is no longer limited"},
	"sensitive":   {action: federation.ActionSensitive, done: "has their media marked sensitive"},
	"unsensitive": {undo: federation.UndoSensitive, done: "no longer has their media marked sensitive"},
	"disable":     {action: federation.ActionDisable, done: "may not sign in"},
	"enable":      {undo: federation.UndoDisable, done: "may sign in again"},
	"warn":        {action: federation.ActionNone, done: "is warned"},
}

// accountModerate is copse admin account limit|unlimit|sensitive|
// unsensitive|disable|enable|warn ACCOUNT --reason TEXT: a member by
// username, or a remote account as user@host.
func accountModerate(ctx context.Context, name string, args []string, p proc) error {
	m, ok := accountModerations[name]
	if !ok {
		return fmt.Errorf("admin account: unknown command %q", name)
	}
	cmd := "admin account " + name
	a := newAdminFlags(cmd)
	reason := a.fs.String("reason", "", "why, which the member is shown")
	n, pos, err := a.openArgs(ctx, args, p, "account")
	if err != nil {
		return err
	}
	defer n.Close()
	target, err := accountNamed(ctx, n, pos[0])
	if err != nil {
		return memberError(cmd, pos[0], err)
	}
	if m.action != "" {
		if m.action == federation.ActionNone && *reason == "" {
			return fmt.Errorf("%s: a warning needs --reason", cmd)
		}
		err = n.Engine.ActOnAccount(ctx, federation.AccountAction{Target: target.ID, Type: m.action, Text: *reason})
	} else {
		err = n.Engine.UndoAccountAction(ctx, 0, target.ID, m.undo)
	}
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, "%s %s\n", pos[0], m.done)
	return nil
}

// accountNamed finds a member by username, or a remote account by
// user@host (a leading @ allowed).
func accountNamed(ctx context.Context, n *node.Node, name string) (storage.Account, error) {
	name = strings.TrimPrefix(name, "@")
	if user, host, ok := strings.Cut(name, "@"); ok {
		if strings.EqualFold(host, n.Engine.URLs().Host()) {
			return n.Store.AccountByUsername(ctx, user)
		}
		return n.Store.AccountByAcct(ctx, user, strings.ToLower(host))
	}
	return n.Store.AccountByUsername(ctx, name)
}
