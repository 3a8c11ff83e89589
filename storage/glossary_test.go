package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func TestGlossaryTerms(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := Account{URI: "https://a.example/users/wards", Username: "wards", ActorType: "Group"}
	var terms []Term
	err = s.InTx(ctx, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &g); err != nil {
			return err
		}
		for i, name := range []string{"triage", "A&E", "Beds"} {
			tm := Term{CommunityID: g.ID, URI: "https://a.example/glossary/" + name, Local: true, Term: name, Version: 1,
				DefinitionSource: "x", Aliases: []string{"alias " + name}}
			if i == 0 {
				tm.Tag = "triage"
			}
			if err := tx.InsertTerm(ctx, &tm); err != nil {
				return err
			}
			if err := tx.AddTermVersion(ctx, &TermVersion{TermID: tm.ID, Number: 1, Term: name, DefinitionSource: "x"}); err != nil {
				return err
			}
			terms = append(terms, tm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		lookup  func() (Term, error)
		want    string
		wantErr error
	}{
		{"by id", func() (Term, error) { return s.TermByID(ctx, terms[1].ID) }, "A&E", nil},
		{"by uri", func() (Term, error) { return s.TermByURI(ctx, terms[2].URI) }, "Beds", nil},
		{"by name, case aside", func() (Term, error) { return s.TermByName(ctx, g.ID, "TRIAGE") }, "triage", nil},
		{"by name in another community", func() (Term, error) { return s.TermByName(ctx, g.ID+1, "triage") }, "", ErrNotFound},
		{"a missing id", func() (Term, error) { return s.TermByID(ctx, 42) }, "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.lookup()
			if !errors.Is(err, tt.wantErr) || got.Term != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", got.Term, err, tt.want, tt.wantErr)
			}
		})
	}
	list, err := s.CommunityTerms(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Term.Term != "A&E" || list[1].Term.Term != "Beds" || list[2].Term.Term != "triage" ||
		list[1].Aliases[0] != "alias Beds" {
		t.Errorf("A to Z: %+v", list)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		return tx.AddTermVersion(ctx, &TermVersion{TermID: terms[0].ID, Number: 1, Term: "again"})
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a second version 1: %v; want ErrDuplicate", err)
	}
}

func TestTermNamesAndVersionCount(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	c := mustCommunity(t, s, "wards", mustAccount(t, s, "alice", ""))
	tm := Term{CommunityID: c.AccountID, URI: "https://local.example/glossary/1", Local: true, Term: "triage", Version: 3,
		Aliases: []string{"sorting"}}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertTerm(ctx, &tm); err != nil {
			return err
		}
		for _, n := range []int{1, 3} { // version 2 is missing, as on a node that missed it
			if err := tx.AddTermVersion(ctx, &TermVersion{TermID: tm.ID, Number: n, Term: "triage", Note: "v"}); err != nil {
				return err
			}
		}
		return nil
	})
	names, err := s.CommunityTermNames(ctx, c.AccountID)
	if err != nil || len(names) != 1 || names[0].Term != "triage" || len(names[0].Aliases) != 1 || names[0].Aliases[0] != "sorting" {
		t.Fatalf("names = %+v, %v", names, err)
	}
	tests := []struct {
		name string
		id   ID
		want int
	}{
		{"two of three versions stored", tm.ID, 2},
		{"no such term", tm.ID + 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n, err := s.TermVersionCount(ctx, tt.id); err != nil || n != tt.want {
				t.Fatalf("count = %d, %v; want %d", n, err, tt.want)
			}
		})
	}
}

// TestGlossaryFull: a glossary takes MaxGlossaryTerms terms, all listed,
// and refuses the next with ErrFull; another community's still takes.
func TestGlossaryFull(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	g, other := mustAccount(t, s, "wards", ""), mustAccount(t, s, "roads", "")
	term := func(tx *Tx, community ID, i int) error {
		tm := Term{CommunityID: community, URI: fmt.Sprintf("https://a.example/glossary/%d-%d", community, i), Local: true,
			Term: fmt.Sprintf("term %d", i), Version: 1, DefinitionSource: "x"}
		return tx.InsertTerm(ctx, &tm)
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for i := range MaxGlossaryTerms {
			if err := term(tx, g.ID, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx *Tx) error { return term(tx, g.ID, MaxGlossaryTerms) })
	if !errors.Is(err, ErrFull) {
		t.Errorf("one more term: %v; want ErrFull", err)
	}
	if list, err := s.CommunityTerms(ctx, g.ID); err != nil || len(list) != MaxGlossaryTerms {
		t.Errorf("the full glossary lists %d terms (%v); want all %d", len(list), err, MaxGlossaryTerms)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return term(tx, other.ID, 0) }); err != nil {
		t.Errorf("another community's term: %v", err)
	}
}
