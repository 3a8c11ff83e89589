package pages

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/session"
)

// An Atom feed (RFC 4287) of a community's library: its artefacts, most
// recently created first, each with its summary and its current body, so
// a feed reader follows the community's repertoire. A members-only
// library's feed is served only to its members signed in from the
// browser (the one rule, CanSeeCommunity); to anyone else it is not
// found, as the community's own feed is.

func libraryFeedPath(handle string) string { return libraryPath(handle) + ".atom" }

// LibraryFeed serves /c/{handle}/library.atom.
func (h *Handler) LibraryFeed(w http.ResponseWriter, r *http.Request) {
	if err := h.libraryFeed(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) libraryFeed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, _, err := h.shownCommunity(r)
	if err != nil {
		return err
	}
	me, _ := session.Member(r)
	if see, err := h.engine.CanSeeCommunity(ctx, me, g); err != nil || !see {
		return fmt.Errorf("library feed of members-only community %s: %w", g.Username, cmp.Or(err, storage.ErrNotFound))
	}
	list, err := h.store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: feedSize})
	if err != nil {
		return err
	}
	var ids []storage.ID
	for _, a := range list {
		ids = append(ids, a.CreatedBy)
	}
	creators, err := h.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	name := cmp.Or(g.DisplayName, g.Username)
	page := h.urls.Base + libraryPath(g.Acct())
	updated := cmp.Or(g.UpdatedAt, g.CreatedAt)
	f := atomFeed{ID: page, Title: "Library of " + name,
		Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: page},
			{Rel: "self", Type: "application/atom+xml", Href: h.urls.Base + libraryFeedPath(g.Acct())}},
		Author: &atomPerson{Name: name, URI: g.URI}}
	for _, a := range list {
		if a.UpdatedAt.After(updated) {
			updated = a.UpdatedAt
		}
		author := atomPerson{Name: cmp.Or(a.Organisation, name)}
		if c, ok := creators[a.CreatedBy]; ok {
			av := h.authorOf(c)
			author = atomPerson{Name: av.Name, URI: av.URL}
		}
		content := ""
		if a.Summary != "" {
			content = "<p><strong>" + xmlEscape(a.Summary) + "</strong></p>"
		}
		content += demoteHeadings(a.BodyHTML)
		f.Entries = append(f.Entries, atomEntry{ID: a.URI, Title: a.Title, Updated: a.UpdatedAt.UTC().Format(time.RFC3339),
			Published: a.CreatedAt.UTC().Format(time.RFC3339), Author: author,
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: h.urls.Base + artefactPath(g.Acct(), a.ID)}},
			Content: atomText{Type: "html", Body: content}})
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(f); err != nil {
		return fmt.Errorf("encode library feed: %w", err)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// xmlEscape escapes text for the HTML inside a feed entry's content.
func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
