package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// TestOpenRemoteArtefactFile: a file of an artefact of a members-only
// community on another node is fetched for a member from the community's host, signed, and handed
// over only when it is what its version names (size and SHA-256); one on
// another host, one for a reader who did not join, one larger than named and
// one of other bytes are refused; nothing is left in storage afterwards.
func TestOpenRemoteArtefactFile(t *testing.T) {
	ctx := context.Background()
	good := []byte("grade,days\nA,25\n")
	var unsigned int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Signature") == "" {
			unsigned++
		}
		switch r.URL.Path {
		case "/files/good":
			w.Write(good)
		case "/files/other":
			w.Write([]byte("grade,days\nA,99\n")) // same size, other bytes
		case "/files/longer":
			w.Write(append(good, good...))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	media := t.TempDir()
	e := loopbackEngine(t, Options{MediaDir: media})
	bea, carl := member(t, e, "bea"), member(t, e, "carl")
	g := remoteGroup(t, e, srv.URL+"/users/hr", srv.URL+"/users/hr/followers")
	joins(t, e, bea, g)
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	file := func(name, path string, body []byte) storage.VersionFile {
		return storage.VersionFile{Name: name, MediaType: "text/csv", Size: int64(len(body)), SHA256: sum(body), URL: srv.URL + path}
	}
	other := sum([]byte("elsewhere"))
	a := storage.Artefact{CommunityID: g.ID, URI: srv.URL + "/artefacts/1", URL: srv.URL + "/c/hr/artefacts/1", Title: "Leave",
		Version: 2, Licence: storage.LicenceReserved, EditPolicy: storage.EditAuthors}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetRemoteCommunity(ctx, storage.RemoteCommunity{AccountID: g.ID, MembersOnly: true}); err != nil {
			return err
		}
		if err := tx.InsertArtefact(ctx, &a); err != nil {
			return err
		}
		v1 := storage.ArtefactVersion{ArtefactID: a.ID, Number: 1, Title: "Leave", Files: []storage.VersionFile{
			file("old-name.csv", "/files/good", good)}}
		v2 := storage.ArtefactVersion{ArtefactID: a.ID, Number: 2, Title: "Leave", Files: []storage.VersionFile{
			file("leave.csv", "/files/good", good),
			{Name: "tampered.csv", MediaType: "text/csv", Size: int64(len(good)), SHA256: sum([]byte("x")), URL: srv.URL + "/files/other"},
			{Name: "short.csv", MediaType: "text/csv", Size: int64(len(good)), SHA256: sum([]byte("y")), URL: srv.URL + "/files/longer"},
			{Name: "away.csv", MediaType: "text/csv", Size: 9, SHA256: other, URL: "https://evil.example/files/good"},
		}}
		if err := tx.AddArtefactVersion(ctx, &v1); err != nil {
			return err
		}
		return tx.AddArtefactVersion(ctx, &v2)
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.OpenRemoteArtefactFile(ctx, bea, a, sum(good))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f.Body)
	if err != nil || string(got) != string(good) || f.Name != "leave.csv" {
		t.Fatalf("fetched %q as %q (%v); want the file as the newest version names it", got, f.Name, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if unsigned != 0 {
		t.Errorf("%d fetches unsigned", unsigned)
	}
	tests := []struct {
		name   string
		reader storage.Account
		sha    string
		want   error
	}{
		{"a reader who did not join", carl, sum(good), storage.ErrNotFound},
		{"a file no version names", bea, sum([]byte("nothing")), storage.ErrNotFound},
		{"a file on another host", bea, other, storage.ErrNotFound},
		{"other bytes than named", bea, sum([]byte("x")), ErrUpstream},
		{"more bytes than named", bea, sum([]byte("y")), ErrUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := e.OpenRemoteArtefactFile(ctx, tt.reader, a, tt.sha)
			if err == nil {
				f.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("%v; want %v", err, tt.want)
			}
		})
	}
	left, err := os.ReadDir(filepath.Join(media, "artefacts"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, d := range left {
		if strings.HasPrefix(d.Name(), ".fetch-") {
			t.Errorf("left in storage: %s", d.Name())
		}
	}
}

// TestRemoteFileKept: a remote file fetched for one reader is kept, and
// the next reader is served that copy without a fetch (still only a
// reader who may read the artefact); a copy unread for long, or past the
// bound on all copies, is removed, and the next reading fetches it again.
func TestRemoteFileKept(t *testing.T) {
	ctx := context.Background()
	good := []byte("grade,days\nA,25\n")
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Write(good)
	}))
	defer srv.Close()
	now := time.Now()
	e := loopbackEngine(t, Options{MediaDir: t.TempDir(), Now: func() time.Time { return now }})
	bea, carl := member(t, e, "bea"), member(t, e, "carl")
	g := remoteGroup(t, e, srv.URL+"/users/hr", srv.URL+"/users/hr/followers")
	joins(t, e, bea, g)
	joins(t, e, carl, g)
	s := sha256.Sum256(good)
	sha := hex.EncodeToString(s[:])
	a := storage.Artefact{CommunityID: g.ID, URI: srv.URL + "/artefacts/1", URL: srv.URL + "/c/hr/artefacts/1", Title: "Leave",
		Version: 1, Licence: storage.LicenceReserved, EditPolicy: storage.EditAuthors}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertArtefact(ctx, &a); err != nil {
			return err
		}
		return tx.AddArtefactVersion(ctx, &storage.ArtefactVersion{ArtefactID: a.ID, Number: 1, Title: "Leave", Files: []storage.VersionFile{
			{Name: "leave.csv", MediaType: "text/csv", Size: int64(len(good)), SHA256: sha, URL: srv.URL + "/files/leave.csv"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(who storage.Account) {
		t.Helper()
		f, err := e.OpenRemoteArtefactFile(ctx, who, a, sha)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got, err := io.ReadAll(f.Body); err != nil || string(got) != string(good) {
			t.Fatalf("read %q, %v", got, err)
		}
	}
	read(bea)
	read(carl)
	read(bea)
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for three readings; want 1", n)
	}
	if n, err := e.pruneRemoteCache(ctx, remoteCacheMax); err != nil || n != 0 {
		t.Errorf("pruned %d (%v) of a copy just read", n, err)
	}
	now = now.Add(remoteCacheTTL + time.Hour)
	if n, err := e.pruneRemoteCache(ctx, remoteCacheMax); err != nil || n != 1 {
		t.Errorf("pruned %d (%v) of a copy unread for long; want 1", n, err)
	}
	read(bea)
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches after the copy went; want 2", n)
	}
	if n, err := e.pruneRemoteCache(ctx, int64(len(good))-1); err != nil || n != 1 {
		t.Errorf("pruned %d (%v) past the bound; want the copy gone", n, err)
	}
}
