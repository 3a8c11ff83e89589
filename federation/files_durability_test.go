package federation

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// These tests check that paths writing both files and rows leave the
// two agreeing when one side fails: no row naming a missing file, and no
// file left behind (still served at its URL) by a row that is gone.

var errInjected = errors.New("injected failure after the file step")

// mediaFileExists reports whether file, under the engine's media
// directory, is on disk.
func mediaFileExists(t *testing.T, e *Engine, file string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(file)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// postWithMedia has author post text with one fresh upload.
func postWithMedia(t *testing.T, e *Engine, author storage.Account, text string) (storage.Status, storage.Attachment) {
	t.Helper()
	ctx := context.Background()
	m, err := e.UploadMedia(ctx, author.ID, bytes.NewReader(encodePNG(t, halves(20, 10))), "", Focus{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.Post(ctx, author.ID, Draft{Text: text, Visibility: activitypub.Public, MediaIDs: []storage.ID{m.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if !mediaFileExists(t, e, m.File) || !mediaFileExists(t, e, m.PreviewFile) {
		t.Fatal("the upload's files are not on disk")
	}
	return st, m
}

// A moderator's removal deletes the status row, and its attachments by
// cascade: their files must go too, or the removed image stays served at
// its URL for good.
func TestModeratorRemovalRemovesPostMediaFiles(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	st, m := postWithMedia(t, e, alice, "@libraries Opening hours")
	if err := e.RemoveCommunityPost(ctx, alice, g.ID, st.ID, "off topic"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.StatusByID(ctx, st.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("removed post: %v; want ErrNotFound", err)
	}
	for _, f := range []string{m.File, m.PreviewFile} {
		if mediaFileExists(t, e, f) {
			t.Errorf("%s is still on disk after its post was removed", f)
		}
	}
}

// PurgeSuspended deletes a suspended member's posts row by row: their
// uploads' files must go with them.
func TestPurgeSuspendedRemovesPostMediaFiles(t *testing.T) {
	t.Parallel()
	f := newActionFixtureOn(t, mediaEngine(t))
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f.e.store.Now = func() time.Time { return now }
	st, m := postWithMedia(t, f.e, f.alice, "hello")
	if err := f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.alice.ID, Type: ActionSuspend}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(SuspensionRetention + time.Minute)
	if n, err := f.e.PurgeSuspended(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeSuspended = %d, %v; want 1", n, err)
	}
	if _, err := f.e.store.StatusByID(ctx, st.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("purged post: %v; want ErrNotFound", err)
	}
	for _, file := range []string{m.File, m.PreviewFile} {
		if mediaFileExists(t, f.e, file) {
			t.Errorf("%s is still on disk after the purge", file)
		}
	}
}

// A deletion whose transaction rolls back must leave the files: they are
// removed only once the rows naming them are gone for good.
func TestRolledBackStatusDeletionKeepsMediaFiles(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	st, m := postWithMedia(t, e, alice, "hello")
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := e.deleteStatus(ctx, tx, st.ID); err != nil {
			return err
		}
		return errInjected
	})
	if !errors.Is(err, errInjected) {
		t.Fatalf("InTx = %v; want the injected error", err)
	}
	got, err := e.store.StatusByID(ctx, st.ID)
	if err != nil || len(got.Attachments) != 1 {
		t.Fatalf("status after the rollback: %+v, %v; want it with its attachment", got, err)
	}
	for _, f := range []string{m.File, m.PreviewFile} {
		if !mediaFileExists(t, e, f) {
			t.Errorf("%s was removed by a deletion that rolled back", f)
		}
	}
}

// countFiles counts the regular files under dir.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}

// An artefact upload refused inside its transaction (here the
// community's limit) removes the file it had moved into place, and the
// quota, counted from the rows, is unchanged.
func TestAddArtefactFileRefusedInTransactionRemovesFile(t *testing.T) {
	t.Parallel()
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	a, err := e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Opening hours"})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err = e.AddArtefactFile(ctx, alice, a.ID, a.Version, "hours.csv", strings.NewReader("day,open\nMon,9\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	dir := e.artefactFileDir()
	before := countFiles(t, dir)
	used, err := e.store.CommunityFileBytes(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.artefacts.communityLimit = used + 4 // the next file does not fit
	var inv *InvalidError
	if _, _, err := e.AddArtefactFile(ctx, alice, a.ID, a.Version, "more.csv", strings.NewReader("day,open\nTue,9\n"), ""); !errors.As(err, &inv) {
		t.Fatalf("upload over the community's limit: %v; want *InvalidError", err)
	}
	if _, _, err := e.AddArtefactFile(ctx, alice, a.ID, a.Version-1, "stale.csv", strings.NewReader("a\n"), ""); err == nil {
		t.Fatal("upload from a stale version succeeded")
	}
	if after := countFiles(t, dir); after != before {
		t.Errorf("%d files under the artefact store after refused uploads; want %d", after, before)
	}
	if now, err := e.store.CommunityFileBytes(ctx, g.ID); err != nil || now != used {
		t.Errorf("community file bytes %d, %v; want %d", now, err, used)
	}
}

// peekingReader is an upload's body that, when first read, lists the
// files under dir: what a backup taken during the upload would copy.
type peekingReader struct {
	r       io.Reader
	dir     string
	visible []string
	peeked  bool
}

func (p *peekingReader) Read(b []byte) (int, error) {
	if !p.peeked {
		p.peeked = true
		_ = filepath.WalkDir(p.dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				p.visible = append(p.visible, path)
			}
			return nil
		})
	}
	return p.r.Read(b)
}

// An artefact upload being written is a hidden file, as a media upload
// is: `copse admin backup` skips hidden files, and a half-written upload
// must not land in a backup as if it were a stored file.
func TestAddArtefactFileInProgressIsHidden(t *testing.T) {
	t.Parallel()
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	a, err := e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Opening hours"})
	if err != nil {
		t.Fatal(err)
	}
	body := &peekingReader{r: strings.NewReader("day,open\nMon,9\n"), dir: e.artefactFileDir()}
	if _, _, err := e.AddArtefactFile(ctx, alice, a.ID, a.Version, "hours.csv", body, ""); err != nil {
		t.Fatal(err)
	}
	if !body.peeked || len(body.visible) != 0 {
		t.Errorf("files a backup would copy while the upload was written: %v; want none", body.visible)
	}
}
