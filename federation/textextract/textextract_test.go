package textextract

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// buildZip makes a zip of the given entries, in order.
func buildZip(t testing.TB, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// buildPDF writes a one-page PDF showing text in Helvetica, with a
// correct cross-reference table.
func buildPDF(text string) []byte {
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

const docxXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Safeguarding</w:t></w:r><w:r><w:t xml:space="preserve"> adults policy</w:t></w:r></w:p>
<w:p><w:r><w:delText>withdrawn wording</w:delText></w:r><w:r><w:t>Café &amp; community</w:t></w:r></w:p>
</w:body></w:document>`

const odtXML = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:body><office:text><text:h>Winter<text:s/>gritting</text:h><text:p>Routes for the county</text:p></office:text></office:body>
</office:document-content>`

func TestText(t *testing.T) {
	tests := []struct {
		name      string
		mediaType string
		file      []byte
		want      string
		wantErr   bool
	}{
		{"docx", DOCX, buildZip(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"word/document.xml", docxXML},
			[2]string{"word/styles.xml", "<w:styles><w:t>not text</w:t></w:styles>"}),
			"Safeguarding adults policy\nCafé & community", false},
		{"odt with parameter", ODT + "; charset=binary", buildZip(t, [2]string{"mimetype", ODT}, [2]string{"content.xml", odtXML},
			[2]string{"styles.xml", "<x>styles</x>"}), "Winter gritting\nRoutes for the county", false},
		{"pptx slides in number order", PPTX, buildZip(t,
			[2]string{"ppt/slides/slide10.xml", "<p:sld><a:p><a:t>ten</a:t></a:p></p:sld>"},
			[2]string{"ppt/slides/slide2.xml", "<p:sld><a:p><a:t>two</a:t></a:p></p:sld>"},
			[2]string{"ppt/slides/_rels/slide2.xml.rels", "<r>rels</r>"},
			[2]string{"ppt/notesSlides/notesSlide1.xml", "<n><a:t>notes</a:t></n>"}), "two\nten", false},
		{"xlsx shared strings", XLSX, buildZip(t, [2]string{"xl/sharedStrings.xml",
			`<sst><si><t>Budget</t></si><si><r><t>Fire</t></r><r><t> service</t></r></si></sst>`}), "Budget\nFire service", false},
		{"ods", ODS, buildZip(t, [2]string{"content.xml", `<o><table:table-row><table:table-cell><text:p>A1</text:p></table:table-cell><table:table-cell><text:p>B1</text:p></table:table-cell></table:table-row></o>`}), "A1\nB1", false},
		{"odp", ODP, buildZip(t, [2]string{"content.xml", `<o><draw:page><text:p>Slide words</text:p></draw:page></o>`}), "Slide words", false},
		{"pdf", PDF, buildPDF("Highways maintenance plan"), "Highways maintenance plan", false},
		{"not read: csv", "text/csv; charset=utf-8", []byte("a,b\n1,2\n"), "", false},
		{"not read: image", "image/png", []byte("\x89PNG"), "", false},
		{"docx not a zip", DOCX, []byte("plain bytes"), "", true},
		{"pdf garbage", PDF, []byte("%PDF-1.4\ngarbage"), "", true},
		{"bad xml keeps what came before", DOCX, buildZip(t, [2]string{"word/document.xml", "<w:p><w:t>kept</w:t></w:p><w:p"}), "kept", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Text(tt.file, tt.mediaType)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Text err = %v; want error %v", err, tt.wantErr)
			}
			if strings.TrimSpace(got) != tt.want {
				t.Errorf("Text = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestTextBounds(t *testing.T) {
	t.Run("text out at most MaxText", func(t *testing.T) {
		para := "<w:p><w:t>" + strings.Repeat("word ", 1000) + "</w:t></w:p>"
		doc := "<w:document>" + strings.Repeat(para, 300) + "</w:document>" // about 1.5 MB of text
		got, err := Text(buildZip(t, [2]string{"word/document.xml", doc}), DOCX)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > MaxText || len(got) < MaxText-10 {
			t.Errorf("len(Text) = %d; want at most and close to %d", len(got), MaxText)
		}
	})
	t.Run("inflation at most MaxInflated", func(t *testing.T) {
		// A highly compressible entry (tags only, no text) larger than
		// the budget: reading stops at the budget with ErrTooLarge.
		doc := "<w:document>" + strings.Repeat("<w:x/>", (MaxInflated/6)+1000) + "</w:document>"
		z := buildZip(t, [2]string{"word/document.xml", doc})
		if len(z) > MaxInflated/10 {
			t.Fatalf("zip is %d bytes; the test needs a compressible one", len(z))
		}
		_, err := Text(z, DOCX)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("Text err = %v; want ErrTooLarge", err)
		}
	})
}

func TestSupported(t *testing.T) {
	for mt, want := range map[string]bool{PDF: true, "Application/PDF": true, DOCX: true, ODP: true, "text/csv": false, "image/png": false} {
		if got := Supported(mt); got != want {
			t.Errorf("Supported(%q) = %v; want %v", mt, got, want)
		}
	}
}

func FuzzText(f *testing.F) {
	f.Add(buildPDF("seed text"), 0)
	f.Add(buildZip(f, [2]string{"word/document.xml", docxXML}), 1)
	f.Add(buildZip(f, [2]string{"content.xml", odtXML}), 2)
	f.Add(buildZip(f, [2]string{"ppt/slides/slide1.xml", "<a:t>x</a:t>"}), 3)
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj trailer << /Root 1 0 R >>"), 0)
	types := []string{PDF, DOCX, ODT, PPTX, XLSX}
	f.Fuzz(func(t *testing.T, b []byte, kind int) {
		mt := types[uint(kind)%uint(len(types))]
		got, _ := Text(b, mt)
		if len(got) > MaxText {
			t.Fatalf("Text gave %d bytes", len(got))
		}
	})
}
