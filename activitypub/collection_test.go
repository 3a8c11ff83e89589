package activitypub

import "testing"

func TestMarshalCollectionGolden(t *testing.T) {
	c := Collection{
		ID:         "https://council-a.example/users/olli/followers",
		TotalItems: 42,
		First:      "https://council-a.example/users/olli/followers?page=1",
		Last:       "https://council-a.example/users/olli/followers?page=3",
	}
	b, err := MarshalCollection(c)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "collection", b)
}

func TestMarshalCollectionPageGolden(t *testing.T) {
	tests := []struct {
		name string
		page CollectionPage
	}{
		{"collectionpage", CollectionPage{
			ID:         "https://council-a.example/users/olli/followers?page=2",
			PartOf:     "https://council-a.example/users/olli/followers",
			Next:       "https://council-a.example/users/olli/followers?page=3",
			Prev:       "https://council-a.example/users/olli/followers?page=1",
			TotalItems: 42,
			Items:      []string{"https://mastodon.example/users/hanna", "https://gts.example/users/kai"},
		}},
		{"outboxpage", CollectionPage{
			ID:         "https://council-a.example/users/olli/outbox?page=1",
			PartOf:     "https://council-a.example/users/olli/outbox",
			Activities: []Activity{testCreate()},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalCollectionPage(tt.page)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b)
		})
	}
}

func TestMarshalCollectionPageShape(t *testing.T) {
	tests := []struct {
		name  string
		page  CollectionPage
		items int
	}{
		{"empty page", CollectionPage{ID: "https://a.example/c?page=1", PartOf: "https://a.example/c"}, 0},
		{"one item", CollectionPage{ID: "https://a.example/c?page=1", Items: []string{"https://b.example/u/1"}}, 1},
		{"one activity", CollectionPage{ID: "https://a.example/c?page=1", Activities: []Activity{{ID: "https://a.example/a/1", Type: TypeLike, Object: Object{IRI: "https://b.example/n/1"}}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalCollectionPage(tt.page)
			if err != nil {
				t.Fatal(err)
			}
			m := decodeJSON(t, b)
			items, ok := m["orderedItems"].([]any)
			if !ok || len(items) != tt.items {
				t.Errorf("orderedItems = %#v; want an array of %d", m["orderedItems"], tt.items)
			}
			if _, ok := m["totalItems"]; ok {
				t.Errorf("totalItems present when zero")
			}
		})
	}

	b, err := MarshalCollection(Collection{ID: "https://a.example/c"})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := decodeJSON(t, b)["totalItems"]; !ok || n != 0.0 {
		t.Errorf("collection totalItems = %v, %v; want 0, present", n, ok)
	}
}
