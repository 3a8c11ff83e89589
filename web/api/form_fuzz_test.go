package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/httperr"
)

// railsFlatten is how form read a JSON body before it was streamed: the
// whole document decoded into a map, then flattened. It is the oracle
// the streaming decoder must agree with.
func railsFlatten(v url.Values, prefix string, x any) {
	switch t := x.(type) {
	case map[string]any:
		for k, val := range t {
			key := k
			if prefix != "" {
				key = prefix + "[" + k + "]"
			}
			railsFlatten(v, key, val)
		}
	case []any:
		for i, val := range t {
			switch val.(type) {
			case map[string]any:
				railsFlatten(v, fmt.Sprintf("%s[%d]", prefix, i), val)
			default:
				railsFlatten(v, prefix+"[]", val)
			}
		}
	case nil:
		v.Add(prefix, "")
	case bool:
		v.Add(prefix, strconv.FormatBool(t))
	case json.Number:
		v.Add(prefix, t.String())
	case string:
		v.Add(prefix, t)
	}
}

// jsonShape is the nesting depth, the count of members and elements,
// and the longest flattened key of a decoded JSON document.
func jsonShape(prefix string, x any, depth int) (maxDepth, count, maxKey int) {
	maxKey = len(prefix)
	add := func(d, c, k int) {
		maxDepth, count, maxKey = max(maxDepth, d), count+c, max(maxKey, k)
	}
	switch t := x.(type) {
	case map[string]any:
		maxDepth = depth
		for k, val := range t {
			key := k
			if prefix != "" {
				key = prefix + "[" + k + "]"
			}
			d, c, kl := jsonShape(key, val, depth+1)
			add(d, c+1, kl)
		}
	case []any:
		maxDepth = depth
		for i, val := range t {
			key := prefix + "[]"
			if _, ok := val.(map[string]any); ok {
				key = prefix + "[" + strconv.Itoa(i) + "]"
			}
			d, c, kl := jsonShape(key, val, depth+1)
			add(d, c+1, kl)
		}
	}
	return maxDepth, count, maxKey
}

func sortedValues(v url.Values) url.Values {
	for k := range v {
		slices.Sort(v[k])
	}
	return v
}

func formRequest(contentType string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/statuses?visibility=public", bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	return r
}

// FuzzDecodeForm checks form on any body, JSON or urlencoded: it never
// panics, never holds more than MaxFormValues values, refuses only with
// 400 or 413, and reads a JSON object within the bounds exactly as
// decoding it whole and flattening it does.
func FuzzDecodeForm(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `{"status":"hi","media_ids":["1","2"],"sensitive":true,"poll":null}`,
		`{"poll":{"options":["a","b"],"expires_in":3600,"multiple":false}}`,
		`{"keywords_attributes":[{"keyword":"x","whole_word":true},{"id":"3","_destroy":true}]}`,
		`{"data":{"alerts":{"mention":true,"follow":false}},"policy":"all"}`,
		`{"a":[[1,[2]],{"b":[{}]}],"n":-1.5e3}`, `{"a":1,"a":2}`, `{"a":`, `{"a":1}{"b":2}`, `{"a":[1,2,]}`,
		`{"\u00e9t\u00e9":"\ud800"}`, `{"` + strings.Repeat("k", 600) + `":1}`,
		`{"a":` + strings.Repeat(`[`, 20) + strings.Repeat(`]`, 20) + `}`,
		`{"a":[` + strings.Repeat(`0,`, 1200) + `0]}`,
	} {
		f.Add(true, []byte(seed))
	}
	for _, seed := range []string{``, `status=hi&media_ids[]=1&media_ids[]=2`, `a=1;b=2`, `%zz=1`,
		strings.Repeat(`a=&`, 1200)} {
		f.Add(false, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, isJSON bool, body []byte) {
		contentType := "application/x-www-form-urlencoded"
		if isJSON {
			contentType = "application/json"
		}
		got, err := form(formRequest(contentType, body))
		if err != nil {
			var own *httperr.Error
			if !errors.As(err, &own) && !tooLarge(err) {
				t.Fatalf("error %v is not an API error", err)
			}
			if code, _ := httperr.Classify(err); code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
				t.Fatalf("refused with %d: %v", code, err)
			}
		} else if n := formCount(got); n > MaxFormValues {
			t.Fatalf("%d values; want at most %d", n, MaxFormValues)
		}
		if !isJSON {
			return
		}
		// The oracle reads a document without repeated keys the same way:
		// canonicalise it by decoding whole and encoding again.
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&doc) != nil || doc == nil {
			return
		}
		canonical, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		depth, count, maxKey := jsonShape("", doc, 1)
		got, err = form(formRequest("application/json", canonical))
		within := depth <= maxFormDepth && count+1 <= MaxFormValues && maxKey <= maxFormKey
		if !within {
			if err == nil {
				t.Fatalf("depth %d, %d values, key of %d accepted: %s", depth, count, maxKey, canonical)
			}
			return
		}
		if err != nil {
			t.Fatalf("depth %d, %d values, key of %d refused: %v: %s", depth, count, maxKey, err, canonical)
		}
		want := url.Values{"visibility": {"public"}}
		railsFlatten(want, "", doc)
		if g, w := sortedValues(got), sortedValues(want); !equalValues(g, w) {
			t.Fatalf("form(%s)\n = %v\nwant %v", canonical, g, w)
		}
	})
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		if !slices.Equal(va, b[k]) {
			return false
		}
	}
	return true
}

// BenchmarkFormWorst reports what form allocates for the worst bodies a
// member may send (anonymous ones stop at 64 KiB before form): an 8 MiB
// JSON array, which form refuses at maxFormBody or MaxFormValues, and a
// small body of as many elements as it will hold.
func BenchmarkFormWorst(b *testing.B) {
	array := func(size int) []byte {
		var buf bytes.Buffer
		buf.WriteString(`{"media_ids":[0`)
		for buf.Len() < size-4 {
			buf.WriteString(",0")
		}
		buf.WriteString("]}")
		return buf.Bytes()
	}
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"8MiB-array", array(8 << 20)},
		{"60KiB-array", array(60 << 10)},
		{"8MiB-string", []byte(`{"status":"` + strings.Repeat("x", 8<<20-16) + `"}`)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := form(formRequest("application/json", bc.body)); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
