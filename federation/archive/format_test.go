package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sample writes a small archive: community.json, a section of two
// lines and one file.
func sample(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, t.TempDir(), testNow)
	if err := w.AddJSON(CommunityName, map[string]string{"name": "Data"}); err != nil {
		t.Fatal(err)
	}
	s, err := w.Section(ThreadsName)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"first", "second"} {
		if err := s.Write(map[string]string{"content": line}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	file := []byte("a,b\n1,2\n")
	if err := w.Add(FileName(sha(file)), int64(len(file)), bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(Manifest{Node: "http://a.test", Community: "http://a.test/users/data", Handle: "data"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	a, err := Read(bytes.NewReader(sample(t)), t.TempDir())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	m := a.Manifest
	if m.Format != Format || m.Version != Version || m.Handle != "data" || !m.CreatedAt.Equal(testNow) {
		t.Errorf("manifest = %+v", m)
	}
	if m.Counts[ThreadsName] != 2 {
		t.Errorf("counts = %v, want 2 threads", m.Counts)
	}
	if len(m.Entries) != 3 {
		t.Errorf("entries = %v, want 3", m.Entries)
	}
	var c map[string]string
	if err := a.ReadJSON(CommunityName, &c); err != nil || c["name"] != "Data" {
		t.Errorf("community = %v, %v", c, err)
	}
	var lines []string
	err = a.Lines(ThreadsName, func(b []byte) error {
		var v map[string]string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		lines = append(lines, v["content"])
		return nil
	})
	if err != nil || strings.Join(lines, ",") != "first,second" {
		t.Errorf("lines = %v, %v", lines, err)
	}
	files := a.Files()
	if len(files) != 1 || files[0] != sha([]byte("a,b\n1,2\n")) {
		t.Fatalf("files = %v", files)
	}
	got, err := os.ReadFile(a.Path(FileName(files[0])))
	if err != nil || string(got) != "a,b\n1,2\n" {
		t.Errorf("file = %q, %v", got, err)
	}
	if err := a.Lines(MembersName, func([]byte) error { return errors.New("no lines expected") }); err != nil {
		t.Errorf("absent section: %v", err)
	}
}

// entries reads an archive's entries in order.
func entries(t *testing.T, b []byte) (names []string, bodies [][]byte) {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, bodies
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		names, bodies = append(names, h.Name), append(bodies, body)
	}
}

// rewrite builds an archive from entries, changed by edit.
func rewrite(t *testing.T, b []byte, edit func(names []string, bodies [][]byte) ([]string, [][]byte)) []byte {
	t.Helper()
	names, bodies := edit(entries(t, b))
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for i, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(bodies[i])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(bodies[i])
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestReadRefusesCorrupt(t *testing.T) {
	good := sample(t)
	index := func(names []string, name string) int {
		for i, n := range names {
			if n == name {
				return i
			}
		}
		t.Fatalf("no %s in %v", name, names)
		return -1
	}
	tests := []struct {
		name string
		data func() []byte
	}{
		{"not gzip", func() []byte { return []byte("hello") }},
		{"truncated", func() []byte { return good[:len(good)/2] }},
		{"section changed", func() []byte {
			return rewrite(t, good, func(n []string, b [][]byte) ([]string, [][]byte) {
				i := index(n, ThreadsName)
				b[i] = bytes.Replace(b[i], []byte("first"), []byte("forst"), 1)
				return n, b
			})
		}},
		{"file changed", func() []byte {
			return rewrite(t, good, func(n []string, b [][]byte) ([]string, [][]byte) {
				i := index(n, FileName(sha([]byte("a,b\n1,2\n"))))
				b[i] = []byte("a,b\n1,3\n")
				return n, b
			})
		}},
		{"entry missing", func() []byte {
			return rewrite(t, good, func(n []string, b [][]byte) ([]string, [][]byte) {
				i := index(n, ThreadsName)
				return append(n[:i:i], n[i+1:]...), append(b[:i:i], b[i+1:]...)
			})
		}},
		{"no manifest", func() []byte {
			return rewrite(t, good, func(n []string, b [][]byte) ([]string, [][]byte) {
				return n[:len(n)-1], b[:len(b)-1]
			})
		}},
		{"unknown entry", func() []byte {
			return rewrite(t, good, func(n []string, b [][]byte) ([]string, [][]byte) {
				return append([]string{"../escape"}, n...), append([][]byte{[]byte("x")}, b...)
			})
		}},
		{"unlisted entry", func() []byte {
			return rewrite(t, good, func(n []string, b [][]byte) ([]string, [][]byte) {
				return append([]string{MembersName}, n...), append([][]byte{[]byte("{}\n")}, b...)
			})
		}},
		{"other format", func() []byte {
			return rewrite(t, good, func(n []string, b [][]byte) ([]string, [][]byte) {
				i := index(n, ManifestName)
				b[i] = bytes.Replace(b[i], []byte(Format), []byte("other"), 1)
				return n, b
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.data()), t.TempDir())
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestAddRefusesMislabelledFile: a file whose bytes do not hash to its
// entry name is refused when written, not left for the reader to find.
func TestAddRefusesMislabelledFile(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, t.TempDir(), testNow)
	body := []byte("changed on disk")
	if err := w.Add(FileName(sha([]byte("as uploaded"))), int64(len(body)), bytes.NewReader(body)); err == nil {
		t.Fatal("a file under another digest's name was added")
	}
	if err := w.Add(FileName(sha(body)), int64(len(body)), bytes.NewReader(body[:4])); err == nil {
		t.Fatal("a short file was added")
	}
}
