package storage

import (
	"context"
	"testing"
	"time"
)

// TestPreviewCards: a card is kept once per address and shared by the
// statuses that link there; a read again replaces it in place; a read
// that gave no card is kept but never shown; a status shows the card set
// last, none once it is removed, and a deleted status takes its link
// with it.
func TestPreviewCards(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	one, two, three := mustStatus(t, s, alice, Status{Content: "one"}), mustStatus(t, s, alice, Status{Content: "two"}),
		mustStatus(t, s, alice, Status{Content: "three"})
	card := PreviewCard{URL: "https://news.example/story", Title: "Libraries open late", Description: "From Monday.",
		ProviderName: "News", PublishedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		Image: "cd/cd34_card.jpg", ImageWidth: 640, ImageHeight: 320, Blurhash: "LKO2?U%2Tw=w"}
	empty := PreviewCard{URL: "https://blank.example/", Image: "ab/ab12_card.jpg", ImageWidth: 400, ImageHeight: 200, Blurhash: "LEHV6nWB2yk8"}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.PutPreviewCard(ctx, &card); err != nil {
			return err
		}
		if err := tx.PutPreviewCard(ctx, &empty); err != nil {
			return err
		}
		for _, st := range []Status{one, two} {
			if err := tx.SetStatusCard(ctx, st.ID, card.ID); err != nil {
				return err
			}
		}
		return tx.SetStatusCard(ctx, three.ID, empty.ID)
	})
	got, err := s.CardsOf(ctx, []ID{one.ID, two.ID, three.ID})
	if err != nil || len(got) != 2 || got[one.ID].Title != "Libraries open late" || got[two.ID].ID != card.ID ||
		got[one.ID].Image != card.Image || got[one.ID].ImageWidth != 640 || got[one.ID].Blurhash != card.Blurhash ||
		!got[one.ID].PublishedAt.Equal(card.PublishedAt) {
		t.Fatalf("cards = %+v, %v; want the story for one and two, nothing for three", got, err)
	}

	again := PreviewCard{URL: card.URL, Title: "Libraries open later"}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.PutPreviewCard(ctx, &again); err != nil {
			return err
		}
		return tx.SetStatusCard(ctx, two.ID, 0)
	})
	if again.ID != card.ID {
		t.Errorf("a read again made card %d; want %d replaced", again.ID, card.ID)
	}
	read, err := s.PreviewCardByURL(ctx, card.URL)
	if err != nil || read.Title != "Libraries open later" || read.Description != "" || !read.PublishedAt.IsZero() {
		t.Errorf("card by URL = %+v, %v", read, err)
	}
	got, err = s.CardsOf(ctx, []ID{one.ID, two.ID})
	if err != nil || len(got) != 1 || got[one.ID].Title != "Libraries open later" {
		t.Errorf("after the second read, cards = %+v, %v; want one's only", got, err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, one.ID) })
	if got, err := s.CardsOf(ctx, []ID{one.ID}); err != nil || len(got) != 0 {
		t.Errorf("a deleted status's card = %+v, %v", got, err)
	}
	// The empty card no status shows goes once stale; the shown one stays.
	var pruned int64
	var images []string
	inTx(t, s, func(tx *Tx) error {
		if err := tx.SetStatusCard(ctx, two.ID, card.ID); err != nil {
			return err
		}
		var err error
		pruned, images, err = tx.PrunePreviewCards(ctx, s.Now().Add(time.Minute))
		return err
	})
	if _, err := s.PreviewCardByURL(ctx, empty.URL); pruned != 0 || err != nil {
		t.Errorf("pruned %d, empty card %v; want the empty card kept while three shows it", pruned, err)
	}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.SetStatusCard(ctx, three.ID, 0); err != nil {
			return err
		}
		var err error
		pruned, images, err = tx.PrunePreviewCards(ctx, s.Now().Add(time.Minute))
		return err
	})
	if _, err := s.PreviewCardByURL(ctx, empty.URL); pruned != 1 || err != ErrNotFound || len(images) != 1 || images[0] != "ab/ab12_card.jpg" {
		t.Errorf("pruned %d (images %q), empty card %v; want it gone with its image", pruned, images, err)
	}
	if _, err := s.PreviewCardByURL(ctx, card.URL); err != nil {
		t.Errorf("the card a status shows was pruned: %v", err)
	}
	if _, err := s.PreviewCardByURL(ctx, "https://other.example/"); err != ErrNotFound {
		t.Errorf("unknown address: %v; want ErrNotFound", err)
	}
}
