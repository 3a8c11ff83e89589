package api

import "testing"

func TestFamiliarPer(t *testing.T) {
	for _, c := range []struct{ ids, want int }{
		{0, familiarLimit}, {1, familiarLimit}, {5, familiarLimit}, {6, familiarTotal / 6},
		{100, 2}, {familiarTotal, 1}, {familiarTotal * 3, 1},
	} {
		if got := familiarPer(c.ids); got != c.want || got*max(c.ids, 1) > max(familiarTotal, familiarLimit) {
			t.Errorf("familiarPer(%d) = %d; want %d", c.ids, got, c.want)
		}
	}
}
