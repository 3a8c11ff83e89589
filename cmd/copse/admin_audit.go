package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copse-dev/copse/storage"
)

// auditList prints the node's audit log, newest first: copse admin audit
// [--action A] [--limit N] [--before ID].
func auditList(ctx context.Context, args []string, p proc) error {
	const cmd = "admin audit"
	a := newAdminFlags(cmd)
	action := a.fs.String("action", "", "only this `action` (suspend, change_role, report_resolve, ...)")
	limit := a.fs.Int("limit", 40, "at most this many `entries` (up to 80)")
	before := a.fs.String("before", "", "only entries older than this entry `id`, to page back")
	n, err := a.open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	page := storage.Page{Limit: *limit}
	if *before != "" {
		if page.MaxID, err = storage.ParseID(*before); err != nil {
			return fmt.Errorf("%s: --before: %q is not an entry id", cmd, *before)
		}
	}
	entries, err := n.Engine.AuditLog(ctx, 0, storage.AuditFilter{Action: *action}, page)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	ids := make([]storage.ID, 0, 2*len(entries))
	for _, e := range entries {
		ids = append(ids, e.AccountID, e.TargetID)
	}
	accts, err := n.Store.AccountsByIDs(ctx, ids)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	name := func(id storage.ID) string {
		if a, ok := accts[id]; ok {
			if a.Local() {
				return a.Username
			}
			return a.Username + "@" + a.Domain
		}
		return id.String()
	}
	tw := tabwriter.NewWriter(p.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWHEN\tBY\tACTION\tTARGET\tDETAILS")
	for _, e := range entries {
		by := "(command line)"
		if e.AccountID != 0 {
			by = name(e.AccountID)
		}
		target := e.TargetType + " " + e.TargetID.String()
		if e.TargetType == storage.AuditAccount {
			target = "account " + name(e.TargetID)
		}
		var details []string
		for _, k := range slices.Sorted(maps.Keys(e.Details)) {
			details = append(details, k+"="+strings.ReplaceAll(e.Details[k], "\n", " "))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.CreatedAt.Format(time.RFC3339), by, e.Action, target, strings.Join(details, " "))
	}
	return tw.Flush()
}
