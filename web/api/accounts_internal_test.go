package api

import "testing"

func TestFamiliarPer(t *testing.T) {
	for _, c := range []struct{ ids, want int }{
		{0, familiarLimit}, {1, familiarLimit}, {5, familiarLimit}, {6, familiarTotal / 6},
		{100, 2}, {familiarTotal, 1}, {familiarTotal * 3, 1},
	} {
		if got := familiarPer(c.ids); got != c.want {
			t.Errorf("familiarPer(%d) = %d; want %d", c.ids, got, c.want)
		}
	}
	// However many ids a request names, its answer holds at most
	// familiarTotal accounts.
	for n := 1; n <= maxIDList; n++ {
		if got := familiarPer(n) * n; got > familiarTotal {
			t.Errorf("%d ids may answer %d accounts; want at most %d", n, got, familiarTotal)
		}
	}
}
