package pages

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// TestPeopleList: a page of a long list of people says which people it
// shows of how many, links to the pages around it keeping the filters,
// counts each organisation whole, links each organisation of the index
// but the one shown, and says when it carries on an organisation from
// the page before; a page past the end is not found.
func TestPeopleList(t *testing.T) {
	h := &Handler{node: Node{Host: "a.example"}}
	orgs := []storage.OrganisationCount{{Organisation: "Hampshire County Council", Members: 150}, {Organisation: "Surrey Council", Members: 100},
		{Organisation: "", Members: 5}}
	people := func(org string, n int) []storage.Account {
		out := make([]storage.Account, n)
		for i := range out {
			out[i] = storage.Account{Username: fmt.Sprintf("p%d", i), Domain: "b.example", Organisation: org, URI: "https://b.example/u"}
		}
		return out
	}
	filters := url.Values{"department": {"Libraries"}, "organisation": {""}}
	tests := []struct {
		name        string
		list        storage.PeopleList
		page        int
		shown       string
		first, last int
		prev, next  string
		groups      []organisationView // names and counts
		notFound    bool
	}{
		{name: "first page", page: 1, first: 1, last: 100,
			list:   storage.PeopleList{Organisations: orgs, Total: 255, People: people("Hampshire County Council", 100)},
			next:   "/directory?department=Libraries&page=2",
			groups: []organisationView{{Name: "Hampshire County Council", Count: 150}}},
		{name: "a middle page carrying on an organisation", page: 2, first: 101, last: 200,
			list: storage.PeopleList{Organisations: orgs, Total: 255, Continues: true,
				People: append(people("hampshire county council", 50), people("Surrey Council", 50)...)},
			prev:   "/directory?department=Libraries",
			next:   "/directory?department=Libraries&page=3",
			groups: []organisationView{{Name: "hampshire county council", Count: 150}, {Name: "Surrey Council", Count: 100}}},
		{name: "the last page", page: 3, first: 201, last: 255,
			list:   storage.PeopleList{Organisations: orgs, Total: 255, People: append(people("Surrey Council", 50), people("", 5)...)},
			prev:   "/directory?department=Libraries&page=2",
			groups: []organisationView{{Name: "Surrey Council", Count: 100}, {Name: "", Count: 5}}},
		{name: "one organisation shown", page: 1, first: 1, last: 3, shown: "SURREY COUNCIL",
			list:   storage.PeopleList{Organisations: orgs, Total: 3, People: people("Surrey Council", 3)},
			groups: []organisationView{{Name: "Surrey Council", Count: 100}}},
		{name: "nobody", page: 1, list: storage.PeopleList{}},
		{name: "past the end", page: 4, list: storage.PeopleList{Organisations: orgs, Total: 255}, notFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := h.peopleList(tt.list, tt.page, "/directory", filters, tt.shown)
			var he *httperr.Error
			if tt.notFound {
				if !errors.As(err, &he) || he.Code != http.StatusNotFound {
					t.Fatalf("err = %v; want 404", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.First != tt.first || v.Last != tt.last || v.Prev != tt.prev || v.Next != tt.next || v.Continues != tt.list.Continues {
				t.Errorf("people %d to %d, prev %q, next %q, continues %v; want %d to %d, %q, %q, %v", v.First, v.Last, v.Prev, v.Next,
					v.Continues, tt.first, tt.last, tt.prev, tt.next, tt.list.Continues)
			}
			if len(v.Organisations) != len(tt.groups) {
				t.Fatalf("%d groups; want %d", len(v.Organisations), len(tt.groups))
			}
			for i, g := range tt.groups {
				if got := v.Organisations[i]; got.Name != g.Name || got.Count != g.Count {
					t.Errorf("group %d = %q (%d); want %q (%d)", i, got.Name, got.Count, g.Name, g.Count)
				}
			}
			for _, e := range v.Index {
				wantLink := e.Name != "" && e.Name != "Surrey Council" || e.Name == "Surrey Council" && tt.shown == ""
				if (e.Link != "") != wantLink {
					t.Errorf("index entry %q links to %q", e.Name, e.Link)
				}
			}
		})
	}
}
