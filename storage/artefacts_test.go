package storage

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestArtefactVersionsAndFiles(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	c := mustCommunity(t, s, "libraries", alice)
	a := Artefact{CommunityID: c.AccountID, URI: "https://local.example/artefacts/1", Local: true, CreatedBy: alice.ID,
		Title: "Triage routine", BodySource: "# Steps", BodyHTML: "<h1>Steps</h1>", Tags: []string{"triage"},
		Authors: []ID{alice.ID}, Licence: LicenceOGL, EditPolicy: EditAuthors, Version: 1}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertArtefact(ctx, &a); err != nil {
			return err
		}
		f := ArtefactFile{ArtefactID: a.ID, CommunityID: c.AccountID, StorageName: "ab/abcd", Name: "plan.pdf",
			MediaType: "application/pdf", Size: 1234, SHA256: "00", UploadedBy: alice.ID}
		if err := tx.InsertArtefactFile(ctx, &f); err != nil {
			return err
		}
		return tx.AddArtefactVersion(ctx, &ArtefactVersion{ArtefactID: a.ID, Number: 1, Title: a.Title,
			Files: []VersionFile{{FileID: f.ID, Name: f.Name, MediaType: f.MediaType, Size: f.Size}}, EditorID: alice.ID})
	})

	tests := []struct {
		name    string
		version int
		wantErr error
	}{
		{"next version", 2, nil},
		{"same number again: a concurrent edit", 2, ErrDuplicate},
		{"an old number", 1, ErrDuplicate},
		{"later", 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.InTx(ctx, func(tx *Tx) error {
				return tx.AddArtefactVersion(ctx, &ArtefactVersion{ArtefactID: a.ID, Number: tt.version, Title: "v", EditorID: alice.ID})
			})
			if !errors.Is(err, tt.wantErr) && !(tt.wantErr == nil && err == nil) {
				t.Fatalf("err = %v; want %v", err, tt.wantErr)
			}
		})
	}

	vs, err := s.ArtefactVersions(ctx, a.ID, 0, 10)
	if err != nil || len(vs) != 3 || vs[0].Number != 1 || vs[2].Number != 3 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	if len(vs[0].Files) != 1 || vs[0].Files[0].Name != "plan.pdf" || vs[0].Files[0].FileID == 0 {
		t.Fatalf("files of version 1 = %+v", vs[0].Files)
	}
	if later, err := s.ArtefactVersions(ctx, a.ID, 1, 1); err != nil || len(later) != 1 || later[0].Number != 2 {
		t.Fatalf("page after 1 = %+v, %v", later, err)
	}
	a.Version, a.Title, a.Tags = 3, "Triage routine, revised", []string{"triage", "ward"}
	inTx(t, s, func(tx *Tx) error { return tx.UpdateArtefact(ctx, a) })
	got, err := s.ArtefactByURI(ctx, a.URI)
	if err != nil || got.Version != 3 || got.Title != a.Title || len(got.Tags) != 2 || got.Authors[0] != alice.ID || !got.Local {
		t.Fatalf("artefact = %+v, %v", got, err)
	}
	if n, err := s.CommunityFileBytes(ctx, c.AccountID); err != nil || n != 1234 {
		t.Fatalf("community bytes = %d, %v", n, err)
	}
	list, err := s.CommunityArtefacts(ctx, c.AccountID, Page{})
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("library = %+v, %v", list, err)
	}
	if _, err := s.ArtefactByID(ctx, a.ID+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing artefact: %v", err)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		b := a
		b.ID = 0
		return tx.InsertArtefact(ctx, &b)
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Fatalf("same URI twice: %v", err)
	}
	bad := a
	bad.ID, bad.URI, bad.Licence = 0, "https://local.example/artefacts/2", "GPL"
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertArtefact(ctx, &bad) }); err == nil {
		t.Fatal("a licence outside the list was stored")
	}
}

func TestArtefactHistoryAndLibrary(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	c := mustCommunity(t, s, "libraries", alice)
	a := Artefact{CommunityID: c.AccountID, URI: "https://local.example/artefacts/7", Local: true, CreatedBy: alice.ID,
		Title: "Rota", Summary: "Who is on", BodySource: "long body", BodyHTML: "<p>long body</p>", Tags: []string{"rota"},
		Authors: []ID{alice.ID}, Licence: LicenceCCBY, EditPolicy: EditMembers, Version: 5}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertArtefact(ctx, &a); err != nil {
			return err
		}
		for n := 1; n <= 5; n++ {
			v := ArtefactVersion{ArtefactID: a.ID, Number: n, Title: "Rota", BodySource: "body", EditorID: alice.ID,
				EditorURI: alice.URI, Note: "change " + string(rune('0'+n))}
			if err := tx.AddArtefactVersion(ctx, &v); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name          string
		before, limit int
		want          []int
	}{
		{"newest first from the current", 6, 2, []int{5, 4}},
		{"the page after", 4, 2, []int{3, 2}},
		{"the last page", 2, 2, []int{1}},
		{"nothing before the first", 1, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := s.ArtefactHistory(ctx, a.ID, tt.before, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, e := range es {
				got = append(got, e.Number)
				if e.EditorID != alice.ID || e.EditorURI != alice.URI || e.Note == "" || e.CreatedAt.IsZero() {
					t.Errorf("entry %+v", e)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("versions %v; want %v", got, tt.want)
			}
		})
	}
	if n, err := s.ArtefactVersionCount(ctx, a.ID); err != nil || n != 5 {
		t.Fatalf("count = %d, %v", n, err)
	}
	lib, err := s.CommunityLibrary(ctx, c.AccountID, Page{Limit: 50})
	if err != nil || len(lib) != 1 {
		t.Fatalf("library = %+v, %v", lib, err)
	}
	if got := lib[0]; got.ID != a.ID || got.Title != "Rota" || got.Summary != "Who is on" || got.BodyHTML != "" ||
		got.BodySource != "" || len(got.Tags) != 1 || got.Version != 5 || got.Licence != LicenceCCBY {
		t.Fatalf("library row = %+v", got)
	}
}
