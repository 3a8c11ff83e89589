package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// The federation policy commands: copse admin domain ... and copse admin
// federation mode. They act as the node's operator, and change the policy
// of a running node within its poll interval (it watches the version).

// domainCommands are the words after copse admin domain.
var domainCommands = []subcommand{
	{"block", domainBlock},
	{"unblock", domainUnblock},
	{"allow", domainAllow},
	{"disallow", domainDisallow},
	{"list", domainList},
	{"import", domainImport},
	{"export", domainExport},
	{"subscribe", domainSubscribe},
	{"unsubscribe", domainUnsubscribe},
	{"subscriptions", domainSubscriptions},
	{"drafts", domainDrafts},
	{"approve", domainApprove},
	{"reject", domainReject},
}

// enforce drops deliveries and purges suspended domains now, so a change
// made while the node is stopped is applied before it next starts too.
func enforce(ctx context.Context, n *node.Node) error {
	if err := n.Engine.EnforcePolicy(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return fmt.Errorf("apply federation policy: %w", err)
	}
	return nil
}

// domainBlock blocks a domain, or changes what the flags name of the
// block it has.
func domainBlock(ctx context.Context, args []string, p proc) error {
	const cmd = "admin domain block"
	a := newAdminFlags(cmd)
	var b storage.NodeDomainBlock
	a.fs.StringVar(&b.Severity, "severity", storage.SeveritySuspend, "`severity`: suspend (no traffic, data purged), limit or noop")
	a.fs.BoolVar(&b.RejectMedia, "reject-media", false, "do not fetch or store the domain's media")
	a.fs.BoolVar(&b.RejectReports, "reject-reports", false, "ignore reports (Flag) from the domain")
	a.fs.StringVar(&b.PublicComment, "public-comment", "", "`reason` shown publicly")
	a.fs.StringVar(&b.PrivateComment, "private-comment", "", "`note` for admins only")
	a.fs.BoolVar(&b.Obfuscate, "obfuscate", false, "mask the domain in the public list")
	n, pos, err := a.openArgs(ctx, args, p, "domain")
	if err != nil {
		return err
	}
	defer n.Close()
	b.Domain = pos[0]
	old, err := n.Engine.DomainBlockNamed(ctx, b.Domain)
	switch {
	case err == nil: // change what the flags name, keep the rest
		given := b
		b = old
		a.fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "severity":
				b.Severity = given.Severity
			case "reject-media":
				b.RejectMedia = given.RejectMedia
			case "reject-reports":
				b.RejectReports = given.RejectReports
			case "public-comment":
				b.PublicComment = given.PublicComment
			case "private-comment":
				b.PrivateComment = given.PrivateComment
			case "obfuscate":
				b.Obfuscate = given.Obfuscate
			}
		})
		b, err = n.Engine.ChangeDomainBlock(ctx, 0, b)
	case errors.Is(err, storage.ErrNotFound):
		b, err = n.Engine.AddDomainBlock(ctx, 0, b)
	}
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	if err := enforce(ctx, n); err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "%s is blocked (%s)\n", b.Domain, b.Severity)
	return nil
}

func domainUnblock(ctx context.Context, args []string, p proc) error {
	return namedAction[storage.NodeDomainBlock, storage.NodeDomainBlock]{
		cmd: "admin domain unblock", arg: "domain",
		missing: func(arg string) string { return arg + " is not blocked" },
		find: func(ctx context.Context, n *node.Node, arg string) (storage.NodeDomainBlock, error) {
			return n.Engine.DomainBlockNamed(ctx, arg)
		},
		act: func(ctx context.Context, n *node.Node, b storage.NodeDomainBlock) (storage.NodeDomainBlock, error) {
			return n.Engine.RemoveDomainBlock(ctx, 0, b.ID)
		},
		done: func(b, _ storage.NodeDomainBlock) string { return b.Domain + " is no longer blocked" },
	}.run(ctx, args, p)
}

func domainAllow(ctx context.Context, args []string, p proc) error {
	const cmd = "admin domain allow"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "domain")
	if err != nil {
		return err
	}
	defer n.Close()
	a, err := n.Engine.AddDomainAllow(ctx, 0, pos[0])
	if errors.Is(err, storage.ErrDuplicate) {
		fmt.Fprintf(p.stdout, "%s was already allowed\n", pos[0])
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, "%s is allowed%s\n", a.Domain, modeNote(n.Engine.Policy().Mode()))
	return nil
}

func domainDisallow(ctx context.Context, args []string, p proc) error {
	return namedAction[storage.NodeDomainAllow, storage.NodeDomainAllow]{
		cmd: "admin domain disallow", arg: "domain", enforce: true,
		missing: func(arg string) string { return arg + " is not allowed" },
		find: func(ctx context.Context, n *node.Node, arg string) (storage.NodeDomainAllow, error) {
			return n.Engine.DomainAllowNamed(ctx, arg)
		},
		act: func(ctx context.Context, n *node.Node, a storage.NodeDomainAllow) (storage.NodeDomainAllow, error) {
			return n.Engine.RemoveDomainAllow(ctx, 0, a.ID)
		},
		done: func(a, _ storage.NodeDomainAllow) string { return a.Domain + " is no longer allowed" },
	}.run(ctx, args, p)
}

func modeNote(mode string) string {
	if mode == storage.FederationAllowlist {
		return ""
	}
	return " (this counts once the federation mode is allowlist)"
}

func domainList(ctx context.Context, args []string, p proc) error {
	n, err := newAdminFlags("admin domain list").open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	mode, blocks, allows, err := n.Engine.DomainPolicy(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "federation mode: %s\n\nblocked:\n", mode)
	tw := tabwriter.NewWriter(p.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "DOMAIN\tSEVERITY\tREJECT\tPUBLIC COMMENT\tPRIVATE COMMENT")
	for _, b := range blocks {
		reject := "-"
		switch {
		case b.RejectMedia && b.RejectReports:
			reject = "media,reports"
		case b.RejectMedia:
			reject = "media"
		case b.RejectReports:
			reject = "reports"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.Domain, b.Severity, reject, b.PublicComment, b.PrivateComment)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(p.stdout, "\nallowed:")
	for _, a := range allows {
		fmt.Fprintln(p.stdout, a.Domain)
	}
	return nil
}

// domainImport reads Mastodon's CSV from a file, or standard input for -.
func domainImport(ctx context.Context, args []string, p proc) error {
	const cmd = "admin domain import"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "file")
	if err != nil {
		return err
	}
	defer n.Close()
	in := p.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		defer f.Close()
		in = f
	}
	blocks, err := federation.ParseDomainBlocksCSV(in)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	added, updated, err := n.Engine.ImportDomainBlocks(ctx, 0, blocks)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	if err := enforce(ctx, n); err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "imported %d blocks: %d new, %d updated\n", added+updated, added, updated)
	return nil
}

// domainExport writes Mastodon's CSV to standard output, or to a file.
func domainExport(ctx context.Context, args []string, p proc) error {
	const cmd = "admin domain export"
	a := newAdminFlags(cmd)
	out := a.fs.String("to", "", "write to this `file` instead of standard output")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	_, blocks, _, err := n.Engine.DomainPolicy(ctx, 0)
	if err != nil {
		return err
	}
	if *out == "" {
		return federation.WriteDomainBlocksCSV(p.stdout, blocks)
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if err := federation.WriteDomainBlocksCSV(f, blocks); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return f.Close()
}

// federationCommand is copse admin federation mode [open|allowlist].
// federationCommands are the words after copse admin federation.
var federationCommands = []subcommand{
	{"mode", federationMode},
}

func federationMode(ctx context.Context, args []string, p proc) error {
	const cmd = "admin federation mode"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "mode")
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Engine.SetFederationMode(ctx, 0, pos[0]); err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	if err := enforce(ctx, n); err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "federation mode is %s\n", pos[0])
	return nil
}
