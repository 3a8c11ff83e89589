package activitypub

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Glossary terms on the wire (issue 13 item 4): a schema.org DefinedTerm
// with name, description (the definition as HTML) and its Markdown
// source, alternateName (aliases), inDefinedTermSet (the community's
// glossary), related terms as Links, a citation Link (the reference), the
// community as audience, and a history collection of its versions
// (FEP-bad1) as artefacts have. Software that does not know DefinedTerm
// ignores it; copse nodes that follow the community keep every version.

// TypeDefinedTerm is schema.org's type for a glossary term.
const TypeDefinedTerm = "DefinedTerm"

// termContext is the @context of a term, its activities and its history.
var termContext = []any{
	asContext,
	map[string]any{
		"schema":           "https://schema.org/",
		"DefinedTerm":      "schema:DefinedTerm",
		"alternateName":    "schema:alternateName",
		"inDefinedTermSet": map[string]any{"@id": "schema:inDefinedTermSet", "@type": "@id"},
		"citation":         "schema:citation",
		"history":          map[string]any{"@id": "https://w3id.org/fep/bad1/history", "@type": "@id"},
		"copse":            "https://copse.dev/ns#",
		"version":          "copse:version",
		"changeNote":       "copse:changeNote",
		"relatedTerm":      "copse:relatedTerm",
		"editor":           map[string]any{"@id": "copse:editor", "@type": "@id"},
	},
}

// Term is one version of a glossary term as the DefinedTerm carries it.
type Term struct {
	ID           string
	URL          string // its anchor on the glossary page
	AttributedTo string // the creator
	Name         string
	Description  string // HTML
	Source       string // Markdown
	Aliases      []string
	Related      []TermLink
	Reference    TermLink // Href and Name; zero when there is none
	TermSet      string   // the community's glossary collection
	Audience     string   // the Group
	History      string
	To, CC       []string
	Published    time.Time
	Updated      time.Time
	Version      int
	ChangeNote   string
	Editor       string // who made this version
}

// TermLink is a Link: a related term or a reference.
type TermLink struct {
	Href string
	Name string
}

type linkWire struct {
	Type string `json:"type"`
	Href string `json:"href,omitempty"`
	Name string `json:"name,omitempty"`
}

type termWire struct {
	Context       any         `json:"@context,omitempty"`
	ID            string      `json:"id"`
	Type          string      `json:"type"`
	URL           string      `json:"url,omitempty"`
	AttributedTo  string      `json:"attributedTo,omitempty"`
	Name          string      `json:"name"`
	Description   string      `json:"description"`
	Source        *sourceWire `json:"source,omitempty"`
	AlternateName []string    `json:"alternateName"`
	RelatedTerm   []linkWire  `json:"relatedTerm"`
	Citation      *linkWire   `json:"citation,omitempty"`
	TermSet       string      `json:"inDefinedTermSet,omitempty"`
	Audience      string      `json:"audience,omitempty"`
	History       string      `json:"history,omitempty"`
	To            []string    `json:"to,omitempty"`
	CC            []string    `json:"cc,omitempty"`
	Published     string      `json:"published,omitempty"`
	Updated       string      `json:"updated,omitempty"`
	Version       int         `json:"version,omitempty"`
	ChangeNote    string      `json:"changeNote,omitempty"`
	Editor        string      `json:"editor,omitempty"`
}

func (t Term) wire(withContext bool) termWire {
	w := termWire{ID: t.ID, Type: TypeDefinedTerm, URL: t.URL, AttributedTo: t.AttributedTo, Name: t.Name,
		Description: t.Description, Source: &sourceWire{Content: t.Source, MediaType: "text/markdown"},
		AlternateName: t.Aliases, RelatedTerm: []linkWire{}, TermSet: t.TermSet, Audience: t.Audience, History: t.History,
		To: t.To, CC: t.CC, Published: wireTime(t.Published), Updated: wireTime(t.Updated), Version: t.Version,
		ChangeNote: t.ChangeNote, Editor: t.Editor}
	if w.AlternateName == nil {
		w.AlternateName = []string{}
	}
	if withContext {
		w.Context = termContext
	}
	for _, r := range t.Related {
		w.RelatedTerm = append(w.RelatedTerm, linkWire{Type: "Link", Href: r.Href, Name: r.Name})
	}
	if t.Reference.Href != "" || t.Reference.Name != "" {
		w.Citation = &linkWire{Type: "Link", Href: t.Reference.Href, Name: t.Reference.Name}
	}
	return w
}

// MarshalTerm emits a term version as a DefinedTerm document.
func MarshalTerm(t Term) ([]byte, error) { return marshalNoEscape(t.wire(true)) }

// MarshalTermActivity emits a Create or Update of a term version by
// actor, with the DefinedTerm embedded.
func MarshalTermActivity(id, typ, actor string, published time.Time, t Term) ([]byte, error) {
	return marshalNoEscape(versionActivity(termContext, id, typ, actor, published, t.addressed(), t.wire(false)))
}

func (t Term) addressed() addressed { return addressed{To: t.To, CC: t.CC, Audience: t.Audience} }

func (t Term) object() any { return t.wire(false) }

// TermHistoryItem is one entry of a term's history: the activity that
// made a version, the DefinedTerm embedded.
type TermHistoryItem = VersionActivity[Term]

// MarshalTermHistory emits the history collection of a term (FEP-bad1:
// an OrderedCollection, newest first) with its first page.
func MarshalTermHistory(id string, total int, first string) ([]byte, error) {
	return marshalHistory(termContext, id, total, first)
}

// MarshalTermHistoryPage emits one page of a term's history, newest
// first; next is "" on the last page.
func MarshalTermHistoryPage(id, partOf, next string, items []TermHistoryItem) ([]byte, error) {
	return marshalHistoryPage(termContext, id, partOf, next, items)
}

// ParseTermHistoryPage reads a term's history collection or one of its
// pages: the DefinedTerms its activities embed and the next page (or, for
// the collection, its first) to fetch.
func ParseTermHistoryPage(b []byte) (items []TermHistoryItem, next string, err error) {
	return parseHistoryPage(b, "term", ParseTerm)
}

// TermOf returns the DefinedTerm an activity embeds (the object of a
// Create or Update, or of the Create or Update a Group announces), and
// whether there is one.
func TermOf(b []byte) (Term, bool) { return versionOf(b, ParseTerm) }

// ParseTerm reads a DefinedTerm that is a copse glossary term version.
func ParseTerm(b []byte) (Term, error) {
	var w struct {
		termWire
		AlternateName json.RawMessage `json:"alternateName"`
		AttributedTo  json.RawMessage `json:"attributedTo"`
		TermSet       json.RawMessage `json:"inDefinedTermSet"`
		RelatedTerm   json.RawMessage `json:"relatedTerm"`
		Citation      json.RawMessage `json:"citation"`
	}
	if err := UnmarshalBounded(b, &w); err != nil {
		return Term{}, fmt.Errorf("defined term: %w: %v", ErrInvalid, err)
	}
	if w.Type != TypeDefinedTerm || w.ID == "" || w.History == "" || w.Version <= 0 {
		return Term{}, fmt.Errorf("not a glossary term: %w", ErrInvalid)
	}
	// What a peer sends: URLs that are not ValidURL are dropped, text is
	// CleanText'ed (as cleanNote does for a post).
	t := Term{ID: cleanURL(w.ID), URL: cleanURL(w.URL), AttributedTo: cleanURL(iriOf(w.AttributedTo)), Name: CleanText(w.Name),
		Description: CleanText(w.Description), TermSet: cleanURL(iriOf(w.TermSet)), Audience: cleanURL(w.Audience),
		History: cleanURL(w.History), To: w.To, CC: w.CC, Version: w.Version, ChangeNote: CleanText(w.ChangeNote),
		Editor: cleanURL(w.Editor)}
	if t.ID == "" || t.History == "" {
		return Term{}, fmt.Errorf("glossary term with an id or history that is no http(s) URL: %w", ErrInvalid)
	}
	if w.Source != nil && w.Source.MediaType == "text/markdown" {
		t.Source = CleanText(w.Source.Content)
	}
	t.Published, _ = time.Parse(time.RFC3339, w.Published)
	t.Updated, _ = time.Parse(time.RFC3339, w.Updated)
	// schema.org allows one alternateName or a list.
	var one string
	if json.Unmarshal(w.AlternateName, &one) == nil {
		if one = strings.TrimSpace(CleanText(one)); one != "" {
			t.Aliases = []string{one}
		}
	} else {
		var many []string
		_ = json.Unmarshal(w.AlternateName, &many)
		for _, a := range many {
			if a = strings.TrimSpace(CleanText(a)); a != "" {
				t.Aliases = append(t.Aliases, a)
			}
		}
	}
	for _, l := range links(w.RelatedTerm) {
		if l.Name != "" {
			t.Related = append(t.Related, l)
		}
	}
	if ls := links(w.Citation); len(ls) > 0 {
		t.Reference = ls[0]
	}
	return t, nil
}

// links reads a property of Links: one or a list, each a Link object or
// a bare IRI.
func links(raw json.RawMessage) []TermLink {
	if len(raw) == 0 {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		list = []json.RawMessage{raw}
	}
	var out []TermLink
	for _, item := range list {
		var s string
		if json.Unmarshal(item, &s) == nil {
			if s = cleanURL(s); s != "" {
				out = append(out, TermLink{Href: s})
			}
			continue
		}
		var l linkWire
		if json.Unmarshal(item, &l) == nil && (l.Href != "" || l.Name != "") {
			out = append(out, TermLink{Href: cleanURL(l.Href), Name: CleanText(l.Name)})
		}
	}
	return out
}
