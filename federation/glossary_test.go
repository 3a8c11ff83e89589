package federation

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

func TestTermTagAndAnchor(t *testing.T) {
	tests := []struct {
		term, tag, anchor string
	}{
		{"Triage", "triage", "term-triage"},
		{"Data protection", "dataprotection", "term-data-protection"},
		{"Re-ablement", "reablement", "term-re-ablement"},
		{"A&E", "", "term-a-e"},
		{"Café society", "cafésociety", "term-café-society"},
		{"SEND (special needs)", "", "term-send-special-needs"},
	}
	for _, tt := range tests {
		t.Run(tt.term, func(t *testing.T) {
			if got := TermTag(tt.term); got != tt.tag {
				t.Errorf("TermTag = %q; want %q", got, tt.tag)
			}
			if got := TermAnchor(tt.term); got != tt.anchor {
				t.Errorf("TermAnchor = %q; want %q", got, tt.anchor)
			}
		})
	}
}

func TestTermPermissions(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	mod, alice, outsider := member(t, e, "mod"), member(t, e, "alice"), member(t, e, "outsider")
	remote := remotePerson(t, e, "rem", "council-b.example")
	g := community(t, e, mod, NewCommunity{Handle: "wards", Name: "Wards"})
	joins(t, e, alice, g)
	joins(t, e, remote, g)

	tests := []struct {
		name string
		who  storage.Account
		ok   bool
	}{
		{"a member", alice, true},
		{"a moderator", mod, true},
		{"not a member", outsider, false},
		{"a remote member", remote, false},
	}
	for i, tt := range tests {
		t.Run("create by "+tt.name, func(t *testing.T) {
			_, err := e.CreateTerm(ctx, tt.who, g.ID, NewTerm{Term: "Term " + string(rune('a'+i)), Definition: "A word."})
			if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
		})
	}
	term, err := e.CreateTerm(ctx, alice, g.ID, NewTerm{Term: "Triage", Definition: "Sorting by **urgency**."})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run("edit by "+tt.name, func(t *testing.T) {
			cur, err := e.store.TermByID(ctx, term.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.EditTerm(ctx, tt.who, term.ID, TermEdit{BaseVersion: cur.Version, Definition: strPtr("Sorting, by " + tt.name)})
			if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
		})
	}
	t.Run("invalid input", func(t *testing.T) {
		for _, nt := range []NewTerm{
			{Term: " ", Definition: "x"},
			{Term: "x"},
			{Term: "triage", Definition: "already there, case aside"},
			{Term: strings.Repeat("x", maxTermName+1), Definition: "x"},
			{Term: "x", Definition: "x", ReferenceURL: "javascript:alert(1)"},
			{Term: "x", Definition: "x", Aliases: make([]string, 0, 1), Related: []string{strings.Repeat("y", maxTermName+1)}},
		} {
			var inv *InvalidError
			if _, err := e.CreateTerm(ctx, alice, g.ID, nt); !errors.As(err, &inv) {
				t.Errorf("%+v: err = %v; want invalid", nt, err)
			}
		}
	})
}

func TestTermStaleEditAndRestore(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	g := community(t, e, alice, NewCommunity{Handle: "wards", Name: "Wards"})
	joins(t, e, bob, g)
	term, err := e.CreateTerm(ctx, alice, g.ID, NewTerm{Term: "Data protection", Definition: "Keeping *personal* data safe.",
		Aliases: []string{"DP", "dp", " "}, Related: []string{"GDPR"}, ReferenceURL: "https://ico.org.uk/", ReferenceText: "ICO"})
	if err != nil {
		t.Fatal(err)
	}
	if term.Version != 1 || term.Tag != "dataprotection" || !strings.Contains(term.DefinitionHTML, "<em>personal</em>") ||
		len(term.Aliases) != 1 || term.URI != "https://council-a.example/glossary/"+term.ID.String() {
		t.Fatalf("created %+v", term)
	}
	if _, err := e.EditTerm(ctx, alice, term.ID, TermEdit{BaseVersion: 1, Definition: strPtr("Alice's definition."), Note: "clearer"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.EditTerm(ctx, bob, term.ID, TermEdit{BaseVersion: 1, Definition: strPtr("Bob's definition.")})
	var stale *TermStaleError
	if !errors.As(err, &stale) || stale.Current != 2 || len(stale.Since) != 1 || stale.Since[0].DefinitionSource != "Alice's definition." {
		t.Fatalf("concurrent edit: err = %v (%+v); want a stale error naming version 2", err, stale)
	}
	if _, err := e.EditTerm(ctx, bob, term.ID, TermEdit{BaseVersion: 9, Definition: strPtr("x")}); !errors.As(err, new(*InvalidError)) {
		t.Errorf("base past the current version: err = %v; want invalid", err)
	}
	restored, err := e.RestoreTermVersion(ctx, bob, term.ID, 2, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if restored.Version != 3 || restored.DefinitionSource != "Keeping *personal* data safe." {
		t.Fatalf("restored %+v", restored)
	}
	vs, err := e.store.TermVersions(ctx, term.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[1].Note != "clearer" || vs[2].Note != "Restored version 1" || vs[2].EditorID != bob.ID {
		t.Fatalf("versions %+v", vs)
	}
	if _, err := e.RestoreTermVersion(ctx, bob, term.ID, 3, 7, ""); !errors.As(err, new(*InvalidError)) {
		t.Errorf("restore of a missing version: err = %v; want invalid", err)
	}
	// A restore or an edit that changes nothing makes no version.
	if got, err := e.RestoreTermVersion(ctx, bob, term.ID, 3, 1, ""); err != nil || got.Version != 3 {
		t.Errorf("restoring what the term says now: version %d, %v; want 3 kept", got.Version, err)
	}
	if got, err := e.EditTerm(ctx, alice, term.ID, TermEdit{BaseVersion: 3, Definition: strPtr("Keeping *personal* data safe.")}); err != nil || got.Version != 3 {
		t.Errorf("the same definition: version %d, %v; want 3 kept", got.Version, err)
	}
	if vs, err := e.store.TermVersions(ctx, term.ID, 0, 10); err != nil || len(vs) != 3 {
		t.Errorf("%d versions after edits that change nothing (%v); want 3", len(vs), err)
	}
}

func TestTermUsageFollowsPosts(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "wards", Name: "Wards"})
	community(t, e, alice, NewCommunity{Handle: "other", Name: "Other"})
	if _, err := e.CreateTerm(ctx, alice, g.ID, NewTerm{Term: "Triage", Definition: "Sorting by urgency."}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateTerm(ctx, alice, g.ID, NewTerm{Term: "A&E", Definition: "Accident and emergency."}); err != nil {
		t.Fatal(err)
	}
	usage := func() map[string][2]int {
		t.Helper()
		terms, err := e.store.CommunityTerms(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]int{}
		for _, u := range terms {
			out[u.Term.Term] = [2]int{u.Posts, u.Artefacts}
		}
		return out
	}
	if got := usage(); got["Triage"] != [2]int{0, 0} || len(got) != 2 {
		t.Fatalf("before any post: %v", got)
	}
	first, err := e.Post(ctx, alice.ID, Draft{Text: "@wards How do you do #triage at night?", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, alice.ID, Draft{Text: "@wards #Triage again", Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, alice.ID, Draft{Text: "@other #triage elsewhere", Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, alice.ID, Draft{Text: "#triage in no community", Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Night triage", Tags: []string{"triage"}}); err != nil {
		t.Fatal(err)
	}
	if got := usage(); got["Triage"] != [2]int{2, 1} || got["A&E"] != [2]int{0, 0} {
		t.Fatalf("after posts: %v; want Triage in 2 posts and 1 artefact", got)
	}
	if _, err := e.DeleteStatus(ctx, alice.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	if got := usage(); got["Triage"] != [2]int{1, 1} {
		t.Fatalf("after a delete: %v; want 1 post", got)
	}
}

func TestTermSentToTheGroupsFollowers(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	remote := remotePerson(t, e, "rem", "council-b.example")
	g := community(t, e, alice, NewCommunity{Handle: "wards", Name: "Wards"})
	joins(t, e, remote, g)
	sentRaw(t, e, remote.SharedInbox)
	term, err := e.CreateTerm(ctx, alice, g.ID, NewTerm{Term: "Triage", Definition: "Sorting by urgency.",
		Aliases: []string{"Sorting"}, Related: []string{"A&E"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EditTerm(ctx, alice, term.ID, TermEdit{BaseVersion: 1, Definition: strPtr("Sorting patients by urgency.")}); err != nil {
		t.Fatal(err)
	}
	got := sentRaw(t, e, remote.SharedInbox)
	if len(got) != 2 {
		t.Fatalf("sent %d activities; want Announce{Create} and Announce{Update}", len(got))
	}
	for i, typ := range []string{activitypub.TypeCreate, activitypub.TypeUpdate} {
		act, err := activitypub.ParseActivity(got[i])
		if err != nil {
			t.Fatal(err)
		}
		if act.Type != activitypub.TypeAnnounce || act.Actor != g.URI || act.Object.Activity == nil ||
			act.Object.Activity.Type != typ || act.Object.Activity.Object.Type != activitypub.TypeDefinedTerm {
			t.Fatalf("sent %s", got[i])
		}
		doc, ok := activitypub.TermOf(got[i])
		if !ok || doc.ID != term.URI || doc.Version != i+1 || doc.Audience != g.URI ||
			doc.TermSet != "https://council-a.example/users/wards/glossary" || len(doc.Related) != 1 ||
			doc.Related[0].Href != "https://council-a.example/c/wards/glossary#term-a-e" {
			t.Errorf("term sent: %+v", doc)
		}
	}
	if !strings.Contains(string(got[0]), `"schema":"https://schema.org/"`) {
		t.Errorf("no schema.org in the context: %s", got[0])
	}
}

func TestMembersOnlyTermNotPublic(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	remote := remotePerson(t, e, "rem", "council-b.example")
	g := community(t, e, alice, NewCommunity{Handle: "hr", Name: "HR", Visibility: storage.CommunityMembersOnly})
	joins(t, e, remote, g)
	sentRaw(t, e, remote.SharedInbox)
	term, err := e.CreateTerm(ctx, alice, g.ID, NewTerm{Term: "Grievance", Definition: "A formal complaint."})
	if err != nil {
		t.Fatal(err)
	}
	got := sentRaw(t, e, remote.SharedInbox)
	if len(got) != 1 {
		t.Fatalf("sent %d activities; want the Announce{Create}", len(got))
	}
	doc, err := e.TermDocument(ctx, term)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{got[0], doc} {
		if strings.Contains(string(b), activitypub.PublicIRI) {
			t.Errorf("a members-only community's term addressed to Public: %s", b)
		}
	}
}

func TestGroupTermTaken(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	joins(t, e, alice, g)
	announce := func(id, termID, audience, extra string) string {
		return `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://council-b.example/activities/` + id + `",
"type":"Announce","actor":"` + g.URI + `","to":["https://www.w3.org/ns/activitystreams#Public"],
"object":{"id":"` + termID + `/versions/1","type":"Create","actor":"https://council-b.example/users/bea",
"object":{"id":"` + termID + `","type":"DefinedTerm","name":"Triage","audience":"` + audience + `",
"history":"` + termID + `/history","version":1,"alternateName":["sorting"],` + extra + `
"relatedTerm":[{"type":"Link","href":"https://council-b.example/c/wards/glossary#term-a-e","name":"A&E"}]}}}`
	}
	tests := []struct {
		name, body string
		ok         bool
		html       string
	}{
		{"a term of the Group", announce("1", "https://council-b.example/glossary/1", g.URI,
			`"description":"<p>Sorting</p>","source":{"content":"Sorting by **urgency**.","mediaType":"text/markdown"},`), true,
			"<strong>urgency</strong>"},
		{"HTML only, sanitised", announce("2", "https://council-b.example/glossary/2", g.URI,
			`"description":"<p>Sorting<script>alert(1)</script></p>",`), true, "<p>Sorting</p>"},
		{"of another community", announce("3", "https://council-b.example/glossary/3", "https://council-b.example/users/other",
			`"description":"x","source":{"content":"x","mediaType":"text/markdown"},`), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := receive(t, e, tt.body)
			doc, _ := activitypub.TermOf([]byte(tt.body))
			got, gerr := e.store.TermByURI(ctx, doc.ID)
			if !tt.ok {
				if err == nil || gerr == nil {
					t.Fatalf("taken: err %v, stored %+v", err, got)
				}
				return
			}
			if err != nil || gerr != nil {
				t.Fatalf("receive: %v; stored: %v", err, gerr)
			}
			if got.Local || got.CommunityID != g.ID || got.Term != "Triage" || got.Tag != "triage" ||
				!strings.Contains(got.DefinitionHTML, tt.html) || strings.Contains(got.DefinitionHTML, "script") ||
				len(got.Related) != 1 || got.Related[0] != "A&E" {
				t.Errorf("stored %+v", got)
			}
			// The same version again changes nothing.
			if err := receive(t, e, tt.body); err != nil {
				t.Fatal(err)
			}
			if vs, err := e.store.TermVersions(ctx, got.ID, 0, 10); err != nil || len(vs) != 1 {
				t.Errorf("versions after a repeat: %d, %v", len(vs), err)
			}
		})
	}
}
