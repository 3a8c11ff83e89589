package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// TestProposedFilesChecked: the community's node refuses at once, saying
// why, a proposal whose files are not on the member's own node, state no
// digest, are over its per-file limit or too many; one that passes waits
// in the queue to be fetched, unanswered, and a second delivery of it is
// queued once.
func TestProposedFilesChecked(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	mod := member(t, e, "mod")
	g := community(t, e, mod, NewCommunity{Handle: "wards", Name: "Wards"})
	bob := remotePerson(t, e, "bob", "council-b.example")
	joins(t, e, bob, g)
	sha := strings.Repeat("ab", 32)
	doc := func(url string, size int64, sha string) activitypub.ArtefactDocument {
		return activitypub.ArtefactDocument{URL: url, Name: "rota.csv", MediaType: "text/csv", Size: size, SHA256: sha}
	}
	held := "https://council-b.example/proposal-files/0123456789abcdef0123456789abcdef"
	many := make([]activitypub.ArtefactDocument, maxArtefactFiles+1)
	for i := range many {
		many[i] = doc(held, 10, sha)
	}
	policy := storage.EditAuthors
	tests := []struct {
		name   string
		files  []activitypub.ArtefactDocument
		reason string // "" when it is queued
	}{
		{"a file on another server", []activitypub.ArtefactDocument{doc("https://elsewhere.example/rota.csv", 10, sha)}, "is not on your node"},
		{"no digest", []activitypub.ArtefactDocument{doc(held, 10, "")}, "does not state its size and SHA-256"},
		{"no size", []activitypub.ArtefactDocument{doc(held, 0, sha)}, "does not state its size and SHA-256"},
		{"over the limit", []activitypub.ArtefactDocument{doc(held, e.artefacts.fileLimit+1, sha)}, "larger than the limit"},
		{"too many", many, "at most 50 files"},
		{"queued", []activitypub.ArtefactDocument{doc(held, 10, sha)}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := bob.URI + "/activities/" + string(rune('a'+i))
			body, err := activitypub.MarshalArtefactProposal(id, bob.URI, e.now(), activitypub.ArtefactProposal{Type: activitypub.TypeCreate,
				Audience: g.URI, Name: strPtr("Ward rota"), Source: strPtr("Shifts."), EditPolicy: &policy, Files: tt.files})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // delivered twice
				if err := applyRaw(t, e, string(body)); err != nil {
					t.Fatalf("apply: %v", err)
				}
			}
			rej := rejections(t, e, g, bob.Inbox)
			due, err := e.store.DueProposalFetches(ctx, e.now(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if tt.reason == "" {
				if len(rej) != 0 || len(due) != 1 || due[0].ActivityID != id || due[0].ActorID != bob.ID {
					t.Fatalf("rejects %q, queue %+v; want it queued once, unanswered", rej, due)
				}
				return
			}
			if len(rej) == 0 || !strings.Contains(rej[len(rej)-1], tt.reason) || len(due) != 0 {
				t.Fatalf("rejects %q, queue %d; want a Reject saying %q and nothing queued", rej, len(due), tt.reason)
			}
		})
	}
	if arts, err := e.store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 10}); err != nil || len(arts) != 0 {
		t.Errorf("artefacts made before any file was fetched: %+v %v", arts, err)
	}

	// Someone who may not add to the community is told so before any
	// file is fetched.
	eve := remotePerson(t, e, "eve", "council-b.example")
	body, err := activitypub.MarshalArtefactProposal(eve.URI+"/activities/1", eve.URI, e.now(), activitypub.ArtefactProposal{
		Type: activitypub.TypeCreate, Audience: g.URI, Name: strPtr("Rota"), Source: strPtr("Shifts."), EditPolicy: &policy,
		Files: []activitypub.ArtefactDocument{{URL: "https://council-b.example/proposal-files/0123456789abcdef0123456789abcdef",
			Name: "rota.csv", Size: 10, SHA256: sha}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := applyRaw(t, e, string(body)); err != nil {
		t.Fatal(err)
	}
	due, err := e.store.DueProposalFetches(ctx, e.now(), 10)
	if rej := rejections(t, e, g, eve.Inbox); err != nil || len(rej) != 1 || !strings.Contains(rej[0], "only members post") || len(due) != 1 {
		t.Errorf("a non-member's files: rejects %q, %d queued (%v); want refused, only bob's queued", rej, len(due), err)
	}
}

// TestHeldProposalFiles: a file a member here sends with a proposal is
// checked as any artefact file (a program named .csv is refused and
// nothing is sent), held, served only to an actor of the community's own
// node while the proposal waits, and removed an hour after the answer.
func TestHeldProposalFiles(t *testing.T) {
	ctx := context.Background()
	a := testEngine(t)
	mod := member(t, a, "mod")
	g := community(t, a, mod, NewCommunity{Handle: "wards", Name: "Wards"})
	now := time.Now().UTC()
	store, err := storage.Open(ctx, filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b := New(store, Options{URLs: URLs{Base: "https://council-b.example"}, NewKey: testkit.Keys(), MediaDir: t.TempDir(),
		Now: func() time.Time { return now }})
	if err := b.Init(ctx); err != nil {
		t.Fatal(err)
	}
	gOnB := remotePerson(t, b, "wards", "council-a.example")
	gOnB.ActorType, gOnB.URI, gOnB.Inbox = activitypub.TypeGroup, g.URI, g.Inbox
	if err := b.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &gOnB) }); err != nil {
		t.Fatal(err)
	}
	bea := member(t, b, "bea")

	_, err = b.ProposeArtefact(ctx, bea, gOnB.ID, NewArtefact{Title: "Rota", Body: "Shifts.", EditPolicy: storage.EditAuthors,
		Uploads: []Upload{{Name: "rota.csv", Body: strings.NewReader("MZ\x90\x00\x03\x00\x00\x00")}}})
	if err == nil || len(sentRaw(t, b, g.Inbox)) != 0 {
		t.Fatalf("a program named .csv: %v; want it refused before anything is sent", err)
	}
	rota := "name,shift\nAnn,early\n"
	p, err := b.ProposeArtefact(ctx, bea, gOnB.ID, NewArtefact{Title: "Rota", Body: "Shifts.", EditPolicy: storage.EditAuthors,
		Uploads: []Upload{{Name: "rota.csv", Body: strings.NewReader(rota)}}})
	if err != nil {
		t.Fatal(err)
	}
	sentProposal, ok := activitypub.ArtefactProposalOf([]byte(proposed(t, b, gOnB)))
	files, err := b.store.ProposalFilesOf(ctx, p.ProposalID)
	if !ok || err != nil || len(files) != 1 || len(sentProposal.Files) != 1 ||
		sentProposal.Files[0].URL != b.urls.ProposalFile(files[0].Token) || sentProposal.Files[0].SHA256 != files[0].SHA256 ||
		sentProposal.Files[0].Size != int64(len(rota)) || len(files[0].Token) != 32 {
		t.Fatalf("held %+v (%v); sent %+v", files, err, sentProposal.Files)
	}
	token := files[0].Token

	groupNode := remotePerson(t, b, "instance", "council-a.example")
	otherNode := remotePerson(t, b, "eve", "elsewhere.example")
	readers := []struct {
		name   string
		signer storage.Account
		ok     bool
	}{
		{"nobody signed", storage.Account{}, false},
		{"a member here", bea, false},
		{"an actor of another server", otherNode, false},
		{"the community's node", groupNode, true},
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			f, body, err := b.OpenProposalFile(ctx, r.signer, token)
			if !r.ok {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("err = %v; want not found", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer body.Close()
			got, _ := io.ReadAll(body)
			if string(got) != rota || f.Name != "rota.csv" {
				t.Errorf("served %q as %s", got, f.Name)
			}
		})
	}

	if err := b.store.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.DecideProposal(ctx, p.ProposalID, storage.ProposalAccepted, "", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.OpenProposalFile(ctx, groupNode, token); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after the answer: %v; want not found", err)
	}
	if n, err := b.releaseProposalFiles(ctx); err != nil || n != 0 {
		t.Errorf("released %d (%v) at once; want none until an hour has passed", n, err)
	}
	now = now.Add(proposalFilesAfterAnswer + time.Minute)
	if n, err := b.releaseProposalFiles(ctx); err != nil || n != 1 {
		t.Errorf("released %d (%v) an hour after the answer; want 1", n, err)
	}
	if left := filesIn(t, b.artefactFileDir()); left != 0 {
		t.Errorf("%d files left on disk; want none", left)
	}
}

// filesIn counts the files under dir, temporary ones aside.
func filesIn(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFetchedFileChecked: a file a proposal names is kept only if what
// its member's node serves has the size and SHA-256 named and is a kind
// an artefact may hold; other bytes or another kind is refused for what
// it is, a failed fetch is an error to try again, and nothing refused
// stays on disk.
func TestFetchedFileChecked(t *testing.T) {
	ctx := context.Background()
	rota, program := "name,shift\nAnn,early\n", "MZ\x90\x00\x03\x00\x00\x00 a program"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rota", "/big":
			io.WriteString(w, rota)
		case "/other":
			io.WriteString(w, strings.ToUpper(rota))
		case "/program":
			io.WriteString(w, program)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	e := loopbackEngine(t, Options{MediaDir: t.TempDir()})
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	tests := []struct {
		name    string
		path    string
		file    string // its name
		size    int64
		sha     string
		invalid string // a refusal for what it is
		failed  bool   // a fetch to try again
	}{
		{"the file named", "/rota", "rota.csv", int64(len(rota)), sum(rota), "", false},
		{"other bytes", "/other", "rota.csv", int64(len(rota)), sum(rota), "is not the file your proposal names", false},
		{"a program named .csv", "/program", "rota.csv", int64(len(program)), sum(program), "rota.csv is not a file copse accepts", false},
		{"more bytes than named", "/big", "rota.csv", 5, sum(rota[:5]), "", true},
		{"gone", "/gone", "rota.csv", 10, sum("x"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sf, err := e.fetchProposedFile(ctx, activitypub.ArtefactDocument{URL: srv.URL + tt.path, Name: tt.file, Size: tt.size, SHA256: tt.sha})
			var inv *InvalidError
			switch {
			case tt.invalid != "":
				if !errors.As(err, &inv) || !strings.Contains(inv.Msg, tt.invalid) {
					t.Errorf("err = %v; want a refusal saying %q", err, tt.invalid)
				}
			case tt.failed:
				if err == nil || errors.As(err, &inv) {
					t.Errorf("err = %v; want a failed fetch", err)
				}
			default:
				if err != nil || sf.file.SHA256 != tt.sha || sf.file.Name != "rota.csv" {
					t.Fatalf("stored %+v, %v", sf.file, err)
				}
				e.removeArtefactFiles(ctx, []string{sf.file.StorageName})
			}
			if n := filesIn(t, e.artefactFileDir()); n != 0 {
				t.Errorf("%d files left on disk", n)
			}
		})
	}
}
