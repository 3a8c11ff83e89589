package federation

import (
	"context"
	"fmt"
	"slices"

	"github.com/copse-dev/copse/storage"
)

// MarkerTimelines are the timelines a member may keep a read marker of.
var MarkerTimelines = []string{"home", "notifications"}

// SaveMarkers records where a member stopped reading each timeline given
// (timeline name to the last status or notification read), all at once,
// and returns the markers as saved. Markers are local only.
func (e *Engine) SaveMarkers(ctx context.Context, accountID storage.ID, positions map[string]storage.ID) ([]storage.Marker, error) {
	a, err := e.localAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var timelines []string
	for t := range positions {
		if !slices.Contains(MarkerTimelines, t) {
			return nil, invalid("Validation failed: Timeline is not included in the list")
		}
		timelines = append(timelines, t)
	}
	slices.Sort(timelines)
	var out []storage.Marker
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		for _, t := range timelines {
			m, err := tx.SaveMarker(ctx, a.ID, t, positions[t])
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save markers: %w", err)
	}
	return out, nil
}
