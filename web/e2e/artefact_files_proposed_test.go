package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestFilesFromMembersNode: a member of B adds files to artefacts of a
// community hosted on A, from B. B holds each file and names it in the
// proposal; A fetches it from B (signed; nobody else is served it),
// checks its size and digest, and makes the version with it, which
// reaches B; an edit adds a file and replaces one of the same name. A
// proposal A refuses keeps none of its files on A, and B is told why.
func TestFilesFromMembersNode(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, bea := a.Member("alice", false), b.Member("bea", false)
	groupOnA, groupOnB := wardsOnA(t, a, alice, b, bea)

	rota := "name,shift\nAnn,early\nBo,late\n"
	s, err := b.Engine.SubmitArtefact(ctx, bea, groupOnB.ID, federation.NewArtefact{Title: "Ward rota", Body: "Who covers which shift.",
		EditPolicy: storage.EditAuthors, Uploads: []federation.Upload{{Name: "rota.csv", Body: strings.NewReader(rota)}}})
	if err != nil || s.Pending == nil {
		t.Fatalf("propose with a file from B: %+v, %v", s, err)
	}
	held, err := b.Store.ProposalByID(ctx, s.Pending.ProposalID)
	if err != nil {
		t.Fatal(err)
	}
	var uri string
	testrig.Eventually(t, communityWait, "A fetches the file from B and B gets version 1 with it", func() bool {
		arts, err := a.Store.CommunityArtefacts(ctx, groupOnA.ID, storage.Page{Limit: 10})
		if err != nil || len(arts) != 1 {
			return false
		}
		uri = arts[0].URI
		_, vs := versionsOn(t, b, uri)
		return len(vs) == 1 && len(vs[0].Files) == 1
	})
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	_, vsA := versionsOn(t, a, uri)
	if len(vsA) != 1 || len(vsA[0].Files) != 1 || vsA[0].Files[0].Name != "rota.csv" || vsA[0].Files[0].SHA256 != sum(rota) ||
		vsA[0].Files[0].Size != int64(len(rota)) {
		t.Fatalf("A's version 1: %+v; want rota.csv as bea sent it", vsA)
	}
	onB, vsB := versionsOn(t, b, uri)
	if vsB[0].Files[0].SHA256 != sum(rota) {
		t.Fatalf("B's copy: %+v", vsB)
	}
	testrig.Eventually(t, communityWait, "B's proposal is accepted", func() bool {
		p, err := b.Store.ProposalByID(ctx, held.ID)
		return err == nil && p.State == storage.ProposalAccepted
	})

	// The held file's address serves nobody but A's signed fetch.
	heldFiles, err := b.Store.ProposalFilesOf(ctx, held.ID)
	if err != nil || len(heldFiles) != 1 {
		t.Fatalf("B's held files: %+v, %v", heldFiles, err)
	}
	resp, err := http.Get(b.URL + "/proposal-files/" + heldFiles[0].Token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unsigned fetch of a held file: %d; want 401", resp.StatusCode)
	}

	// An edit adds a file and replaces rota.csv.
	rota2 := "name,shift\nAnn,late\nBo,early\n"
	contacts := "name,phone\nWard 7,1234\n"
	s, err = b.Engine.SubmitArtefactEdit(ctx, bea, onB.ID, federation.ArtefactEdit{BaseVersion: 1, Note: "new rota",
		Uploads: []federation.Upload{{Name: "rota.csv", Body: strings.NewReader(rota2)}, {Name: "contacts.csv", Body: strings.NewReader(contacts)}}})
	if err != nil || s.Pending == nil {
		t.Fatalf("propose an edit with files: %+v, %v", s, err)
	}
	testrig.Eventually(t, communityWait, "version 2 with both files reaches B", func() bool {
		_, vs := versionsOn(t, b, uri)
		return len(vs) == 2 && len(vs[1].Files) == 2
	})
	_, vsB = versionsOn(t, b, uri)
	got := map[string]string{}
	for _, f := range vsB[1].Files {
		got[f.Name] = f.SHA256
	}
	if got["rota.csv"] != sum(rota2) || got["contacts.csv"] != sum(contacts) || vsB[1].Note != "new rota" {
		t.Fatalf("B's version 2: %+v", vsB[1])
	}

	// Only moderators may post now: A refuses bea's next proposal, and
	// keeps none of its file.
	moderatorsOnly := storage.PostingModerators
	if _, err := a.Engine.EditCommunity(ctx, alice, groupOnA.ID, federation.CommunityEdit{PostingPolicy: &moderatorsOnly}); err != nil {
		t.Fatal(err)
	}
	before := filesUnder(t, a)
	s, err = b.Engine.SubmitArtefact(ctx, bea, groupOnB.ID, federation.NewArtefact{Title: "Bed plan", Body: "Beds by bay.",
		EditPolicy: storage.EditAuthors, Uploads: []federation.Upload{{Name: "beds.csv", Body: strings.NewReader("bay,beds\nA,4\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "B is told A refused it", func() bool {
		p, err := b.Store.ProposalByID(ctx, s.Pending.ProposalID)
		return err == nil && p.State == storage.ProposalRefused && strings.Contains(p.Reason, "only moderators")
	})
	if after := filesUnder(t, a); after != before {
		t.Errorf("A keeps %d artefact files after the refusal; want %d", after, before)
	}
}

// filesUnder counts the files (not folders, not temporary ones) under
// n's artefact file folder.
func filesUnder(t *testing.T, n *testrig.Node) int {
	t.Helper()
	count := 0
	err := filepath.WalkDir(filepath.Join(n.Engine.MediaDir(), "artefacts"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			count++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return count
}
