package storage

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestStatusExtrasKept: a status's mentions, tags and attachments come
// back with it however they were saved (with the status, by an edit that
// adds them, by an upload attached later), and a status without them
// reads none; the extras column (migration 0050) only saves lookups.
func TestStatusExtrasKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t)
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	media := func(url string) Attachment { return Attachment{MediaType: "image/png", URL: url} }
	for _, tc := range []struct {
		name          string
		saved, edited func(*Status)
		mentions      []ID
		tags          []string
		attachments   int
		extras        extraKinds
	}{
		{"none", nil, nil, nil, nil, 0, 0},
		{"with the status", func(st *Status) {
			st.Mentions, st.Tags, st.Attachments = []ID{bob.ID}, []string{"libraries"}, []Attachment{media("https://local.example/a.png")}
		}, nil, []ID{bob.ID}, []string{"libraries"}, 1, extraMentions | extraTags | extraAttachments},
		{"added by an edit", nil, func(st *Status) {
			st.Mentions, st.Tags = []ID{bob.ID}, []string{"archives"}
		}, []ID{bob.ID}, []string{"archives"}, 0, extraMentions | extraTags},
		{"removed by an edit", func(st *Status) { st.Mentions = []ID{bob.ID} }, func(st *Status) { st.Mentions = nil },
			nil, nil, 0, extraMentions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storeStatus(t, s, alice, tc.saved)
			if tc.edited != nil {
				st, err := s.StatusByID(ctx, st.ID)
				if err != nil {
					t.Fatal(err)
				}
				tc.edited(&st)
				st.EditedAt = time.Now()
				inTx(t, s, func(tx *Tx) error { return tx.UpdateStatus(ctx, &st) })
			}
			got, err := s.StatusesByIDs(ctx, []ID{st.ID})
			if err != nil {
				t.Fatal(err)
			}
			g := got[st.ID]
			if !slices.Equal(g.Mentions, tc.mentions) || !slices.Equal(g.Tags, tc.tags) || len(g.Attachments) != tc.attachments {
				t.Errorf("read mentions %v, tags %v, %d attachments; want %v, %v, %d", g.Mentions, g.Tags, len(g.Attachments),
					tc.mentions, tc.tags, tc.attachments)
			}
			if !g.extrasRead || g.extras != tc.extras {
				t.Errorf("extras %03b (read: %v); want %03b", g.extras, g.extrasRead, tc.extras)
			}
		})
	}

	// An upload is stored without a status; posting attaches it.
	up := media("https://local.example/later.png")
	up.AccountID = alice.ID
	inTx(t, s, func(tx *Tx) error { return tx.InsertMedia(ctx, &up) })
	st := storeStatus(t, s, alice, func(st *Status) { st.Attachments = []Attachment{up} })
	got, err := s.StatusesByIDs(ctx, []ID{st.ID})
	if err != nil {
		t.Fatal(err)
	}
	if a := got[st.ID].Attachments; len(a) != 1 || a[0].ID != up.ID {
		t.Errorf("the attached upload: %+v", a)
	}
}
