package federation

import (
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestParsedItemsBounded: parsed activities wait in memory only up to
// parsedBytes of bodies; a taken one frees its room.
func TestParsedItemsBounded(t *testing.T) {
	t.Parallel()
	var p parsedItems
	big := parsedBytes / 2
	p.put(1, activitypub.Activity{ID: "a"}, big)
	p.put(2, activitypub.Activity{ID: "b"}, big)
	p.put(3, activitypub.Activity{ID: "c"}, 1) // no room
	tests := []struct {
		id     storage.ID
		wantID string
		wantOK bool
	}{
		{3, "", false},
		{1, "a", true},
		{1, "", false}, // taken once
	}
	for _, tt := range tests {
		act, ok := p.take(tt.id)
		if ok != tt.wantOK || act.ID != tt.wantID {
			t.Errorf("take(%d) = %q, %v; want %q, %v", tt.id, act.ID, ok, tt.wantID, tt.wantOK)
		}
	}
	p.put(4, activitypub.Activity{ID: "d"}, 1) // room again
	if act, ok := p.take(4); !ok || act.ID != "d" {
		t.Errorf("after a take, a new item was not kept")
	}
}
