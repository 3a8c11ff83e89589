package textextract

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pdfObj is one PDF object: a dictionary, and stream data deflated into
// it when stream is set.
type pdfObj struct {
	dict   string
	stream []byte
}

// deflated compresses data the way a FlateDecode stream holds it.
func deflated(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return b.Bytes()
}

// pdfWithObjects writes objects 1..n with a correct xref table; trailer is added
// to the trailer dictionary (after /Root 1 0 R).
func pdfWithObjects(t testing.TB, trailer string, objs ...pdfObj) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		if o.stream == nil {
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o.dict)
			continue
		}
		z := deflated(t, o.stream)
		fmt.Fprintf(&b, "%d 0 obj\n<< %s /Length %d /Filter /FlateDecode >>\nstream\n", i+1, o.dict, len(z))
		b.Write(z)
		b.WriteString("\nendstream\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, xref)
	return b.Bytes()
}

// onePagePDF is a one-page PDF whose page shows content in font F1,
// which is font.
func onePagePDF(t testing.TB, content []byte, font pdfObj, extra ...pdfObj) []byte {
	objs := []pdfObj{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{dict: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"},
		{dict: "", stream: content},
		font,
	}
	return pdfWithObjects(t, "", append(objs, extra...)...)
}

var Helvetica = pdfObj{dict: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"}

// Measure runs f and returns the bytes it allocated and how long it
// took.
func Measure(f func()) (uint64, time.Duration) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	f()
	took := time.Since(start)
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc, took
}

// RawZip is a zip of n empty central-directory records: 46 bytes each,
// so a 50 MiB upload holds over a million.
func RawZip(n int) []byte {
	var b bytes.Buffer
	b.WriteString("PK\x03\x04")
	b.Write(make([]byte, 26))
	off := b.Len()
	rec := make([]byte, 46)
	binary.LittleEndian.PutUint32(rec, 0x02014b50)
	for range n {
		b.Write(rec)
	}
	size := b.Len() - off
	e := make([]byte, 22)
	binary.LittleEndian.PutUint32(e, 0x06054b50)
	binary.LittleEndian.PutUint16(e[8:], uint16(n))
	binary.LittleEndian.PutUint16(e[10:], uint16(n))
	binary.LittleEndian.PutUint32(e[12:], uint32(size))
	binary.LittleEndian.PutUint32(e[16:], uint32(off))
	b.Write(e)
	return b.Bytes()
}

// TestZipDirectoryBounded: a 48 MiB zip of a million directory records
// allocated 277 MB (archive/zip keeps each); it is refused with
// ErrTooLarge after reading maxDirectory bytes of it.
func TestZipDirectoryBounded(t *testing.T) {
	z := RawZip(1_100_000)
	var err error
	alloc, took := Measure(func() { _, err = Text(z, DOCX) })
	t.Logf("%d MiB zip of %d records: %d KiB allocated in %v, err %v", len(z)>>20, 1_100_000, alloc>>10, took, err)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	if alloc > 32<<20 {
		t.Errorf("allocated %d MiB, want at most 32", alloc>>20)
	}
}

// TestPDFNumbersBounded: numbers the PDF reader allocates by refuse a
// file before it is read. Before, a 1 KiB file whose xref subsection
// starts at 2^24 allocated 512 MiB; at 2^30 it asks for 32 GiB at once,
// and the process dies (no recover catches running out of memory).
func TestPDFNumbersBounded(t *testing.T) {
	page := func(trailer string, extra ...pdfObj) []byte {
		objs := []pdfObj{
			{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
			{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
			{dict: "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>"},
			{dict: "", stream: []byte("BT (hello) Tj ET")},
		}
		return pdfWithObjects(t, trailer, append(objs, extra...)...)
	}
	good := page("")
	tests := []struct {
		name string
		file []byte
	}{
		{"trailer /Size", bytes.Replace(good, []byte("/Size 5"), []byte("/Size 1073741824"), 1)},
		{"escaped /Size name", bytes.Replace(good, []byte("/Size 5"), []byte("/Si#7Ae 0001073741824"), 1)},
		{"xref subsection start", bytes.Replace(good, []byte("xref\n0 5\n"), []byte("xref\n0 1\n0000000000 65535 f \n1073741824 4\n"), 1)},
		{"xref stream /W", page("", pdfObj{dict: "<< /Type /XRef /Size 2 /W [1 2000000000 1] >>"})},
		{"xref stream /Index", page("", pdfObj{dict: "<< /Type /XRef /Size 2 /W [1 2 1] /Index [1073741824 1] >>"})},
		{"predictor /Columns", page("", pdfObj{dict: "<< /DecodeParms << /Predictor 12 /Columns 4294967296 >> >>"})},
		{"/Columns by reference", page("", pdfObj{dict: "<< /DecodeParms << /Predictor 12 /Columns 6 0 R >> >>"})},
		{"/DecodeParms by reference", page("", pdfObj{dict: "<< /DecodeParms 6 0 R >>"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			alloc, _ := Measure(func() { _, err = Text(tt.file, PDF) })
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("err = %v, want ErrTooLarge", err)
			}
			if alloc > 1<<20 {
				t.Errorf("allocated %d KiB", alloc>>10)
			}
		})
	}
	if text, err := Text(good, PDF); err != nil || text != "hello" {
		t.Errorf("good file: %q, %v", text, err)
	}
}

// TestPDFContentBomb: a page whose content inflates past
// maxPageContent is skipped after inflating that much. Before, 16 MiB
// of operands (a 16 KiB file) allocated 1.5 GB, 755 MiB in use at once,
// for 9 s; 32 MiB of strings allocated 204 MB. A 50 MiB file inflates
// a thousand times more.
func TestPDFContentBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("deflates 512 MiB")
	}
	tests := []struct {
		name    string
		content []byte
	}{
		{"strings", bytes.Repeat([]byte("(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa) Tj\n"), (256<<20)/36)},
		{"operands", bytes.Repeat([]byte("1 "), 128<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := onePagePDF(t, tt.content, Helvetica)
			var text string
			var err error
			alloc, took := Measure(func() { text, err = Text(file, PDF) })
			t.Logf("%d KiB file: %d KiB allocated in %v, %d bytes of text, err %v", len(file)>>10, alloc>>10, took, len(text), err)
			if alloc > 16<<20 {
				t.Errorf("allocated %d MiB, want at most 16", alloc>>20)
			}
		})
	}
}

// TestPDFMapAmplified: a ToUnicode map turning one byte into 2,000
// characters, shown 1 MiB times, made 2 G characters in one piece (16
// KiB of codes already allocated 1.4 GB); now the text stops at MaxText
// having decoded a few chunks.
func TestPDFMapAmplified(t *testing.T) {
	long := strings.Repeat("0041", 2000)
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange <00> <FF> endcodespacerange\n" +
		"1 beginbfchar <01> <" + long + "> endbfchar\nendcmap end end\n"
	font := pdfObj{dict: "<< /Type /Font /Subtype /Type1 /BaseFont /X /ToUnicode 6 0 R >>"}
	content := "BT /F1 12 Tf <" + strings.Repeat("01", 1<<20) + "> Tj ET"
	file := onePagePDF(t, []byte(content), font, pdfObj{dict: "", stream: []byte(cmap)})
	var text string
	var err error
	alloc, took := Measure(func() { text, err = Text(file, PDF) })
	t.Logf("%d KiB allocated in %v, %d bytes of text, err %v", alloc>>10, took, len(text), err)
	if err != nil || len(text) != MaxText || !strings.HasPrefix(text, "AAAA") {
		t.Errorf("text of %d bytes (%.10q), err %v; want MaxText of A", len(text), text, err)
	}
	// Decode allocates about 60 bytes for each byte it gives here, in
	// chunks of a few MiB at most; what it gives stops at MaxText.
	if alloc > 128<<20 {
		t.Errorf("allocated %d MiB, want at most 128", alloc>>20)
	}
}

// TestPDFStopsWithContext: a page tree whose node is its own kid
// looped for ever in the reader's Page; extraction stops when the
// caller's context ends (and after MaxTime without one).
func TestPDFStopsWithContext(t *testing.T) {
	file := pdfWithObjects(t, "",
		pdfObj{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		pdfObj{dict: "<< /Type /Pages /Kids [2 0 R] /Count 5 >>"},
	)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := TextAtContext(ctx, bytes.NewReader(file), int64(len(file)), PDF)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTooLarge) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want ErrTooLarge and the deadline", err)
		}
		t.Logf("stopped after %v", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("still reading a cyclic page tree after 5 s")
	}
}
