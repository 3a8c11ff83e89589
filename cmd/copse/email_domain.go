package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// The email domain block commands: copse admin email-domain block,
// unblock and list. A blocked domain (and its subdomains) cannot sign
// up, whatever the registration mode; members who joined before keep
// their accounts.

// emailDomainCommands are the words after copse admin email-domain.
var emailDomainCommands = []subcommand{
	{"block", emailDomainBlock},
	{"unblock", emailDomainUnblock},
	{"list", emailDomainList},
}

func emailDomainBlock(ctx context.Context, args []string, p proc) error {
	const cmd = "admin email-domain block"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "domain")
	if err != nil {
		return err
	}
	defer n.Close()
	b, err := n.Engine.BlockEmailDomain(ctx, 0, pos[0])
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, "sign-ups from %s and its subdomains are refused\n", b.Domain)
	return nil
}

func emailDomainUnblock(ctx context.Context, args []string, p proc) error {
	return namedAction[storage.EmailDomainBlock, storage.EmailDomainBlock]{
		cmd: "admin email-domain unblock", arg: "domain-or-id",
		missing: func(arg string) string { return arg + " is not blocked" },
		find:    emailDomainBlockArg,
		act: func(ctx context.Context, n *node.Node, b storage.EmailDomainBlock) (storage.EmailDomainBlock, error) {
			return n.Engine.UnblockEmailDomain(ctx, 0, b.ID)
		},
		done: func(_, b storage.EmailDomainBlock) string { return b.Domain + " is no longer blocked for sign-ups" },
	}.run(ctx, args, p)
}

func emailDomainList(ctx context.Context, args []string, p proc) error {
	const cmd = "admin email-domain list"
	n, err := newAdminFlags(cmd).open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	blocks, err := allEmailDomainBlocks(ctx, n)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	tw := tabwriter.NewWriter(p.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDOMAIN\tBLOCKED\tBY")
	for _, b := range blocks {
		by := "command line"
		if b.CreatedBy != 0 {
			by = b.CreatedBy.String()
			if a, err := n.Store.AccountByID(ctx, b.CreatedBy); err == nil {
				by = a.Username
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.ID, b.Domain, b.CreatedAt.UTC().Format(time.RFC3339), by)
	}
	return tw.Flush()
}

// allEmailDomainBlocks reads every block, newest first, a page at a time.
func allEmailDomainBlocks(ctx context.Context, n *node.Node) ([]storage.EmailDomainBlock, error) {
	var all []storage.EmailDomainBlock
	page := storage.Page{Limit: 80}
	for {
		blocks, err := n.Engine.EmailDomainBlocks(ctx, 0, page)
		if err != nil {
			return nil, err
		}
		all = append(all, blocks...)
		if len(blocks) < page.Limit {
			return all, nil
		}
		page.MaxID = blocks[len(blocks)-1].ID
	}
}

// emailDomainBlockArg finds a block by id or by its domain.
func emailDomainBlockArg(ctx context.Context, n *node.Node, arg string) (storage.EmailDomainBlock, error) {
	blocks, err := allEmailDomainBlocks(ctx, n)
	if err != nil {
		return storage.EmailDomainBlock{}, err
	}
	id, idErr := storage.ParseID(arg)
	domain := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(arg)), "*.")
	for _, b := range blocks {
		if idErr == nil && b.ID == id || b.Domain == domain {
			return b, nil
		}
	}
	return storage.EmailDomainBlock{}, fmt.Errorf("email domain block %s: %w", arg, storage.ErrNotFound)
}
