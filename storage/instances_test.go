package storage

import (
	"context"
	"testing"
	"time"
)

// TestInstances checks that what a node runs is recorded, replaced on a
// later read, and read back for the hosts asked about only.
func TestInstances(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	put := func(in Instance) {
		t.Helper()
		if err := s.InTx(ctx, func(tx *Tx) error { return tx.PutInstance(ctx, in) }); err != nil {
			t.Fatal(err)
		}
	}
	put(Instance{Host: "Lemmy.example", Software: "Lemmy", Version: "0.19.5", FetchedAt: at})
	put(Instance{Host: "down.example", Failed: true, FetchedAt: at})
	put(Instance{Host: "masto.example", Software: "mastodon", Version: "4.2.0", FetchedAt: at})
	put(Instance{Host: "masto.example", Software: "mastodon", Version: "4.3.1", FetchedAt: at.Add(time.Hour)})

	got, err := s.Instances(ctx, []string{"lemmy.example", "masto.example", "down.example", "never.example"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Instance{
		"lemmy.example": {Host: "lemmy.example", Software: "lemmy", Version: "0.19.5", FetchedAt: at},
		"masto.example": {Host: "masto.example", Software: "mastodon", Version: "4.3.1", FetchedAt: at.Add(time.Hour)},
		"down.example":  {Host: "down.example", Failed: true, FetchedAt: at},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d instances %+v; want %d", len(got), got, len(want))
	}
	for h, w := range want {
		if g := got[h]; g != w {
			t.Errorf("%s: got %+v; want %+v", h, g, w)
		}
	}
	if none, err := s.Instances(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no hosts: got %v, %v", none, err)
	}
}
