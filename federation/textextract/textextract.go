// Package textextract takes the plain text out of the files a community
// attaches to its artefacts, for the library's full-text search: PDF
// (github.com/ledongthuc/pdf), and the text nodes of Office Open XML
// (.docx, .xlsx, .pptx) and OpenDocument (.odt, .ods, .odp) files, read
// with archive/zip and encoding/xml. Other kinds (images, CSV, Office
// 97-2003) give no text.
//
// Text is bounded whatever the bytes hold: at most MaxText bytes of
// text come out, at most MaxInflated bytes are decompressed from a zip's
// entries and maxDirectory read of its directory, at most maxPages pages
// of a PDF are read, each page's content and font maps are bounded
// decompressed, a PDF whose tables would be sized past maxPDFObjects is
// refused, and everything stops after MaxTime (bounds.go). A hostile
// file gives an error or less text, never a panic.
package textextract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of one extraction.
const (
	// MaxText is the most text, in bytes, one file gives.
	MaxText = 1 << 20
	// MaxInflated is the most bytes decompressed from a zip's entries.
	MaxInflated = 32 << 20
	// maxPages is the most PDF pages read.
	maxPages = 2000
	// maxEntries is the most zip entries (slides) read.
	maxEntries = 2000
)

// Media types Text reads.
const (
	PDF  = "application/pdf"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	ODT  = "application/vnd.oasis.opendocument.text"
	ODS  = "application/vnd.oasis.opendocument.spreadsheet"
	ODP  = "application/vnd.oasis.opendocument.presentation"
)

// ErrTooLarge is returned (wrapped) when a zip's entries would inflate
// past MaxInflated; the text read until then is returned with it.
var ErrTooLarge = errors.New("file inflates past the extraction limit")

// Supported reports whether Text reads files of mediaType.
func Supported(mediaType string) bool {
	return slices.Contains([]string{PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP}, baseType(mediaType))
}

// Text returns the plain text of a file of mediaType held in b: words
// separated by single spaces or newlines, at most MaxText bytes, cut at
// a rune boundary. A type it does not read gives "" and no error. On an
// error it returns what it read before it (maybe "").
func Text(b []byte, mediaType string) (string, error) {
	return TextAt(bytes.NewReader(b), int64(len(b)), mediaType)
}

// TextAt is Text for a file of size bytes read from r (a stored file),
// so a large file is read piece by piece rather than held whole. It
// stops after MaxTime.
func TextAt(r io.ReaderAt, size int64, mediaType string) (string, error) {
	return TextAtContext(context.Background(), r, size, mediaType)
}

// TextAtContext is TextAt stopped when ctx ends (the request that
// uploaded the file), or after MaxTime, whichever comes first: it
// returns what it read until then, with an error wrapping ErrTooLarge.
func TextAtContext(ctx context.Context, r io.ReaderAt, size int64, mediaType string) (text string, err error) {
	ctx, cancel := context.WithTimeout(ctx, MaxTime)
	defer cancel()
	out := &limited{}
	defer func() {
		// The PDF reader recovers most of its own panics, not all; a
		// hostile file must not take the node down.
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("extract %s: malformed file: %v", baseType(mediaType), r)
			if ctx.Err() != nil { // the reader panics on the guard's error
				text, err = out.String(), fmt.Errorf("extract %s: %w: %w", baseType(mediaType), ErrTooLarge, ctx.Err())
			}
		}
	}()
	g := &guardedReader{r: r, ctx: ctx}
	mt := baseType(mediaType)
	switch mt {
	case PDF:
		err = pdfText(ctx, g, size, out)
	case DOCX:
		err = zipText(g, size, out, func(name string) bool { return name == "word/document.xml" })
	case XLSX:
		err = zipText(g, size, out, func(name string) bool { return name == "xl/sharedStrings.xml" })
	case PPTX:
		err = zipText(g, size, out, func(name string) bool {
			dir, file := path.Split(name)
			return dir == "ppt/slides/" && strings.HasPrefix(file, "slide") && strings.HasSuffix(file, ".xml")
		})
	case ODT, ODS, ODP:
		err = zipText(g, size, out, func(name string) bool { return name == "content.xml" })
	default:
		return "", nil
	}
	if err != nil {
		err = fmt.Errorf("extract %s: %w", mt, err)
	}
	return out.String(), err
}

func baseType(mediaType string) string {
	mt, _, _ := strings.Cut(mediaType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// limited gathers text up to MaxText bytes, folding runs of white space
// (and control characters) into one space, or one newline when a run
// holds one.
type limited struct {
	b       strings.Builder
	pending byte // ' ' or '\n' to write before the next word
	full    bool
}

func (l *limited) String() string { return l.b.String() }

// write adds text; it reports false once the limit is reached.
func (l *limited) write(s string) bool {
	for _, r := range s {
		if l.full {
			return false
		}
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			if r == '\n' || l.pending == '\n' {
				l.pending = '\n'
			} else {
				l.pending = ' '
			}
			continue
		}
		if l.pending != 0 && l.b.Len() > 0 {
			if l.b.Len()+1 > MaxText {
				l.full = true
				return false
			}
			l.b.WriteByte(l.pending)
		}
		l.pending = 0
		if l.b.Len()+utf8.RuneLen(r) > MaxText {
			l.full = true
			return false
		}
		l.b.WriteRune(r)
	}
	return !l.full
}

// brk ends a paragraph, cell or slide.
func (l *limited) brk() { l.pending = '\n' }

// zipText writes the text nodes of the zip entries want accepts, in the
// zip's order (slides by number), reading at most MaxInflated bytes.
func zipText(g *guardedReader, size int64, out *limited, want func(string) bool) error {
	zr, err := openZip(g, size)
	if err != nil {
		return fmt.Errorf("read zip: %w", err)
	}
	var files []*zip.File
	for _, f := range zr.File {
		if want(f.Name) {
			files = append(files, f)
		}
		if len(files) == maxEntries {
			break
		}
	}
	slices.SortStableFunc(files, func(a, b *zip.File) int { return naturalCompare(a.Name, b.Name) })
	budget := &budgetReader{left: MaxInflated}
	for _, f := range files {
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("open %s: %w", f.Name, err)
		}
		budget.r = rc
		full, err := xmlText(budget, out)
		rc.Close()
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Name, err)
		}
		if full {
			return nil
		}
		out.brk()
	}
	return nil
}

// budgetReader reads from r until left bytes have been read in all.
type budgetReader struct {
	r    io.Reader
	left int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// paragraphs are the elements after which text breaks a line: Word and
// OpenDocument paragraphs, table cells and rows, slides' paragraphs and
// spreadsheet strings.
var paragraphs = []string{"p", "h", "tc", "tr", "si", "table-cell", "table-row", "list-item", "br", "line-break"}

// xmlText writes the character data of an XML document; it reports
// whether the text limit was reached. Deleted text (Word's w:delText)
// and field codes (w:instrText) are left out, as are attributes; tabs
// and OpenDocument's text:s are spaces.
func xmlText(r io.Reader, out *limited) (bool, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	deleted := 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "delText" || t.Name.Local == "instrText" {
				deleted++
			}
			if t.Name.Local == "tab" || t.Name.Local == "s" {
				out.write(" ")
			}
		case xml.EndElement:
			if t.Name.Local == "delText" || t.Name.Local == "instrText" {
				deleted = max(deleted-1, 0)
			}
			if slices.Contains(paragraphs, t.Name.Local) {
				out.brk()
			}
		case xml.CharData:
			if deleted == 0 && !out.write(string(t)) {
				return true, nil
			}
		}
	}
}

// naturalCompare orders names with their numbers read as numbers, so
// slide10.xml comes after slide9.xml.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
