package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
)

// The trends commands: copse admin trends list, approve and reject. A
// hashtag, or a link (named by its address), trends for members only
// once approved (federation.ReviewTrend, federation.ReviewLink).

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
	if err := tw.Flush(); err != nil {
		return err
	}
	links, err := n.Engine.LinksForReview(ctx, 0)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	if len(links) == 0 {
		return nil
	}
	fmt.Fprintln(p.stdout)
	fmt.Fprintln(tw, "LINK\tPEOPLE\tREVIEW\tTITLE")
	for _, l := range links {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", l.Card.URL, l.Accounts, l.Review, l.Card.Title)
	}
	return tw.Flush()
}

func trendsReview(approve bool) func(ctx context.Context, args []string, p proc) error {
	return func(ctx context.Context, args []string, p proc) error {
		cmd, done := "admin trends reject", "does not trend"
		if approve {
			cmd, done = "admin trends approve", "trends for members while people use it"
		}
		n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "hashtag or link")
		if err != nil {
			return err
		}
		defer n.Close()
		if link := pos[0]; strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://") {
			c, err := n.Store.PreviewCardByURL(ctx, link)
			if err == nil {
				_, err = n.Engine.ReviewLink(ctx, 0, c.ID, approve)
			}
			if err != nil {
				return fmt.Errorf("%s: %s: %s", cmd, link, message(err))
			}
			fmt.Fprintf(p.stdout, "%s %s\n", link, strings.Replace(done, "use it", "share it", 1))
			return nil
		}
		if err := n.Engine.ReviewTrend(ctx, 0, pos[0], approve); err != nil {
			return fmt.Errorf("%s: %s", cmd, message(err))
		}
		fmt.Fprintf(p.stdout, "#%s %s\n", strings.TrimPrefix(pos[0], "#"), done)
		return nil
	}
}
