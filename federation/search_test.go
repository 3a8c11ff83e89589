package federation

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/copse-dev/copse/storage"
)

// tinyDocx is a Word file whose one paragraph is text.
func tinyDocx(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   `<w:document><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSearchCommunity(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	mod, insider, outsider := member(t, e, "mod"), member(t, e, "insider"), member(t, e, "outsider")
	open := community(t, e, mod, NewCommunity{Handle: "roads", Name: "Roads"})
	closed := community(t, e, mod, NewCommunity{Handle: "closed", Name: "Closed", Visibility: storage.CommunityMembersOnly})
	joins(t, e, insider, closed)

	plan, err := e.CreateArtefact(ctx, mod, open.ID, NewArtefact{Title: "Winter plan", Tags: []string{"highways"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.AddArtefactFile(ctx, mod, plan.ID, 1, "plan.docx", bytes.NewReader(tinyDocx(t, "the ringfenced gritting reserve")), ""); err != nil {
		t.Fatal(err)
	}
	secret, err := e.CreateArtefact(ctx, mod, closed.ID, NewArtefact{Title: "Gritting secrets"})
	if err != nil {
		t.Fatal(err)
	}
	term, err := e.CreateTerm(ctx, mod, closed.ID, NewTerm{Term: "Gritter", Definition: "A lorry that spreads gritting salt.", Aliases: []string{"salt spreader"}})
	if err != nil {
		t.Fatal(err)
	}

	ids := func(hs []storage.RepertoireHit) []storage.ID {
		var out []storage.ID
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	tests := []struct {
		name    string
		viewer  storage.Account
		g       storage.Account // zero: the whole node
		q       RepertoireQuery
		want    []storage.ID
		wantErr error
	}{
		{"file text, anonymous, public community", storage.Account{}, open, RepertoireQuery{Query: "ringfenced"}, []storage.ID{plan.ID}, nil},
		{"tag with #", storage.Account{}, open, RepertoireQuery{Query: "gritting", Tag: "#Highways"}, []storage.ID{plan.ID}, nil},
		{"members-only, anonymous", storage.Account{}, closed, RepertoireQuery{Query: "gritting"}, nil, ErrDenied},
		{"members-only, not a member", outsider, closed, RepertoireQuery{Query: "gritting"}, nil, ErrDenied},
		{"members-only, a member", insider, closed, RepertoireQuery{Query: "gritting", Type: storage.HitArtefact}, []storage.ID{secret.ID}, nil},
		{"members-only, a member, by alias", insider, closed, RepertoireQuery{Query: "spreader"}, []storage.ID{term.ID}, nil},
		{"node-wide, anonymous: public communities only", storage.Account{}, storage.Account{}, RepertoireQuery{Query: "gritting", Type: storage.HitArtefact},
			[]storage.ID{plan.ID}, nil},
		{"node-wide, not a member", outsider, storage.Account{}, RepertoireQuery{Query: "gritting", Type: storage.HitArtefact}, []storage.ID{plan.ID}, nil},
		{"node-wide, a member", insider, storage.Account{}, RepertoireQuery{Query: "gritting", Type: storage.HitArtefact},
			[]storage.ID{secret.ID, plan.ID}, nil},
		{"not a community", storage.Account{}, mod, RepertoireQuery{Query: "gritting"}, nil, storage.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits []storage.RepertoireHit
			var err error
			if tt.g.ID == 0 {
				hits, err = e.SearchCommunities(ctx, tt.viewer, tt.q)
			} else {
				hits, err = e.SearchCommunity(ctx, tt.viewer, tt.g, tt.q)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v; want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(ids(hits), tt.want) {
				t.Fatalf("hits = %v, %v; want %v", ids(hits), err, tt.want)
			}
		})
	}

	invalid := []RepertoireQuery{{Query: "  "}, {Query: "x", Type: "person"}, {Query: "x", Limit: 41}, {Query: "x", Offset: -1},
		{Query: "x", Tag: "not a tag"}, {Query: string(bytes.Repeat([]byte("a"), 501))}}
	for _, q := range invalid {
		var inv *InvalidError
		if _, err := e.SearchCommunity(ctx, storage.Account{}, open, q); !errors.As(err, &inv) {
			t.Errorf("query %+v: err = %v; want invalid", q, err)
		}
	}
}

// TestSearchFollowsEdits: the index holds an artefact as it stands now,
// whichever way a new version came: an edit of the text, a file replaced
// by another of the same name, a file removed.
func TestSearchFollowsEdits(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "roads", Name: "Roads"})
	a, err := e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Winter plan"})
	if err != nil {
		t.Fatal(err)
	}
	found := func(q string) bool {
		t.Helper()
		hits, err := e.SearchCommunity(ctx, storage.Account{}, g, RepertoireQuery{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits) == 1 && hits[0].ID == a.ID
	}
	steps := []struct {
		name   string
		do     func() error
		finds  []string
		misses []string
	}{
		{"a file", func() error {
			_, _, err := e.AddArtefactFile(ctx, alice, a.ID, 1, "plan.docx", bytes.NewReader(tinyDocx(t, "salt barns")), "")
			return err
		}, []string{"barns", "winter"}, nil},
		{"the same name replaces it", func() error {
			_, _, err := e.AddArtefactFile(ctx, alice, a.ID, 2, "plan.docx", bytes.NewReader(tinyDocx(t, "snow ploughs")), "")
			return err
		}, []string{"ploughs"}, []string{"barns"}},
		{"an edit of the title", func() error {
			_, err := e.EditArtefact(ctx, alice, a.ID, ArtefactEdit{BaseVersion: 3, Title: strPtr("Summer plan")})
			return err
		}, []string{"summer", "ploughs"}, []string{"winter"}},
		{"the file removed", func() error {
			_, err := e.EditArtefact(ctx, alice, a.ID, ArtefactEdit{BaseVersion: 4, Files: &[]storage.ID{}})
			return err
		}, []string{"summer"}, []string{"ploughs"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			for _, q := range st.finds {
				if !found(q) {
					t.Errorf("%q finds nothing", q)
				}
			}
			for _, q := range st.misses {
				if found(q) {
					t.Errorf("%q still finds it", q)
				}
			}
		})
	}
}
