package main

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"
)

// codePagesEvery is the least time between two hand-backs of the
// executable's pages. A node at rest collects garbage every two minutes
// (the Go runtime forces it), each collection maps megabytes of function
// tables back in, and they are handed back a second later; a busy node
// collects many times a second, and then re-reads its hot code from the
// page cache at most once a minute (a few hundred minor page faults).
const codePagesEvery = time.Minute

// handBackCodePages releases the executable's resident pages a second
// after serving starts (start-up done) and a second after a garbage
// collection, at most once every codePagesEvery, until ctx ends.
func handBackCodePages(ctx context.Context, log *slog.Logger) {
	var last atomic.Int64 // when the latest release was scheduled, Unix ns
	schedule := func() {
		now := time.Now()
		if p := last.Load(); p != 0 && now.Sub(time.Unix(0, p)) < codePagesEvery {
			return
		}
		last.Store(now.UnixNano())
		time.AfterFunc(startupSettles, func() {
			if ctx.Err() != nil {
				return
			}
			if err := releaseCodePages(); err != nil {
				log.Warn("hand back code pages", "err", err)
			}
		})
	}
	schedule()
	afterCollections(ctx.Done(), schedule)
}

// collectionMark is what afterCollections leaves to the collector. It
// holds a pointer so that it is allocated on its own, not packed with
// other small objects that could keep it alive.
type collectionMark struct{ _ *byte }

// afterCollections calls f after each garbage collection until done is
// closed. f runs on the runtime's cleanup goroutine, so it must return
// quickly.
func afterCollections(done <-chan struct{}, f func()) {
	var arm func()
	arm = func() {
		runtime.AddCleanup(new(collectionMark), func(struct{}) {
			select {
			case <-done:
				return
			default:
			}
			f()
			arm()
		}, struct{}{})
	}
	arm()
}
