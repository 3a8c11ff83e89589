package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copse-dev/copse/federation"
)

// Joining the node from the command line: copse admin invite create|list
// (invitation links), and copse admin account pending|approve (the
// sign-ups that wait for an admin).

// inviteCommands are the words after copse admin invite.
var inviteCommands = []subcommand{
	{"create", inviteCreate},
	{"list", inviteList},
}

func inviteCreate(ctx context.Context, args []string, p proc) error {
	const cmd = "admin invite create"
	a := newAdminFlags(cmd)
	expires := a.fs.String("expires", "7d", "how long the link works: `duration` such as 12h, 7d or 0 (never)")
	uses := a.fs.Int("uses", 1, "how many people may sign up with it: `count`, 0 for no limit")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	d, err := parseDays(*expires)
	if err != nil {
		return fmt.Errorf("%s: --expires: %w", cmd, err)
	}
	c, err := n.Engine.CreateInvite(ctx, federation.NewInvite{Expires: d, MaxUses: *uses})
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	fmt.Fprintln(p.stdout, c.URL)
	fmt.Fprintf(p.stderr, "works %s, %s; copse keeps only its hash, so copy it now\n", untilText(c.Invite.ExpiresAt), usesText(c.Invite.MaxUses))
	return nil
}

func inviteList(ctx context.Context, args []string, p proc) error {
	n, err := newAdminFlags("admin invite list").open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	invites, err := n.Store.Invites(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(p.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tEXPIRES\tUSES\tSTATUS")
	for _, i := range invites {
		expires, max, status := "never", "no limit", "live"
		if !i.ExpiresAt.IsZero() {
			expires = i.ExpiresAt.Format(time.RFC3339)
		}
		if i.MaxUses > 0 {
			max = strconv.Itoa(i.MaxUses)
		}
		switch {
		case !i.RevokedAt.IsZero():
			status = "revoked"
		case !i.ExpiresAt.IsZero() && !now.Before(i.ExpiresAt):
			status = "expired"
		case i.MaxUses > 0 && i.Uses >= i.MaxUses:
			status = "used up"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d of %s\t%s\n", i.ID, i.CreatedAt.Format(time.DateOnly), expires, i.Uses, max, status)
	}
	return tw.Flush()
}

// parseDays is time.ParseDuration that also takes whole days ("7d").
func parseDays(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 12h or 7d", s)
	}
	return d, nil
}

func untilText(t time.Time) string {
	if t.IsZero() {
		return "with no expiry"
	}
	return "until " + t.Format(time.RFC3339)
}

func usesText(n int) string {
	switch n {
	case 0:
		return "for any number of people"
	case 1:
		return "for one person"
	}
	return fmt.Sprintf("for %d people", n)
}

func accountApprove(ctx context.Context, args []string, p proc) error {
	const cmd = "admin account approve"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "username")
	if err != nil {
		return err
	}
	defer n.Close()
	j, err := n.Engine.ApproveMember(ctx, pos[0])
	if err != nil {
		return memberError(cmd, pos[0], err)
	}
	if j.Confirm {
		fmt.Fprintf(p.stdout, "%s is approved, and may sign in once they confirm their email address\n", pos[0])
		return nil
	}
	fmt.Fprintf(p.stdout, "%s is approved and may sign in\n", pos[0])
	return nil
}

// accountPending lists the sign-ups that wait for an admin, with the
// reason each gave, so the admin can decide whom to approve.
func accountPending(ctx context.Context, args []string, p proc) error {
	n, err := newAdminFlags("admin account pending").open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	members, err := n.Store.Members(ctx)
	if err != nil {
		return err
	}
	count := 0
	for _, m := range members {
		if !m.User.ApprovedAt.IsZero() {
			continue
		}
		u, err := n.Store.UserByAccount(ctx, m.Account.ID)
		if err != nil {
			return err
		}
		confirmed := "address not confirmed yet"
		if !u.ConfirmedAt.IsZero() {
			confirmed = "address confirmed"
		}
		reason := u.Reason
		if reason == "" {
			reason = "(no reason given)"
		}
		fmt.Fprintf(p.stdout, "%s <%s>, signed up %s, %s\n  %s\n", m.Account.Username, u.Email,
			u.CreatedAt.Format(time.DateOnly), confirmed, reason)
		count++
	}
	if count == 0 {
		fmt.Fprintln(p.stdout, "no sign-ups wait for approval")
	}
	return nil
}
