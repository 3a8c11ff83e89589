package federation

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// artefactEngine is an engine with a media directory and small file
// limits: 1 KiB per file, 2 KiB per community.
func artefactEngine(t *testing.T) *Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, NewKey: testkit.Keys(),
		MediaDir: t.TempDir(), ArtefactFileLimit: 1 << 10, ArtefactCommunityLimit: 2 << 10})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func strPtr(s string) *string { return &s }

func TestArtefactPermissions(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	mod, author, other, outsider := member(t, e, "mod"), member(t, e, "author"), member(t, e, "other"), member(t, e, "outsider")
	remote := remotePerson(t, e, "rem", "council-b.example")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, author, g)
	joins(t, e, other, g)
	joins(t, e, remote, g)

	create := []struct {
		name string
		who  storage.Account
		ok   bool
	}{
		{"a member", author, true},
		{"a moderator", mod, true},
		{"not a member", outsider, false},
		{"a remote member", remote, false},
	}
	for _, tt := range create {
		t.Run("create by "+tt.name, func(t *testing.T) {
			_, err := e.CreateArtefact(ctx, tt.who, g.ID, NewArtefact{Title: "Retention schedule"})
			if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
		})
	}

	edit := []struct {
		policy string
		who    storage.Account
		ok     bool
	}{
		{storage.EditAuthors, author, true},
		{storage.EditAuthors, mod, true},
		{storage.EditAuthors, other, false},
		{storage.EditMembers, other, true},
		{storage.EditMembers, outsider, false},
		{storage.EditModerators, author, false},
		{storage.EditModerators, mod, true},
	}
	for _, tt := range edit {
		t.Run("edit "+tt.policy+" by "+tt.who.Username, func(t *testing.T) {
			a, err := e.CreateArtefact(ctx, author, g.ID, NewArtefact{Title: "Policy " + tt.policy, EditPolicy: tt.policy})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.EditArtefact(ctx, tt.who, a.ID, ArtefactEdit{BaseVersion: 1, Body: strPtr("changed")})
			if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
		})
	}

	t.Run("invalid input", func(t *testing.T) {
		for _, na := range []NewArtefact{
			{Title: " "},
			{Title: "x", Licence: "GPL-3.0"},
			{Title: "x", EditPolicy: "anyone"},
			{Title: "x", Tags: []string{"not a tag"}},
			{Title: strings.Repeat("x", maxArtefactTitle+1)},
		} {
			var inv *InvalidError
			if _, err := e.CreateArtefact(ctx, author, g.ID, na); !errors.As(err, &inv) {
				t.Errorf("%+v: err = %v; want invalid", na, err)
			}
		}
	})
}

func TestArtefactStaleEditAndRestore(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	g := community(t, e, alice, NewCommunity{Handle: "triage", Name: "Triage"})
	joins(t, e, bob, g)
	a, err := e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Ward triage", Body: "Check the **pulse**.",
		Tags: []string{"Triage", "#triage", "wards"}, EditPolicy: storage.EditMembers, Licence: storage.LicenceOGL})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != 1 || !strings.Contains(a.BodyHTML, "<strong>pulse</strong>") || len(a.Tags) != 2 {
		t.Fatalf("created %+v", a)
	}

	// Alice and Bob both start from version 1.
	if _, err := e.EditArtefact(ctx, alice, a.ID, ArtefactEdit{BaseVersion: 1, Body: strPtr("Check the pulse and breathing."), Note: "breathing"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.EditArtefact(ctx, bob, a.ID, ArtefactEdit{BaseVersion: 1, Title: strPtr("Ward triage routine")})
	var stale *StaleError
	if !errors.As(err, &stale) || stale.Base != 1 || stale.Current != 2 || len(stale.Since) != 1 || stale.Since[0].Note != "breathing" {
		t.Fatalf("stale edit: err = %v (%+v)", err, stale)
	}
	// Bob merges and tries again from version 2.
	got, err := e.EditArtefact(ctx, bob, a.ID, ArtefactEdit{BaseVersion: 2, Title: strPtr("Ward triage routine")})
	if err != nil || got.Version != 3 || got.Title != "Ward triage routine" || got.BodySource != "Check the pulse and breathing." {
		t.Fatalf("edit from 2: %+v, %v", got, err)
	}

	restored, err := e.RestoreArtefactVersion(ctx, alice, a.ID, 3, 1, "")
	if err != nil || restored.Version != 4 || restored.Title != "Ward triage" || restored.BodySource != "Check the **pulse**." {
		t.Fatalf("restore: %+v, %v", restored, err)
	}
	vs, err := e.store.ArtefactVersions(ctx, a.ID, 0, 10)
	if err != nil || len(vs) != 4 || vs[3].Note != "Restored version 1" || vs[1].EditorID != alice.ID || vs[2].EditorID != bob.ID {
		t.Fatalf("versions: %+v, %v", vs, err)
	}
	if _, err := e.RestoreArtefactVersion(ctx, alice, a.ID, 4, 9, ""); err == nil {
		t.Fatal("restored a version that does not exist")
	}
	// An edit or a restore that changes nothing makes no version.
	for name, change := range map[string]func() (storage.Artefact, error){
		"the same title": func() (storage.Artefact, error) {
			return e.EditArtefact(ctx, bob, a.ID, ArtefactEdit{BaseVersion: 4, Title: strPtr("Ward triage"), Note: "again"})
		},
		"restoring the current version's twin": func() (storage.Artefact, error) {
			return e.RestoreArtefactVersion(ctx, bob, a.ID, 4, 1, "")
		},
	} {
		if got, err := change(); err != nil || got.Version != 4 {
			t.Errorf("%s: version %d, %v; want 4 kept", name, got.Version, err)
		}
	}
	if n, err := e.store.ArtefactVersionCount(ctx, a.ID); err != nil || n != 4 {
		t.Errorf("%d versions after edits that change nothing (%v); want 4", n, err)
	}
	var inv *InvalidError
	if _, err := e.EditArtefact(ctx, alice, a.ID, ArtefactEdit{Title: strPtr("no base")}); !errors.As(err, &inv) {
		t.Fatalf("edit without base: %v", err)
	}
	d, _ := DiffArtefactVersions(context.Background(), vs[0], vs[2])
	if !d.Changed() || d.Title[len(d.Title)-1] != (DiffSpan{Op: DiffInsert, Text: " routine"}) {
		t.Fatalf("diff 1..3: %+v", d)
	}
}

// TestArtefactConcurrentEdits: many edits of the same version at once;
// exactly one lands, the others are stale, and no version is lost.
func TestArtefactConcurrentEdits(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "triage", Name: "Triage"})
	a, err := e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Routine"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.EditArtefact(ctx, alice, a.ID, ArtefactEdit{BaseVersion: 1, Body: strPtr(strings.Repeat("x", i+1))})
		}()
	}
	wg.Wait()
	won, stale := 0, 0
	for _, err := range errs {
		var se *StaleError
		switch {
		case err == nil:
			won++
		case errors.As(err, &se):
			stale++
		default:
			t.Fatalf("edit: %v", err)
		}
	}
	if won != 1 || stale != n-1 {
		t.Fatalf("won %d, stale %d", won, stale)
	}
	if vs, err := e.store.ArtefactVersions(ctx, a.ID, 0, 100); err != nil || len(vs) != 2 {
		t.Fatalf("versions %d, %v", len(vs), err)
	}
}

// zipOf builds a zip with the named entries (mimetype first, stored).
func zipOf(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, en := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: en[0], Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(en[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniffArtefactFile(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 64)...)
	docx := zipOf(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"word/document.xml", "<w:document/>"})
	xlsx := zipOf(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"xl/workbook.xml", "<workbook/>"})
	odt := zipOf(t, [2]string{"mimetype", "application/vnd.oasis.opendocument.text"}, [2]string{"content.xml", "<x/>"})
	plainZip := zipOf(t, [2]string{"notes.txt", "hello"})
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	tests := []struct {
		name string
		data []byte
		want string // media type; "" refused
	}{
		{"plan.pdf", pdf, "application/pdf"},
		{"PLAN.PDF", pdf, "application/pdf"},
		{"setup.exe renamed plan.pdf", exe, ""},
		{"plan.pdf named plan.docx", pdf, ""},
		{"chart.png", png, "image/png"},
		{"chart.png named chart.jpg", png, ""},
		{"budget.csv", []byte("year,spend\n2025,100\n2026,120\n"), "text/csv; charset=utf-8"},
		{"binary named data.csv", append([]byte("a,b\n"), 0, 1, 2), ""},
		{"report.docx", docx, kindDOCX.mediaType},
		{"sheet.xlsx", xlsx, kindXLSX.mediaType},
		{"sheet.xlsx named sheet.docx", xlsx, ""},
		{"minutes.odt", odt, kindODT.mediaType},
		{"archive named report.docx", plainZip, ""},
		{"old.doc", ole, "application/msword"},
		{"old.xls", ole, "application/vnd.ms-excel"},
		{"script.html named page.pdf", []byte("<html><script>alert(1)</script></html>"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.name
			if i := strings.LastIndex(name, " "); i >= 0 {
				name = name[i+1:]
			}
			got, err := sniffArtefactFile(name, bytes.NewReader(tt.data), int64(len(tt.data)))
			var inv *InvalidError
			if tt.want == "" {
				if !errors.As(err, &inv) {
					t.Fatalf("got %q, %v; want refused", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestArtefactFiles(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "triage", Name: "Triage"})
	a, err := e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Routine"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := func(fill byte, n int) []byte {
		return append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{fill}, n)...)
	}
	steps := []struct {
		name    string
		file    string
		data    []byte
		base    int
		version int // the artefact's version after; 0: refused
		files   int
	}{
		{"a pdf", "plan.pdf", pdf('a', 600), 1, 2, 1},
		{"the same name replaces", "plan.pdf", pdf('b', 600), 2, 3, 1},
		{"another name adds", "annex.pdf", pdf('c', 600), 3, 4, 2},
		{"over the file limit", "big.pdf", pdf('d', 1100), 4, 0, 2},
		{"an exe named pdf", "tool.pdf", append([]byte("MZ"), make([]byte, 100)...), 4, 0, 2},
		{"over the community limit", "more.pdf", pdf('e', 1000), 4, 0, 2},
		{"stale base", "late.pdf", pdf('f', 10), 2, 0, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, f, err := e.AddArtefactFile(ctx, alice, a.ID, st.base, st.file, bytes.NewReader(st.data), "")
			if st.version == 0 {
				if err == nil {
					t.Fatalf("stored %+v", f)
				}
			} else if err != nil || got.Version != st.version {
				t.Fatalf("version %d, err %v", got.Version, err)
			}
			cur, err := e.store.ArtefactByID(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			v, err := e.store.ArtefactVersion(ctx, a.ID, cur.Version)
			if err != nil || len(v.Files) != st.files {
				t.Fatalf("files of version %d: %+v, %v", cur.Version, v.Files, err)
			}
		})
	}
	// Nothing refused was left on disk: three files, each stored once.
	var stored int
	filepath.WalkDir(e.artefactFileDir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			stored++
		}
		return err
	})
	if stored != 3 {
		t.Fatalf("%d files on disk; want 3", stored)
	}
	v2, _ := e.store.ArtefactVersion(ctx, a.ID, 2)
	v4, _ := e.store.ArtefactVersion(ctx, a.ID, 4)
	d, _ := DiffArtefactVersions(context.Background(), v2, v4)
	if len(d.Files) != 2 || d.Files[0].Change != "replaced" || d.Files[1].Change != "added" || d.Files[1].Name != "annex.pdf" {
		t.Fatalf("file diff: %+v", d.Files)
	}
	// Removing a file is an edit that leaves it out.
	keep := []storage.ID{v4.Files[1].FileID}
	got, err := e.EditArtefact(ctx, alice, a.ID, ArtefactEdit{BaseVersion: 4, Files: &keep})
	if err != nil || got.Version != 5 {
		t.Fatalf("remove file: %v", err)
	}
	v5, _ := e.store.ArtefactVersion(ctx, a.ID, 5)
	if d, _ := DiffArtefactVersions(context.Background(), v4, v5); len(d.Files) != 1 || d.Files[0].Change != "removed" || d.Files[0].Name != "plan.pdf" {
		t.Fatalf("file diff 4..5: %+v", d.Files)
	}
	f, err := e.store.ArtefactFile(ctx, v4.Files[0].FileID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.ArtefactFilePath(f)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(p); err != nil || !bytes.Equal(data, pdf('b', 600)) {
		t.Fatalf("stored file: %v", err)
	}
}

func TestDiffWords(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []DiffSpan
	}{
		{"same", "a b", "a b", []DiffSpan{{DiffEqual, "a b"}}},
		{"empty", "", "", []DiffSpan{}},
		{"a word changed", "check the pulse", "check the breathing",
			[]DiffSpan{{DiffEqual, "check the "}, {DiffDelete, "pulse"}, {DiffInsert, "breathing"}}},
		{"a word added", "check pulse", "check the pulse",
			[]DiffSpan{{DiffEqual, "check "}, {DiffInsert, "the "}, {DiffEqual, "pulse"}}},
		{"whole words, not letters", "records", "recording", []DiffSpan{{DiffDelete, "records"}, {DiffInsert, "recording"}}},
		{"from nothing", "", "new text", []DiffSpan{{DiffInsert, "new text"}}},
		{"non-ASCII", "café ouvert", "café fermé", []DiffSpan{{DiffEqual, "café "}, {DiffDelete, "ouvert"}, {DiffInsert, "fermé"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DiffWords(tt.a, tt.b)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v; want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %+v; want %+v", got, tt.want)
				}
			}
		})
	}
}

func TestTokenRunes(t *testing.T) {
	for _, i := range []int{0, 1, 0xD7FE, 0xD7FF, 0xD800, 0xE000, 200000} {
		r := tokenRune(i)
		if r >= 0xD800 && r < 0xE000 || runeToken(r) != i || []rune(string(r))[0] != r {
			t.Fatalf("token %d: rune %x back %d", i, r, runeToken(r))
		}
	}
}

// BenchmarkDiffWords100KB diffs two 100 KB versions that differ in a
// few places (issue 13: under 20 ms).
func BenchmarkDiffWords100KB(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 100<<10; i++ {
		sb.WriteString("The routine checks pulse, breathing and response of patient ")
		sb.WriteString(strings.Repeat("x", i%7))
		sb.WriteString(". ")
	}
	a := sb.String()
	c := strings.Replace(a, "breathing", "airway", 30)
	c = strings.Replace(c, "patient x", "person", 20)
	b.ResetTimer()
	for b.Loop() {
		DiffWords(a, c)
	}
}

// TestRemoteMembersOnlyArtefactsStayWithMembers: on a node that follows
// a members-only community hosted elsewhere, its artefacts (and so its
// glossary and events, which ask the same rule) are readable by the
// members here and by nobody else: the rule is the community's, not
// "remote means public".
func TestRemoteMembersOnlyArtefactsStayWithMembers(t *testing.T) {
	e := artefactEngine(t)
	ctx := context.Background()
	memberHere, stranger := member(t, e, "memberhere"), member(t, e, "stranger")
	g := remotePerson(t, e, "closed", "council-b.example")
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: memberHere.ID, TargetID: g.ID}); err != nil {
			return err
		}
		return tx.SetRemoteCommunity(ctx, storage.RemoteCommunity{AccountID: g.ID, MembersOnly: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	a := storage.Artefact{CommunityID: g.ID, URI: "https://council-b.example/artefacts/1"}
	for _, tt := range []struct {
		name   string
		viewer storage.Account
		want   bool
	}{
		{"a member here", memberHere, true},
		{"a member of this node who is not in it", stranger, false},
		{"nobody signed in", storage.Account{}, false},
	} {
		got, err := e.ArtefactReadable(ctx, tt.viewer, a)
		if err != nil || got != tt.want {
			t.Errorf("%s: ArtefactReadable = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestDiffWaitsForASlot: with every diff slot taken (long diffs under
// way), a diff waits, and gives up with the request's end instead of
// taking another core; once a slot is free it is made.
func TestDiffWaitsForASlot(t *testing.T) {
	from := storage.ArtefactVersion{Number: 1, Title: "Ward triage", BodySource: "Check the pulse."}
	to := storage.ArtefactVersion{Number: 2, Title: "Ward triage", BodySource: "Check the pulse and breathing."}
	for range cap(diffSlots) {
		diffSlots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := DiffArtefactVersions(ctx, from, to)
	for range cap(diffSlots) {
		<-diffSlots
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a diff with no slot free: %v; want the request's deadline", err)
	}
	d, err := DiffArtefactVersions(context.Background(), from, to)
	if err != nil || !d.Changed() {
		t.Errorf("a diff with a slot free: %+v, %v; want the change", d, err)
	}
}
