package storage

import (
	"testing"
	"time"
)

// IDs are visible to anyone (status and media IDs in the client API, in
// AP URLs); issue 10 used them to bracket an upload between two sampled
// IDs. Consecutive IDs must stay ordered but not step by a constant, so
// the gap between two IDs does not count the IDs made in between.
func TestNewIDRevealsNoCount(t *testing.T) {
	s := openTest(t)
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		at   func(i int) time.Time
	}{
		{"same millisecond", func(int) time.Time { return base }},
		{"one a millisecond", func(i int) time.Time { return base.Add(time.Duration(i) * time.Millisecond) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 200
			var prev ID
			steps := map[ID]bool{}        // gap between consecutive IDs
			lowSteps := map[uint16]bool{} // gap of the low 16 bits, modulo 2^16
			for i := range n {
				id := s.NewID(tt.at(i))
				if id <= prev {
					t.Fatalf("ID %d = %d, not above %d", i, id, prev)
				}
				if prev != 0 {
					steps[id-prev] = true
					lowSteps[uint16(id)-uint16(prev)] = true
				}
				prev = id
			}
			// Random 10- or 16-bit steps over 199 gaps: well over half differ.
			if len(steps) < n/2 || len(lowSteps) < n/2 {
				t.Errorf("%d distinct gaps, %d distinct low-bit gaps among %d IDs: the gaps count IDs", len(steps), len(lowSteps), n)
			}
		})
	}
}

func TestNewIDKeepsItsMillisecond(t *testing.T) {
	s := openTest(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	for i := range 1000 {
		id := s.NewID(at.Add(time.Duration(i) * time.Millisecond))
		if got := id.Time(); !got.Equal(at.Add(time.Duration(i) * time.Millisecond)) {
			t.Fatalf("ID %d made at %v reads as made at %v", i, at.Add(time.Duration(i)*time.Millisecond), got)
		}
	}
}
