package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/node"
)

// adminFlags are the node settings an admin command needs to find the
// same database (and host) as `copse serve`.
type adminFlags struct {
	fs      *flag.FlagSet
	config  string
	dataDir string
	host    string
}

func newAdminFlags(name string, out io.Writer) *adminFlags {
	a := &adminFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	a.fs.SetOutput(out)
	a.fs.StringVar(&a.config, "config", "", "YAML configuration `file`")
	a.fs.StringVar(&a.dataDir, "data-dir", "", "data `directory` (as for copse serve)")
	a.fs.StringVar(&a.host, "host", "", "the node's public `host` (as for copse serve)")
	return a
}

// open parses args and opens the node the flags, environment and file
// describe.
func (a *adminFlags) open(ctx context.Context, args []string, getenv func(string) string) (*node.Node, error) {
	if err := a.fs.Parse(args); err != nil {
		return nil, err
	}
	if a.fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", a.fs.Arg(0))
	}
	var cfgArgs []string
	a.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "config", "data-dir", "host":
			cfgArgs = append(cfgArgs, "--"+f.Name+"="+f.Value.String())
		}
	})
	cfg, err := loadConfig(cfgArgs, getenv)
	if err != nil {
		return nil, err
	}
	return node.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("admin: name a command: account or deliveries")
	}
	switch args[0] {
	case "account":
		if len(args) < 2 {
			return errors.New("admin account: name a command: create, list or set-role")
		}
		switch args[1] {
		case "create":
			return accountCreate(ctx, args[2:], getenv, stdout, stderr)
		case "list":
			return accountList(ctx, args[2:], getenv, stdout, stderr)
		case "set-role":
			return accountSetRole(ctx, args[2:], getenv, stdout, stderr)
		}
		return fmt.Errorf("admin account: unknown command %q", args[1])
	case "deliveries":
		return deliveries(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("admin: unknown command %q", args[0])
}

func accountCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	a := newAdminFlags("admin account create", stderr)
	var m federation.NewMember
	a.fs.StringVar(&m.Username, "username", "", "the member's `username` (letters, digits, underscores)")
	a.fs.StringVar(&m.Email, "email", "", "the member's `email` address, used to sign in")
	a.fs.StringVar(&m.Password, "password", "", "the member's initial `password` (10 characters or more)")
	a.fs.StringVar(&m.Role, "role", "member", "node `role`: member, moderator or admin")
	a.fs.StringVar(&m.DisplayName, "display-name", "", "display `name`")
	a.fs.StringVar(&m.Organisation, "organisation", "", "the member's `organisation`")
	a.fs.StringVar(&m.Department, "department", "", "the member's `department`")
	a.fs.StringVar(&m.JobRole, "job-role", "", "the member's job `role`")
	a.fs.BoolVar(&m.Locked, "locked", false, "approve followers manually")
	n, err := a.open(ctx, args, getenv)
	if err != nil {
		return err
	}
	defer n.Close()
	var missing []string
	for name, v := range map[string]string{"--username": m.Username, "--email": m.Email, "--password": m.Password} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("admin account create: %s required", strings.Join(missing, ", "))
	}
	acct, err := n.Engine.CreateMember(ctx, m)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s) as %s: %s\n", acct.Username, m.Email, m.Role, acct.URI)
	return nil
}

func accountList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	n, err := newAdminFlags("admin account list", stderr).open(ctx, args, getenv)
	if err != nil {
		return err
	}
	defer n.Close()
	members, err := n.Store.Members(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tEMAIL\tROLE\tCREATED")
	for _, m := range members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Account.Username, m.User.Email, m.User.Role, m.User.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

func accountSetRole(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	a := newAdminFlags("admin account set-role", stderr)
	username := a.fs.String("username", "", "the member's `username`")
	role := a.fs.String("role", "", "new `role`: member, moderator or admin")
	n, err := a.open(ctx, args, getenv)
	if err != nil {
		return err
	}
	defer n.Close()
	if *username == "" || *role == "" {
		return errors.New("admin account set-role: --username and --role required")
	}
	if err := n.Engine.SetRole(ctx, *username, *role); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is now %s\n", *username, *role)
	return nil
}

func deliveries(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	n, err := newAdminFlags("admin deliveries", stderr).open(ctx, args, getenv)
	if err != nil {
		return err
	}
	defer n.Close()
	queued, hosts, err := n.Store.DeliveryStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "queued deliveries: %d\n", queued)
	if len(hosts) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tQUEUED\tFAILURES\tBACKED OFF UNTIL\tLAST ERROR")
	for _, h := range hosts {
		until := "-"
		if !h.BackoffUntil.IsZero() {
			until = h.BackoffUntil.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", h.Host, h.Queued, h.Failures, until, h.LastError)
	}
	return tw.Flush()
}
