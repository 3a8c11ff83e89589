package federation

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// TestBeginUpload: a member has at most MaxUploadsAtOnce uploads in
// progress and begins at most UploadsPerWindow in UploadWindow, whichever
// path the files come by; another member is not held back by her, and an
// upload's end frees its slot once, however often it is called.
func TestBeginUpload(t *testing.T) {
	e := testEngine(t)
	clock := &eventClock{}
	clock.set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e.uploads = newUploadLimits(clock.now)
	alice, bob := storage.ID(1), storage.ID(2)
	refused := func(err error, want string) {
		t.Helper()
		var limited *RateLimitedError
		if !errors.As(err, &limited) || !strings.Contains(limited.Msg, want) || limited.RetryAfter <= 0 {
			t.Fatalf("got %v; want a RateLimitedError saying %q with a Retry-After", err, want)
		}
	}

	first, err := e.BeginUpload(alice)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.BeginUpload(alice)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.BeginUpload(alice)
	refused(err, "at once")
	endBob, err := e.BeginUpload(bob)
	if err != nil {
		t.Fatalf("bob, while alice has two uploads going: %v", err)
	}
	endBob()
	first()
	first() // a second call frees nothing more
	third, err := e.BeginUpload(alice)
	if err != nil {
		t.Fatalf("alice, once one upload ended: %v", err)
	}
	_, err = e.BeginUpload(alice)
	refused(err, "at once")
	second()
	third()

	// A form that carried no file after all does not count.
	for range UploadsPerWindow {
		end, err := e.BeginUpload(alice)
		if err != nil {
			t.Fatalf("a form without a file: %v", err)
		}
		e.NoFileUploaded(alice)
		end()
	}

	// Three begun so far (and one refused, which does not count).
	for i := 3; i < UploadsPerWindow; i++ {
		end, err := e.BeginUpload(alice)
		if err != nil {
			t.Fatalf("upload %d of the window: %v", i+1, err)
		}
		end()
	}
	_, err = e.BeginUpload(alice)
	refused(err, "in 30 minutes")
	clock.advance(UploadWindow)
	end, err := e.BeginUpload(alice)
	if err != nil {
		t.Fatalf("once the window passed: %v", err)
	}
	end()
}
