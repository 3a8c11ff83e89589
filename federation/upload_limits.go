package federation

import (
	"fmt"
	"sync"
	"time"

	"github.com/copse-dev/copse/storage"
)

// What a member may upload, whichever way the file comes: a media
// attachment through the client API, or an artefact's files through the
// copse API or a library form. Each upload holds a body of up to tens of
// MiB (in memory and temporary files), and an image's decoding or a
// document's text extraction, so one member must not take every slot of
// the node: at most MaxUploadsAtOnce in progress, and UploadsPerWindow
// begun in UploadWindow (Mastodon's media limit). Counted in memory.
const (
	MaxUploadsAtOnce = 2
	UploadsPerWindow = 30
	UploadWindow     = 30 * time.Minute
)

// uploadLimits counts a node's uploads in progress and lately begun, per
// member.
type uploadLimits struct {
	mu     sync.Mutex
	busy   map[storage.ID]int // only members with an upload in progress
	recent *EventLimiter
}

func newUploadLimits(now func() time.Time) *uploadLimits {
	return &uploadLimits{busy: map[storage.ID]int{},
		recent: NewEventLimiter(UploadsPerWindow, UploadWindow, maxActionKeys, now)}
}

// BeginUpload admits one upload by member, to be called before its body
// is read, or refuses it with a *RateLimitedError (the API answers 429
// with Retry-After, a page says so): when MaxUploadsAtOnce of the
// member's are in progress, or UploadsPerWindow were begun in the last
// UploadWindow. end, called once when the upload is done (stored or
// refused), frees its slot.
func (e *Engine) BeginUpload(member storage.ID) (end func(), err error) {
	l := e.uploads
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[member] >= MaxUploadsAtOnce {
		return nil, &RateLimitedError{RetryAfter: time.Second,
			Msg: fmt.Sprintf("Too many uploads at once: wait for one to finish (at most %d)", MaxUploadsAtOnce)}
	}
	if wait := l.recent.Take(member.String()); wait > 0 {
		return nil, &RateLimitedError{RetryAfter: wait,
			Msg: fmt.Sprintf("Too many uploads: at most %d in %d minutes", UploadsPerWindow, int(UploadWindow.Minutes()))}
	}
	l.busy[member]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.busy[member]--; l.busy[member] <= 0 {
				delete(l.busy, member)
			}
		})
	}, nil
}

// NoFileUploaded gives back what BeginUpload counted against member's
// UploadsPerWindow for a form that carried no file after all (a post
// form whose image field was left empty); its slot is still end's to
// free.
func (e *Engine) NoFileUploaded(member storage.ID) {
	e.uploads.recent.GiveBack(member.String())
}
