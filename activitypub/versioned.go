package activitypub

import (
	"encoding/json"
	"fmt"
	"time"
)

// Versioned documents on the wire (issue 13): an artefact (Article) and a
// glossary term (DefinedTerm) each link a history collection of their
// versions (FEP-bad1), an OrderedCollection, newest first, whose items are
// the Create (the first version) or Update activities that made them, the
// version embedded. The frame (the activity, the collection, its pages and
// reading them back) is written once here; artefact.go and glossary.go
// give the document, its @context and its parser.

// addressed is what the activity around a versioned document copies from
// it: its addressing and its community.
type addressed struct {
	To, CC   []string
	Audience string
}

// versionActivity is the Create or Update of a document version by actor,
// the document (without its own @context) embedded.
func versionActivity(ldContext any, id, typ, actor string, published time.Time, addr addressed, doc any) map[string]any {
	m := map[string]any{"id": id, "type": typ, "actor": actor, "to": addr.To, "cc": addr.CC,
		"published": wireTime(published), "object": doc}
	if addr.Audience != "" {
		m["audience"] = addr.Audience
	}
	if ldContext != nil {
		m["@context"] = ldContext
	}
	return m
}

// marshalHistory emits a history collection (an OrderedCollection,
// newest first) with the IRI of its first page.
func marshalHistory(ldContext any, id string, total int, first string) ([]byte, error) {
	return marshalNoEscape(map[string]any{"@context": ldContext, "id": id, "type": "OrderedCollection",
		"totalItems": total, "first": first})
}

// VersionActivity is one item of a history collection: the Create or
// Update that made a version of a document D (an Artefact or a Term),
// which it embeds.
type VersionActivity[D versionedDocument] struct {
	ID        string
	Type      string // TypeCreate or TypeUpdate
	Actor     string
	Published time.Time
	Doc       D
}

// versionedDocument is what the history frame needs of a document: its
// addressing, and its JSON shape without @context.
type versionedDocument interface {
	addressed() addressed
	object() any
}

// marshalHistoryPage emits one page of a history collection, items newest
// first; next is "" on the last page.
func marshalHistoryPage[D versionedDocument](ldContext any, id, partOf, next string, items []VersionActivity[D]) ([]byte, error) {
	list := make([]any, 0, len(items))
	for _, it := range items {
		list = append(list, versionActivity(nil, it.ID, it.Type, it.Actor, it.Published, it.Doc.addressed(), it.Doc.object()))
	}
	m := map[string]any{"@context": ldContext, "id": id, "type": "OrderedCollectionPage", "partOf": partOf,
		"orderedItems": list}
	if next != "" {
		m["next"] = next
	}
	return marshalNoEscape(m)
}

// historyPageWire is what parseHistoryPage reads.
type historyPageWire struct {
	Type         string            `json:"type"`
	First        json.RawMessage   `json:"first"`
	Next         json.RawMessage   `json:"next"`
	OrderedItems []json.RawMessage `json:"orderedItems"`
}

// parseHistoryPage reads a history collection or one of its pages: the
// documents its Create and Update activities embed (parse reads each; an
// item it refuses is passed over), the actor of each, and the next page
// (or, for the collection, its first) to fetch. what names the document
// in errors.
func parseHistoryPage[D versionedDocument](b []byte, what string, parse func([]byte) (D, error)) ([]VersionActivity[D], string, error) {
	var w historyPageWire
	if err := UnmarshalBounded(b, &w); err != nil {
		return nil, "", fmt.Errorf("%s history: %w: %v", what, ErrInvalid, err)
	}
	switch w.Type {
	case "OrderedCollection":
		return nil, iriOf(w.First), nil
	case "OrderedCollectionPage":
	default:
		return nil, "", fmt.Errorf("%s history of type %q: %w", what, w.Type, ErrInvalid)
	}
	var items []VersionActivity[D]
	for _, raw := range w.OrderedItems {
		var act struct {
			ID        string          `json:"id"`
			Type      string          `json:"type"`
			Actor     json.RawMessage `json:"actor"`
			Published string          `json:"published"`
			Object    json.RawMessage `json:"object"`
		}
		if json.Unmarshal(raw, &act) != nil || (act.Type != TypeCreate && act.Type != TypeUpdate) {
			continue
		}
		doc, err := parse(act.Object)
		if err != nil {
			continue
		}
		published, _ := time.Parse(time.RFC3339, act.Published)
		items = append(items, VersionActivity[D]{ID: act.ID, Type: act.Type, Actor: iriOf(act.Actor), Published: published, Doc: doc})
	}
	return items, iriOf(w.Next), nil
}

// versionOf returns the document version an activity embeds (the object
// of a Create or Update, or of the Create or Update a Group announces),
// and whether there is one that parse takes.
func versionOf[D any](b []byte, parse func([]byte) (D, error)) (D, bool) {
	var act struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	var zero D
	if UnmarshalBounded(b, &act) != nil {
		return zero, false
	}
	switch act.Type {
	case TypeAnnounce:
		return versionOf(act.Object, parse)
	case TypeCreate, TypeUpdate:
		d, err := parse(act.Object)
		return d, err == nil
	}
	return zero, false
}
