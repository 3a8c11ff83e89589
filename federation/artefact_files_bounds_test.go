package federation

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
)

// TestSniffZipDirectoryBounded: telling an Office file by its zip
// entries read the whole central directory; a 48 MiB zip of a million
// empty records allocated 277 MB before the upload was refused. Now the
// directory read is bounded (textextract.OpenZip) and the file refused.
func TestSniffZipDirectoryBounded(t *testing.T) {
	const n = 1_100_000
	var b bytes.Buffer
	b.WriteString("PK\x03\x04")
	b.Write(make([]byte, 26))
	off := b.Len()
	rec := make([]byte, 46)
	binary.LittleEndian.PutUint32(rec, 0x02014b50)
	for range n {
		b.Write(rec)
	}
	e := make([]byte, 22)
	binary.LittleEndian.PutUint32(e, 0x06054b50)
	binary.LittleEndian.PutUint16(e[8:], uint16(n%65536))
	binary.LittleEndian.PutUint16(e[10:], uint16(n%65536))
	binary.LittleEndian.PutUint32(e[12:], uint32(b.Len()-off))
	binary.LittleEndian.PutUint32(e[16:], uint32(off))
	b.Write(e)
	z := b.Bytes()

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	mt, err := sniffArtefactFile("report.docx", bytes.NewReader(z), int64(len(z)))
	runtime.ReadMemStats(&m1)
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("%d MiB zip: %d KiB allocated, type %q, err %v", len(z)>>20, alloc>>10, mt, err)
	if err == nil {
		t.Errorf("a zip of %d empty records was taken as %q", n, mt)
	}
	if alloc > 32<<20 {
		t.Errorf("allocated %d MiB, want at most 32", alloc>>20)
	}
}
