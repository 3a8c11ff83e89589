package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/node"
)

// adminFlags are the node settings an admin command needs to find the
// same node as `copse serve`: its data directory, and optionally its host
// and protocol, which otherwise come from the node's own database.
type adminFlags struct {
	name     string
	fs       *flag.FlagSet
	config   string
	dataDir  string
	host     string
	protocol string
}

func newAdminFlags(name string) *adminFlags {
	a := &adminFlags{name: name, fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	// The flag package would print the whole usage before its error;
	// the error alone is one line, and -h prints the usage.
	a.fs.SetOutput(io.Discard)
	a.fs.StringVar(&a.config, "config", "", "YAML configuration `file` (as for copse serve)")
	a.fs.StringVar(&a.dataDir, "data-dir", "", "data `directory` (as for copse serve)")
	a.fs.StringVar(&a.host, "host", "", "the node's public `host`; by default the one its database records")
	a.fs.StringVar(&a.protocol, "protocol", "", "the node's public `protocol`; by default the one its database records")
	return a
}

// open parses args and opens the existing node the flags, environment and
// file describe. A host or protocol named anywhere must match the one the
// node's database records.
func (a *adminFlags) open(ctx context.Context, args []string, p proc) (*node.Node, error) {
	n, _, err := a.openArgs(ctx, args, p)
	return n, err
}

// openArgs is open for a command that takes arguments besides its flags
// (copse admin account suspend alice): they may come before, between or
// after the flags, and there must be exactly as many as it names.
func (a *adminFlags) openArgs(ctx context.Context, args []string, p proc, names ...string) (*node.Node, []string, error) {
	var positional []string
	for {
		if err := a.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(p.stdout, "usage: copse %s [flags]%s\n\nflags:\n", a.name, argNames(names))
				a.fs.SetOutput(p.stdout)
				a.fs.PrintDefaults()
				return nil, nil, err
			}
			return nil, nil, fmt.Errorf("%s: %w (copse %s -h lists its flags)", a.name, err, a.name)
		}
		if a.fs.NArg() == 0 {
			break
		}
		positional = append(positional, a.fs.Arg(0))
		args = a.fs.Args()[1:]
	}
	if len(positional) > len(names) {
		return nil, nil, fmt.Errorf("%s: unexpected argument %q", a.name, positional[len(names)])
	}
	if len(positional) < len(names) {
		return nil, nil, fmt.Errorf("%s: give the %s (copse %s%s)", a.name, names[len(positional)], a.name, argNames(names))
	}
	var cfgArgs []string
	a.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "config", "data-dir", "host", "protocol":
			cfgArgs = append(cfgArgs, "--"+f.Name+"="+f.Value.String())
		}
	})
	cfg, named, err := resolveConfig(cfgArgs, p.getenv)
	if err != nil {
		return nil, nil, err
	}
	n, err := node.OpenExisting(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), !named)
	if err != nil {
		return nil, nil, err
	}
	return n, positional, nil
}

func argNames(names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(" " + strings.ToUpper(n))
	}
	return b.String()
}

func admin(ctx context.Context, args []string, p proc) error {
	if len(args) == 0 {
		fmt.Fprint(p.stderr, usage)
	}
	return dispatch(ctx, "admin", adminCommands, args, p)
}

// adminCommands are the words after copse admin.
var adminCommands = []subcommand{
	group("account", accountCommands),
	group("invite", inviteCommands),
	{"audit", auditList},
	group("announcement", announcementCommands),
	group("trends", trendsCommands),
	group("emoji", emojiCommands),
	group("domain", domainCommands),
	group("email-domain", emailDomainCommands),
	group("mail", mailCommands),
	group("federation", federationCommands),
	{"backup", backup},
	group("community", communityCommands),
	{"deliveries", deliveries},
	group("node", nodeCommands),
}

// group is the admin subcommand that runs one of cmds: copse admin NAME CMD.
func group(name string, cmds []subcommand) subcommand {
	return subcommand{name, func(ctx context.Context, args []string, p proc) error {
		return dispatch(ctx, "admin "+name, cmds, args, p)
	}}
}

// nodeCommands are the words after copse admin node.
var nodeCommands = []subcommand{
	{"show", nodeShow},
	{"set-url", nodeSetURL},
}

func accountCreate(ctx context.Context, args []string, p proc) error {
	a := newAdminFlags("admin account create")
	var m federation.NewMember
	a.fs.StringVar(&m.Username, "username", "", "the member's `username` (letters, digits, underscores)")
	a.fs.StringVar(&m.Email, "email", "", "the member's `email` address, used to sign in")
	pw := passwordFlags(a.fs, "the member's initial")
	a.fs.StringVar(&m.Permission, "role", "member", "node `role`: member, moderator or admin")
	a.fs.StringVar(&m.DisplayName, "display-name", "", "display `name`")
	a.fs.StringVar(&m.Organisation, "organisation", "", "the member's `organisation`")
	a.fs.StringVar(&m.Department, "department", "", "the member's `department`")
	a.fs.StringVar(&m.JobTitle, "job-role", "", "the member's job `role`")
	a.fs.BoolVar(&m.Locked, "locked", false, "approve followers manually")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	var missing []string
	for _, f := range []struct{ name, v string }{{"--username", m.Username}, {"--email", m.Email}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("admin account create: %s required", strings.Join(missing, " and "))
	}
	if m.Password, err = pw.read(p, "Password for "+m.Username); err != nil {
		return fmt.Errorf("admin account create: %w", err)
	}
	acct, err := n.Engine.CreateMember(ctx, m)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "created %s (%s) as %s: %s\n", acct.Username, m.Email, m.Permission, acct.URI)
	return nil
}

// readPassword asks for a password at a terminal, without echo and twice
// to catch a typing slip, or reads the first line of standard input when
// it is a pipe or a file (scripts: printf '%s\n' "$PW" | copse ...).
func readPassword(p proc, prompt string) (string, error) {
	if f, ok := p.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(p.stderr, prompt+": ")
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(p.stderr)
			return string(b), err
		}
		pw, err := ask(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		again, err := ask("Again")
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if pw != again {
			return "", errors.New("the two passwords differ")
		}
		return pw, nil
	}
	return readLine(p)
}

// readLine reads a password from the first line of standard input.
func readLine(p proc) (string, error) {
	if p.stdin == nil {
		return "", errors.New("no password: give --password, or one line on standard input")
	}
	line, err := bufio.NewReader(io.LimitReader(p.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: give --password, or one line on standard input")
	}
	return line, nil
}

func accountList(ctx context.Context, args []string, p proc) error {
	n, err := newAdminFlags("admin account list").open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	members, err := n.Store.Members(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(p.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tEMAIL\tROLE\tCREATED\tSTATUS")
	for _, m := range members {
		status := "active"
		switch {
		case m.User.ApprovedAt.IsZero():
			status = "awaiting approval"
		case m.User.ConfirmedAt.IsZero():
			status = "unconfirmed"
		case !m.Account.SuspendedAt.IsZero():
			status = "suspended"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Account.Username, m.User.Email, m.User.Permission,
			m.User.CreatedAt.Format(time.DateOnly), status)
	}
	return tw.Flush()
}

func accountSetRole(ctx context.Context, args []string, p proc) error {
	a := newAdminFlags("admin account set-role")
	username := a.fs.String("username", "", "the member's `username`")
	role := a.fs.String("role", "", "new `role`: member, moderator or admin")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	if *username == "" || *role == "" {
		return errors.New("admin account set-role: --username and --role required")
	}
	return setRole(ctx, n, "admin account set-role", *username, *role, p)
}

func deliveries(ctx context.Context, args []string, p proc) error {
	n, err := newAdminFlags("admin deliveries").open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	queued, hosts, err := n.Store.DeliveryStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "queued deliveries: %d\n", queued)
	if len(hosts) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(p.stdout, 0, 4, 2, ' ', 0)
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

func nodeShow(ctx context.Context, args []string, p proc) error {
	n, err := newAdminFlags("admin node show").open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	fmt.Fprintf(p.stdout, "base URL: %s\ndata directory: %s\n", n.Config.BaseURL(), n.Config.DataDir)
	return nil
}

// nodeSetURL moves a node that has never federated to another base URL:
// for a node first started under the wrong host name.
func nodeSetURL(ctx context.Context, args []string, p proc) error {
	a := newAdminFlags("admin node set-url")
	// The URL comes after the flags: copse admin node set-url [flags] URL.
	var to string
	if len(args) > 0 && !strings.HasPrefix(args[len(args)-1], "-") {
		to, args = args[len(args)-1], args[:len(args)-1]
	}
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	if to == "" {
		return errors.New("admin node set-url: give the new base URL, such as https://council-a.example")
	}
	from := n.Config.BaseURL()
	if err := n.Engine.MoveBaseURL(ctx, to); err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "moved %s to %s: start copse serve with that host and protocol\n", from, strings.TrimSuffix(to, "/"))
	return nil
}
