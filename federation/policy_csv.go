package federation

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// The columns of Mastodon's domain block export, in its order.
var domainBlockCSVHeader = []string{"#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"}

// maxImportBlocks bounds one import: Mastodon's largest shared lists are
// a few thousand lines.
const maxImportBlocks = 100000

// WriteDomainBlocksCSV writes blocks in Mastodon's CSV export format.
// Limit is written as Mastodon's "silence", so Mastodon imports it;
// private comments are not exported.
func WriteDomainBlocksCSV(w io.Writer, blocks []storage.NodeDomainBlock) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(domainBlockCSVHeader); err != nil {
		return fmt.Errorf("write domain blocks: %w", err)
	}
	for _, b := range blocks {
		sev := b.Severity
		if sev == storage.SeverityLimit {
			sev = "silence"
		}
		err := cw.Write([]string{b.Domain, sev, strconv.FormatBool(b.RejectMedia), strconv.FormatBool(b.RejectReports),
			b.PublicComment, strconv.FormatBool(b.Obfuscate)})
		if err != nil {
			return fmt.Errorf("write domain blocks: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write domain blocks: %w", err)
	}
	return nil
}

// ParseDomainBlocksCSV reads domain blocks in Mastodon's CSV format: a
// header naming the columns (#domain, #severity, #reject_media,
// #reject_reports, #public_comment, #obfuscate, in any order, the # optional),
// or no header and the domain in the first column (then each is a
// suspend). Every row is checked; the first bad one is an *InvalidError
// naming its line.
func ParseDomainBlocksCSV(r io.Reader) ([]storage.NodeDomainBlock, error) {
	cr := csv.NewReader(io.LimitReader(r, 64<<20))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cols := map[string]int{"domain": 0}
	var out []storage.NodeDomainBlock
	seen := map[string]bool{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("CSV: %v", err)
		}
		if line == 1 && isCSVHeader(rec) {
			cols = map[string]int{}
			for i, name := range rec {
				cols[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "#")] = i
			}
			if _, ok := cols["domain"]; !ok {
				return nil, invalid("CSV header has no #domain column")
			}
			continue
		}
		field := func(name string) string {
			if i, ok := cols[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if field("domain") == "" {
			continue // a blank line
		}
		b := storage.NodeDomainBlock{Domain: field("domain"), Severity: field("severity"),
			PublicComment: field("public_comment")}
		for _, f := range []struct {
			name string
			to   *bool
		}{{"reject_media", &b.RejectMedia}, {"reject_reports", &b.RejectReports}, {"obfuscate", &b.Obfuscate}} {
			if v := field(f.name); v != "" {
				x, err := strconv.ParseBool(v)
				if err != nil {
					return nil, invalid("CSV line %d: %s %q is not true or false", line, f.name, v)
				}
				*f.to = x
			}
		}
		if err := checkBlock(&b); err != nil {
			return nil, invalid("CSV line %d: %v", line, strings.TrimPrefix(err.Error(), "federation: "))
		}
		if seen[b.Domain] {
			continue // the first of a repeated domain counts
		}
		seen[b.Domain] = true
		if len(out) == maxImportBlocks {
			return nil, invalid("CSV has more than %d domains", maxImportBlocks)
		}
		out = append(out, b)
	}
	return out, nil
}

// ImportDomainBlocks adds blocks, in one change: a domain already blocked
// takes the imported severity and flags, and the imported public comment
// unless that is empty (its private comment stays). It says how many were added and how many updated.
func (e *Engine) ImportDomainBlocks(ctx context.Context, by storage.ID, blocks []storage.NodeDomainBlock) (added, updated int, err error) {
	for i := range blocks {
		if err := checkBlock(&blocks[i]); err != nil {
			return 0, 0, err
		}
		if blocks[i].Domain == e.policy.self {
			return 0, 0, invalid("the node cannot block its own domain")
		}
	}
	err = e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		added, updated = 0, 0
		old, err := tx.NodeDomainBlocks(ctx)
		if err != nil {
			return err
		}
		byDomain := make(map[string]storage.NodeDomainBlock, len(old))
		for _, b := range old {
			byDomain[b.Domain] = b
		}
		for _, b := range blocks {
			if o, ok := byDomain[b.Domain]; ok {
				o.Severity, o.RejectMedia, o.RejectReports = b.Severity, b.RejectMedia, b.RejectReports
				if b.PublicComment != "" {
					o.PublicComment = b.PublicComment
				}
				o.Obfuscate = b.Obfuscate
				o.SubscriptionID = 0 // imported by an admin: no longer the list's to remove
				if err := tx.UpdateNodeDomainBlock(ctx, o); err != nil {
					return err
				}
				updated++
				continue
			}
			b.CreatedBy = by
			if err := tx.InsertNodeDomainBlock(ctx, &b); err != nil {
				return err
			}
			added++
		}
		return audit(ctx, tx, by, AuditImportBlocks, "", 0, "added", strconv.Itoa(added), "updated", strconv.Itoa(updated))
	})
	if err != nil {
		return 0, 0, fmt.Errorf("import domain blocks: %w", err)
	}
	return added, updated, nil
}

// isCSVHeader: Mastodon's header starts with "#"; others name a domain
// column.
func isCSVHeader(rec []string) bool {
	if strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
		return true
	}
	for _, f := range rec {
		if strings.EqualFold(strings.TrimSpace(f), "domain") {
			return true
		}
	}
	return false
}
