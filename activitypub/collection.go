package activitypub

import (
	"encoding/json"
	"fmt"

	"github.com/go-fed/activity/streams"
)

// MarshalCollection emits c as an OrderedCollection that points at its
// first (and last) page. totalItems is always present.
func MarshalCollection(c Collection) ([]byte, error) {
	b := &builder{}
	t := streams.NewActivityStreamsOrderedCollection()
	t.SetJSONLDId(b.id(c.ID))
	total := streams.NewActivityStreamsTotalItemsProperty()
	total.Set(max(c.TotalItems, 0))
	t.SetActivityStreamsTotalItems(total)
	if c.First != "" {
		p := streams.NewActivityStreamsFirstProperty()
		p.SetIRI(b.iri(c.First))
		t.SetActivityStreamsFirst(p)
	}
	if c.Last != "" {
		p := streams.NewActivityStreamsLastProperty()
		p.SetIRI(b.iri(c.Last))
		t.SetActivityStreamsLast(p)
	}
	if b.err != nil {
		return nil, fmt.Errorf("marshal collection %s: %w", c.ID, b.err)
	}
	m, err := serialize(t)
	if err != nil {
		return nil, fmt.Errorf("marshal collection %s: %w", c.ID, err)
	}
	if c.Items != nil {
		m["orderedItems"] = c.Items // always an array, even of one
	}
	return encode(m)
}

// MarshalCollectionPage emits p as an OrderedCollectionPage. Its
// orderedItems are p.Stored or p.Activities, embedded, when there are
// any, else the IRIs p.Items; orderedItems is always an array, empty on an empty page.
// totalItems is omitted when zero.
func MarshalCollectionPage(p CollectionPage) ([]byte, error) {
	m, err := collectionPageMap(p)
	if err != nil {
		return nil, fmt.Errorf("marshal collection page %s: %w", p.ID, err)
	}
	return encode(m)
}

func collectionPageMap(p CollectionPage) (map[string]any, error) {
	b := &builder{}
	t := streams.NewActivityStreamsOrderedCollectionPage()
	t.SetJSONLDId(b.id(p.ID))
	if p.PartOf != "" {
		v := streams.NewActivityStreamsPartOfProperty()
		v.SetIRI(b.iri(p.PartOf))
		t.SetActivityStreamsPartOf(v)
	}
	if p.Next != "" {
		v := streams.NewActivityStreamsNextProperty()
		v.SetIRI(b.iri(p.Next))
		t.SetActivityStreamsNext(v)
	}
	if p.Prev != "" {
		v := streams.NewActivityStreamsPrevProperty()
		v.SetIRI(b.iri(p.Prev))
		t.SetActivityStreamsPrev(v)
	}
	if p.TotalItems > 0 {
		v := streams.NewActivityStreamsTotalItemsProperty()
		v.Set(p.TotalItems)
		t.SetActivityStreamsTotalItems(v)
	}
	if len(p.Activities) == 0 && len(p.Stored) == 0 {
		items := streams.NewActivityStreamsOrderedItemsProperty()
		for _, s := range p.Items {
			items.AppendIRI(b.iri(s))
		}
		t.SetActivityStreamsOrderedItems(items)
	}
	if b.err != nil {
		return nil, b.err
	}
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(p.Items))
	switch {
	case len(p.Stored) > 0:
		// As sent: re-marshalling through the vocabulary would drop what
		// it does not know (a Lock, Lemmy's and Mbin's properties).
		for _, raw := range p.Stored {
			var am map[string]any
			if err := json.Unmarshal(raw, &am); err != nil {
				return nil, fmt.Errorf("stored activity: %w", err)
			}
			delete(am, "@context")
			items = append(items, am)
		}
	case len(p.Activities) > 0:
		// Embedded activities are serialized on their own, so that the
		// properties go-fed lacks are added at every level.
		for _, a := range p.Activities {
			am, err := activityMap(a, 0)
			if err != nil {
				return nil, fmt.Errorf("activity %s: %w", a.ID, err)
			}
			items = append(items, am)
		}
	default:
		for _, s := range p.Items {
			items = append(items, s)
		}
	}
	m["orderedItems"] = items
	return m, nil
}
