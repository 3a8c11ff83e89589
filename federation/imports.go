package federation

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/copse-dev/copse/storage"
)

// A member imports the lists another server exported (Mastodon's CSV
// files, as storage.Export writes them): follows, lists, blocks, mutes,
// blocked domains and bookmarks. ImportList checks the whole file and
// queues its entries (storage.QueueImport); runImports works through
// them in the background, one at a time, since each may need an account
// or post looked up on another server: following, blocking or muting as
// the member would, adding to lists (made by their title when missing)
// and bookmarking. An entry that cannot be done (nobody has the address,
// a post is gone or not visible to the member) fails with its reason for
// the member to read; one whose server did not answer is tried again
// after a minute, ten minutes and an hour.

const (
	// MaxImportRows bounds the entries of one file.
	MaxImportRows = 5000
	// MaxImportFile bounds one file's size.
	MaxImportFile = 2 << 20
	// importBatch is how many entries runImports reads at once.
	importBatch = 20
	// importTimeout bounds the work of one entry, its lookups included.
	importTimeout = 30 * time.Second
)

// importRetries are the waits before an entry is tried again; after the
// last it fails.
var importRetries = []time.Duration{time.Minute, 10 * time.Minute, time.Hour}

// ImportList checks the file r of kind (a storage.Export kind) and
// queues its entries for the member, returning how many. A file that is
// not the kind's CSV is an *InvalidError naming its first bad line, and
// nothing of it is queued.
func (e *Engine) ImportList(ctx context.Context, memberID storage.ID, kind string, r io.Reader) (int, error) {
	if _, err := e.localAccount(ctx, memberID); err != nil {
		return 0, err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportFile+1))
	if err != nil {
		return 0, fmt.Errorf("import %s: %w", kind, err)
	}
	if len(data) > MaxImportFile {
		return 0, fieldInvalid("file", "ERR_TOO_LARGE", "the file must be %d MB or smaller", MaxImportFile>>20)
	}
	rows, err := readImport(memberID, kind, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.QueueImport(ctx, rows) }); err != nil {
		return 0, fmt.Errorf("import %s: %w", kind, err)
	}
	wake(e.importWake)
	return len(rows), nil
}

// readImport reads the rows of a file of kind.
func readImport(memberID storage.ID, kind string, r io.Reader) ([]storage.ImportRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord, cr.TrimLeadingSpace, cr.ReuseRecord = -1, true, true
	var rows []storage.ImportRow
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fieldInvalid("file", "ERR_INVALID", "the file is not a CSV file: %s", csvProblem(err))
		}
		if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "Account address") {
			continue // Mastodon's header row
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		row, err := importRow(kind, rec)
		if err != nil {
			return nil, fieldInvalid("file", "ERR_INVALID", "line %d: %s", line, err.Error())
		}
		row.AccountID = memberID
		if rows = append(rows, row); len(rows) > MaxImportRows {
			return nil, fieldInvalid("file", "ERR_TOO_MANY", "a file may hold at most %d entries", MaxImportRows)
		}
	}
	if len(rows) == 0 {
		return nil, fieldInvalid("file", "ERR_BLANK", "the file has no entries")
	}
	return rows, nil
}

// csvProblem says what encoding/csv found wrong, without its own
// wording's Go names.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
	}
	return err.Error()
}

// importRow reads one record of a file of kind.
func importRow(kind string, rec []string) (storage.ImportRow, error) {
	field := func(i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	flag := func(i int, def bool) (bool, error) {
		if field(i) == "" {
			return def, nil
		}
		b, err := strconv.ParseBool(field(i))
		if err != nil {
			return false, fmt.Errorf("%q is not true or false", field(i))
		}
		return b, nil
	}
	row := storage.ImportRow{Kind: kind, ShowReblogs: true, Notifications: true}
	var err error
	switch kind {
	case storage.ExportFollowing:
		row.Target, err = importAddress(field(0))
		if err == nil {
			row.ShowReblogs, err = flag(1, true)
		}
		if err == nil {
			row.Notify, err = flag(2, false)
		}
	case storage.ExportBlocks:
		row.Target, err = importAddress(field(0))
	case storage.ExportMutes:
		row.Target, err = importAddress(field(0))
		if err == nil {
			row.Notifications, err = flag(1, true)
		}
	case storage.ExportLists:
		row.List = field(0)
		if row.List == "" || len(row.List) > 1000 {
			return row, errors.New("a list's title is missing or too long")
		}
		row.Target, err = importAddress(field(1))
	case storage.ExportDomainBlocks:
		row.Target, err = NormalizeDomain(field(0))
		if err != nil {
			err = fmt.Errorf("%q is not a domain", field(0))
		}
	case storage.ExportBookmarks:
		u, perr := url.Parse(field(0))
		if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return row, fmt.Errorf("%q is not the address of a post", field(0))
		}
		row.Target = u.String()
	default:
		return row, fmt.Errorf("%q is not something to import", kind)
	}
	return row, err
}

// importAddress is an account's address as a file gives it: user@host,
// with or without a leading @.
func importAddress(s string) (string, error) {
	user, host, ok := strings.Cut(strings.TrimPrefix(s, "@"), "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(user, " /:@") || strings.ContainsAny(host, " /@") {
		return "", fmt.Errorf("%q is not an account address, such as ann@council-b.example", s)
	}
	return user + "@" + host, nil
}

// runImports works through queued entries as they come.
func (e *Engine) runImports(ctx context.Context) {
	log := e.log.With("component", "imports")
	t := time.NewTicker(pollCheckEvery * e.poll)
	defer t.Stop()
	for {
		if err := e.Imports(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "import", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.importWake:
		}
	}
}

// Imports does the entries due now: each is done, fails with its reason,
// or waits to be tried again.
func (e *Engine) Imports(ctx context.Context) error {
	for {
		due, err := e.store.DueImports(ctx, e.now(), importBatch)
		if err != nil {
			return err
		}
		for _, row := range due {
			if err := e.doImport(ctx, row); err != nil {
				return fmt.Errorf("import %d: %w", row.ID, err)
			}
		}
		if len(due) < importBatch || ctx.Err() != nil {
			return nil
		}
	}
}

// doImport does one entry and records what came of it; only a failure
// of this node's own storage is an error.
func (e *Engine) doImport(ctx context.Context, row storage.ImportRow) error {
	ictx, cancel := context.WithTimeout(ctx, importTimeout)
	err := e.applyImport(ictx, row)
	cancel()
	if ctx.Err() != nil {
		return nil // stopping: the entry stays due
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err == nil {
			return tx.DoneImport(ctx, row.ID)
		}
		reason, forGood := importFailure(err)
		next := time.Time{}
		if !forGood && row.Attempts < len(importRetries) {
			next = tx.Now().Add(importRetries[row.Attempts])
		}
		return tx.RetryImport(ctx, row.ID, next, reason)
	})
}

// importFailure is what the member reads of an entry's failure (in the
// engine's lower case, as its other messages), and whether trying again
// could not help.
func importFailure(err error) (string, bool) {
	var inv *InvalidError
	switch {
	case errors.As(err, &inv):
		return inv.Msg, true
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, ErrGone):
		return "not found", true
	case errors.Is(err, ErrDenied), errors.Is(err, ErrBlockedDomain):
		return "not allowed", true
	}
	return "its server did not answer", false
}

// applyImport does what an entry asks, as the member would.
func (e *Engine) applyImport(ctx context.Context, row storage.ImportRow) error {
	member := row.AccountID
	switch row.Kind {
	case storage.ExportDomainBlocks:
		return e.BlockDomain(ctx, member, row.Target)
	case storage.ExportBookmarks:
		st, err := e.store.StatusByURI(ctx, row.Target)
		if errors.Is(err, storage.ErrNotFound) && !e.urls.IsLocal(row.Target) {
			st, err = e.FetchStatus(ctx, row.Target)
		}
		if err != nil {
			return err
		}
		if ok, err := e.CanSee(ctx, storage.Account{ID: member}, st); err != nil || !ok {
			return cmp.Or(err, fmt.Errorf("bookmark %s: %w", row.Target, storage.ErrNotFound))
		}
		return e.Bookmark(ctx, member, st.ID)
	}
	target, err := e.ResolveAccount(ctx, row.Target)
	if err != nil {
		return err
	}
	switch row.Kind {
	case storage.ExportFollowing:
		return e.follow(ctx, member, target.ID, FollowOptions{ShowReblogs: row.ShowReblogs, Notify: row.Notify})
	case storage.ExportBlocks:
		return e.Block(ctx, member, target.ID)
	case storage.ExportMutes:
		return e.Mute(ctx, member, target.ID, row.Notifications, 0)
	case storage.ExportLists:
		return e.importToList(ctx, member, row.List, target)
	}
	return invalid("%q is not something to import", row.Kind)
}

// importToList adds target to the member's list titled title, made when
// there is none.
func (e *Engine) importToList(ctx context.Context, member storage.ID, title string, target storage.Account) error {
	lists, err := e.store.Lists(ctx, member)
	if err != nil {
		return err
	}
	var list storage.List
	for _, l := range lists {
		if l.Title == title {
			list = l
		}
	}
	if list.ID == 0 {
		if list, err = e.CreateList(ctx, member, ListParams{Title: title}); err != nil {
			return err
		}
	}
	return e.AddToList(ctx, member, list.ID, []storage.ID{target.ID})
}

// ClearImportFailures forgets the member's entries that failed.
func (e *Engine) ClearImportFailures(ctx context.Context, memberID storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.ClearFailedImports(ctx, memberID) })
}
