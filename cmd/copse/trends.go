package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
)

// The trends commands: copse admin trends list, approve and reject. A
// hashtag trends for members only once approved (federation.ReviewTrend).

// trendsCommands are the words after copse admin trends.
var trendsCommands = []subcommand{
	{"list", trendsList},
	{"approve", trendsReview(true)},
	{"reject", trendsReview(false)},
}

func trendsList(ctx context.Context, args []string, p proc) error {
	const cmd = "admin trends list"
	n, err := newAdminFlags(cmd).open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	tags, err := n.Engine.TrendsForReview(ctx, 0)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	tw := tabwriter.NewWriter(p.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "HASHTAG\tREVIEW")
	for _, t := range tags {
		fmt.Fprintf(tw, "#%s\t%s\n", t.Name, t.Review)
	}
	return tw.Flush()
}

func trendsReview(approve bool) func(ctx context.Context, args []string, p proc) error {
	return func(ctx context.Context, args []string, p proc) error {
		cmd, done := "admin trends reject", "does not trend"
		if approve {
			cmd, done = "admin trends approve", "trends for members while people use it"
		}
		n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "hashtag")
		if err != nil {
			return err
		}
		defer n.Close()
		if err := n.Engine.ReviewTrend(ctx, 0, pos[0], approve); err != nil {
			return fmt.Errorf("%s: %s", cmd, message(err))
		}
		fmt.Fprintf(p.stdout, "#%s %s\n", strings.TrimPrefix(pos[0], "#"), done)
		return nil
	}
}
