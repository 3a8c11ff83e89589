package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// The announcement commands: copse admin announcement publish, list and
// delete. An announcement is shown to every member in their apps until
// it ends (federation.PublishAnnouncement).

// announcementCommands are the words after copse admin announcement.
var announcementCommands = []subcommand{
	{"publish", announcementPublish},
	{"list", announcementList},
	{"delete", announcementDelete},
}

func announcementPublish(ctx context.Context, args []string, p proc) error {
	const cmd = "admin announcement publish"
	a := newAdminFlags(cmd)
	var text, starts, ends string
	var allDay bool
	a.fs.StringVar(&text, "text", "", "what to tell every member (plain text; links and hashtags are linked)")
	a.fs.StringVar(&starts, "starts-at", "", "optional `time` (RFC 3339, or a date with --all-day) what it announces starts")
	a.fs.StringVar(&ends, "ends-at", "", "optional `time` it ends; it is shown until then (until deleted without one)")
	a.fs.BoolVar(&allDay, "all-day", false, "the start and end are dates (2026-12-12)")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	na := federation.NewAnnouncement{Text: text, AllDay: allDay}
	if na.StartsAt, err = announcementTime(starts, allDay); err != nil {
		return fmt.Errorf("%s: --starts-at: %w", cmd, err)
	}
	if na.EndsAt, err = announcementTime(ends, allDay); err != nil {
		return fmt.Errorf("%s: --ends-at: %w", cmd, err)
	}
	if allDay && !na.EndsAt.IsZero() {
		na.EndsAt = na.EndsAt.Add(24 * time.Hour) // the whole of the last day
	}
	an, err := n.Engine.PublishAnnouncement(ctx, 0, na)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, "announcement %s published\n", an.ID)
	return nil
}

// announcementTime reads an RFC 3339 time, or with allDay a date; "" is
// no time.
func announcementTime(s string, allDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if allDay {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time like 2026-12-12T18:00:00Z", s)
	}
	return t, nil
}

func announcementList(ctx context.Context, args []string, p proc) error {
	const cmd = "admin announcement list"
	n, err := newAdminFlags(cmd).open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	all, err := n.Store.AllAnnouncements(ctx)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	now := n.Store.Now()
	tw := tabwriter.NewWriter(p.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPUBLISHED\tENDS\tSHOWN\tTEXT")
	for _, an := range all {
		ends, shown := "-", "yes"
		if !an.EndsAt.IsZero() {
			ends = an.EndsAt.UTC().Format(time.RFC3339)
			if !an.EndsAt.After(now) {
				shown = "no (ended)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", an.ID, an.PublishedAt.UTC().Format(time.RFC3339), ends, shown, oneLine(an.Text, 60))
	}
	return tw.Flush()
}

// oneLine is s on one line, cut at n characters.
func oneLine(s string, n int) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\n' || c == '\t' {
			r[i] = ' '
		}
	}
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return string(r)
}

func announcementDelete(ctx context.Context, args []string, p proc) error {
	const cmd = "admin announcement delete"
	n, pos, err := newAdminFlags(cmd).openArgs(ctx, args, p, "id")
	if err != nil {
		return err
	}
	defer n.Close()
	id, err := storage.ParseID(pos[0])
	if err != nil {
		return fmt.Errorf("%s: %q is not an announcement id (copse admin announcement list shows them)", cmd, pos[0])
	}
	if err := n.Engine.DeleteAnnouncement(ctx, 0, id); err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, "announcement %s deleted\n", id)
	return nil
}
