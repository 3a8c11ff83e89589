package activitypub

import (
	"fmt"
)

// A community's library on the wire (issue 13 item 3): the Group links
// an OrderedCollection of its artefacts' ids with the property library
// (LibraryTerm in its @context); the collection points at its first
// page, and each page at the next.

// LibraryTerm is the @context entry of the Group's library property.
var LibraryTerm = map[string]any{"@id": "https://github.com/copse-dev/copse/ns#library", "@type": "@id"}

// LibraryOf returns the library collection a Group's actor document
// links ("" for none).
func LibraryOf(actor []byte) string {
	var m map[string]any
	if UnmarshalBounded(actor, &m) != nil {
		return ""
	}
	return rawRef(m["library"])
}

// IRIPage is what a reader needs of an OrderedCollection or one of its
// pages: the ids it lists, its first page (a collection) and the next
// page (a page).
type IRIPage struct {
	ID    string
	Items []string
	First string
	Next  string
}

// ParseIRIPage reads an OrderedCollection or OrderedCollectionPage (or
// their unordered kinds) whose items are ids or objects with ids.
func ParseIRIPage(body []byte) (IRIPage, error) {
	var m map[string]any
	if err := UnmarshalBounded(body, &m); err != nil {
		return IRIPage{}, fmt.Errorf("parse collection: %w", err)
	}
	switch rawType(m) {
	case "OrderedCollection", "OrderedCollectionPage", "Collection", "CollectionPage":
	default:
		return IRIPage{}, fmt.Errorf("parse collection: type %q is not a collection", rawType(m))
	}
	p := IRIPage{ID: rawString(m["id"]), First: rawRef(m["first"]), Next: rawRef(m["next"])}
	items := m["orderedItems"]
	if items == nil {
		items = m["items"]
	}
	p.Items = rawRefs(items)
	return p, nil
}
