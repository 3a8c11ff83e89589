package activitypub

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Artefacts on the wire (issue 13): an Article with name, summary,
// content and its Markdown source, Document attachments with their size
// and digest, Hashtag tags, the community as audience, and a history
// collection of its versions (FEP-bad1), each a Create or Update that
// embeds the Article as that version had it. copse's own terms (the
// version number, the change note, the licence) sit in copse's namespace;
// software that does not know them shows an Article as title, summary
// and link (Mastodon) or a post (Lemmy).

// artefactContext is the @context of an artefact and its history.
var artefactContext = []any{
	asContext,
	map[string]any{
		"history":         map[string]any{"@id": "https://w3id.org/fep/bad1/history", "@type": "@id"},
		"digestMultibase": "https://w3id.org/security#digestMultibase",
		"Hashtag":         "as:Hashtag",
		"copse":           "https://copse.dev/ns#",
		"version":         "copse:version",
		"changeNote":      "copse:changeNote",
		"licence":         "copse:licence",
		"organisation":    "copse:organisation",
		"editor":          map[string]any{"@id": "copse:editor", "@type": "@id"},
		"authors":         map[string]any{"@id": "copse:authors", "@type": "@id"},
		"size":            "copse:size",
	},
}

// Artefact is one version of an artefact as the Article carries it.
type Artefact struct {
	ID           string
	URL          string // its page
	AttributedTo string // the creator
	Authors      []string
	Name         string
	Summary      string // plain text
	Content      string // HTML
	Source       string // Markdown
	Attachments  []ArtefactDocument
	Tags         []Tag
	Audience     string // the Group
	Context      string
	History      string
	To, CC       []string
	Published    time.Time
	Updated      time.Time
	Version      int
	ChangeNote   string
	Editor       string // who made this version
	Licence      string
	Organisation string
}

// ArtefactDocument is a file of an artefact.
type ArtefactDocument struct {
	URL       string
	MediaType string
	Name      string
	Size      int64
	SHA256    string // hex
}

// artefactWire is the Article's JSON shape.
type artefactWire struct {
	Context      any               `json:"@context,omitempty"`
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	URL          string            `json:"url,omitempty"`
	AttributedTo json.RawMessage   `json:"attributedTo,omitempty"`
	Authors      []string          `json:"authors,omitempty"`
	Name         string            `json:"name"`
	Summary      string            `json:"summary"`
	Content      string            `json:"content"`
	Source       *sourceWire       `json:"source,omitempty"`
	Attachment   []json.RawMessage `json:"attachment"`
	Tag          []json.RawMessage `json:"tag"`
	Audience     string            `json:"audience,omitempty"`
	ContextIRI   string            `json:"context,omitempty"`
	History      string            `json:"history,omitempty"`
	To           []string          `json:"to,omitempty"`
	CC           []string          `json:"cc,omitempty"`
	Published    string            `json:"published,omitempty"`
	Updated      string            `json:"updated,omitempty"`
	Version      int               `json:"version,omitempty"`
	ChangeNote   string            `json:"changeNote,omitempty"`
	Editor       string            `json:"editor,omitempty"`
	Licence      string            `json:"licence,omitempty"`
	Organisation string            `json:"organisation,omitempty"`
}

type sourceWire struct {
	Content   string `json:"content"`
	MediaType string `json:"mediaType"`
}

type documentWire struct {
	Type            string `json:"type"`
	URL             string `json:"url"`
	MediaType       string `json:"mediaType"`
	Name            string `json:"name"`
	Size            int64  `json:"size,omitempty"`
	DigestMultibase string `json:"digestMultibase,omitempty"`
}

type tagWire struct {
	Type string `json:"type"`
	Href string `json:"href,omitempty"`
	Name string `json:"name"`
}

func (a Artefact) wire(withContext bool) artefactWire {
	w := artefactWire{ID: a.ID, Type: TypeArticle, URL: a.URL, Authors: a.Authors, Name: a.Name,
		Summary: a.Summary, Content: a.Content, Source: &sourceWire{Content: a.Source, MediaType: "text/markdown"},
		Attachment: []json.RawMessage{}, Tag: []json.RawMessage{}, Audience: a.Audience, ContextIRI: a.Context,
		History: a.History, To: a.To, CC: a.CC, Version: a.Version, ChangeNote: a.ChangeNote, Editor: a.Editor,
		Licence: a.Licence, Organisation: a.Organisation, Published: wireTime(a.Published), Updated: wireTime(a.Updated)}
	if withContext {
		w.Context = artefactContext
	}
	if a.AttributedTo != "" {
		w.AttributedTo, _ = json.Marshal(a.AttributedTo)
	}
	for _, d := range a.Attachments {
		b, _ := json.Marshal(documentWire{Type: "Document", URL: d.URL, MediaType: d.MediaType, Name: d.Name,
			Size: d.Size, DigestMultibase: DigestMultibase(d.SHA256)})
		w.Attachment = append(w.Attachment, b)
	}
	for _, t := range a.Tags {
		b, _ := json.Marshal(tagWire{Type: cmpOr(t.Type, TagHashtag), Href: t.Href, Name: t.Name})
		w.Tag = append(w.Tag, b)
	}
	return w
}

func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// MarshalArtefact emits an artefact version as an Article document.
func MarshalArtefact(a Artefact) ([]byte, error) { return marshalNoEscape(a.wire(true)) }

// MarshalArtefactActivity emits a Create or Update of an artefact version
// by actor, with the Article embedded.
func MarshalArtefactActivity(id, typ, actor string, published time.Time, a Artefact) ([]byte, error) {
	return marshalNoEscape(versionActivity(artefactContext, id, typ, actor, published, a.addressed(), a.wire(false)))
}

func (a Artefact) addressed() addressed { return addressed{To: a.To, CC: a.CC, Audience: a.Audience} }

func (a Artefact) object() any { return a.wire(false) }

// HistoryItem is one entry of an artefact's history: the activity that
// made a version, the Article embedded.
type HistoryItem = VersionActivity[Artefact]

// MarshalArtefactHistory emits the history collection of an artefact
// (FEP-bad1: an OrderedCollection, newest first) with its first page.
func MarshalArtefactHistory(id string, total int, first string) ([]byte, error) {
	return marshalHistory(artefactContext, id, total, first)
}

// MarshalArtefactHistoryPage emits one page of a history collection,
// items newest first; next is "" on the last page.
func MarshalArtefactHistoryPage(id, partOf, next string, items []HistoryItem) ([]byte, error) {
	return marshalHistoryPage(artefactContext, id, partOf, next, items)
}

// ParseArtefactHistoryPage reads a history collection or one of its pages:
// the Articles its activities embed, the actor of each, and the next page
// (or, for the collection, its first) to fetch.
func ParseArtefactHistoryPage(b []byte) (items []HistoryItem, next string, err error) {
	return parseHistoryPage(b, "artefact", ParseArtefact)
}

// ArtefactOf returns the Article an activity embeds (the object of a
// Create or Update, or of the Create or Update a Group announces), and
// whether there is one that is an artefact (it has a history and a
// version: an Article from other software is a post).
func ArtefactOf(b []byte) (Artefact, bool) { return versionOf(b, ParseArtefact) }

// ParseArtefact reads an Article that is a copse artefact version.
func ParseArtefact(b []byte) (Artefact, error) {
	var w artefactWire
	if err := UnmarshalBounded(b, &w); err != nil {
		return Artefact{}, fmt.Errorf("article: %w: %v", ErrInvalid, err)
	}
	if w.Type != TypeArticle || w.ID == "" || w.History == "" || w.Version <= 0 {
		return Artefact{}, fmt.Errorf("not an artefact: %w", ErrInvalid)
	}
	// What a peer sends: URLs that are not ValidURL are dropped (a file
	// without one whole), text is CleanText'ed (as cleanNote does for a
	// post).
	a := Artefact{ID: cleanURL(w.ID), URL: cleanURL(w.URL), AttributedTo: cleanURL(iriOf(w.AttributedTo)),
		Authors: cleanURLs(w.Authors), Name: CleanText(w.Name), Summary: CleanText(w.Summary), Content: CleanText(w.Content),
		Audience: cleanURL(w.Audience), Context: cleanURL(w.ContextIRI), History: cleanURL(w.History), To: w.To, CC: w.CC,
		Version: w.Version, ChangeNote: CleanText(w.ChangeNote), Editor: cleanURL(w.Editor), Licence: CleanText(w.Licence),
		Organisation: CleanText(w.Organisation)}
	if a.ID == "" || a.History == "" {
		return Artefact{}, fmt.Errorf("artefact with an id or history that is no http(s) URL: %w", ErrInvalid)
	}
	if w.Source != nil && w.Source.MediaType == "text/markdown" {
		a.Source = CleanText(w.Source.Content)
	}
	a.Published, _ = time.Parse(time.RFC3339, w.Published)
	a.Updated, _ = time.Parse(time.RFC3339, w.Updated)
	for _, raw := range w.Attachment {
		var d documentWire
		if json.Unmarshal(raw, &d) != nil || !ValidURL(d.URL) {
			continue
		}
		a.Attachments = append(a.Attachments, ArtefactDocument{URL: d.URL, MediaType: CleanText(d.MediaType), Name: CleanText(d.Name),
			Size: d.Size, SHA256: sha256OfMultibase(d.DigestMultibase)})
	}
	for _, raw := range w.Tag {
		var t tagWire
		if json.Unmarshal(raw, &t) != nil || t.Type != TagHashtag {
			continue
		}
		a.Tags = append(a.Tags, Tag{Type: t.Type, Href: cleanURL(t.Href), Name: CleanText(t.Name)})
	}
	return a, nil
}

// iriOf reads a property that is an IRI, an object with an id, or a list
// of either (the first).
func iriOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil && o.ID != "" {
		return o.ID
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return iriOf(list[0])
	}
	return ""
}

// DigestMultibase is a SHA-256 digest (hex) as a multibase multihash:
// "u" (base64url) then the multihash code 0x12 and length 0x20.
func DigestMultibase(sha256Hex string) string {
	sum, err := hex.DecodeString(sha256Hex)
	if err != nil || len(sum) != 32 {
		return ""
	}
	return "u" + base64.RawURLEncoding.EncodeToString(append([]byte{0x12, 0x20}, sum...))
}

// sha256OfMultibase reads what DigestMultibase writes; "" for anything else.
func sha256OfMultibase(s string) string {
	if len(s) < 2 || s[0] != 'u' {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(s[1:])
	if err != nil || len(b) != 34 || b[0] != 0x12 || b[1] != 0x20 {
		return ""
	}
	return hex.EncodeToString(b[2:])
}

// marshalNoEscape is json.Marshal without HTML escaping: content is
// HTML.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
