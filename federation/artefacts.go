package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A community's library (issue 13): artefacts with a Markdown body, tags,
// authors, a licence and files, every change a new version. Edits are
// optimistic: each names the version it started from, and the engine
// refuses it with a *StaleError when another edit landed first, checked
// inside the transaction that writes (the store's one writer), so two
// edits of the same version can never both land.

// Default limits of artefact files; Options.ArtefactFileLimit and
// Options.ArtefactCommunityLimit change them.
const (
	DefaultArtefactFileLimit      = 50 << 20
	DefaultArtefactCommunityLimit = 2 << 30
)

// Limits of what a member types into an artefact.
const (
	maxArtefactTitle   = 200
	maxArtefactSummary = 2000
	maxArtefactBody    = 500_000 // bytes of Markdown
	maxArtefactTags    = 20
	maxArtefactAuthors = 20
	maxOrganisation    = 200
	maxChangeNote      = 500
	maxArtefactFiles   = 50 // per version
	maxFileName        = 255
	maxStaleVersions   = 50 // listed in a *StaleError
)

// artefactConfig is what the library needs beyond the rest of the engine:
// its limits and its Markdown renderer and sanitiser (which, unlike posts,
// allow tables and rules: artefacts are documents).
type artefactConfig struct {
	fileLimit      int64
	communityLimit int64
	markdown       goldmark.Markdown
	sanitize       *bluemonday.Policy
}

func newArtefactConfig(fileLimit, communityLimit int64) artefactConfig {
	if fileLimit <= 0 {
		fileLimit = DefaultArtefactFileLimit
	}
	if communityLimit <= 0 {
		communityLimit = DefaultArtefactCommunityLimit
	}
	p := newSanitizer()
	p.AllowElements("table", "thead", "tbody", "tr", "th", "td", "hr")
	p.AllowAttrs("href").OnElements("a")
	// goldmark escapes raw HTML in Markdown unless told otherwise; the
	// sanitiser is there all the same, as for every HTML copse serves.
	return artefactConfig{fileLimit: fileLimit, communityLimit: communityLimit,
		markdown: goldmark.New(goldmark.WithExtensions(extension.GFM)), sanitize: p}
}

// ArtefactFileLimit is the largest file an artefact may carry, in bytes.
func (e *Engine) ArtefactFileLimit() int64 { return e.artefacts.fileLimit }

// renderArtefact renders Markdown to sanitised HTML, bounded first
// (boundMarkdown) so that its cost grows with src's length and no faster.
func (e *Engine) renderArtefact(src string) (string, error) {
	var buf bytes.Buffer
	if err := e.artefacts.markdown.Convert([]byte(boundMarkdown(src)), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return e.artefacts.sanitize.Sanitize(buf.String()), nil
}

// StaleError refuses an edit that started from a version that is no
// longer the current one: Since are the versions made after Base, oldest
// first, so the editor sees what changed and can merge.
type StaleError struct {
	Base    int
	Current int
	Since   []storage.ArtefactVersion
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("federation: the edit started from version %d, and the artefact is at version %d", e.Base, e.Current)
}

// NewArtefact is what it takes to create an artefact. Empty policies take
// the defaults: all rights reserved, editable by its authors.
type NewArtefact struct {
	Title        string
	Summary      string
	Body         string // Markdown
	Tags         []string
	Authors      []storage.ID // besides the creator, who is always one
	Organisation string       // "" takes the creator's
	Licence      string
	EditPolicy   string
	Note         string // the first version's change note
	// Uploads are files sent with it to a community on another node
	// (ProposeArtefact); a community here takes files with
	// AddArtefactFile once the artefact is made.
	Uploads []Upload
	// attach, when set, puts stored files in version 1 (a proposal whose
	// files were fetched from the member's node).
	attach func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error
}

// Upload is a file a member sends: its name and its bytes.
type Upload struct {
	Name string
	Body io.Reader
}

// ArtefactEdit is a change to an artefact. BaseVersion is the version the
// editor started from; nil fields stay as they are.
type ArtefactEdit struct {
	BaseVersion  int
	Title        *string
	Summary      *string
	Body         *string
	Tags         *[]string
	Organisation *string
	Licence      *string
	EditPolicy   *string
	// Files, when set, are the files the new version keeps, by the IDs the
	// current version lists them under: a file left out is removed from
	// this version on (and kept in the versions that had it).
	Files *[]storage.ID
	// RemoveFiles names files the new version no longer holds (earlier
	// versions keep them): how an edit from another node removes them.
	RemoveFiles []string
	Note        string
	// Uploads are files the edit adds to an artefact of a community on
	// another node, each in place of a file of the same name
	// (ProposeArtefactEdit); one here takes files with AddArtefactFile.
	Uploads []Upload
}

// CreateArtefact adds an artefact to a community hosted here, by one of
// its members or moderators, as version 1, and sends Create{Article} to
// the Group, which announces it to its followers. A member of another
// node proposes one instead (ProposeArtefact), and the Group's node
// applies it with createArtefactIn, the same checks.
func (e *Engine) CreateArtefact(ctx context.Context, author storage.Account, communityID storage.ID, na NewArtefact) (storage.Artefact, error) {
	if !author.Local() {
		return storage.Artefact{}, fmt.Errorf("create artefact by %s: %w", author.URI, ErrDenied)
	}
	if len(na.Uploads) > 0 {
		return storage.Artefact{}, errUploadsHere
	}
	var a storage.Artefact
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		a, err = e.createArtefactIn(ctx, tx, author, communityID, na)
		return err
	})
	if err != nil {
		return storage.Artefact{}, fmt.Errorf("create artefact: %w", err)
	}
	return a, nil
}

// createArtefactIn is every creation of an artefact in a community hosted
// here, by a member of this node or of another: it checks the author may
// add to the community (mayCreateIn) and the artefact (every refusal
// comes before anything is written), stores version 1 and sends
// Create{Article} by the author to the Group.
func (e *Engine) createArtefactIn(ctx context.Context, tx *storage.Tx, author storage.Account, communityID storage.ID, na NewArtefact) (storage.Artefact, error) {
	if author.ActorType != activitypub.TypePerson {
		return storage.Artefact{}, fmt.Errorf("create artefact by %s: %w", author.URI, ErrDenied)
	}
	if na.Organisation == "" {
		na.Organisation = author.Organisation
	}
	if na.Licence == "" {
		na.Licence = storage.LicenceReserved
	}
	if na.EditPolicy == "" {
		na.EditPolicy = storage.EditAuthors
	}
	title, summary, body, note := cleanLine(na.Title), strings.TrimSpace(cleanText(na.Summary)), strings.TrimSpace(cleanText(na.Body)), cleanLine(na.Note)
	tags, err := artefactTags(na.Tags)
	if err != nil {
		return storage.Artefact{}, err
	}
	org := cleanLine(na.Organisation)
	if err := validateArtefact(title, summary, body, org, na.Licence, na.EditPolicy, note); err != nil {
		return storage.Artefact{}, err
	}
	html, err := e.renderArtefact(body)
	if err != nil {
		return storage.Artefact{}, err
	}
	authors := []storage.ID{author.ID}
	for _, id := range na.Authors {
		if !slices.Contains(authors, id) {
			authors = append(authors, id)
		}
	}
	if len(authors) > maxArtefactAuthors {
		return storage.Artefact{}, invalid("an artefact has at most %d authors", maxArtefactAuthors)
	}
	g, err := hostedCommunity(ctx, tx, communityID)
	if err != nil {
		return storage.Artefact{}, err
	}
	if err := mayCreateIn(ctx, tx, g, author); err != nil {
		return storage.Artefact{}, err
	}
	for _, id := range authors[1:] {
		if _, err := tx.AccountByID(ctx, id); errors.Is(err, storage.ErrNotFound) {
			return storage.Artefact{}, invalid("author %s is not known here", id)
		} else if err != nil {
			return storage.Artefact{}, err
		}
	}
	a := storage.Artefact{ID: tx.NewID(), CommunityID: g.ID, Local: true, CreatedBy: author.ID,
		Title: title, Summary: summary, BodySource: body, BodyHTML: html, Tags: tags, Authors: authors,
		Organisation: org, Licence: na.Licence, EditPolicy: na.EditPolicy, Version: 1}
	a.URI = e.urls.Artefact(a.ID)
	a.URL = e.urls.ArtefactPage(g.Username, a.ID)
	if err := tx.InsertArtefact(ctx, &a); err != nil {
		return storage.Artefact{}, err
	}
	v := storage.ArtefactVersion{ArtefactID: a.ID, Number: 1, Title: title, Summary: summary, BodySource: body,
		BodyHTML: html, EditorID: author.ID, EditorURI: author.URI, Note: note}
	if na.attach != nil {
		if err := na.attach(tx, &a, &v); err != nil {
			return storage.Artefact{}, err
		}
	}
	if err := tx.AddArtefactVersion(ctx, &v); err != nil {
		return storage.Artefact{}, err
	}
	return a, e.sendArtefact(ctx, tx, g, author, a, v, activitypub.TypeCreate)
}

// EditArtefact makes a new version of an artefact hosted here from ed, if
// ed.BaseVersion is still its current version (else a *StaleError) and
// editor may edit it (else ErrDenied); the Group's followers are sent
// Update{Article}.
func (e *Engine) EditArtefact(ctx context.Context, editor storage.Account, id storage.ID, ed ArtefactEdit) (storage.Artefact, error) {
	if len(ed.Uploads) > 0 {
		return storage.Artefact{}, errUploadsHere
	}
	change, err := artefactChange(ctx, ed)
	if err != nil {
		return storage.Artefact{}, err
	}
	return e.reviseArtefact(ctx, editor, id, ed.BaseVersion, ed.Note, change)
}

// artefactChange is what an edit does to the next version, for
// reviseArtefact(In): the same for a member of this node and of another.
func artefactChange(ctx context.Context, ed ArtefactEdit) (func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error, error) {
	var tags []string
	if ed.Tags != nil {
		var err error
		if tags, err = artefactTags(*ed.Tags); err != nil {
			return nil, err
		}
	}
	return func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error {
		if ed.EditPolicy != nil && *ed.EditPolicy != a.EditPolicy {
			// Who may edit is decided by its authors and moderators, not
			// by any member the policy lets in.
			ok, err := isAuthorOrModerator(ctx, tx, *a, v.EditorID)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("change the edit policy of %s: %w", a.URI, ErrDenied)
			}
			a.EditPolicy = *ed.EditPolicy
		}
		if ed.Title != nil {
			v.Title = cleanLine(*ed.Title)
		}
		if ed.Summary != nil {
			v.Summary = strings.TrimSpace(cleanText(*ed.Summary))
		}
		if ed.Body != nil {
			v.BodySource = strings.TrimSpace(cleanText(*ed.Body))
		}
		if ed.Tags != nil {
			a.Tags = tags
		}
		if ed.Organisation != nil {
			a.Organisation = cleanLine(*ed.Organisation)
		}
		if ed.Licence != nil {
			a.Licence = *ed.Licence
		}
		if ed.Files != nil {
			kept := make([]storage.VersionFile, 0, len(*ed.Files))
			for _, fid := range *ed.Files {
				i := slices.IndexFunc(v.Files, func(f storage.VersionFile) bool { return f.FileID == fid })
				if i < 0 {
					return invalid("file %s is not a file of version %d", fid, a.Version)
				}
				if !slices.ContainsFunc(kept, func(f storage.VersionFile) bool { return f.FileID == fid }) {
					kept = append(kept, v.Files[i])
				}
			}
			v.Files = kept
		}
		for _, name := range ed.RemoveFiles {
			i := slices.IndexFunc(v.Files, func(f storage.VersionFile) bool { return strings.EqualFold(f.Name, name) })
			if i < 0 {
				return invalid("%s is not a file of version %d", name, a.Version)
			}
			v.Files = slices.Delete(slices.Clone(v.Files), i, i+1)
		}
		return validateArtefact(v.Title, v.Summary, v.BodySource, a.Organisation, a.Licence, a.EditPolicy, v.Note)
	}, nil
}

// RestoreArtefactVersion makes a new version with the title, summary,
// body and files of version number: nothing is lost, the versions in
// between stay.
func (e *Engine) RestoreArtefactVersion(ctx context.Context, editor storage.Account, id storage.ID, base, number int, note string) (storage.Artefact, error) {
	if note == "" {
		note = fmt.Sprintf("Restored version %d", number)
	}
	return e.reviseArtefact(ctx, editor, id, base, note, func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error {
		old, err := tx.ArtefactVersion(ctx, a.ID, number)
		if errors.Is(err, storage.ErrNotFound) {
			return invalid("artefact has no version %d", number)
		}
		if err != nil {
			return err
		}
		v.Title, v.Summary, v.BodySource, v.Files = old.Title, old.Summary, old.BodySource, old.Files
		return nil
	})
}

// reviseArtefact is every change of an artefact hosted here by a member
// of this node: reviseArtefactIn in its own transaction.
func (e *Engine) reviseArtefact(ctx context.Context, editor storage.Account, id storage.ID, base int, note string,
	change func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error) (storage.Artefact, error) {
	if !editor.Local() {
		return storage.Artefact{}, fmt.Errorf("edit artefact by %s: %w", editor.URI, ErrDenied)
	}
	var out storage.Artefact
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		out, err = e.reviseArtefactIn(ctx, tx, editor, id, base, note, change)
		return err
	})
	if err != nil {
		return storage.Artefact{}, fmt.Errorf("edit artefact %s: %w", id, err)
	}
	return out, nil
}

// reviseArtefactIn is every change of an artefact hosted here, by a
// member of this node or (applying their proposal) of another: inside tx
// it reads the artefact, checks the editor and the base version
// (editCheck), lets change turn a copy of the current version into the
// next (and change the artefact's own fields), renders it, stores both,
// and sends Update{Article}. Every refusal comes before anything is
// written.
func (e *Engine) reviseArtefactIn(ctx context.Context, tx *storage.Tx, editor storage.Account, id storage.ID, base int, note string,
	change func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error) (storage.Artefact, error) {
	note = cleanLine(note)
	if base <= 0 {
		return storage.Artefact{}, invalid("base_version, the version the edit started from, is required")
	}
	a, err := tx.ArtefactByID(ctx, id)
	if err != nil {
		return storage.Artefact{}, err
	}
	var g storage.Account
	err = editCheck[storage.ArtefactVersion]{what: "artefact", uri: a.URI, local: a.Local, base: base, current: a.Version,
		may: func() (bool, error) {
			var err error
			if g, err = tx.AccountByID(ctx, a.CommunityID); err != nil {
				return false, fmt.Errorf("community of %s: %w", a.URI, err)
			}
			return mayEditArtefact(ctx, tx, g, a, editor)
		},
		since: func(after, limit int) ([]storage.ArtefactVersion, error) {
			return tx.ArtefactVersions(ctx, a.ID, after, limit)
		},
		stale: func(since []storage.ArtefactVersion) error {
			return &StaleError{Base: base, Current: a.Version, Since: since}
		},
	}.run(editor)
	if err != nil {
		return storage.Artefact{}, err
	}
	cur, err := tx.ArtefactVersion(ctx, a.ID, a.Version)
	if err != nil {
		return storage.Artefact{}, fmt.Errorf("version %d of %s: %w", a.Version, a.URI, err)
	}
	next := cur
	next.Number, next.EditorID, next.EditorURI, next.Note = a.Version+1, editor.ID, editor.URI, note
	next.CreatedAt = tx.Now()
	was := a
	was.Tags, was.Authors = slices.Clone(a.Tags), slices.Clone(a.Authors)
	if err := change(tx, &a, &next); err != nil {
		return storage.Artefact{}, err
	}
	if err := validateArtefact(next.Title, next.Summary, next.BodySource, a.Organisation, a.Licence, a.EditPolicy, next.Note); err != nil {
		return storage.Artefact{}, err
	}
	if sameArtefact(was, a) && sameArtefactVersion(cur, next) {
		return was, nil // an edit that changes nothing makes no version, and tells nobody
	}
	if next.BodySource != cur.BodySource || next.BodyHTML == "" {
		if next.BodyHTML, err = e.renderArtefact(next.BodySource); err != nil {
			return storage.Artefact{}, err
		}
	}
	a.Title, a.Summary, a.BodySource, a.BodyHTML = next.Title, next.Summary, next.BodySource, next.BodyHTML
	a.Version, a.UpdatedAt = next.Number, tx.Now()
	if err := tx.AddArtefactVersion(ctx, &next); err != nil {
		return storage.Artefact{}, err
	}
	if err := tx.UpdateArtefact(ctx, a); err != nil {
		return storage.Artefact{}, err
	}
	return a, e.sendArtefact(ctx, tx, g, editor, a, next, activitypub.TypeUpdate)
}

// sameArtefact reports whether a and b have the same fields an edit may
// change besides the version's.
func sameArtefact(a, b storage.Artefact) bool {
	return slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Authors, b.Authors) && a.Organisation == b.Organisation &&
		a.Licence == b.Licence && a.EditPolicy == b.EditPolicy
}

// sameArtefactVersion reports whether two versions say the same: title,
// summary, body and files.
func sameArtefactVersion(a, b storage.ArtefactVersion) bool {
	return a.Title == b.Title && a.Summary == b.Summary && a.BodySource == b.BodySource && slices.Equal(a.Files, b.Files)
}

// editCheck is what every change of a versioned document hosted here
// (what: "artefact", "term") checks first, inside its writing
// transaction, in this order: the document is hosted here (local); the
// editor may edit it (may, which loads what it needs); and the edit
// started from the current version: a base that does not exist is
// invalid, and a stale one is answered by stale, given the versions since
// (since lists them), up to maxStaleVersions of them (enough to merge;
// the diff covers them all). Inside the transaction, two edits from the
// same base cannot both pass it.
type editCheck[V any] struct {
	what, uri     string
	local         bool
	base, current int
	may           func() (bool, error)
	since         func(after, limit int) ([]V, error)
	stale         func(since []V) error
}

func (c editCheck[V]) run(editor storage.Account) error {
	if !c.local {
		return fmt.Errorf("edit %s, hosted on another node: %w", c.uri, ErrDenied)
	}
	ok, err := c.may()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s may not edit %s: %w", editor.Acct(), c.uri, ErrDenied)
	}
	if c.base > c.current {
		return invalid("base_version %d does not exist: the %s is at version %d", c.base, c.what, c.current)
	}
	if c.base == c.current {
		return nil
	}
	vs, err := c.since(c.base, min(c.current-c.base, maxStaleVersions))
	if err != nil {
		return err
	}
	return c.stale(vs)
}

// ArtefactReadable reports whether viewer (the zero Account: nobody
// signed in) may read an artefact, its versions and its files: nobody
// when its community is suspended, else whoever may read the community
// (CanSeeCommunity: anyone when it is public, its members when it is
// members-only, on the node that hosts it and on every node that follows
// it). Every path that shows an artefact, a glossary term or an event
// asks it.
func (e *Engine) ArtefactReadable(ctx context.Context, viewer storage.Account, a storage.Artefact) (bool, error) {
	g, err := e.store.AccountByID(ctx, a.CommunityID)
	if err != nil {
		return false, fmt.Errorf("community of %s: %w", a.URI, err)
	}
	if !g.SuspendedAt.IsZero() {
		return false, nil
	}
	return e.CanSeeCommunity(ctx, viewer, g)
}

// hostedCommunity returns the Group of a community hosted here, or
// ErrNotFound.
func hostedCommunity(ctx context.Context, tx *storage.Tx, id storage.ID) (storage.Account, error) {
	g, err := tx.AccountByID(ctx, id)
	if err != nil {
		return storage.Account{}, err
	}
	if !g.Local() || g.ActorType != activitypub.TypeGroup {
		return storage.Account{}, fmt.Errorf("community %d: %w", id, storage.ErrNotFound)
	}
	if _, err := tx.CommunityByAccount(ctx, id); err != nil {
		return storage.Account{}, err
	}
	if !g.SuspendedAt.IsZero() {
		return storage.Account{}, fmt.Errorf("community %s is suspended: %w", g.Acct(), ErrDenied)
	}
	return g, nil
}

// Artefact is the ActivityPub id of an artefact hosted here (web/ap
// serves it); its versions' history collection is under it.
func (u URLs) Artefact(id storage.ID) string { return u.Base + "/artefacts/" + id.String() }

// ArtefactHistory is the history collection (FEP-bad1) of a local artefact.
func (u URLs) ArtefactHistory(id storage.ID) string { return u.Artefact(id) + "/history" }

// ArtefactFile is where a file of a local artefact is downloaded (the
// copse API serves it, to anyone the artefact is shown to).
func (u URLs) ArtefactFile(artefact, file storage.ID) string {
	return u.Base + "/api/copse/v1/artefacts/" + artefact.String() + "/files/" + file.String()
}

// RemoteArtefactFile is where a member here downloads a file of an
// artefact of a community on another node, named by its SHA-256: this
// node fetches it from there (OpenRemoteArtefactFile).
func (u URLs) RemoteArtefactFile(artefact storage.ID, sha string) string {
	return u.Base + "/api/copse/v1/artefacts/" + artefact.String() + "/files/" + sha
}

// mayCreateIn is the check before a member adds an artefact, a glossary
// term or an event to a community hosted here: the same rule as for posts
// (mayPost: a moderator; else a member who is not banned, and only when
// the posting policy is not moderators-only), so the library, glossary and
// events obey the community's posting policy. A refusal is ErrDenied with
// the reason.
func mayCreateIn(ctx context.Context, tx *storage.Tx, g, account storage.Account) error {
	c, err := tx.CommunityByAccount(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("community %s: %w", g.Acct(), err)
	}
	ok, why, err := mayPost(ctx, tx, g, c, account)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s in %s: %s: %w", account.Acct(), g.Acct(), why, ErrDenied)
	}
	return nil
}

// isContributor reports whether account may add to the community's
// library: a moderator, or a member who is not banned.
func isContributor(ctx context.Context, tx *storage.Tx, g, account storage.Account) (bool, error) {
	s, err := tx.StandingIn(ctx, g.ID, account.ID)
	if err != nil {
		return false, err
	}
	return contributes(s, tx.Now()), nil
}

// contributes is isContributor's rule for an account's standing s at now.
func contributes(s storage.Standing, now time.Time) bool {
	if s.Moderator {
		return true
	}
	_, banned := s.Banned(now)
	return s.Member && !banned
}

// mayEditArtefact is the edit policy: the community's moderators always;
// besides them, with EditAuthors its authors, with EditMembers any member,
// with EditModerators nobody else. A banned member edits nothing.
func mayEditArtefact(ctx context.Context, tx *storage.Tx, g storage.Account, a storage.Artefact, editor storage.Account) (bool, error) {
	s, err := tx.StandingIn(ctx, g.ID, editor.ID)
	if err != nil {
		return false, err
	}
	if s.Moderator {
		return true, nil
	}
	if _, banned := s.Banned(tx.Now()); banned {
		return false, nil
	}
	switch a.EditPolicy {
	case storage.EditAuthors:
		if !slices.Contains(a.Authors, editor.ID) {
			return false, nil
		}
		return authorKeepsAccess(ctx, tx, g, s)
	case storage.EditMembers:
		return contributes(s, tx.Now()), nil
	}
	return false, nil
}

func isAuthorOrModerator(ctx context.Context, tx *storage.Tx, a storage.Artefact, account storage.ID) (bool, error) {
	if slices.Contains(a.Authors, account) {
		return true, nil
	}
	return tx.IsCommunityModerator(ctx, a.CommunityID, account)
}

func validateArtefact(title, summary, body, org, licence, policy, note string) error {
	switch {
	case title == "":
		return invalid("title can't be blank")
	case utf8.RuneCountInString(title) > maxArtefactTitle:
		return invalid("title is longer than %d characters", maxArtefactTitle)
	case utf8.RuneCountInString(summary) > maxArtefactSummary:
		return invalid("summary is longer than %d characters", maxArtefactSummary)
	case len(body) > maxArtefactBody:
		return invalid("body is longer than %d bytes", maxArtefactBody)
	case utf8.RuneCountInString(org) > maxOrganisation:
		return invalid("organisation is longer than %d characters", maxOrganisation)
	case utf8.RuneCountInString(note) > maxChangeNote:
		return invalid("change note is longer than %d characters", maxChangeNote)
	case !slices.Contains(storage.Licences, licence):
		return invalid("licence %q is not one of %s", licence, strings.Join(storage.Licences, ", "))
	case policy != storage.EditAuthors && policy != storage.EditModerators && policy != storage.EditMembers:
		return invalid("edit_policy %q is not authors, moderators or members", policy)
	}
	return nil
}

// artefactTags normalises tags as hashtags are, without repeats.
func artefactTags(in []string) ([]string, error) {
	out := []string{}
	for _, t := range in {
		name, ok := NormalizeTag(strings.TrimSpace(t))
		if !ok {
			return nil, invalid("tag %q is not a hashtag name (letters, digits and _)", t)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) > maxArtefactTags {
		return nil, invalid("an artefact has at most %d tags", maxArtefactTags)
	}
	return out, nil
}

// cleanLine is one line of text a member typed, trimmed.
func cleanLine(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}
