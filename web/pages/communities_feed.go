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

// An Atom feed (RFC 4287) of a community's newest threads, for feed
// readers and for people who follow a community without an account.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  *atomPerson `xml:"author,omitempty"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomPerson `xml:"author"`
	Links     []atomLink `xml:"link"`
	Content   atomText   `xml:"content"`
}

// feedSize is the number of threads a feed carries.
const feedSize = 20

// CommunityFeed serves /c/{handle}/feed.atom: a community's newest
// threads. A members-only community's feed is served only to its members
// signed in from the browser; to anyone else it is not found.
func (h *Handler) CommunityFeed(w http.ResponseWriter, r *http.Request) {
	if err := h.communityFeed(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) communityFeed(w http.ResponseWriter, r *http.Request) error {
	g, _, err := h.shownCommunity(r)
	if err != nil {
		return err
	}
	me, _ := session.Member(r)
	if see, err := h.engine.CanSeeCommunity(r.Context(), me, g); err != nil || !see {
		return fmt.Errorf("feed of members-only community %s: %w", g.Username, cmp.Or(err, storage.ErrNotFound))
	}
	threads, err := h.store.CommunityThreads(r.Context(), g.ID, me.ID, h.store.Now(), storage.Page{Limit: feedSize})
	if err != nil {
		return err
	}
	views, err := h.threadViews(r, me, g, threads)
	if err != nil {
		return err
	}
	page := h.urls.Base + communityPath(g.Acct())
	// A feed with no entries was last updated when the community was made.
	updated := cmp.Or(g.UpdatedAt, g.CreatedAt)
	f := atomFeed{ID: g.URI, Title: cmp.Or(g.DisplayName, g.Username),
		Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: page},
			{Rel: "self", Type: "application/atom+xml", Href: page + "/feed.atom"}},
		Author: &atomPerson{Name: cmp.Or(g.DisplayName, g.Username), URI: g.URI}}
	for _, t := range threads {
		if t.Status.CreatedAt.After(updated) {
			updated = t.Status.CreatedAt
		}
	}
	for _, v := range views {
		when, _ := time.Parse(time.RFC3339, v.ISO)
		f.Entries = append(f.Entries, atomEntry{ID: v.URI, Title: v.Title, Updated: v.ISO, Published: when.UTC().Format(time.RFC3339),
			Author:  atomPerson{Name: v.Author.Name, URI: v.Author.URL},
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: h.urls.Base + v.Link}},
			Content: atomText{Type: "html", Body: string(v.Content)}})
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(f); err != nil {
		return fmt.Errorf("encode feed: %w", err)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
	return nil
}
