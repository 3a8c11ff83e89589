package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

// The mail commands: copse admin mail test, to check the SMTP settings
// by sending one mail now, and copse admin mail queue, the members' mail
// waiting to go (federation/email_notify.go).

// mailCommands are the words after copse admin mail.
var mailCommands = []subcommand{
	{"test", mailTest},
	{"queue", mailQueue},
}

func mailTest(ctx context.Context, args []string, p proc) error {
	const cmd = "admin mail test"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "address")
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Engine.SendTestMail(ctx, pos[0]); err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, "a test mail went to %s through %s\n", pos[0], n.Config.SMTP.Host)
	return nil
}

func mailQueue(ctx context.Context, args []string, p proc) error {
	const cmd = "admin mail queue"
	n, err := newAdminFlags(cmd).open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	queued, err := n.Store.QueuedMail(ctx, 1000)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, "queued mail: %d\n", len(queued))
	if len(queued) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(p.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tMEMBER\tQUEUED\tATTEMPTS\tNEXT TRY\tLAST ERROR")
	for _, m := range queued {
		member := m.AccountID.String()
		if a, err := n.Store.AccountByID(ctx, m.AccountID); err == nil {
			member = a.Username
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, m.Kind, member, m.CreatedAt.UTC().Format(time.RFC3339),
			m.Attempts, m.NextAt.UTC().Format(time.RFC3339), m.LastError)
	}
	return tw.Flush()
}
