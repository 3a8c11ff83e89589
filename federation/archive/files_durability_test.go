package archive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// fileEngine is an engine with a media directory, so it keeps artefact
// files, on host.
func fileEngine(t *testing.T, host string) *federation.Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := federation.New(store, federation.Options{URLs: federation.URLs{Base: "https://" + host},
		MediaDir: t.TempDir(), NewKey: testkit.Keys()})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
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
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return n
}

// Two artefacts holding the same bytes (one template attached to both)
// are exported as one files/<sha256> entry; the import must give each
// artefact its own stored file, not refuse the archive (each file row's
// storage name is unique), and removing one artefact must leave the
// other's file.
func TestImportArtefactsSharingAFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := fileEngine(t, "council-a.example")
	alice, err := src.CreateMember(ctx, federation.NewMember{Username: "alice", Email: "alice@council-a.example", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := src.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "libraries", Name: "Libraries"})
	if err != nil {
		t.Fatal(err)
	}
	const csv = "day,open\nMon,9\n"
	for _, title := range []string{"Opening hours", "Holiday hours"} {
		a, err := src.CreateArtefact(ctx, alice, c.AccountID, federation.NewArtefact{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := src.AddArtefactFile(ctx, alice, a.ID, a.Version, "hours.csv", strings.NewReader(csv), ""); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := Export(ctx, src.Store(), src, "libraries", &buf, t.TempDir(), time.Now()); err != nil {
		t.Fatal(err)
	}

	dst := fileEngine(t, "council-b.example")
	got, err := Import(ctx, dst, bytes.NewReader(buf.Bytes()), "", t.TempDir())
	if err != nil {
		t.Fatalf("import of two artefacts sharing a file: %v", err)
	}
	if got.Artefacts != 2 {
		t.Fatalf("imported %d artefacts; want 2", got.Artefacts)
	}
	dir := filepath.Join(dst.MediaDir(), "artefacts")
	if n := countFiles(t, dir); n != 2 {
		t.Errorf("%d stored files after the import; want one per artefact, 2", n)
	}
}

// An import that fails after its files were moved into the store
// removes them again and leaves no community (the README's promise).
func TestImportFailureRemovesMovedFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := fileEngine(t, "council-a.example")
	alice, err := src.CreateMember(ctx, federation.NewMember{Username: "alice", Email: "alice@council-a.example", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := src.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "libraries", Name: "Libraries"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := src.CreateArtefact(ctx, alice, c.AccountID, federation.NewArtefact{Title: "Opening hours"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.AddArtefactFile(ctx, alice, a.ID, a.Version, "hours.csv", strings.NewReader("day,open\n"), ""); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := Export(ctx, src.Store(), src, "libraries", &buf, t.TempDir(), time.Now()); err != nil {
		t.Fatal(err)
	}
	// A destination on the same host, where alice is not an account: her
	// membership is refused after the files were moved in.
	dst := fileEngine(t, "council-a.example")
	var inv *federation.InvalidError
	if _, err := Import(ctx, dst, bytes.NewReader(buf.Bytes()), "branches", t.TempDir()); !errors.As(err, &inv) || !strings.Contains(err.Error(), "names this node") {
		t.Fatalf("import naming a local person unknown here: %v; want that refused", err)
	}
	if n := countFiles(t, filepath.Join(dst.MediaDir(), "artefacts")); n != 0 {
		t.Errorf("%d files left in the artefact store by a failed import", n)
	}
	if _, err := dst.Store().AccountByUsername(ctx, "branches"); err == nil {
		t.Error("the failed import left its community")
	}
}
