package storage

import (
	"context"
	"errors"
	"testing"
)

// TestProposals: a proposal is kept pending as sent; the first answer
// stands (a second is ErrNotFound and changes nothing); an accepted one
// keeps the item it made; a member lists their own, newest first, by
// state, a page at a time; and a proposal goes with its member.
func TestProposals(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	bea, carl := mustAccount(t, s, "bea", ""), mustAccount(t, s, "carl", "")
	g := mustAccount(t, s, "wards", "council-a.example")
	var ps []Proposal
	inTx(t, s, func(tx *Tx) error {
		for i, who := range []Account{bea, bea, bea, carl} {
			p := Proposal{ActivityURI: "https://b.example/activities/" + string(rune('a'+i)), AccountID: who.ID, CommunityID: g.ID,
				Kind: ProposalArtefact, Action: ProposalCreate, Title: "Minutes", State: ProposalRefused}
			if err := tx.InsertProposal(ctx, &p); err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return nil
	})
	if got, err := s.ProposalByActivity(ctx, ps[0].ActivityURI); err != nil || got.State != ProposalPending || got.ID != ps[0].ID {
		t.Fatalf("as sent: %+v (%v); want pending", got, err)
	}
	inTx(t, s, func(tx *Tx) error {
		p, err := tx.DecideProposal(ctx, ps[0].ID, ProposalAccepted, "https://council-a.example/artefacts/1", "")
		if err != nil || p.State != ProposalAccepted || p.ObjectURI != "https://council-a.example/artefacts/1" || p.DecidedAt.IsZero() {
			t.Errorf("accepted: %+v (%v)", p, err)
		}
		if _, err := tx.DecideProposal(ctx, ps[0].ID, ProposalRefused, "", "too late"); !errors.Is(err, ErrNotFound) {
			t.Errorf("second answer: %v; want not found", err)
		}
		_, err = tx.DecideProposal(ctx, ps[1].ID, ProposalRefused, "", "stale edit")
		return err
	})
	if got, _ := s.ProposalByID(ctx, ps[0].ID); got.State != ProposalAccepted || got.Reason != "" {
		t.Errorf("after a second answer: %+v; want the first to stand", got)
	}
	tests := []struct {
		state string
		page  Page
		want  []ID
	}{
		{"", Page{Limit: 10}, []ID{ps[2].ID, ps[1].ID, ps[0].ID}},
		{ProposalPending, Page{Limit: 10}, []ID{ps[2].ID}},
		{ProposalRefused, Page{Limit: 10}, []ID{ps[1].ID}},
		{"", Page{Limit: 2}, []ID{ps[2].ID, ps[1].ID}},
		{"", Page{Limit: 2, MaxID: ps[1].ID}, []ID{ps[0].ID}},
	}
	for _, tt := range tests {
		got, err := s.Proposals(ctx, bea.ID, tt.state, tt.page)
		if err != nil {
			t.Fatal(err)
		}
		var ids []ID
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		if len(ids) != len(tt.want) || (len(ids) > 0 && ids[0] != tt.want[0]) || (len(ids) > 1 && ids[len(ids)-1] != tt.want[len(tt.want)-1]) {
			t.Errorf("state %q page %+v: %v; want %v", tt.state, tt.page, ids, tt.want)
		}
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, carl.ID) })
	if _, err := s.ProposalByID(ctx, ps[3].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a deleted member's proposal: %v; want gone", err)
	}
}
