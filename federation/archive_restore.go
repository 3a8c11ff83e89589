package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation/textextract"
	"github.com/copse-dev/copse/storage"
)

// Restoring a community from an archive (issue 13 item 7; the archive
// itself is package federation/archive). The restored community is a new
// Group hosted here, with its own keys; its posts keep their ids and
// authors, who become remote accounts here unless they live here.

// ArchivedPerson is an account as an archive names it.
type ArchivedPerson struct {
	URI, Username, Domain, DisplayName, URL, Inbox, SharedInbox string
	Organisation, Department, JobTitle                          string
}

// Restorer is what an import's fill function writes through, inside the
// transaction that creates the community.
type Restorer struct {
	e     *Engine
	tx    *storage.Tx
	Group storage.Account
}

// RestoreCommunity creates the community handle, with c's settings, and
// calls fill to restore its content, all in one transaction: an error
// from fill leaves nothing behind. Nothing is delivered: the restored
// content was federated when it was made.
func (e *Engine) RestoreCommunity(ctx context.Context, handle, name string, c storage.Community, fill func(ctx context.Context, r *Restorer) error) (storage.Account, error) {
	nc := NewCommunity{Handle: handle, Name: name, Description: c.DescriptionSource, Rules: c.Rules, Language: c.Language,
		JoinPolicy: c.JoinPolicy, PostingPolicy: c.PostingPolicy, Visibility: c.Visibility}.clean()
	if err := nc.validate(); err != nil {
		return storage.Account{}, err
	}
	g, row, err := e.newCommunityRows(nc)
	if err != nil {
		return storage.Account{}, fmt.Errorf("restore community %s: %w", nc.Handle, err)
	}
	row.CreatedAt = c.CreatedAt
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertAccount(ctx, &g); err != nil {
			return err
		}
		row.AccountID = g.ID
		if err := tx.InsertCommunity(ctx, &row); err != nil {
			return err
		}
		r := &Restorer{e: e, tx: tx, Group: g}
		if err := fill(ctx, r); err != nil {
			return err
		}
		g = r.Group
		return nil
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.Account{}, fmt.Errorf("handle %q: %w", nc.Handle, ErrHandleTaken)
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("restore community %s: %w", nc.Handle, err)
	}
	return g, nil
}

// AlsoKnownAs records that the restored Group is also the actor old (the
// Group the archive was exported from), so that old may point here with
// movedTo and its followers' nodes accept the Move (move.go).
func (r *Restorer) AlsoKnownAs(ctx context.Context, old string) error {
	u, err := url.Parse(old)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || old == r.Group.URI {
		return invalid("the archived community's id %q is not another actor's web address", old)
	}
	if slices.Contains(r.Group.AlsoKnownAs, old) {
		return nil
	}
	r.Group.AlsoKnownAs = append(r.Group.AlsoKnownAs, old)
	return r.tx.UpdateAccount(ctx, &r.Group)
}

// Tx is the restoring transaction, for rows with no engine rule of their
// own (artefacts, their versions and files, the moderation log).
func (r *Restorer) Tx() *storage.Tx { return r.tx }

// URLs is the node's IRI layout, for the ids of restored artefacts.
func (r *Restorer) URLs() URLs { return r.e.urls }

// ArtefactFileDir is where artefact files are stored ("" when the node
// keeps no files).
func (r *Restorer) ArtefactFileDir() string { return r.e.artefactFileDir() }

// FileText is the text of a restored artefact file stored under name in
// ArtefactFileDir, for search, extracted as an uploaded file's is (""
// when its kind has no text, or it cannot be read: the file is restored
// all the same).
func (r *Restorer) FileText(name, mediaType string) string {
	dir := r.e.artefactFileDir()
	rel := filepath.FromSlash(name)
	if dir == "" || !filepath.IsLocal(rel) || !textextract.Supported(mediaType) {
		return ""
	}
	f, err := os.Open(filepath.Join(dir, rel))
	if err != nil {
		r.e.log.Warn("artefact file text", "file", name, "error", err)
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		r.e.log.Warn("artefact file text", "file", name, "error", err)
		return ""
	}
	return r.e.fileText(f, st.Size(), mediaType, name)
}

// Sanitize cleans HTML from an archive as any remote HTML is cleaned.
func (r *Restorer) Sanitize(html string) string { return r.e.sanitize.Sanitize(html) }

// NewFileName is a fresh random storage name for an artefact file.
func (r *Restorer) NewFileName() string { return newMediaStem() }

// Account is the account p names: the one known here by its actor id, or
// a new remote account made from p. A person claiming to live on this
// node who is not known here is refused: an archive cannot make local
// accounts.
func (r *Restorer) Account(ctx context.Context, p ArchivedPerson) (storage.Account, error) {
	if p.URI == "" {
		return storage.Account{}, invalid("an archived person has no actor id")
	}
	a, err := r.tx.AccountByURIWithoutKeys(ctx, p.URI)
	if err == nil || !errors.Is(err, storage.ErrNotFound) {
		return a, err
	}
	u, err := url.Parse(p.URI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return storage.Account{}, invalid("actor id %q is not a web address", p.URI)
	}
	if strings.EqualFold(u.Host, r.e.urls.Host()) {
		return storage.Account{}, invalid("%s names this node but is not an account here", p.URI)
	}
	if p.Username == "" || !strings.EqualFold(p.Domain, u.Host) {
		p.Domain = u.Host
	}
	if p.Username == "" {
		p.Username = strings.Trim(u.Path[strings.LastIndexByte(u.Path, '/')+1:], " ")
	}
	a = storage.Account{URI: p.URI, Username: p.Username, Domain: p.Domain, ActorType: activitypub.TypePerson,
		DisplayName: cleanLine(p.DisplayName), URL: p.URL, Inbox: p.Inbox, SharedInbox: p.SharedInbox,
		Organisation: cleanLine(p.Organisation), Department: cleanLine(p.Department), JobTitle: cleanLine(p.JobTitle)}
	if a.URL == "" {
		a.URL = a.URI
	}
	if err := r.tx.InsertAccount(ctx, &a); err != nil {
		return storage.Account{}, fmt.Errorf("restore account %s: %w", p.URI, err)
	}
	return a, nil
}

// AddModerator makes a a moderator of the restored community.
func (r *Restorer) AddModerator(ctx context.Context, a storage.Account) error {
	return r.tx.AddCommunityModerator(ctx, r.Group.ID, a.ID)
}

// Post restores one post of the community by author, sanitised as any
// remote post, in the thread whose first post is root ("" or its own id:
// it starts one). A post already stored here is placed in the community
// as it is.
func (r *Restorer) Post(ctx context.Context, author storage.Account, n activitypub.Note, root string) (storage.Status, error) {
	if n.ID == "" {
		return storage.Status{}, invalid("an archived post has no id")
	}
	if n.AttributedTo != "" && n.AttributedTo != author.URI {
		return storage.Status{}, invalid("post %s is attributed to %s, not %s", n.ID, n.AttributedTo, author.URI)
	}
	st, _, err := r.e.insertNote(ctx, r.tx, author, n, nil)
	if err != nil {
		return storage.Status{}, fmt.Errorf("restore post %s: %w", n.ID, err)
	}
	p := storage.CommunityPost{StatusID: st.ID, GroupID: r.Group.ID, RootID: st.ID, Context: n.Context}
	if root != "" && root != n.ID {
		rootID, _, err := r.tx.StatusRefByURI(ctx, root)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return storage.Status{}, err
		}
		if err == nil {
			p.RootID = rootID
		}
	}
	if _, err := r.tx.AddCommunityStatus(ctx, r.Group.ID, st.ID); err != nil {
		return storage.Status{}, err
	}
	if err := r.tx.AddCommunityPost(ctx, p); err != nil {
		return storage.Status{}, err
	}
	return st, nil
}

// ArchivedTermVersion is one version of a glossary term as an archive
// holds it; its definition is rendered again here.
type ArchivedTermVersion struct {
	storage.TermVersion
	Editor storage.Account // the zero Account when the archive names none
}

// Term restores a glossary term of the community with every version
// (oldest first), under a new id of this node. Each version is checked
// as a new one would be, and the term's name must be new in the
// glossary.
func (r *Restorer) Term(ctx context.Context, creator storage.Account, createdAt, updatedAt time.Time, versions []ArchivedTermVersion) (storage.Term, error) {
	if len(versions) == 0 {
		return storage.Term{}, invalid("an archived term has no versions")
	}
	t := storage.Term{ID: r.tx.NewID(), CommunityID: r.Group.ID, Local: true, CreatedBy: creator.ID, CreatedAt: createdAt, UpdatedAt: updatedAt}
	t.URI = r.e.urls.Term(t.ID)
	vs := make([]storage.TermVersion, len(versions))
	for i, av := range versions {
		v := av.TermVersion
		v.Term, v.DefinitionSource = cleanLine(v.Term), strings.TrimSpace(cleanText(v.DefinitionSource))
		v.Aliases, v.Related, v.ReferenceText = cleanList(v.Aliases), cleanList(v.Related), cleanLine(v.ReferenceText)
		v.ReferenceURL, v.Note = strings.TrimSpace(v.ReferenceURL), cleanLine(v.Note)
		if v.Number != i+1 {
			return storage.Term{}, invalid("term %q: version %d where %d was due", v.Term, v.Number, i+1)
		}
		if err := validateTerm(v); err != nil {
			return storage.Term{}, fmt.Errorf("term %q version %d: %w", v.Term, v.Number, err)
		}
		html, err := r.e.renderArtefact(v.DefinitionSource)
		if err != nil {
			return storage.Term{}, err
		}
		v.DefinitionHTML, v.EditorID, v.EditorURI = html, av.Editor.ID, av.Editor.URI
		vs[i] = v
	}
	last := vs[len(vs)-1]
	if err := uniqueTerm(ctx, r.tx, r.Group.ID, 0, last.Term); err != nil {
		return storage.Term{}, err
	}
	applyTermVersion(&t, last)
	t.Version = last.Number
	t.URL = r.e.urls.GlossaryPage(r.Group.Username) + "#" + TermAnchor(last.Term)
	if err := r.tx.InsertTerm(ctx, &t); err != nil {
		return storage.Term{}, err
	}
	for _, v := range vs {
		v.TermID = t.ID
		if err := r.tx.AddTermVersion(ctx, &v); err != nil {
			return storage.Term{}, err
		}
	}
	return t, nil
}

// Event restores an event of the community under a new id of this node,
// checked as a new event is, with its attendees (capacity aside: they
// had their places).
func (r *Restorer) Event(ctx context.Context, ev storage.CommunityEvent, attendees []storage.Account) (storage.CommunityEvent, error) {
	ev.Name, ev.DescriptionSource = cleanLine(ev.Name), strings.TrimSpace(cleanText(ev.DescriptionSource))
	ev.PlaceName, ev.PlaceAddress, ev.OnlineURL = cleanLine(ev.PlaceName), cleanLine(ev.PlaceAddress), strings.TrimSpace(ev.OnlineURL)
	ev.TimeZone = cmpOr(strings.TrimSpace(ev.TimeZone), "UTC")
	if err := r.e.checkEvent(&ev); err != nil {
		return storage.CommunityEvent{}, fmt.Errorf("event %q: %w", ev.Name, err)
	}
	ev.ID, ev.CommunityID, ev.Local, ev.AttendeeCount = r.tx.NewID(), r.Group.ID, true, 0
	ev.URI, ev.URL = r.e.urls.Event(ev.ID), r.e.urls.EventPage(r.Group.Username, ev.ID)
	if err := r.tx.InsertCommunityEvent(ctx, &ev); err != nil {
		return storage.CommunityEvent{}, err
	}
	for _, a := range attendees {
		if err := r.tx.SetAttendance(ctx, ev.ID, a.ID, storage.AttendGoing, ""); err != nil {
			return storage.CommunityEvent{}, err
		}
	}
	n, err := r.tx.CountAttendees(ctx, ev.ID)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	ev.AttendeeCount = n
	return ev, r.tx.UpdateCommunityEvent(ctx, ev)
}
