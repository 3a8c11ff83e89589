package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/archive"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// communityPostURIs lists the ids of a community's posts on n, oldest
// first.
func communityPostURIs(t *testing.T, n *testrig.Node, group storage.ID) []string {
	t.Helper()
	ctx := context.Background()
	posts, err := n.Store.CommunityPostsAfter(ctx, group, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range posts {
		st, err := n.Store.StatusByID(ctx, p.StatusID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st.URI)
	}
	return out
}

// TestCommunityExportImport: a community of A, with a thread from B and a
// reply on A, an artefact with three versions and a file, is exported
// from A and imported on C: C holds the same posts, in the same thread,
// by the same (remote) authors, and the artefact with every version and
// the file's bytes. A corrupt archive and a taken handle are refused with
// nothing written.
func TestCommunityExportImport(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice, bea := a.Member("alice", false), b.Member("bea", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries",
		"description": "Public libraries across councils", "rules": "Be kind"})
	groupOnA := a.Resolve("libraries@" + a.Host)
	groupOnB := b.Resolve("libraries@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)
	thread, err := b.Engine.Post(ctx, bea.ID, federation.Draft{Text: "@libraries@" + a.Host + " Opening hours\nHow do you publish them?"})
	if err != nil {
		t.Fatal(err)
	}
	var threadOnA storage.Status
	testrig.Eventually(t, communityWait, "the thread reaches A", func() bool {
		threadOnA, err = a.Store.StatusByURI(ctx, thread.URI)
		return err == nil
	})
	reply, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "On the door.", InReplyTo: threadOnA.ID})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "both posts are the community's on A", func() bool {
		return len(communityPostURIs(t, a, groupOnA.ID)) == 2
	})

	token := a.Token(alice)
	code, body := communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/communities/"+community["id"].(string)+"/artefacts", token,
		map[string]any{"title": "Opening hours policy", "summary": "How we publish hours.", "body": "Publish hours **weekly**.",
			"licence": "OGL-UK-3.0", "edit_policy": "members", "note": "First draft"})
	if code != http.StatusOK {
		t.Fatalf("create artefact: %d %s", code, body)
	}
	var created struct{ ID, URI string }
	json.Unmarshal(body, &created)
	pdf := []byte("%PDF-1.7\n% opening hours\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	if code, body := uploadArtefactFile(t, a, token, created.ID, "hours.pdf", pdf, "1"); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	code, body = communityCall(t, http.MethodPatch, a.URL+"/api/copse/v1/artefacts/"+created.ID, token,
		map[string]any{"base_version": 2, "body": "Publish hours **daily**.", "note": "daily"})
	if code != http.StatusOK {
		t.Fatalf("edit: %d %s", code, body)
	}
	artOnA, versionsOnA := versionsOn(t, a, created.URI)
	if len(versionsOnA) != 3 {
		t.Fatalf("versions on A = %d, want 3", len(versionsOnA))
	}

	var buf bytes.Buffer
	m, err := archive.Export(ctx, a.Store, a.Engine, "libraries", &buf, t.TempDir(), time.Now())
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if m.Counts[archive.ThreadsName] != 2 || m.Counts[archive.ArtefactsName] != 1 || m.Counts["files"] != 1 ||
		m.Counts[archive.MembersName] != 1 || m.Community != groupOnA.URI {
		t.Fatalf("manifest = %+v", m)
	}

	// A corrupt archive: one byte of the gzip stream changed.
	bad := bytes.Clone(buf.Bytes())
	bad[len(bad)/2] ^= 0xff
	if _, err := archive.Import(ctx, c.Engine, bytes.NewReader(bad), "", t.TempDir()); !errors.Is(err, archive.ErrCorrupt) {
		t.Fatalf("corrupt import: %v, want ErrCorrupt", err)
	}
	if _, err := c.Store.AccountByUsername(ctx, "libraries"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after a corrupt import C has libraries: %v", err)
	}

	im, err := archive.Import(ctx, c.Engine, bytes.NewReader(buf.Bytes()), "", t.TempDir())
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if im.Posts != 2 || im.Artefacts != 1 || im.Versions != 3 || im.Files != 1 || im.Group.Username != "libraries" {
		t.Fatalf("imported = %+v", im)
	}
	groupOnC, err := c.Store.AccountByUsername(ctx, "libraries")
	if err != nil || !groupOnC.Local() {
		t.Fatalf("libraries on C: %+v, %v", groupOnC, err)
	}
	if cm, err := c.Store.CommunityByAccount(ctx, groupOnC.ID); err != nil || cm.Rules != "Be kind" {
		t.Errorf("community on C: %+v, %v", cm, err)
	}
	if got, want := communityPostURIs(t, c, groupOnC.ID), communityPostURIs(t, a, groupOnA.ID); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("posts on C = %v, want %v", got, want)
	}
	replyOnC, err := c.Store.StatusByURI(ctx, reply.URI)
	if err != nil {
		t.Fatal(err)
	}
	threadOnC, _ := c.Store.StatusByURI(ctx, thread.URI)
	if replyOnC.InReplyToID != threadOnC.ID {
		t.Errorf("the reply on C answers %d, want the thread %d", replyOnC.InReplyToID, threadOnC.ID)
	}
	if p, err := c.Store.CommunityPost(ctx, replyOnC.ID); err != nil || p.RootID != threadOnC.ID || p.GroupID != groupOnC.ID {
		t.Errorf("the reply's place on C = %+v, %v", p, err)
	}
	for _, st := range []storage.Status{threadOnC, replyOnC} {
		author, err := c.Store.AccountByID(ctx, st.AccountID)
		if err != nil || author.Local() {
			t.Errorf("author of %s on C = %+v, %v; want a remote account", st.URI, author, err)
		}
	}
	if author, _ := c.Store.AccountByID(ctx, threadOnC.AccountID); author.URI != bea.URI {
		t.Errorf("the thread's author on C is %s, want %s", author.URI, bea.URI)
	}

	arts, err := c.Store.CommunityArtefactsAfter(ctx, groupOnC.ID, 0, 10)
	if err != nil || len(arts) != 1 {
		t.Fatalf("artefacts on C = %v, %v", arts, err)
	}
	artOnC, versionsOnC := versionsOn(t, c, arts[0].URI)
	if artOnC.Title != artOnA.Title || artOnC.Version != 3 || !artOnC.Local || artOnC.BodySource != artOnA.BodySource {
		t.Errorf("artefact on C = %+v, on A %+v", artOnC, artOnA)
	}
	if len(versionsOnC) != 3 {
		t.Fatalf("versions on C = %d, want 3", len(versionsOnC))
	}
	for i := range versionsOnC {
		va, vc := versionsOnA[i], versionsOnC[i]
		if va.Number != vc.Number || va.BodySource != vc.BodySource || va.Note != vc.Note || va.EditorURI != vc.EditorURI ||
			len(va.Files) != len(vc.Files) {
			t.Errorf("version %d: on C %+v, on A %+v", i+1, vc, va)
		}
	}
	f := versionsOnC[2].Files[0]
	row, err := c.Store.ArtefactFile(ctx, f.FileID)
	if err != nil {
		t.Fatal(err)
	}
	path, err := c.Engine.ArtefactFilePath(row)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, pdf) || f.SHA256 != versionsOnA[2].Files[0].SHA256 {
		t.Errorf("file on C = %q, %v", got, err)
	}

	// The same archive again under the same handle: refused, nothing
	// more stored.
	before, _ := c.Store.CommunityFileBytes(ctx, groupOnC.ID)
	if _, err := archive.Import(ctx, c.Engine, bytes.NewReader(buf.Bytes()), "", t.TempDir()); !errors.Is(err, federation.ErrHandleTaken) {
		t.Errorf("second import: %v, want ErrHandleTaken", err)
	}
	if after, _ := c.Store.CommunityFileBytes(ctx, groupOnC.ID); after != before {
		t.Errorf("file bytes after a refused import: %d, want %d", after, before)
	}

	// An archive whose digests hold but whose content C refuses (a post
	// by someone claiming to live on C) fails inside the transaction,
	// after its file was moved into place: the file is removed again and
	// no community is left.
	artefactDir := filepath.Dir(filepath.Dir(path))
	filesBefore := countFiles(t, artefactDir)
	var forged bytes.Buffer
	w := archive.NewWriter(&forged, t.TempDir(), time.Now())
	if err := w.AddJSON(archive.CommunityName, archive.CommunityDoc{Handle: "forged", Name: "Forged",
		Settings: archive.Settings{JoinPolicy: storage.JoinOpen, PostingPolicy: storage.PostingMembers, Visibility: storage.CommunityPublic}}); err != nil {
		t.Fatal(err)
	}
	other := []byte("a,b\n1,2\n")
	if err := w.Add(archive.FileName(sha256Hex(other)), int64(len(other)), bytes.NewReader(other)); err != nil {
		t.Fatal(err)
	}
	s, err := w.Section(archive.ThreadsName)
	if err != nil {
		t.Fatal(err)
	}
	note := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + c.URL + `/statuses/1","type":"Note","attributedTo":"` + c.URL + `/users/nobody","content":"hi","to":["https://www.w3.org/ns/activitystreams#Public"]}`)
	if err := s.Write(archive.ThreadLine{Object: note, Author: archive.Person{ID: c.URL + "/users/nobody", Username: "nobody"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(archive.Manifest{Handle: "forged"}); err != nil {
		t.Fatal(err)
	}
	var inv *federation.InvalidError
	if _, err := archive.Import(ctx, c.Engine, &forged, "", t.TempDir()); !errors.As(err, &inv) {
		t.Fatalf("forged import: %v, want an InvalidError", err)
	}
	if _, err := c.Store.AccountByUsername(ctx, "forged"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after a failed import C has forged: %v", err)
	}
	if n := countFiles(t, artefactDir); n != filesBefore {
		t.Errorf("artefact files after a failed import: %d, want %d", n, filesBefore)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// countFiles counts the regular files under dir.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkCommunityExportImport exports a community of 10,000 posts
// (a thread and a reply in each of 5,000 threads) and 1,000 artefacts, 50
// of them with a 1 MiB file, and imports it on another node, reporting
// each step's time and the archive's size. The rows are written straight
// to the store: the benchmark measures the archive, not posting.
func BenchmarkCommunityExportImport(b *testing.B) {
	nodes := testrig.Start(b, 2)
	a, c := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.Member("alice", false)
	createCommunityTB(b, a, alice)
	g, err := a.Store.AccountByUsername(ctx, "libraries")
	if err != nil {
		b.Fatal(err)
	}
	urls := a.Engine.URLs()
	dir := filepath.Join(a.Engine.MediaDir(), "artefacts", "bench")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		b.Fatal(err)
	}
	// Random bytes: files do not compress, as PDFs and Office files hardly do.
	file := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{1}).Read(file)
	err = a.Store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range benchExportThreads {
			root := storage.Status{ID: tx.NewID(), AccountID: alice.ID, Content: "<p>Thread</p>", Visibility: "public", Local: true}
			root.URI = urls.Status("alice", root.ID)
			reply := storage.Status{ID: tx.NewID(), AccountID: alice.ID, Content: "<p>Reply</p>", Visibility: "public", Local: true,
				InReplyToID: root.ID, InReplyToAccountID: alice.ID}
			reply.URI, reply.InReplyToURI = urls.Status("alice", reply.ID), root.URI
			for _, st := range []*storage.Status{&root, &reply} {
				if err := tx.InsertStatus(ctx, st); err != nil {
					return err
				}
				if _, err := tx.AddCommunityStatus(ctx, g.ID, st.ID); err != nil {
					return err
				}
				if err := tx.AddCommunityPost(ctx, storage.CommunityPost{StatusID: st.ID, GroupID: g.ID, RootID: root.ID}); err != nil {
					return err
				}
			}
			if i >= 1000 {
				continue
			}
			art := storage.Artefact{ID: tx.NewID(), CommunityID: g.ID, Local: true, CreatedBy: alice.ID, Title: "Artefact",
				BodySource: "Body", BodyHTML: "<p>Body</p>", Authors: []storage.ID{alice.ID}, Licence: storage.LicenceOGL,
				EditPolicy: storage.EditMembers, Version: 1}
			art.URI = urls.Artefact(art.ID)
			if err := tx.InsertArtefact(ctx, &art); err != nil {
				return err
			}
			v := storage.ArtefactVersion{ArtefactID: art.ID, Number: 1, Title: "Artefact", BodySource: "Body", BodyHTML: "<p>Body</p>",
				EditorID: alice.ID, EditorURI: alice.URI}
			if i < benchExportFiles {
				body := append(bytes.Clone(file), byte(i))
				name := fmt.Sprintf("bench/%d", i)
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), body, 0o600); err != nil {
					return err
				}
				f := storage.ArtefactFile{ArtefactID: art.ID, CommunityID: g.ID, StorageName: name, Name: "notes.txt",
					MediaType: "text/plain", Size: int64(len(body)), SHA256: sha256Hex(body), UploadedBy: alice.ID}
				if err := tx.InsertArtefactFile(ctx, &f); err != nil {
					return err
				}
				v.Files = []storage.VersionFile{{FileID: f.ID, Name: f.Name, MediaType: f.MediaType, Size: f.Size, SHA256: f.SHA256}}
			}
			if err := tx.AddArtefactVersion(ctx, &v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "libraries.tar.gz")
	b.ResetTimer()
	for i := range b.N {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		start, peak := time.Now(), heapPeak()
		m, err := archive.Export(ctx, a.Store, a.Engine, "libraries", f, b.TempDir(), time.Now())
		exportHeap := peak()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		exported := time.Since(start)
		if m.Counts[archive.ThreadsName] != 2*benchExportThreads || m.Counts[archive.ArtefactsName] != 1000 || m.Counts["files"] != benchExportFiles {
			b.Fatalf("counts = %v", m.Counts)
		}
		fi, _ := os.Stat(out)
		f, err = os.Open(out)
		if err != nil {
			b.Fatal(err)
		}
		start, peak = time.Now(), heapPeak()
		im, err := archive.Import(ctx, c.Engine, f, fmt.Sprintf("copy%d", i), b.TempDir())
		importHeap := peak()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if im.Posts != 2*benchExportThreads || im.Artefacts != 1000 || im.Files != benchExportFiles {
			b.Fatalf("imported = %+v", im)
		}
		b.ReportMetric(exported.Seconds(), "export-s")
		b.ReportMetric(time.Since(start).Seconds(), "import-s")
		b.ReportMetric(float64(fi.Size())/(1<<20), "archive-MiB")
		b.ReportMetric(exportHeap, "export-peak-heap-MiB")
		b.ReportMetric(importHeap, "import-peak-heap-MiB")
	}
}

// The community BenchmarkCommunityExportImport moves, as issue 13 sizes
// it: 10,000 threads (each with a reply), 1,000 artefacts, and 200 files
// of 1 MiB.
const (
	benchExportThreads = 10000
	benchExportFiles   = 200
)

// heapPeak samples the Go heap in use every 10 ms until the function it
// returns is called, which stops and reports the highest sample in MiB:
// what streaming keeps bounded, beside the archive's size.
func heapPeak() func() float64 {
	stop, done := make(chan struct{}), make(chan float64)
	go func() {
		var peak uint64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				done <- float64(peak) / (1 << 20)
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 { close(stop); return <-done }
}

// createCommunityTB is createCommunity for a benchmark.
func createCommunityTB(tb testing.TB, n *testrig.Node, creator storage.Account) storage.Community {
	tb.Helper()
	c, err := n.Engine.CreateCommunity(context.Background(), creator, federation.NewCommunity{Handle: "libraries", Name: "Libraries",
		JoinPolicy: storage.JoinOpen, PostingPolicy: storage.PostingMembers, Visibility: storage.CommunityPublic})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
