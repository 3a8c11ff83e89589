package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/copse-dev/copse/federation/archive"
)

// communityCommands are the words after copse admin community.
var communityCommands = []subcommand{
	{"export", communityExport},
	{"import", communityImport},
	{"moved", communityMoved},
}

// communityExport writes a community's archive. It goes to a temporary
// file beside --out, renamed when whole, so a failed export leaves no
// half archive under the name asked for.
func communityExport(ctx context.Context, args []string, p proc) error {
	a := newAdminFlags("admin community export")
	out := a.fs.String("out", "", "archive `file` to write (.tar.gz)")
	n, pos, err := a.openArgs(ctx, args, p, "handle")
	if err != nil {
		return err
	}
	defer n.Close()
	if *out == "" {
		return errors.New("admin community export: --out required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("admin community export: %s exists already", *out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".copse-export-*")
	if err != nil {
		return fmt.Errorf("admin community export: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	m, err := archive.Export(ctx, n.Store, n.Engine, pos[0], tmp, filepath.Dir(*out), time.Now())
	if err != nil {
		return fmt.Errorf("admin community %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("admin community export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("admin community export: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("admin community export: %w", err)
	}
	done = true
	fmt.Fprintf(p.stdout, "exported %s to %s: %d posts, %d artefacts, %d files, %d members, %d moderation log entries, %d glossary terms, %d events\n",
		m.Community, *out, m.Counts[archive.ThreadsName], m.Counts[archive.ArtefactsName], m.Counts["files"],
		m.Counts[archive.MembersName], m.Counts[archive.ModerationName], m.Counts[archive.GlossaryName], m.Counts[archive.EventsName])
	return nil
}

// communityImport restores an archive as a new community of this node.
func communityImport(ctx context.Context, args []string, p proc) error {
	a := newAdminFlags("admin community import")
	handle := a.fs.String("handle", "", "`handle` of the restored community; by default the archive's")
	maxMiB := a.fs.Int64("max-size", archive.DefaultLimits.TotalBytes>>20, "refuse an archive whose entries decompress to more than `MiB`")
	n, pos, err := a.openArgs(ctx, args, p, "file")
	if err != nil {
		return err
	}
	defer n.Close()
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("admin community import: %w", err)
	}
	defer f.Close()
	// Extract beside the database, on the file system the artefact
	// files go to, so they are renamed into place rather than copied.
	if *maxMiB <= 0 || *maxMiB > 1<<40 {
		return fmt.Errorf("admin community import: --max-size %d is not a size in MiB", *maxMiB)
	}
	lim := archive.DefaultLimits
	lim.TotalBytes = *maxMiB << 20
	im, err := archive.ImportLimited(ctx, n.Engine, f, *handle, n.Config.DataDir, lim)
	if errors.Is(err, archive.ErrTooLarge) {
		return fmt.Errorf("admin community import: %s is larger than this import allows (--max-size), nothing imported (%w)", pos[0], err)
	}
	if errors.Is(err, archive.ErrCorrupt) {
		return fmt.Errorf("admin community import: %s is not a whole copse community archive, nothing imported (%w)", pos[0], err)
	}
	if err != nil {
		return fmt.Errorf("admin community %w", err)
	}
	fmt.Fprintf(p.stdout, "imported %s as %s: %d posts, %d artefacts (%d versions), %d files, %d members, %d moderation log entries, %d glossary terms, %d events\n",
		pos[0], im.Group.URI, im.Posts, im.Artefacts, im.Versions, im.Files, im.Members, im.Moderation, im.Terms, im.Events)
	return nil
}

// communityMoved points a community of this node to where it was
// imported: movedTo on its Group, and Move to its followers.
func communityMoved(ctx context.Context, args []string, p proc) error {
	a := newAdminFlags("admin community moved")
	to := a.fs.String("to", "", "the new community: its actor `URL` or handle@host")
	n, pos, err := a.openArgs(ctx, args, p, "handle")
	if err != nil {
		return err
	}
	defer n.Close()
	if *to == "" {
		return errors.New("admin community moved: --to required")
	}
	g, target, err := n.Engine.MoveCommunity(ctx, pos[0], *to)
	if err != nil {
		return fmt.Errorf("admin community moved: %w", err)
	}
	fmt.Fprintf(p.stdout, "%s moved to %s; its followers are sent Move\n", g.URI, target.URI)
	return nil
}
