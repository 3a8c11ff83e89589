package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation/textextract"
	"github.com/copse-dev/copse/storage"
)

// Search of communities' repertoire (issue 13 item 6): artefacts (with
// the text of their files), glossary terms and threads. Which
// communities a viewer searches is the one community rule
// (ArtefactReadable: CanSeeCommunity, and nobody for a suspended one),
// asked here for each; the posts of threads still pass the status rule
// in the store's query.

// MaxSearchQuery bounds what anyone types into a search, in runes: the
// repertoire's search and the client API's (web/api) alike.
const MaxSearchQuery = 500

// RepertoireQuery is a search as a member asks it.
type RepertoireQuery struct {
	Query        string
	Type         string // storage.HitArtefact, HitTerm, HitEvent, HitThread or "" for all
	Tag          string // a hashtag name, with or without "#"
	Organisation string
	Author       storage.ID // only what that account wrote (0: anyone's)
	NoThreads    bool       // leave posts of threads out of a search of all types
	Limit        int
	Offset       int
}

// check validates a query and turns it into the store's form.
func (q RepertoireQuery) check() (storage.RepertoireSearch, error) {
	q.Query = strings.TrimSpace(q.Query)
	switch {
	case q.Query == "":
		return storage.RepertoireSearch{}, invalid("q can't be blank")
	case utf8.RuneCountInString(q.Query) > MaxSearchQuery:
		return storage.RepertoireSearch{}, invalid("q is longer than %d characters", MaxSearchQuery)
	case !storage.ValidHitType(q.Type):
		return storage.RepertoireSearch{}, invalid("type %q is not artefact, term, event or thread", q.Type)
	case q.Limit < 0 || q.Limit > storage.MaxRepertoireLimit:
		return storage.RepertoireSearch{}, invalid("limit must be between 1 and %d", storage.MaxRepertoireLimit)
	case q.Offset < 0 || q.Offset > storage.MaxRepertoireOffset:
		return storage.RepertoireSearch{}, invalid("offset must be between 0 and %d", storage.MaxRepertoireOffset)
	case utf8.RuneCountInString(q.Organisation) > maxOrganisation:
		return storage.RepertoireSearch{}, invalid("organisation is longer than %d characters", maxOrganisation)
	}
	tag := ""
	if t := strings.TrimSpace(q.Tag); t != "" {
		name, ok := NormalizeTag(t)
		if !ok {
			return storage.RepertoireSearch{}, invalid("tag %q is not a hashtag name (letters, digits and _)", q.Tag)
		}
		tag = name
	}
	return storage.RepertoireSearch{Query: q.Query, Type: q.Type, Tag: tag, Organisation: cleanLine(q.Organisation),
		Author: q.Author, NoThreads: q.NoThreads, Limit: q.Limit, Offset: q.Offset}, nil
}

// SearchCommunity searches the repertoire of the community whose Group
// is g, for viewer (the zero Account: nobody signed in). A community the
// viewer may not read (members-only) is ErrDenied; an account that is
// no Group, or a suspended one, is storage.ErrNotFound.
func (e *Engine) SearchCommunity(ctx context.Context, viewer, g storage.Account, q RepertoireQuery) ([]storage.RepertoireHit, error) {
	f, err := q.check()
	if err != nil {
		return nil, err
	}
	if g.ActorType != activitypub.TypeGroup || !g.SuspendedAt.IsZero() {
		return nil, fmt.Errorf("search community %d: %w", g.ID, storage.ErrNotFound)
	}
	ok, err := e.ArtefactReadable(ctx, viewer, storage.Artefact{CommunityID: g.ID, URI: g.URI})
	if err != nil {
		return nil, fmt.Errorf("search community %s: %w", g.URI, err)
	}
	if !ok {
		return nil, fmt.Errorf("search community %s: members only: %w", g.URI, ErrDenied)
	}
	f.Communities, f.Viewer = []storage.ID{g.ID}, viewer.ID
	hits, err := e.store.SearchRepertoire(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search community %s: %w", g.URI, err)
	}
	return hits, nil
}

// SearchCommunities searches the repertoire of every community known
// here (hosted or followed) that viewer may read: the communities with a
// match (at most storage.MaxSearchCommunities of them, newest first),
// each asked the community rule.
func (e *Engine) SearchCommunities(ctx context.Context, viewer storage.Account, q RepertoireQuery) ([]storage.RepertoireHit, error) {
	f, err := q.check()
	if err != nil {
		return nil, err
	}
	ids, err := e.store.SearchedCommunities(ctx, f.Query, storage.MaxSearchCommunities)
	if err != nil {
		return nil, fmt.Errorf("search communities: %w", err)
	}
	groups, err := e.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("search communities: %w", err)
	}
	for _, id := range ids {
		g, found := groups[id]
		if !found || g.ActorType != activitypub.TypeGroup {
			continue
		}
		ok, err := e.ArtefactReadable(ctx, viewer, storage.Artefact{CommunityID: g.ID, URI: g.URI})
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("search communities: %w", err)
		}
		if ok {
			f.Communities = append(f.Communities, id)
		}
	}
	if len(f.Communities) == 0 {
		return nil, nil
	}
	f.Viewer = viewer.ID
	hits, err := e.store.SearchRepertoire(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search communities: %w", err)
	}
	return hits, nil
}

// fileText is the searchable text of an uploaded file of mediaType, size
// bytes read from r: "" for kinds with none. A file whose text cannot all
// be read is kept all the same, searched by what was read.
func (e *Engine) fileText(r io.ReaderAt, size int64, mediaType, name string) string {
	if !textextract.Supported(mediaType) {
		return ""
	}
	text, err := textextract.TextAt(r, size, mediaType)
	if err != nil {
		e.log.Warn("artefact file text", "file", name, "error", err)
	}
	return text
}
