package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/copse-dev/copse/web/httperr"
)

// Bounds on what one request's form may hold once decoded. A body is
// read as a stream and refused as soon as it passes one, so a small body
// of many tiny elements costs no more memory than a small body of few:
// an 8 MiB JSON array decoded whole into []any once took a node from 24
// to 574 MB.
const (
	// MaxFormValues bounds the values, array elements and object members
	// of one request, query and body together (copse's own API bounds
	// its JSON bodies with it too): Go bounds a multipart
	// form to 1000 parts, and no Mastodon form comes near it (a filter
	// of 200 keywords is 800 values).
	MaxFormValues = 1000
	// maxFormDepth bounds nesting; Mastodon's deepest form is
	// keywords_attributes[0][keyword], three levels.
	maxFormDepth = 8
	// maxFormKey bounds a key with its parents' names: a long key would
	// otherwise be copied into every key nested under it.
	maxFormKey = 512
	// maxFormBody bounds a JSON or urlencoded body, even a member's: the
	// node's limit is set for bodies that carry files, and the longest
	// text a form carries (a post, a profile) is a few kilobytes.
	maxFormBody = 1 << 20
)

var (
	// ErrFormTooMany answers a request past MaxFormValues.
	ErrFormTooMany = httperr.New(http.StatusRequestEntityTooLarge, "request body holds too many values")
	errFormTooDeep = httperr.New(http.StatusRequestEntityTooLarge, "request body is nested too deeply")
	errFormKey     = httperr.New(http.StatusRequestEntityTooLarge, "request body has a parameter name that is too long")
	errNotJSON     = httperr.New(http.StatusBadRequest, "body is not valid JSON")
)

// decodeJSONForm reads a JSON object from r into v as Rails reads it:
// nested objects become "key[child]", arrays "key[]" (objects in an
// array "key[i][child]"), null an empty value. An empty body, or null,
// holds nothing; any other top-level value is refused. Only the first
// value is read. budget is how many more values v may take.
func decodeJSONForm(r io.Reader, v url.Values, budget int) error {
	w := jsonFormWalker{dec: json.NewDecoder(r), v: v, budget: budget}
	w.dec.UseNumber()
	tok, err := w.dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return w.readError(err)
	case tok == nil:
		return nil
	case tok != json.Delim('{'):
		return errNotJSON
	}
	return w.object("", 1)
}

// jsonFormWalker walks a JSON document token by token, so that nothing
// of it is held but the values it keeps.
type jsonFormWalker struct {
	dec    *json.Decoder
	v      url.Values
	budget int
}

// object reads the members of an object whose '{' has been read, up to
// and including its '}'.
func (w *jsonFormWalker) object(prefix string, depth int) error {
	if err := checkNesting(prefix, depth); err != nil {
		return err
	}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return w.readError(err)
		}
		name, ok := tok.(string)
		if !ok {
			return errNotJSON
		}
		key := name
		if prefix != "" {
			key = prefix + "[" + name + "]"
		}
		if err := w.spend(key); err != nil {
			return err
		}
		if err := w.value(key, depth); err != nil {
			return err
		}
	}
	return w.end()
}

// array reads the elements of an array whose '[' has been read, up to and
// including its ']'.
func (w *jsonFormWalker) array(prefix string, depth int) error {
	if err := checkNesting(prefix, depth); err != nil {
		return err
	}
	for i := 0; w.dec.More(); i++ {
		if err := w.spend(prefix); err != nil {
			return err
		}
		tok, err := w.dec.Token()
		if err != nil {
			return w.readError(err)
		}
		switch tok {
		case json.Delim('{'):
			err = w.object(prefix+"["+strconv.Itoa(i)+"]", depth+1)
		case json.Delim('['):
			err = w.array(prefix+"[]", depth+1)
		default:
			err = w.scalar(prefix+"[]", tok)
		}
		if err != nil {
			return err
		}
	}
	return w.end()
}

// value reads the value of key.
func (w *jsonFormWalker) value(key string, depth int) error {
	tok, err := w.dec.Token()
	if err != nil {
		return w.readError(err)
	}
	switch tok {
	case json.Delim('{'):
		return w.object(key, depth+1)
	case json.Delim('['):
		return w.array(key, depth+1)
	}
	return w.scalar(key, tok)
}

func (w *jsonFormWalker) scalar(key string, tok json.Token) error {
	if len(key) > maxFormKey {
		return errFormKey
	}
	switch t := tok.(type) {
	case nil:
		w.v.Add(key, "")
	case bool:
		w.v.Add(key, strconv.FormatBool(t))
	case json.Number:
		w.v.Add(key, t.String())
	case string:
		w.v.Add(key, t)
	default: // a closing delimiter where a value belongs
		return errNotJSON
	}
	return nil
}

// checkNesting checks the depth of an object or array, and the length of
// its key.
func checkNesting(key string, depth int) error {
	if depth > maxFormDepth {
		return errFormTooDeep
	}
	if len(key) > maxFormKey {
		return errFormKey
	}
	return nil
}

// spend counts one member or element against the budget, and checks the
// length of the key it will be stored under.
func (w *jsonFormWalker) spend(key string) error {
	if w.budget--; w.budget < 0 {
		return ErrFormTooMany
	}
	if len(key) > maxFormKey {
		return errFormKey
	}
	return nil
}

// end reads the closing delimiter of the object or array being read.
func (w *jsonFormWalker) end() error {
	if _, err := w.dec.Token(); err != nil {
		return w.readError(err)
	}
	return nil
}

// readError keeps a body that was too large (413) apart from one that is
// not JSON (400).
func (w *jsonFormWalker) readError(err error) error {
	if tooLarge(err) {
		return err
	}
	return errNotJSON
}

// formBody reads at most maxFormBody bytes of body, and fails as
// http.MaxBytesReader does past them.
func formBody(body io.Reader) io.Reader {
	return &formBodyReader{r: io.LimitReader(body, maxFormBody+1)}
}

type formBodyReader struct {
	r io.Reader
	n int64
}

func (f *formBodyReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	f.n += int64(n)
	if f.n > maxFormBody {
		return n - int(f.n-maxFormBody), &http.MaxBytesError{Limit: maxFormBody}
	}
	return n, err
}

// tooLarge reports whether err is the body passing its size limit.
func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
