package main

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// collectUntil runs collections until cond holds or five seconds pass.
func collectUntil(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		if cond() {
			return true
		}
	}
	return cond()
}

func TestAfterCollectionsFollowsEachCollectionUntilDone(t *testing.T) {
	var n atomic.Int64
	done := make(chan struct{})
	afterCollections(done, func() { n.Add(1) })
	if !collectUntil(func() bool { return n.Load() >= 3 }) {
		t.Fatalf("after collections for five seconds, f ran %d times; want 3 or more", n.Load())
	}
	close(done)
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	stopped := n.Load()
	for range 5 {
		runtime.GC()
	}
	time.Sleep(50 * time.Millisecond)
	if got := n.Load(); got != stopped {
		t.Errorf("f ran %d more times after done was closed", got-stopped)
	}
}
