package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Imported is what an import restored.
type Imported struct {
	Group      storage.Account
	Posts      int
	Artefacts  int
	Versions   int
	Files      int
	Members    int
	Moderation int
	Terms      int // glossary terms (version 2 archives)
	Events     int // (version 2 archives)
}

// Import restores the archive read from r as a new community hosted here,
// named handle ("" keeps the archive's). The archive is extracted under
// workDir and verified whole first; a corrupt one is refused with an
// error wrapping ErrCorrupt and nothing is written. The files are then
// moved to the artefact store and the rest is restored in one
// transaction; if it fails, the moved files are removed again. It reads
// within DefaultLimits.
func Import(ctx context.Context, engine *federation.Engine, r io.Reader, handle, workDir string) (Imported, error) {
	return ImportLimited(ctx, engine, r, handle, workDir, DefaultLimits)
}

// ImportLimited is Import within lim: a larger archive is refused with
// an error wrapping ErrTooLarge, and what was extracted is removed.
func ImportLimited(ctx context.Context, engine *federation.Engine, r io.Reader, handle, workDir string, lim Limits) (Imported, error) {
	dir, err := os.MkdirTemp(workDir, "copse-import-*")
	if err != nil {
		return Imported{}, fmt.Errorf("import: %w", err)
	}
	defer os.RemoveAll(dir)
	a, err := ReadLimited(r, dir, lim)
	if err != nil {
		return Imported{}, err
	}
	var doc CommunityDoc
	if err := a.ReadJSON(CommunityName, &doc); err != nil {
		return Imported{}, err
	}
	if handle == "" {
		handle = doc.Handle
	}
	name := doc.Name
	if name == "" {
		name = handle
	}
	settings := storage.Community{DescriptionSource: doc.Settings.DescriptionSource, Rules: doc.Settings.Rules,
		Language: doc.Settings.Language, JoinPolicy: doc.Settings.JoinPolicy, PostingPolicy: doc.Settings.PostingPolicy,
		Visibility: doc.Settings.Visibility, CreatedAt: doc.Settings.CreatedAt}
	var out Imported
	var moved []string // files moved into the store, removed if the transaction fails
	g, err := engine.RestoreCommunity(ctx, handle, name, settings, func(ctx context.Context, rs *federation.Restorer) error {
		out = Imported{Group: rs.Group}
		im := &importer{a: a, rs: rs, out: &out, stored: map[string]string{}, held: map[string]bool{}, moved: &moved}
		if a.Manifest.Community != "" { // the Group it was: the old node may then point here (moved)
			if err := rs.AlsoKnownAs(ctx, a.Manifest.Community); err != nil {
				return err
			}
		}
		if err := im.moveFiles(&moved); err != nil {
			return err
		}
		for _, step := range []func(context.Context) error{im.members, func(ctx context.Context) error { return im.moderators(ctx, doc) },
			im.threads, im.artefacts, im.moderation, im.glossary, im.events} {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, path := range moved {
			os.Remove(path)
		}
		return Imported{}, fmt.Errorf("import: %w", err)
	}
	out.Group = g
	return out, nil
}

// importer restores one archive's sections inside the transaction.
type importer struct {
	a      *Archive
	rs     *federation.Restorer
	out    *Imported
	stored map[string]string // sha256 → storage name of the moved file
	held   map[string]bool   // storage names a file row already holds
	moved  *[]string         // files put into the store, removed if the transaction fails
}

// moveFiles moves the archive's files into the artefact store under new
// random names, before any row names them.
func (im *importer) moveFiles(moved *[]string) error {
	files := im.a.Files()
	if len(files) == 0 {
		return nil
	}
	dir := im.rs.ArtefactFileDir()
	if dir == "" {
		return errors.New("this node keeps no artefact files (no media directory)")
	}
	for _, sum := range files {
		stored := im.rs.NewFileName()
		final := filepath.Join(dir, filepath.FromSlash(stored))
		if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
			return fmt.Errorf("artefact files: %w", err)
		}
		if err := moveFile(im.a.Path(FileName(sum)), final); err != nil {
			return err
		}
		*moved = append(*moved, final)
		im.stored[sum] = stored
		im.out.Files++
	}
	return nil
}

// copyStored gives the stored file name a second name in the artefact
// store, by a hard link or else a copy, recorded with the moved files.
func (im *importer) copyStored(name string) (string, error) {
	dir := im.rs.ArtefactFileDir()
	next := im.rs.NewFileName()
	src, dst := filepath.Join(dir, filepath.FromSlash(name)), filepath.Join(dir, filepath.FromSlash(next))
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", fmt.Errorf("artefact files: %w", err)
	}
	if err := os.Link(src, dst); err != nil {
		if err := copyFile(src, dst); err != nil {
			return "", err
		}
	}
	*im.moved = append(*im.moved, dst)
	return next, nil
}

// moveFile renames src to dst, or copies it where rename cannot (another
// file system): through a temporary name, so dst is whole or absent.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	return copyFile(src, dst)
}

// copyFile copies src to dst through a temporary name, so dst is whole
// or absent.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy file: %w", err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".import-*") // hidden: a backup skips it
	if err != nil {
		return fmt.Errorf("copy file: %w", err)
	}
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("copy file: %w", err)
	}
	return nil
}

func archivedPerson(p Person) federation.ArchivedPerson {
	return federation.ArchivedPerson{URI: p.ID, Username: p.Username, Domain: p.Domain, DisplayName: p.DisplayName,
		URL: p.URL, Inbox: p.Inbox, SharedInbox: p.SharedInbox, Organisation: p.Organisation,
		Department: p.Department, JobTitle: p.JobTitle}
}

// members makes each member known here (organisation, department, job
// title), so posts and the directory name them. Membership itself is a
// Follow of the old Group: members follow the new one after the Move.
func (im *importer) members(ctx context.Context) error {
	return im.a.Lines(MembersName, func(b []byte) error {
		var m MemberLine
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if _, err := im.rs.Account(ctx, archivedPerson(m.Person)); err != nil {
			return err
		}
		im.out.Members++
		return nil
	})
}

func (im *importer) moderators(ctx context.Context, doc CommunityDoc) error {
	for _, uri := range doc.Moderators {
		acct, err := im.rs.Account(ctx, federation.ArchivedPerson{URI: uri})
		if err != nil {
			return err
		}
		if err := im.rs.AddModerator(ctx, acct); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) threads(ctx context.Context) error {
	return im.a.Lines(ThreadsName, func(b []byte) error {
		var line ThreadLine
		if err := json.Unmarshal(b, &line); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		n, err := activitypub.ParseNote(line.Object)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		author, err := im.rs.Account(ctx, archivedPerson(line.Author))
		if err != nil {
			return err
		}
		if _, err := im.rs.Post(ctx, author, n, line.Root); err != nil {
			return err
		}
		im.out.Posts++
		return nil
	})
}

func (im *importer) artefacts(ctx context.Context) error {
	tx, urls, g := im.rs.Tx(), im.rs.URLs(), im.rs.Group
	return im.a.Lines(ArtefactsName, func(b []byte) error {
		var line ArtefactLine
		if err := json.Unmarshal(b, &line); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if len(line.Versions) == 0 {
			return fmt.Errorf("%w: artefact %s has no versions", ErrCorrupt, line.ID)
		}
		if !slices.Contains(storage.Licences, line.Licence) {
			return fmt.Errorf("artefact %s: licence %q is not one copse offers", line.ID, line.Licence)
		}
		switch line.EditPolicy {
		case storage.EditAuthors, storage.EditModerators, storage.EditMembers:
		default:
			return fmt.Errorf("artefact %s: edit policy %q is not authors, moderators or members", line.ID, line.EditPolicy)
		}
		art := storage.Artefact{ID: tx.NewID(), CommunityID: g.ID, Local: true, Tags: line.Tags,
			Organisation: line.Organisation, Licence: line.Licence, EditPolicy: line.EditPolicy,
			CreatedAt: line.CreatedAt, UpdatedAt: line.UpdatedAt}
		art.URI, art.URL = urls.Artefact(art.ID), urls.ArtefactPage(g.Username, art.ID)
		for _, uri := range line.Authors {
			acct, err := im.rs.Account(ctx, federation.ArchivedPerson{URI: uri})
			if err != nil {
				return err
			}
			art.Authors = append(art.Authors, acct.ID)
		}
		if len(art.Authors) > 0 {
			art.CreatedBy = art.Authors[0]
		}
		last := line.Versions[len(line.Versions)-1]
		art.Title, art.Summary, art.BodySource, art.BodyHTML = last.Title, last.Summary, last.BodySource, im.rs.Sanitize(last.BodyHTML)
		art.Version = last.Number
		if err := tx.InsertArtefact(ctx, &art); err != nil {
			return err
		}
		fileIDs := map[string]storage.ID{} // sha256 → this artefact's file row
		for _, v := range line.Versions {
			sv := storage.ArtefactVersion{ArtefactID: art.ID, Number: v.Number, Title: v.Title, Summary: v.Summary,
				BodySource: v.BodySource, BodyHTML: im.rs.Sanitize(v.BodyHTML), Note: v.Note, CreatedAt: v.CreatedAt,
				Files: []storage.VersionFile{}}
			if v.Editor != "" {
				ed, err := im.rs.Account(ctx, federation.ArchivedPerson{URI: v.Editor})
				if err != nil {
					return err
				}
				sv.EditorID, sv.EditorURI = ed.ID, ed.URI
			}
			for _, f := range v.Files {
				vf := storage.VersionFile{Name: f.Name, MediaType: f.MediaType, Size: f.Size, SHA256: f.SHA256, URL: f.URL}
				if f.InArchive {
					stored, ok := im.stored[f.SHA256]
					if !ok {
						return fmt.Errorf("%w: artefact %s names file %s, which the archive lacks", ErrCorrupt, line.ID, f.SHA256)
					}
					id, ok := fileIDs[f.SHA256]
					if !ok {
						if im.held[stored] {
							// Another artefact holds the same bytes (the
							// archive keeps them once); each file row
							// names a file of its own.
							var err error
							if stored, err = im.copyStored(stored); err != nil {
								return err
							}
						}
						im.held[stored] = true
						row := storage.ArtefactFile{ArtefactID: art.ID, CommunityID: g.ID, StorageName: stored, Name: f.Name,
							MediaType: f.MediaType, Size: f.Size, SHA256: f.SHA256, UploadedBy: sv.EditorID, CreatedAt: v.CreatedAt}
						if err := tx.InsertArtefactFile(ctx, &row); err != nil {
							return err
						}
						// Searchable as an uploaded file is: its text, before
						// the version that holds it indexes the artefact.
						if err := tx.SetArtefactFileText(ctx, row.ID, im.rs.FileText(stored, f.MediaType)); err != nil {
							return err
						}
						id, fileIDs[f.SHA256] = row.ID, row.ID
					}
					vf.FileID, vf.URL = id, ""
				}
				sv.Files = append(sv.Files, vf)
			}
			if err := tx.AddArtefactVersion(ctx, &sv); err != nil {
				return err
			}
			im.out.Versions++
		}
		im.out.Artefacts++
		return nil
	})
}

func (im *importer) moderation(ctx context.Context) error {
	tx := im.rs.Tx()
	return im.a.Lines(ModerationName, func(b []byte) error {
		var line ModerationLine
		if err := json.Unmarshal(b, &line); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		e := storage.ModerationEntry{CommunityID: im.rs.Group.ID, ModeratorURI: line.Moderator, Action: line.Action,
			Target: line.Target, Reason: line.Reason, ActivityURI: line.Activity, CreatedAt: line.CreatedAt, ExpiresAt: line.ExpiresAt}
		if acct, err := tx.AccountByURIWithoutKeys(ctx, line.Moderator); err == nil {
			e.ModeratorID = acct.ID
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err := tx.AppendModerationLog(ctx, &e); err != nil {
			return err
		}
		im.out.Moderation++
		return nil
	})
}

// person is the account an actor id names, or the zero Account for "".
func (im *importer) person(ctx context.Context, uri string) (storage.Account, error) {
	if uri == "" {
		return storage.Account{}, nil
	}
	return im.rs.Account(ctx, federation.ArchivedPerson{URI: uri})
}

// glossary restores glossary.jsonl (absent from version 1 archives).
func (im *importer) glossary(ctx context.Context) error {
	return im.a.Lines(GlossaryName, func(b []byte) error {
		var line TermLine
		if err := json.Unmarshal(b, &line); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		creator, err := im.person(ctx, line.Creator)
		if err != nil {
			return err
		}
		vs := make([]federation.ArchivedTermVersion, len(line.Versions))
		for i, v := range line.Versions {
			ed, err := im.person(ctx, v.Editor)
			if err != nil {
				return err
			}
			vs[i] = federation.ArchivedTermVersion{Editor: ed, TermVersion: storage.TermVersion{Number: v.Number, Term: v.Term,
				DefinitionSource: v.DefinitionSource, Aliases: v.Aliases, Related: v.Related, ReferenceURL: v.ReferenceURL,
				ReferenceText: v.ReferenceText, Note: v.Note, CreatedAt: v.CreatedAt}}
		}
		if _, err := im.rs.Term(ctx, creator, line.CreatedAt, line.UpdatedAt, vs); err != nil {
			return fmt.Errorf("term %s: %w", line.ID, err)
		}
		im.out.Terms++
		return nil
	})
}

// events restores events.jsonl (absent from version 1 archives).
func (im *importer) events(ctx context.Context) error {
	return im.a.Lines(EventsName, func(b []byte) error {
		var line EventLine
		if err := json.Unmarshal(b, &line); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		organiser, err := im.person(ctx, line.Organiser)
		if err != nil {
			return err
		}
		var attendees []storage.Account
		for _, p := range line.Attendees {
			a, err := im.rs.Account(ctx, archivedPerson(p))
			if err != nil {
				return err
			}
			attendees = append(attendees, a)
		}
		ev := storage.CommunityEvent{OrganiserID: organiser.ID, Name: line.Name, DescriptionSource: line.DescriptionSource,
			Start: line.Start, End: line.End, TimeZone: line.TimeZone, PlaceName: line.PlaceName, PlaceAddress: line.PlaceAddress,
			OnlineURL: line.OnlineURL, Capacity: line.Capacity, CancelledAt: line.CancelledAt, CreatedAt: line.CreatedAt,
			UpdatedAt: line.UpdatedAt}
		if _, err := im.rs.Event(ctx, ev, attendees); err != nil {
			return fmt.Errorf("event %s: %w", line.ID, err)
		}
		im.out.Events++
		return nil
	})
}
