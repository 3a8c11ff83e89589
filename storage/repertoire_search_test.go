package storage

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSearchRepertoire(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := personAt(t, s, "alice", "", "Hampshire County Council", "", "")
	bob := personAt(t, s, "bob", "b.example", "Surrey Council", "", "")
	stranger := mustAccount(t, s, "stranger", "c.example")
	libs := mustCommunity(t, s, "libraries", alice)
	closed := mustCommunity(t, s, "closed", alice)
	join(t, s, bob, closed, false)
	inTx(t, s, func(tx *Tx) error {
		closed.Visibility = CommunityMembersOnly
		return tx.UpdateCommunity(ctx, closed)
	})

	artefact := func(c Community, title, summary, body string, tags []string, org string, fileText string) Artefact {
		t.Helper()
		a := Artefact{CommunityID: c.AccountID, URI: "https://local.example/artefacts/" + strings.ReplaceAll(title, " ", "-"),
			Local: true, CreatedBy: alice.ID, Title: title, Summary: summary, BodySource: body, BodyHTML: "<p>" + body + "</p>",
			Tags: tags, Organisation: org, Authors: []ID{alice.ID}, Licence: LicenceOGL, EditPolicy: EditAuthors, Version: 1}
		inTx(t, s, func(tx *Tx) error {
			if err := tx.InsertArtefact(ctx, &a); err != nil {
				return err
			}
			v := ArtefactVersion{ArtefactID: a.ID, Number: 1, Title: title, Summary: summary, BodySource: body, EditorID: alice.ID}
			if fileText != "" {
				f := ArtefactFile{ArtefactID: a.ID, CommunityID: c.AccountID, StorageName: "x/" + a.URI[len(a.URI)-8:],
					Name: "plan.pdf", MediaType: "application/pdf", Size: 10, SHA256: "00", UploadedBy: alice.ID}
				if err := tx.InsertArtefactFile(ctx, &f); err != nil {
					return err
				}
				v.Files = []VersionFile{{FileID: f.ID, Name: f.Name, MediaType: f.MediaType, Size: f.Size}}
				if err := tx.AddArtefactVersion(ctx, &v); err != nil {
					return err
				}
				// The text comes after the version, as the engine stores it.
				return tx.SetArtefactFileText(ctx, f.ID, fileText)
			}
			return tx.AddArtefactVersion(ctx, &v)
		})
		return a
	}
	term := func(c Community, name, def string, aliases []string, tag string) Term {
		t.Helper()
		tm := Term{CommunityID: c.AccountID, URI: "https://local.example/glossary/" + name, Local: true, CreatedBy: alice.ID,
			Term: name, Tag: tag, DefinitionSource: def, DefinitionHTML: "<p>" + def + "</p>", Aliases: aliases, Version: 1}
		inTx(t, s, func(tx *Tx) error { return tx.InsertTerm(ctx, &tm) })
		return tm
	}
	post := func(c Community, author Account, content string, tag string) Status {
		t.Helper()
		st := Status{Content: "<p>" + content + "</p>"}
		if tag != "" {
			st.Tags = []string{tag}
		}
		st = mustStatus(t, s, author, st)
		inTx(t, s, func(tx *Tx) error {
			return tx.AddCommunityPost(ctx, CommunityPost{StatusID: st.ID, GroupID: c.AccountID})
		})
		return st
	}

	gritting := artefact(libs, "Winter gritting routes", "Which roads we grit first", "Salt the *hills* before dawn.", []string{"highways"}, "Hampshire County Council", "")
	pdf := artefact(libs, "Budget plan", "Spending for next year", "See the attached file.", []string{"finance"}, "Surrey Council", "Appendix: the ringfenced reserve for libraries")
	secret := artefact(closed, "Closed routine", "", "Gritting plan for members", nil, "", "")
	ward := term(libs, "Ward", "An electoral area of a council.", []string{"division", "electoral ward"}, "ward")
	salt := post(libs, bob, "Who has spare gritting salt?", "highways")
	closedPost := post(closed, bob, "Members only gritting chat", "")

	// A later edit is searched, the old wording no longer.
	gritting.Version, gritting.Summary = 2, "Which roads we treat first"
	gritting.Authors = []ID{alice.ID, bob.ID}
	inTx(t, s, func(tx *Tx) error {
		return tx.AddArtefactVersion(ctx, &ArtefactVersion{ArtefactID: gritting.ID, Number: 2, Title: gritting.Title, Summary: gritting.Summary, EditorID: alice.ID})
	})
	inTx(t, s, func(tx *Tx) error { return tx.UpdateArtefact(ctx, gritting) })

	both := []ID{libs.AccountID, closed.AccountID}
	type hit struct {
		kind string
		id   ID
	}
	tests := []struct {
		name string
		f    RepertoireSearch
		want []hit
	}{
		{"by title, all types, the title weighs most", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}},
			[]hit{{HitArtefact, gritting.ID}, {HitThread, salt.ID}}},
		{"by body (Markdown)", RepertoireSearch{Query: "hills", Communities: []ID{libs.AccountID}}, []hit{{HitArtefact, gritting.ID}}},
		{"by the text of a file", RepertoireSearch{Query: "ringfenced", Communities: []ID{libs.AccountID}}, []hit{{HitArtefact, pdf.ID}}},
		{"by an alias", RepertoireSearch{Query: "division", Communities: []ID{libs.AccountID}}, []hit{{HitTerm, ward.ID}}},
		{"by a definition", RepertoireSearch{Query: "electoral", Communities: []ID{libs.AccountID}}, []hit{{HitTerm, ward.ID}}},
		{"the current version only", RepertoireSearch{Query: "grit first", Communities: []ID{libs.AccountID}}, nil},
		{"type artefact", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Type: HitArtefact}, []hit{{HitArtefact, gritting.ID}}},
		{"type thread", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Type: HitThread}, []hit{{HitThread, salt.ID}}},
		{"type term", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Type: HitTerm}, nil},
		{"tag", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Tag: "HIGHWAYS"}, []hit{{HitArtefact, gritting.ID}, {HitThread, salt.ID}}},
		{"tag of a term", RepertoireSearch{Query: "council", Communities: []ID{libs.AccountID}, Tag: "ward"}, []hit{{HitTerm, ward.ID}}},
		{"another tag", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Tag: "finance"}, nil},
		{"organisation of an artefact and of a post's author", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Organisation: "surrey council"},
			[]hit{{HitThread, salt.ID}}},
		{"organisation leaves terms out", RepertoireSearch{Query: "ward", Communities: []ID{libs.AccountID}, Organisation: "Hampshire County Council"}, nil},
		{"a members-only community's posts: a member", RepertoireSearch{Query: "members", Communities: both, Viewer: bob.ID},
			[]hit{{HitArtefact, secret.ID}, {HitThread, closedPost.ID}}},
		{"a members-only community's posts: not a member", RepertoireSearch{Query: "members", Communities: both, Viewer: stranger.ID},
			[]hit{{HitArtefact, secret.ID}}}, // the caller leaves out the community itself (federation's test)
		{"a community not asked for", RepertoireSearch{Query: "members", Communities: []ID{libs.AccountID}, Viewer: bob.ID}, nil},
		{"no community", RepertoireSearch{Query: "gritting"}, nil},
		{"FTS syntax is text", RepertoireSearch{Query: `gritting NEAR "(" title:*`, Communities: []ID{libs.AccountID}}, nil},
		{"excluded word", RepertoireSearch{Query: "gritting -spare", Communities: []ID{libs.AccountID}}, []hit{{HitArtefact, gritting.ID}}},
		{"offset", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Offset: 1}, []hit{{HitThread, salt.ID}}},
		{"limit", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Limit: 1}, []hit{{HitArtefact, gritting.ID}}},
		{"no threads", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, NoThreads: true}, []hit{{HitArtefact, gritting.ID}}},
		{"no threads, but threads asked for", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, NoThreads: true, Type: HitThread},
			[]hit{{HitThread, salt.ID}}},
		{"author: the creator", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Author: alice.ID}, []hit{{HitArtefact, gritting.ID}}},
		{"author: a co-author and a post's", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Author: bob.ID},
			[]hit{{HitArtefact, gritting.ID}, {HitThread, salt.ID}}},
		{"author of a term", RepertoireSearch{Query: "ward", Communities: []ID{libs.AccountID}, Author: alice.ID}, []hit{{HitTerm, ward.ID}}},
		{"author of nothing", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID}, Author: stranger.ID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SearchRepertoire(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var hits []hit
			for _, h := range got {
				hits = append(hits, hit{h.Type, h.ID})
			}
			if !slices.Equal(hits, tt.want) {
				t.Errorf("hits = %v; want %v", hits, tt.want)
			}
		})
	}

	t.Run("hits carry a snippet, tags and organisation", func(t *testing.T) {
		got, err := s.SearchRepertoire(ctx, RepertoireSearch{Query: "ringfenced", Communities: []ID{libs.AccountID}})
		if err != nil || len(got) != 1 {
			t.Fatalf("hits = %+v, %v", got, err)
		}
		h := got[0]
		if h.Title != "Budget plan" || h.Snippet != "Appendix: the ringfenced reserve for libraries" || !slices.Equal(h.Tags, []string{"finance"}) ||
			h.Organisation != "Surrey Council" || h.CommunityID != libs.AccountID || h.URL != pdf.URI {
			t.Errorf("hit = %+v", h)
		}
		got, err = s.SearchRepertoire(ctx, RepertoireSearch{Query: "budget", Communities: []ID{libs.AccountID}})
		if err != nil || len(got) != 1 || got[0].Snippet != "Spending for next year" {
			t.Errorf("a title match: hit = %+v, %v; want the summary as snippet", got, err)
		}
		got, err = s.SearchRepertoire(ctx, RepertoireSearch{Query: "spare", Communities: []ID{libs.AccountID}})
		if err != nil || len(got) != 1 || got[0].Snippet != "Who has spare gritting salt?" || got[0].Title != "Who has spare gritting salt?" {
			t.Errorf("thread hit = %+v, %v", got, err)
		}
	})

	t.Run("members-only communities", func(t *testing.T) {
		for c, want := range map[ID]bool{libs.AccountID: false, closed.AccountID: true, alice.ID: false} {
			if got, err := s.CommunityMembersOnly(ctx, c); err != nil || got != want {
				t.Errorf("CommunityMembersOnly(%d) = %v, %v; want %v", c, got, err, want)
			}
		}
	})

	t.Run("searched communities", func(t *testing.T) {
		got, err := s.SearchedCommunities(ctx, "gritting", 10)
		if err != nil || !slices.Equal(got, []ID{closed.AccountID, libs.AccountID}) {
			t.Errorf("communities = %v, %v", got, err)
		}
		got, err = s.SearchedCommunities(ctx, "division", 10)
		if err != nil || !slices.Equal(got, []ID{libs.AccountID}) {
			t.Errorf("communities = %v, %v", got, err)
		}
	})
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 40) + "the needle is here " + strings.Repeat("dolor sit ", 40)
	tests := []struct {
		name, text string
		words      []string
		want       func(string) bool
	}{
		{"short text whole", "A short text.", []string{"short"}, func(s string) bool { return s == "A short text." }},
		{"around the word", long, []string{"needle"}, func(s string) bool {
			return strings.HasPrefix(s, "…") && strings.HasSuffix(s, "…") && strings.Contains(s, "the needle is here") &&
				len([]rune(s)) <= snippetRunes+2
		}},
		{"no word: the start", long, []string{"absent"}, func(s string) bool { return strings.HasPrefix(s, "lorem ipsum") }},
		{"case aside", "Say HELLO there", []string{"hello"}, func(s string) bool { return s == "Say HELLO there" }},
		{"empty", "", []string{"x"}, func(s string) bool { return s == "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := snippet(tt.text, tt.words); !tt.want(got) {
				t.Errorf("snippet = %q", got)
			}
		})
	}
	if got := htmlText(`<p>Fish &amp; chips</p><p>2 &lt; 3 <span class="h-card"><a href="x">@<span>roads</span></a></span></p>`); got != "Fish & chips 2 < 3 @roads" {
		t.Errorf("htmlText = %q", got)
	}
}

// TestSearchEvents: events are found by name, description and place, in
// the communities asked for only, as they stand after an edit, no longer
// once deleted, and those stored before migration 0047 are backfilled.
func TestSearchEvents(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "copse.db")
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	alice := personAt(t, s, "alice", "", "Hampshire County Council", "", "")
	libs := mustCommunity(t, s, "libraries", alice)
	other := mustCommunity(t, s, "roads", alice)
	start := time.Date(2027, 3, 4, 10, 0, 0, 0, time.UTC)
	event := func(c Community, name, desc, place, address string) CommunityEvent {
		t.Helper()
		ev := CommunityEvent{CommunityID: c.AccountID, URI: "https://local.example/events/" + strings.ReplaceAll(name, " ", "-"), Local: true,
			OrganiserID: alice.ID, Name: name, DescriptionSource: desc, DescriptionHTML: "<p>" + desc + "</p>", Start: start,
			End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: place, PlaceAddress: address}
		inTx(t, s, func(tx *Tx) error { return tx.InsertCommunityEvent(ctx, &ev) })
		return ev
	}
	review := event(libs, "Stock review", "We weed the <b>reference</b> shelves together.", "Central Library", "1 High Street, Winchester")
	road := event(other, "Gritting briefing", "Before the winter.", "Depot", "")
	search := func(t *testing.T, s *Store, f RepertoireSearch) []ID {
		t.Helper()
		got, err := s.SearchRepertoire(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []ID
		for _, h := range got {
			if h.Type != HitEvent {
				t.Errorf("hit %+v is not an event", h)
			}
			ids = append(ids, h.ID)
		}
		return ids
	}
	libsOnly := []ID{libs.AccountID}
	tests := []struct {
		name string
		f    RepertoireSearch
		want []ID
	}{
		{"by name", RepertoireSearch{Query: "stock", Communities: libsOnly}, []ID{review.ID}},
		{"by description", RepertoireSearch{Query: "shelves", Communities: libsOnly}, []ID{review.ID}},
		{"by place name", RepertoireSearch{Query: "central library", Communities: libsOnly}, []ID{review.ID}},
		{"by address", RepertoireSearch{Query: "winchester", Communities: libsOnly}, []ID{review.ID}},
		{"type event", RepertoireSearch{Query: "stock", Communities: libsOnly, Type: HitEvent}, []ID{review.ID}},
		{"type artefact leaves events out", RepertoireSearch{Query: "stock", Communities: libsOnly, Type: HitArtefact}, nil},
		{"another community's event is not searched", RepertoireSearch{Query: "gritting", Communities: libsOnly}, nil},
		{"both communities", RepertoireSearch{Query: "gritting", Communities: []ID{libs.AccountID, other.AccountID}}, []ID{road.ID}},
		{"the organiser", RepertoireSearch{Query: "stock", Communities: libsOnly, Author: alice.ID}, []ID{review.ID}},
		{"not the organiser", RepertoireSearch{Query: "stock", Communities: libsOnly, Author: libs.AccountID}, nil},
		{"a tag leaves events out", RepertoireSearch{Query: "stock", Communities: libsOnly, Tag: "stock"}, nil},
		{"an organisation leaves events out", RepertoireSearch{Query: "stock", Communities: libsOnly, Organisation: "Hampshire County Council"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := search(t, s, tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("events = %v; want %v", got, tt.want)
			}
		})
	}
	t.Run("a hit carries its start, place and snippet", func(t *testing.T) {
		got, err := s.SearchRepertoire(ctx, RepertoireSearch{Query: "reference", Communities: libsOnly})
		if err != nil || len(got) != 1 {
			t.Fatalf("hits = %+v, %v", got, err)
		}
		h := got[0]
		if h.Title != "Stock review" || h.Snippet != "We weed the reference shelves together." || h.Place != "Central Library" || h.TimeZone != "Europe/London" ||
			h.StartAt != start.UnixMilli() || h.URL != review.URI || h.CommunityID != libs.AccountID {
			t.Errorf("hit = %+v", h)
		}
		got, err = s.SearchRepertoire(ctx, RepertoireSearch{Query: "winchester", Communities: libsOnly})
		if err != nil || len(got) != 1 || got[0].Snippet != "Central Library, 1 High Street, Winchester" {
			t.Errorf("a match in the address: %+v, %v; want the place as snippet", got, err)
		}
	})
	t.Run("searched communities", func(t *testing.T) {
		got, err := s.SearchedCommunities(ctx, "gritting", 10)
		if err != nil || !slices.Equal(got, []ID{other.AccountID}) {
			t.Errorf("communities = %v, %v", got, err)
		}
	})

	// An edit is searched, the old wording no longer.
	review.Name, review.PlaceName, review.PlaceAddress = "Weeding morning", "Town Hall", ""
	inTx(t, s, func(tx *Tx) error { return tx.UpdateCommunityEvent(ctx, review) })
	if got := search(t, s, RepertoireSearch{Query: "stock", Communities: libsOnly}); got != nil {
		t.Errorf("the old name still finds %v", got)
	}
	if got := search(t, s, RepertoireSearch{Query: "central", Communities: libsOnly}); got != nil {
		t.Errorf("the old place still finds %v", got)
	}
	if got := search(t, s, RepertoireSearch{Query: "weeding town hall", Communities: libsOnly}); !slices.Equal(got, []ID{review.ID}) {
		t.Errorf("the new name and place find %v", got)
	}
	// A deleted event is no longer found.
	inTx(t, s, func(tx *Tx) error { return tx.DeleteCommunityEvent(ctx, road.ID) })
	if got := search(t, s, RepertoireSearch{Query: "gritting", Communities: []ID{other.AccountID}}); got != nil {
		t.Errorf("a deleted event is found: %v", got)
	}

	// Events stored before the migration are backfilled: undo it and
	// open the store again, which runs it.
	for _, q := range []string{`DROP TRIGGER events_fts_insert`, `DROP TRIGGER events_fts_update`, `DROP TRIGGER events_fts_delete`,
		`DROP VIEW events_search_text`, `DROP TABLE events_fts`, `DELETE FROM schema_migrations WHERE version = 47`} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	late := event(libs, "Reading group", "Novels.", "", "")
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for q, want := range map[string]ID{"weeding": review.ID, "novels": late.ID} {
		if got := search(t, s, RepertoireSearch{Query: q, Communities: libsOnly}); !slices.Equal(got, []ID{want}) {
			t.Errorf("%q after the migration ran again: %v; want %v", q, got, want)
		}
	}
}
