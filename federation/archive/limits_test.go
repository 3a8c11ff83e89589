package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strconv"
	"testing"
)

// setVersion rewrites an archive's manifest to claim version v, keeping
// its entries and digests.
func setVersion(t *testing.T, b []byte, v string, extra map[string][]byte) []byte {
	t.Helper()
	return rewrite(t, b, func(n []string, bodies [][]byte) ([]string, [][]byte) {
		m := len(n) - 1
		man := bytes.Replace(bodies[m], []byte(`"version": 2`), []byte(`"version": `+v), 1)
		for name, body := range extra {
			n = append(n[:m:m], name, n[m])
			bodies = append(bodies[:m:m], body, man)
			man = bytes.Replace(man, []byte(`"entries": [`),
				[]byte(`"entries": [{"name":"`+name+`","size":`+strconv.Itoa(len(body))+`,"sha256":"`+sha(body)+`"},`), 1)
			m++
		}
		bodies[m] = man
		return n, bodies
	})
}

// TestReadVersions: a version 1 archive (no glossary, no events) still
// reads; one that lists a version 2 section is refused, as is a version
// from the future.
func TestReadVersions(t *testing.T) {
	good := sample(t)
	if Version != 2 {
		t.Fatalf("this test is written for version 2, the format is %d", Version)
	}
	glossary := []byte("{\"id\":\"http://a.test/glossary/1\",\"versions\":[]}\n")
	tests := []struct {
		name    string
		data    []byte
		wantErr error
	}{
		{"version 1", setVersion(t, good, "1", nil), nil},
		{"version 2 with a glossary", setVersion(t, good, "2", map[string][]byte{GlossaryName: glossary}), nil},
		{"version 1 with a glossary", setVersion(t, good, "1", map[string][]byte{GlossaryName: glossary}), ErrCorrupt},
		{"version 3", setVersion(t, good, "3", nil), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.data), t.TempDir())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// bomb is a gzip stream of a few hundred KiB whose one tar entry
// decompresses to size bytes of zeros.
func bomb(t *testing.T, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: ThreadsName, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(zeros)) {
		if _, err := tw.Write(zeros[:min(left, int64(len(zeros)))]); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// TestReadLimited: a gzip bomb, and an archive of too many entries, are
// refused with ErrTooLarge before their bytes reach the disk.
func TestReadLimited(t *testing.T) {
	good := sample(t)
	tests := []struct {
		name    string
		data    []byte
		lim     Limits
		wantErr error
	}{
		{"within", good, Limits{TotalBytes: 1 << 20, Entries: 10}, nil},
		{"gzip bomb", bomb(t, 256<<20), Limits{TotalBytes: 64 << 20, Entries: 10}, ErrTooLarge},
		{"just over", good, Limits{TotalBytes: int64(len(good)) / 100, Entries: 10}, ErrTooLarge},
		{"too many entries", good, Limits{TotalBytes: 1 << 20, Entries: 2}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := ReadLimited(bytes.NewReader(tt.data), dir, tt.lim)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.name == "gzip bomb" {
				if left, _ := os.ReadDir(dir); len(left) != 0 {
					t.Errorf("the bomb left %d entries in the directory", len(left))
				}
			}
		})
	}
}
