package federation

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// Formats of a shared domain-block list.
const (
	ListCSV  = "csv"  // Mastodon's domain block export
	ListJSON = "json" // Mastodon's /api/v1/instance/domain_blocks, or an array of {domain, severity, comment}
	ListText = "text" // one domain per line, # starts a comment
)

// ParseDomainList reads a shared domain-block list in any of its three
// formats: contentType (may be empty) names it, else its first bytes do.
// It says which format it read. Every entry is checked as a block from an
// admin is; a bad one refuses the whole list with an *InvalidError naming
// it, so a broken list never changes the policy. Entries Mastodon shows
// obfuscated ("sp*m.example") cannot be matched and are skipped. A list
// with no entry is refused too: a server error page must not read as "no
// blocks".
func ParseDomainList(contentType string, body []byte) ([]storage.NodeDomainBlock, string, error) {
	format := listFormat(contentType, body)
	var out []storage.NodeDomainBlock
	var err error
	switch format {
	case ListCSV:
		out, err = ParseDomainBlocksCSV(bytes.NewReader(body))
	case ListJSON:
		out, err = parseDomainListJSON(body)
	default:
		out, err = parseDomainListText(body)
	}
	if err != nil {
		return nil, format, err
	}
	if len(out) == 0 {
		return nil, format, invalid("the %s list names no domain", format)
	}
	return out, format, nil
}

// listFormat picks the format: JSON by its first byte or type, CSV by
// Mastodon's "#domain" header, its type, or a comma on the first entry,
// and plain text otherwise.
func listFormat(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	switch {
	case len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{'):
		return ListJSON
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return ListJSON
	case mt == "text/csv":
		return ListCSV
	}
	first, _, _ := bytes.Cut(trimmed, []byte("\n"))
	if h := bytes.ToLower(bytes.TrimSpace(first)); bytes.HasPrefix(h, []byte("#domain,")) || string(h) == "#domain" {
		return ListCSV
	}
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, ",") {
			return ListCSV
		}
		break
	}
	return ListText
}

// domainListEntry is one object of a JSON list: Mastodon's public shape
// (domain, digest, severity, comment) and its admin shape (public_comment,
// reject_media, reject_reports).
type domainListEntry struct {
	Domain        string `json:"domain"`
	Severity      string `json:"severity"`
	Comment       string `json:"comment"`
	PublicComment string `json:"public_comment"`
	RejectMedia   bool   `json:"reject_media"`
	RejectReports bool   `json:"reject_reports"`
}

func parseDomainListJSON(body []byte) ([]storage.NodeDomainBlock, error) {
	var entries []domainListEntry
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, invalid("JSON list: %s (want an array of objects with domain, severity, comment)", jsonProblem(err))
	}
	if len(entries) > maxImportBlocks {
		return nil, invalid("JSON list has more than %d domains", maxImportBlocks)
	}
	out := make([]storage.NodeDomainBlock, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for i, en := range entries {
		if strings.Contains(en.Domain, "*") && !strings.HasPrefix(en.Domain, "*.") {
			continue // obfuscated
		}
		b := storage.NodeDomainBlock{Domain: en.Domain, Severity: en.Severity, PublicComment: en.PublicComment,
			RejectMedia: en.RejectMedia, RejectReports: en.RejectReports}
		if b.PublicComment == "" {
			b.PublicComment = en.Comment
		}
		if err := checkBlock(&b); err != nil {
			return nil, invalid("JSON list entry %d: %s", i+1, strings.TrimPrefix(err.Error(), "federation: "))
		}
		if !seen[b.Domain] {
			seen[b.Domain] = true
			out = append(out, b)
		}
	}
	return out, nil
}

// jsonProblem says what is wrong with a JSON document without echoing Go
// type names.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return "the document is not an array of objects"
		}
		return fmt.Sprintf("field %q has the wrong type", typeErr.Field)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("not valid JSON at byte %d", syntaxErr.Offset)
	}
	return "not valid JSON"
}

func parseDomainListText(body []byte) ([]storage.NodeDomainBlock, error) {
	var out []storage.NodeDomainBlock
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		text = strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
		if text == "" {
			continue
		}
		if strings.ContainsAny(text, " \t") {
			return nil, invalid("text list line %d: %q is not one domain", line, text)
		}
		b := storage.NodeDomainBlock{Domain: text}
		if err := checkBlock(&b); err != nil {
			return nil, invalid("text list line %d: %s", line, strings.TrimPrefix(err.Error(), "federation: "))
		}
		if seen[b.Domain] {
			continue
		}
		seen[b.Domain] = true
		if len(out) == maxImportBlocks {
			return nil, invalid("text list has more than %d domains", maxImportBlocks)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, invalid("text list: %v", err)
	}
	return out, nil
}
