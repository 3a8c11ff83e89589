package testkit

import (
	"testing"
	"time"
)

// maxPollInterval caps the wait between two checks of Eventually: the
// condition usually reads a database, and many tests poll at once.
const maxPollInterval = 10 * time.Millisecond

// Eventually checks cond until it holds, and fails the test if it still
// does not once within has passed. It checks again after 1 ms, then
// waits twice as long each time up to maxPollInterval, so a condition
// that is nearly true costs little wall time and a slow one little CPU.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	interval := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(interval)
		interval = min(2*interval, maxPollInterval)
	}
}
