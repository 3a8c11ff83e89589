package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// pageSize is how many rows an export reads at a time.
const pageSize = 200

// exporter holds what one export needs while it streams.
type exporter struct {
	store  *storage.Store
	engine *federation.Engine
	w      *Writer
	group  storage.Account
	people map[storage.ID]Person // a bounded cache of authors and editors
}

// section writes one JSON Lines section of the archive.
type section struct {
	name  string
	write func(x *exporter, ctx context.Context, s *Section) error
}

var sections = []section{
	{ThreadsName, (*exporter).threads},
	{ArtefactsName, (*exporter).artefacts},
	{MembersName, (*exporter).members},
	{ModerationName, (*exporter).moderation},
	{GlossaryName, (*exporter).glossary},
	{EventsName, (*exporter).events},
}

// Export writes the archive of the local community with handle to out:
// its Group and settings, every post, every artefact with every version
// and the files this node holds, its members, its moderation log, its
// glossary with every version of each term, and its events with the
// attendees known here.
// Sections are spooled under tmpDir ("" for the system's).
func Export(ctx context.Context, store *storage.Store, engine *federation.Engine, handle string, out io.Writer, tmpDir string, now time.Time) (Manifest, error) {
	g, err := store.AccountByUsernameWithoutKeys(ctx, handle)
	var c storage.Community
	if err == nil {
		c, err = store.CommunityByAccount(ctx, g.ID)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return Manifest{}, fmt.Errorf("export %s: there is no community %q on this node: %w", handle, handle, err)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("export %s: %w", handle, err)
	}
	x := &exporter{store: store, engine: engine, w: NewWriter(out, tmpDir, now), group: g, people: map[storage.ID]Person{}}
	if err := x.community(ctx, c); err != nil {
		return Manifest{}, fmt.Errorf("export %s: %w", handle, err)
	}
	for _, sec := range sections {
		s, err := x.w.Section(sec.name)
		if err != nil {
			return Manifest{}, fmt.Errorf("export %s: %w", handle, err)
		}
		if err := sec.write(x, ctx, s); err != nil {
			s.Discard()
			return Manifest{}, fmt.Errorf("export %s: %s: %w", handle, sec.name, err)
		}
		if err := s.Close(); err != nil {
			return Manifest{}, fmt.Errorf("export %s: %w", handle, err)
		}
	}
	files := 0
	for _, e := range x.w.entries {
		if fileName.MatchString(e.Name) {
			files++
		}
	}
	m := Manifest{Node: engine.URLs().Base, Community: g.URI, Handle: g.Username, Counts: map[string]int{"files": files}}
	if err := x.w.Close(m); err != nil {
		return Manifest{}, fmt.Errorf("export %s: %w", handle, err)
	}
	return x.w.manifest, nil
}

// community writes community.json.
func (x *exporter) community(ctx context.Context, c storage.Community) error {
	group, err := federation.GroupDocument(x.group, c, x.engine.URLs())
	if err != nil {
		return err
	}
	mods, err := x.store.CommunityModerators(ctx, x.group.ID)
	if err != nil {
		return err
	}
	doc := CommunityDoc{Group: group, Handle: x.group.Username, Name: x.group.DisplayName, Moderators: []string{},
		Settings: Settings{DescriptionSource: c.DescriptionSource, Rules: c.Rules, Language: c.Language,
			JoinPolicy: c.JoinPolicy, PostingPolicy: c.PostingPolicy, Visibility: c.Visibility, CreatedAt: c.CreatedAt}}
	for _, m := range mods {
		doc.Moderators = append(doc.Moderators, m.URI)
	}
	if c.CreatedBy != 0 {
		p, err := x.person(ctx, c.CreatedBy)
		if err != nil {
			return err
		}
		doc.Creator = p.ID
	}
	return x.w.AddJSON(CommunityName, doc)
}

func (x *exporter) threads(ctx context.Context, s *Section) error {
	roots := map[storage.ID]string{} // thread roots seen, by ID: their IRIs
	var after storage.ID
	for {
		posts, err := x.store.CommunityPostsAfter(ctx, x.group.ID, after, pageSize)
		if err != nil {
			return err
		}
		if len(posts) == 0 {
			return nil
		}
		ids := make([]storage.ID, len(posts))
		for i, p := range posts {
			ids[i] = p.StatusID
		}
		sts, err := x.store.StatusesByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, p := range posts {
			after = p.StatusID
			st, ok := sts[p.StatusID]
			if !ok {
				continue // deleted since
			}
			note, err := x.engine.Note(ctx, st)
			if err != nil {
				return fmt.Errorf("status %d: %w", st.ID, err)
			}
			obj, err := activitypub.MarshalNote(note)
			if err != nil {
				return fmt.Errorf("status %d: %w", st.ID, err)
			}
			author, err := x.person(ctx, st.AccountID)
			if err != nil {
				return err
			}
			if author.ID == "" {
				continue // its author is gone, and the post with them
			}
			root := roots[p.RootID]
			if root == "" {
				if root, err = x.statusURI(ctx, p.RootID, sts); err != nil {
					return err
				}
				if len(roots) > 10000 {
					clear(roots)
				}
				roots[p.RootID] = root
			}
			if err := s.Write(ThreadLine{Object: obj, Root: root, Author: author, Source: st.SourceText}); err != nil {
				return err
			}
		}
	}
}

func (x *exporter) statusURI(ctx context.Context, id storage.ID, page map[storage.ID]storage.Status) (string, error) {
	if st, ok := page[id]; ok {
		return st.URI, nil
	}
	st, err := x.store.StatusByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return st.URI, nil
}

func (x *exporter) artefacts(ctx context.Context, s *Section) error {
	var after storage.ID
	for {
		arts, err := x.store.CommunityArtefactsAfter(ctx, x.group.ID, after, pageSize)
		if err != nil {
			return err
		}
		if len(arts) == 0 {
			return nil
		}
		for _, a := range arts {
			after = a.ID
			line, err := x.artefact(ctx, a)
			if err != nil {
				return fmt.Errorf("artefact %s: %w", a.URI, err)
			}
			if err := s.Write(line); err != nil {
				return err
			}
		}
	}
}

// artefact reads an artefact with its versions, and adds the files it
// holds to the archive as it meets them.
func (x *exporter) artefact(ctx context.Context, a storage.Artefact) (ArtefactLine, error) {
	line := ArtefactLine{ID: a.URI, Title: a.Title, Tags: a.Tags, Authors: []string{}, Organisation: a.Organisation,
		Licence: a.Licence, EditPolicy: a.EditPolicy, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	for _, id := range a.Authors {
		p, err := x.person(ctx, id)
		if err != nil {
			return ArtefactLine{}, err
		}
		if p.ID != "" {
			line.Authors = append(line.Authors, p.ID)
		}
	}
	after := 0
	for {
		vs, err := x.store.ArtefactVersions(ctx, a.ID, after, pageSize)
		if err != nil {
			return ArtefactLine{}, err
		}
		if len(vs) == 0 {
			return line, nil
		}
		for _, v := range vs {
			after = v.Number
			vl := VersionLine{Number: v.Number, Title: v.Title, Summary: v.Summary, BodySource: v.BodySource,
				BodyHTML: v.BodyHTML, Files: []FileLine{}, Editor: v.EditorURI, Note: v.Note, CreatedAt: v.CreatedAt}
			if vl.Editor == "" && v.EditorID != 0 {
				p, err := x.person(ctx, v.EditorID)
				if err != nil {
					return ArtefactLine{}, err
				}
				vl.Editor = p.ID
			}
			for _, f := range v.Files {
				fl := FileLine{Name: f.Name, MediaType: f.MediaType, Size: f.Size, SHA256: f.SHA256, URL: f.URL}
				if f.FileID != 0 {
					if err := x.file(ctx, f.FileID); err != nil {
						return ArtefactLine{}, err
					}
					fl.InArchive, fl.URL = true, ""
				}
				vl.Files = append(vl.Files, fl)
			}
			line.Versions = append(line.Versions, vl)
		}
	}
}

// file adds a stored artefact file once, as files/<its sha256>.
func (x *exporter) file(ctx context.Context, id storage.ID) error {
	f, err := x.store.ArtefactFile(ctx, id)
	if err != nil {
		return fmt.Errorf("file %d: %w", id, err)
	}
	if x.w.Has(FileName(f.SHA256)) {
		return nil
	}
	path, err := x.engine.ArtefactFilePath(f)
	if err != nil {
		return err
	}
	r, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("file %d: %w", id, err)
	}
	defer r.Close()
	// Add hashes what it copies: the manifest records the bytes as they
	// are, and import checks them against the name.
	return x.w.Add(FileName(f.SHA256), f.Size, r)
}

func (x *exporter) members(ctx context.Context, s *Section) error {
	mods, err := x.store.CommunityModerators(ctx, x.group.ID)
	if err != nil {
		return err
	}
	isMod := map[storage.ID]bool{}
	for _, m := range mods {
		isMod[m.ID] = true
	}
	var after storage.ID
	for {
		ms, err := x.store.CommunityMembersAfter(ctx, x.group.ID, after, pageSize)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return nil
		}
		for _, m := range ms {
			after = m.RowID
			if err := s.Write(MemberLine{Person: x.personOf(m.Account), Moderator: isMod[m.Account.ID]}); err != nil {
				return err
			}
		}
	}
}

func (x *exporter) moderation(ctx context.Context, s *Section) error {
	var after storage.ID
	for {
		es, err := x.store.ModerationLogAfter(ctx, x.group.ID, after, pageSize)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		for _, e := range es {
			after = e.ID
			mod := e.ModeratorURI
			if mod == "" && e.ModeratorID != 0 {
				p, err := x.person(ctx, e.ModeratorID)
				if err != nil {
					return err
				}
				mod = p.ID
			}
			if err := s.Write(ModerationLine{Moderator: mod, Action: e.Action, Target: e.Target, Reason: e.Reason,
				Activity: e.ActivityURI, CreatedAt: e.CreatedAt, ExpiresAt: e.ExpiresAt}); err != nil {
				return err
			}
		}
	}
}

// person names an account by its actor id; an account gone since is the
// zero Person.
func (x *exporter) person(ctx context.Context, id storage.ID) (Person, error) {
	if p, ok := x.people[id]; ok {
		return p, nil
	}
	a, err := x.store.AccountByIDWithoutKeys(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return Person{}, nil
	}
	if err != nil {
		return Person{}, err
	}
	if len(x.people) > 4096 {
		clear(x.people)
	}
	p := x.personOf(a)
	x.people[id] = p
	return p, nil
}

func (x *exporter) personOf(a storage.Account) Person {
	domain := a.Domain
	if domain == "" {
		domain = x.engine.URLs().Host()
	}
	return Person{ID: a.URI, Username: a.Username, Domain: domain, DisplayName: a.DisplayName, URL: a.URL,
		Inbox: a.Inbox, SharedInbox: a.SharedInbox, Organisation: a.Organisation, Department: a.Department, JobTitle: a.JobTitle}
}

func (x *exporter) glossary(ctx context.Context, s *Section) error {
	var after storage.ID
	for {
		terms, err := x.store.CommunityTermsAfter(ctx, x.group.ID, after, pageSize)
		if err != nil {
			return err
		}
		if len(terms) == 0 {
			return nil
		}
		for _, t := range terms {
			after = t.ID
			line, err := x.term(ctx, t)
			if err != nil {
				return fmt.Errorf("term %s: %w", t.URI, err)
			}
			if err := s.Write(line); err != nil {
				return err
			}
		}
	}
}

func (x *exporter) term(ctx context.Context, t storage.Term) (TermLine, error) {
	line := TermLine{ID: t.URI, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.CreatedBy != 0 {
		p, err := x.person(ctx, t.CreatedBy)
		if err != nil {
			return TermLine{}, err
		}
		line.Creator = p.ID
	}
	after := 0
	for {
		vs, err := x.store.TermVersions(ctx, t.ID, after, pageSize)
		if err != nil {
			return TermLine{}, err
		}
		if len(vs) == 0 {
			return line, nil
		}
		for _, v := range vs {
			after = v.Number
			vl := TermVersionLine{Number: v.Number, Term: v.Term, DefinitionSource: v.DefinitionSource, Aliases: nonNil(v.Aliases),
				Related: nonNil(v.Related), ReferenceURL: v.ReferenceURL, ReferenceText: v.ReferenceText, Editor: v.EditorURI,
				Note: v.Note, CreatedAt: v.CreatedAt}
			if vl.Editor == "" && v.EditorID != 0 {
				p, err := x.person(ctx, v.EditorID)
				if err != nil {
					return TermLine{}, err
				}
				vl.Editor = p.ID
			}
			line.Versions = append(line.Versions, vl)
		}
	}
}

func (x *exporter) events(ctx context.Context, s *Section) error {
	var after storage.ID
	for {
		evs, err := x.store.CommunityEventsAfter(ctx, x.group.ID, after, pageSize)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		for _, ev := range evs {
			after = ev.ID
			line, err := x.event(ctx, ev)
			if err != nil {
				return fmt.Errorf("event %s: %w", ev.URI, err)
			}
			if err := s.Write(line); err != nil {
				return err
			}
		}
	}
}

func (x *exporter) event(ctx context.Context, ev storage.CommunityEvent) (EventLine, error) {
	line := EventLine{ID: ev.URI, Name: ev.Name, DescriptionSource: ev.DescriptionSource, Start: ev.Start, End: ev.End,
		TimeZone: ev.TimeZone, PlaceName: ev.PlaceName, PlaceAddress: ev.PlaceAddress, OnlineURL: ev.OnlineURL,
		Capacity: ev.Capacity, CancelledAt: ev.CancelledAt, CreatedAt: ev.CreatedAt, UpdatedAt: ev.UpdatedAt, Attendees: []Person{}}
	if ev.OrganiserID != 0 {
		p, err := x.person(ctx, ev.OrganiserID)
		if err != nil {
			return EventLine{}, err
		}
		line.Organiser = p.ID
	}
	var after storage.ID
	for {
		as, err := x.store.EventAttendees(ctx, ev.ID, after, pageSize)
		if err != nil {
			return EventLine{}, err
		}
		if len(as) == 0 {
			return line, nil
		}
		for _, a := range as {
			after = a.AccountID
			p, err := x.person(ctx, a.AccountID)
			if err != nil {
				return EventLine{}, err
			}
			if p.ID != "" {
				line.Attendees = append(line.Attendees, p)
			}
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
