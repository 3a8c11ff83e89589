package textextract

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ledongthuc/pdf"
)

// errFull stops a page's interpreter once the text limit is reached.
var errFull = errors.New("text limit reached")

// pdfText writes the text of a PDF's pages. The reader is given the file
// only once checkPDFNumbers has passed it; each page's content, and each
// font's ToUnicode map, is measured decompressed before it is
// interpreted; and the text is gathered here (not by the reader's
// GetPlainText, which holds a page's text whole and decodes a string in
// one piece), stopping as soon as out is full.
func pdfText(ctx context.Context, g *guardedReader, size int64, out *limited) error {
	if err := checkPDFNumbers(ctx, g, size); err != nil {
		return err
	}
	r, err := pdf.NewReader(g, size)
	if err != nil {
		return fmt.Errorf("read pdf: %w", err)
	}
	pages := min(r.NumPage(), maxPages)
	fonts := map[string]*pdf.Font{}
	var content int64
	for i := 1; i <= pages; i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", ErrTooLarge, err)
		}
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		strm := p.V.Key("Contents")
		n, err := streamSize(strm, maxPageContent)
		if err != nil {
			return fmt.Errorf("pdf page %d: %w", i, err)
		}
		if n > maxPageContent {
			continue // a drawing, or a bomb: no text worth its cost
		}
		if content += n; content > maxContent {
			return fmt.Errorf("%w: pdf content over %d bytes", ErrTooLarge, maxContent)
		}
		for _, name := range p.Fonts() {
			if _, ok := fonts[name]; !ok {
				f := p.Font(name)
				fonts[name] = &f
				if m := f.V.Key("ToUnicode"); m.Kind() == pdf.Stream {
					if n, err := streamSize(m, maxCMap); err != nil || n > maxCMap {
						fonts[name] = nil // read as raw codes
					}
				}
			}
		}
		full, err := pageText(ctx, strm, fonts, out)
		if err != nil {
			return fmt.Errorf("pdf page %d: %w", i, err)
		}
		if full {
			return nil
		}
		out.brk()
	}
	return nil
}

// streamSize is the decompressed size of a stream, or of an array of
// streams, counted up to limit+1.
func streamSize(v pdf.Value, limit int64) (n int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed stream: %v", r)
		}
	}()
	switch v.Kind() {
	case pdf.Null:
		return 0, nil
	case pdf.Array:
		for i := 0; i < v.Len() && n <= limit; i++ {
			m, err := streamSize(v.Index(i), limit-n)
			if err != nil {
				return n, err
			}
			n += m
		}
		return n, nil
	case pdf.Stream:
		rc := v.Reader()
		defer rc.Close()
		n, err := io.Copy(io.Discard, io.LimitReader(rc, limit+1))
		if err != nil && errors.Is(err, ErrTooLarge) {
			return n, err
		}
		return n, nil // a damaged stream is read as far as it goes
	}
	return 0, nil
}

// pageText interprets one page's content, writing the strings it shows
// (Tj, TJ, ' and ") decoded by the font set with Tf, a line break for
// BT and T*. It reports whether out is full.
func pageText(ctx context.Context, strm pdf.Value, fonts map[string]*pdf.Font, out *limited) (full bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			switch {
			case r == errFull:
				full, err = true, nil
			case ctx.Err() != nil:
				err = fmt.Errorf("%w: %w", ErrTooLarge, ctx.Err())
			default:
				err = fmt.Errorf("malformed content: %v", r)
			}
		}
	}()
	var enc pdf.TextEncoding
	show := func(raw string) {
		for raw != "" {
			if ctx.Err() != nil {
				panic(ctx.Err())
			}
			// A chunk of a multiple of 4 bytes splits no code of a
			// font's usual width (1, 2 or 4 bytes).
			n := min(len(raw), decodeChunk)
			s := raw[:n]
			raw = raw[n:]
			if enc != nil {
				s = enc.Decode(s)
			}
			if !out.write(s) {
				panic(errFull)
			}
		}
	}
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "BT", "T*":
			out.brk()
		case "Tf":
			enc = nil
			if len(args) == 2 {
				if f := fonts[args[0].Name()]; f != nil {
					enc = f.Encoder()
				}
			}
		case "Tj", "'", "\"":
			if len(args) > 0 {
				show(args[len(args)-1].RawString())
			}
		case "TJ":
			if len(args) > 0 {
				a := args[len(args)-1]
				for i := 0; i < a.Len(); i++ {
					if x := a.Index(i); x.Kind() == pdf.String {
						show(x.RawString())
					}
				}
			}
		}
	})
	return false, nil
}
