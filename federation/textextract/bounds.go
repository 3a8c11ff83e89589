package textextract

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"
)

// What bounds an extraction beyond its output, and why. The PDF reader
// (github.com/ledongthuc/pdf) sizes tables from numbers in the file and
// decompresses streams without limit, and archive/zip keeps every
// central-directory record in memory; each of these is checked before
// the library meets it.
const (
	// MaxTime bounds one extraction; past it, or once the caller's
	// context ends, the file gives the text read so far and an error.
	MaxTime = 10 * time.Second
	// maxDirectory bounds the bytes archive/zip reads to open a file:
	// its central directory (a record is at least 46 bytes, and costs
	// about 250 bytes of memory once read). 2 MiB is tens of thousands
	// of entries; an Office file has dozens to a few thousand.
	maxDirectory = 2 << 20
	// maxPDFObjects bounds the objects a PDF's cross-reference tables
	// may number (/Size, /Index, a table's subsections): the reader
	// allocates 32 bytes for each up front.
	maxPDFObjects = 1 << 20
	// maxXrefWidth bounds each field width of an xref stream (/W).
	maxXrefWidth = 16
	// maxColumns bounds a PNG predictor's /Columns (a row buffer).
	maxColumns = 1 << 16
	// maxPageContent bounds the decompressed content stream of one page;
	// a larger page (a drawing, a map) is skipped. The interpreter keeps
	// every operand of a run in memory, at about 20 bytes per byte.
	maxPageContent = 4 << 20
	// maxContent bounds the decompressed content of all pages read.
	maxContent = 64 << 20
	// maxCMap bounds a font's decompressed ToUnicode map; a font with a
	// larger one is read as raw codes.
	maxCMap = 256 << 10
	// decodeChunk is how many bytes of a shown string are decoded at
	// once: a map may turn one code into many characters.
	decodeChunk = 256
)

// guardedReader is an io.ReaderAt that fails once ctx ends: every read
// the PDF and zip readers make (resolving an object, refilling a
// decompressor's input) passes through it, so a file that loops or
// decompresses without end stops at the deadline.
type guardedReader struct {
	r   io.ReaderAt
	ctx context.Context
	// left, when limit is set, is the bytes still allowed.
	limit bool
	left  int64
}

func (g *guardedReader) ReadAt(p []byte, off int64) (int, error) {
	if err := g.ctx.Err(); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	if g.limit {
		if int64(len(p)) > g.left {
			return 0, fmt.Errorf("%w: zip directory over %d bytes", ErrTooLarge, maxDirectory)
		}
		g.left -= int64(len(p))
	}
	return g.r.ReadAt(p, off)
}

// OpenZip is zip.NewReader reading at most maxDirectory bytes to open
// the file (a larger central directory gives an error wrapping
// ErrTooLarge), for whoever looks into an uploaded zip: archive/zip keeps
// every record it reads, 277 MB for the million a 48 MiB file can hold.
func OpenZip(r io.ReaderAt, size int64) (*zip.Reader, error) {
	return openZip(&guardedReader{r: r, ctx: context.Background()}, size)
}

func openZip(g *guardedReader, size int64) (*zip.Reader, error) {
	g.limit, g.left = true, maxDirectory
	zr, err := zip.NewReader(g, size)
	g.limit = false
	return zr, err
}

// checkPDFNumbers scans every byte of a PDF (objects may hide anywhere
// an xref offset points, streams included) for the numbers the reader
// allocates by: /Size, /Index and /W of cross-reference streams, the
// subsections of cross-reference tables, and /Columns. One out of
// bounds, or a /Columns or /DecodeParms given by reference (which the
// scan cannot follow), refuses the file with ErrTooLarge.
func checkPDFNumbers(ctx context.Context, r io.ReaderAt, size int64) error {
	s := pdfScanner{br: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10)}
	var (
		last    [3]pdfToken // the tokens before this one, newest last
		array   string      // the watched name whose array is open
		xref    int         // in a table: 0 not, 1 want start, 2 want count, 3 in entries
		entries int64       // tokens of entries left in a table subsection
	)
	bad := func(what string, v int64) error {
		return fmt.Errorf("%w: pdf %s %d out of bounds", ErrTooLarge, what, v)
	}
	for n := 0; ; n++ {
		if n%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%w: %w", ErrTooLarge, err)
			}
		}
		t, ok := s.next()
		if !ok {
			return nil
		}
		switch {
		case xref == 3:
			if entries--; entries <= 0 {
				xref = 1
			}
		case xref == 1 && t.isInt:
			if t.n > maxPDFObjects {
				return bad("xref subsection", t.n)
			}
			xref = 2
		case xref == 2 && t.isInt:
			if t.n > maxPDFObjects {
				return bad("xref subsection", t.n)
			}
			xref, entries = 3, 3*t.n
			if entries == 0 {
				xref = 1
			}
		default:
			xref = 0
		}
		switch {
		case t.kw == "xref":
			xref = 1
		case t.kw == "[" && last[2].name != "":
			array = last[2].name
		case t.kw == "]":
			array = ""
		case t.kw == "R" && last[0].name == "Columns" || t.kw == "R" && last[0].name == "DecodeParms":
			return fmt.Errorf("%w: pdf /%s by reference", ErrTooLarge, last[0].name)
		case t.isInt && array == "W" && t.n > maxXrefWidth:
			return bad("/W", t.n)
		case t.isInt && array == "Index" && t.n > maxPDFObjects:
			return bad("/Index", t.n)
		case t.isInt && last[2].name == "Size" && t.n > maxPDFObjects:
			return bad("/Size", t.n)
		case t.isInt && last[2].name == "Columns" && t.n > maxColumns:
			return bad("/Columns", t.n)
		}
		last = [3]pdfToken{last[1], last[2], t}
	}
}

// pdfToken is a token as the PDF reader's lexer splits it: a name
// (without its slash, #-escapes decoded), an integer, or anything else
// as kw.
type pdfToken struct {
	name  string
	kw    string
	n     int64
	isInt bool
}

// pdfScanner splits bytes into tokens at PDF white space and
// delimiters. It treats no construct as opaque (not strings, comments or
// streams), so nothing the reader might parse escapes it.
type pdfScanner struct {
	br  *bufio.Reader
	buf []byte
}

func pdfSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func pdfDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (s *pdfScanner) next() (pdfToken, bool) {
	c, err := s.br.ReadByte()
	for err == nil && pdfSpace(c) {
		c, err = s.br.ReadByte()
	}
	if err != nil {
		return pdfToken{}, false
	}
	if c == '/' {
		s.buf = s.buf[:0]
		for {
			c, err := s.br.ReadByte()
			if err != nil {
				break
			}
			if pdfSpace(c) || pdfDelim(c) {
				_ = s.br.UnreadByte()
				break
			}
			if c == '#' {
				if h, err := s.br.Peek(2); err == nil {
					if x, err := strconv.ParseUint(string(h), 16, 8); err == nil {
						_, _ = s.br.Discard(2)
						c = byte(x)
					}
				}
			}
			if len(s.buf) < 64 {
				s.buf = append(s.buf, c)
			}
		}
		return pdfToken{name: string(s.buf)}, true
	}
	if pdfDelim(c) {
		return pdfToken{kw: string(c)}, true
	}
	s.buf = append(s.buf[:0], c)
	// An integer is read whole, however long (leading zeros included),
	// saturating: the reader's lexer parses all of it.
	digits, n := c >= '0' && c <= '9', int64(0)
	if digits {
		n = int64(c - '0')
	}
	signed := c == '+' || c == '-'
	count := 1
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			break
		}
		if pdfSpace(c) || pdfDelim(c) {
			_ = s.br.UnreadByte()
			break
		}
		if c >= '0' && c <= '9' && (digits || signed && count == 1) {
			digits = true
			if n > (1<<63-1-int64(c-'0'))/10 {
				n = 1<<63 - 1
			} else {
				n = n*10 + int64(c-'0')
			}
		} else {
			digits = false
		}
		count++
		if len(s.buf) < 64 {
			s.buf = append(s.buf, c)
		}
	}
	t := pdfToken{kw: string(s.buf), isInt: digits}
	if digits {
		t.n = n
		if s.buf[0] == '-' {
			t.n = -n
		}
	}
	return t, true
}
