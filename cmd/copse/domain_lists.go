package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// The shared-list commands: copse admin domain subscribe, unsubscribe,
// subscriptions, drafts, approve and reject.

// domainSubscribe subscribes to a list (of domains to block, or with
// --kind allows of domains to allow) and reads it once.
func domainSubscribe(ctx context.Context, args []string, p proc) error {
	const cmd = "admin domain subscribe"
	a := newAdminFlags(cmd)
	trusted := a.fs.Bool("trusted", false, "apply the list's entries at once instead of as drafts for review")
	kind := a.fs.String("kind", storage.ListBlocks, "`kind` of list: blocks, or allows (domains to federate with in allow-list mode)")
	n, pos, err := a.openArgs(ctx, args, p, "url")
	if err != nil {
		return err
	}
	defer n.Close()
	s, r, err := n.Engine.SubscribeDomainList(ctx, 0, pos[0], *kind, *trusted)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	if s.LastError != "" {
		fmt.Fprintf(p.stdout, "subscribed to %s (id %s), but it could not be read yet: %s\n", s.URL, s.ID, s.LastError)
		return nil
	}
	if err := enforce(ctx, n); err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "subscribed to %s list %s (id %s): %s\n", s.Kind, s.URL, s.ID, describeRefresh(s.Kind, r))
	return nil
}

// describeRefresh says what reading a list of kind did.
func describeRefresh(kind string, r federation.ListRefresh) string {
	if r.NotModified {
		return fmt.Sprintf("unchanged, %d domains", r.Entries)
	}
	if kind == storage.ListAllows {
		return fmt.Sprintf("%d domains (%s): %d new drafts, %d allowed, %d withdrawn",
			r.Entries, r.Format, r.Drafted, r.Added, r.Removed)
	}
	return fmt.Sprintf("%d domains (%s): %d new drafts, %d blocked, %d changed, %d unblocked",
		r.Entries, r.Format, r.Drafted, r.Added, r.Updated, r.Removed)
}

// subscriptionArg finds a subscription by id or URL.
func subscriptionArg(ctx context.Context, n *node.Node, arg string) (storage.PolicySubscription, error) {
	if id, err := storage.ParseID(arg); err == nil {
		subs, err := n.Engine.PolicySubscriptions(ctx, 0)
		if err != nil {
			return storage.PolicySubscription{}, err
		}
		for _, s := range subs {
			if s.ID == id {
				return s, nil
			}
		}
	}
	return n.Engine.PolicySubscriptionNamed(ctx, 0, arg)
}

func domainUnsubscribe(ctx context.Context, args []string, p proc) error {
	return namedAction[storage.PolicySubscription, storage.PolicySubscription]{
		cmd: "admin domain unsubscribe", arg: "url-or-id",
		missing: func(arg string) string { return "the node is not subscribed to " + arg },
		find:    subscriptionArg,
		act: func(ctx context.Context, n *node.Node, s storage.PolicySubscription) (storage.PolicySubscription, error) {
			return n.Engine.UnsubscribeDomainList(ctx, 0, s.ID)
		},
		done: func(_, s storage.PolicySubscription) string {
			if s.Kind == storage.ListAllows {
				return "unsubscribed from " + s.URL + "; its allows stay"
			}
			return "unsubscribed from " + s.URL + "; its blocks stay"
		},
	}.run(ctx, args, p)
}

// domainSubscriptions lists the subscriptions; with --refresh it reads
// each one now.
func domainSubscriptions(ctx context.Context, args []string, p proc) error {
	const cmd = "admin domain subscriptions"
	a := newAdminFlags(cmd)
	refresh := a.fs.Bool("refresh", false, "read every list now")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	subs, err := n.Engine.PolicySubscriptions(ctx, 0)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	if *refresh {
		for i, s := range subs {
			s, r, err := n.Engine.RefreshPolicySubscription(ctx, 0, s.ID)
			if err != nil && s.LastError == "" {
				return fmt.Errorf("%s: %s", cmd, message(err))
			}
			subs[i] = s
			if err == nil {
				fmt.Fprintf(p.stdout, "%s: %s\n", s.URL, describeRefresh(s.Kind, r))
			}
		}
		if err := enforce(ctx, n); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(p.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tKIND\tTRUSTED\tDOMAINS\tREAD\tERROR")
	for _, s := range subs {
		read := "never"
		if !s.FetchedAt.IsZero() {
			read = s.FetchedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d\t%s\t%s\n", s.ID, s.URL, s.Kind, s.Trusted, s.Entries, read, s.LastError)
	}
	return tw.Flush()
}

func domainDrafts(ctx context.Context, args []string, p proc) error {
	const cmd = "admin domain drafts"
	a := newAdminFlags(cmd)
	state := a.fs.String("state", storage.DraftPending, "`state`: pending or rejected")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	drafts, err := n.Engine.PolicyDrafts(ctx, 0, 0, *state)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	subs, err := n.Engine.PolicySubscriptions(ctx, 0)
	if err != nil {
		return err
	}
	url := map[storage.ID]string{}
	for _, s := range subs {
		url[s.ID] = s.URL
	}
	tw := tabwriter.NewWriter(p.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDOMAIN\tPROPOSAL\tSEVERITY\tPUBLIC COMMENT\tLIST")
	for _, d := range drafts {
		proposal, severity := "block", d.Severity
		if d.Kind == storage.ListAllows {
			proposal, severity = "allow", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Domain, proposal, severity, d.PublicComment, url[d.SubscriptionID])
	}
	return tw.Flush()
}

// draftArg finds a draft by id or by domain (the pending one).
func draftArg(ctx context.Context, n *node.Node, arg string) (storage.PolicyDraft, error) {
	drafts, err := n.Engine.PolicyDrafts(ctx, 0, 0, "")
	if err != nil {
		return storage.PolicyDraft{}, err
	}
	id, idErr := storage.ParseID(arg)
	for _, d := range drafts {
		if idErr == nil && d.ID == id || d.Domain == arg && d.State == storage.DraftPending {
			return d, nil
		}
	}
	return storage.PolicyDraft{}, fmt.Errorf("draft %s: %w", arg, storage.ErrNotFound)
}

func noDraft(arg string) string {
	return "no draft " + arg + " (copse admin domain drafts lists them)"
}

func domainApprove(ctx context.Context, args []string, p proc) error {
	return namedAction[storage.PolicyDraft, federation.ApprovedDraft]{
		cmd: "admin domain approve", arg: "draft-id-or-domain", enforce: true, missing: noDraft, find: draftArg,
		act: func(ctx context.Context, n *node.Node, d storage.PolicyDraft) (federation.ApprovedDraft, error) {
			return n.Engine.ApprovePolicyDraft(ctx, 0, d.ID)
		},
		done: func(_ storage.PolicyDraft, a federation.ApprovedDraft) string {
			if a.Kind == storage.ListAllows {
				return a.Allow.Domain + " is allowed"
			}
			return fmt.Sprintf("%s is blocked (%s)", a.Block.Domain, a.Block.Severity)
		},
	}.run(ctx, args, p)
}

func domainReject(ctx context.Context, args []string, p proc) error {
	return namedAction[storage.PolicyDraft, storage.PolicyDraft]{
		cmd: "admin domain reject", arg: "draft-id-or-domain", missing: noDraft, find: draftArg,
		act: func(ctx context.Context, n *node.Node, d storage.PolicyDraft) (storage.PolicyDraft, error) {
			return n.Engine.RejectPolicyDraft(ctx, 0, d.ID)
		},
		done: func(_, d storage.PolicyDraft) string {
			if d.Kind == storage.ListAllows {
				return "the draft to allow " + d.Domain + " is rejected"
			}
			return "the draft to block " + d.Domain + " is rejected"
		},
	}.run(ctx, args, p)
}
