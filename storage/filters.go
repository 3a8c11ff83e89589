package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Filter is a member's filter (Mastodon's v2 filter): keywords and
// statuses to hide, or to warn about, in some contexts.
type Filter struct {
	ID        ID
	AccountID ID
	Title     string
	Context   []string // of FilterContexts
	Action    string   // FilterWarn or FilterHide
	ExpiresAt time.Time
	CreatedAt time.Time

	// Loaded with the filter.
	Keywords []FilterKeyword
	Statuses []FilterStatus
}

// FilterKeyword is a word or phrase a filter matches.
type FilterKeyword struct {
	ID        ID
	FilterID  ID
	Keyword   string
	WholeWord bool
}

// FilterStatus is one status a filter matches.
type FilterStatus struct {
	ID       ID
	FilterID ID
	StatusID ID
}

// What a filter does with what it matches.
const (
	FilterWarn = "warn"
	FilterHide = "hide"
)

// FilterContexts are where a filter may apply, as Mastodon names them.
var FilterContexts = []string{"home", "notifications", "public", "thread", "account"}

const filterColumns = `f.id, f.account_id, f.title, f.context, f.action, f.expires_at, f.created_at`

func scanFilter(row scanner) (Filter, error) {
	var f Filter
	var contexts string
	var expires, created int64
	err := row.Scan(&f.ID, &f.AccountID, &f.Title, &contexts, &f.Action, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Filter{}, ErrNotFound
	}
	if err != nil {
		return Filter{}, fmt.Errorf("filter: %w", err)
	}
	f.Context = strings.Fields(contexts)
	f.ExpiresAt, f.CreatedAt = fromMillis(expires), fromMillis(created)
	return f, nil
}

// filtersWhere loads filters with their keywords and statuses; where
// selects filters f and takes args.
func (q queries) filtersWhere(ctx context.Context, where string, args ...any) ([]Filter, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+filterColumns+` FROM filters f WHERE `+where+` ORDER BY f.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []Filter
	index := map[ID]int{}
	for rows.Next() {
		f, err := scanFilter(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[f.ID] = len(out)
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = q.q.QueryContext(ctx, `SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k
JOIN filters f ON f.id = k.filter_id WHERE `+where+` ORDER BY k.id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k FilterKeyword
		if err := rows.Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := index[k.FilterID]; ok {
			out[i].Keywords = append(out[i].Keywords, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.q.QueryContext(ctx, `SELECT fs.id, fs.filter_id, fs.status_id FROM filter_statuses fs
JOIN filters f ON f.id = fs.filter_id WHERE `+where+` ORDER BY fs.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s FilterStatus
		if err := rows.Scan(&s.ID, &s.FilterID, &s.StatusID); err != nil {
			return nil, err
		}
		if i, ok := index[s.FilterID]; ok {
			out[i].Statuses = append(out[i].Statuses, s)
		}
	}
	return out, rows.Err()
}

// Filters returns all of a member's filters, expired ones too, oldest
// first, with their keywords and statuses.
func (q queries) Filters(ctx context.Context, account ID) ([]Filter, error) {
	out, err := q.filtersWhere(ctx, `f.account_id = ?`, account)
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	return out, nil
}

// ActiveFilters returns the member's filters that have not expired by
// the store's clock: the ones to apply.
func (s *Store) ActiveFilters(ctx context.Context, account ID) ([]Filter, error) {
	out, err := s.filtersWhere(ctx, `f.account_id = ? AND (f.expires_at = 0 OR f.expires_at > ?)`, account, millis(s.Now()))
	if err != nil {
		return nil, fmt.Errorf("active filters: %w", err)
	}
	return out, nil
}

// FilterByID returns one of account's filters; ErrNotFound when it has
// none with that ID.
func (q queries) FilterByID(ctx context.Context, account, id ID) (Filter, error) {
	out, err := q.filtersWhere(ctx, `f.id = ? AND f.account_id = ?`, id, account)
	if err != nil {
		return Filter{}, fmt.Errorf("filter %d: %w", id, err)
	}
	if len(out) == 0 {
		return Filter{}, ErrNotFound
	}
	return out[0], nil
}

// FilterKeywordByID returns a keyword of one of account's filters.
func (q queries) FilterKeywordByID(ctx context.Context, account, id ID) (FilterKeyword, error) {
	var k FilterKeyword
	err := q.q.QueryRowContext(ctx, `SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k
JOIN filters f ON f.id = k.filter_id WHERE k.id = ? AND f.account_id = ?`, id, account).Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord)
	if errors.Is(err, sql.ErrNoRows) {
		return FilterKeyword{}, ErrNotFound
	}
	if err != nil {
		return FilterKeyword{}, fmt.Errorf("filter keyword %d: %w", id, err)
	}
	return k, nil
}

// FilterStatusByID returns a status filter of one of account's filters.
func (q queries) FilterStatusByID(ctx context.Context, account, id ID) (FilterStatus, error) {
	var s FilterStatus
	err := q.q.QueryRowContext(ctx, `SELECT fs.id, fs.filter_id, fs.status_id FROM filter_statuses fs
JOIN filters f ON f.id = fs.filter_id WHERE fs.id = ? AND f.account_id = ?`, id, account).Scan(&s.ID, &s.FilterID, &s.StatusID)
	if errors.Is(err, sql.ErrNoRows) {
		return FilterStatus{}, ErrNotFound
	}
	if err != nil {
		return FilterStatus{}, fmt.Errorf("filter status %d: %w", id, err)
	}
	return s, nil
}

// InsertFilter stores a new filter with its keywords and statuses,
// filling their IDs.
func (tx *Tx) InsertFilter(ctx context.Context, f *Filter) error {
	f.ID, f.CreatedAt = tx.NewID(), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO filters (id, account_id, title, context, action, expires_at, created_at)
VALUES (?,?,?,?,?,?,?)`, f.ID, f.AccountID, f.Title, strings.Join(f.Context, " "), f.Action, millis(f.ExpiresAt), millis(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert filter: %w", err)
	}
	for i := range f.Keywords {
		f.Keywords[i].FilterID = f.ID
		if err := tx.InsertFilterKeyword(ctx, &f.Keywords[i]); err != nil {
			return err
		}
	}
	for i := range f.Statuses {
		f.Statuses[i].FilterID = f.ID
		if err := tx.InsertFilterStatus(ctx, &f.Statuses[i]); err != nil {
			return err
		}
	}
	return nil
}

// UpdateFilter saves a filter's title, context, action and expiry (not
// its keywords or statuses).
func (tx *Tx) UpdateFilter(ctx context.Context, f Filter) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE filters SET title = ?, context = ?, action = ?, expires_at = ?
WHERE id = ? AND account_id = ?`, f.Title, strings.Join(f.Context, " "), f.Action, millis(f.ExpiresAt), f.ID, f.AccountID)
	if err != nil {
		return fmt.Errorf("update filter: %w", err)
	}
	return mustAffect(res, "update filter")
}

// DeleteFilter deletes one of account's filters with its keywords and
// statuses.
func (tx *Tx) DeleteFilter(ctx context.Context, account, id ID) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filters WHERE id = ? AND account_id = ?`, id, account)
	if err != nil {
		return fmt.Errorf("delete filter: %w", err)
	}
	return mustAffect(res, "delete filter")
}

// InsertFilterKeyword adds a keyword to a filter, filling its ID.
func (tx *Tx) InsertFilterKeyword(ctx context.Context, k *FilterKeyword) error {
	k.ID = tx.NewID()
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO filter_keywords (id, filter_id, keyword, whole_word, created_at)
VALUES (?,?,?,?,?)`, k.ID, k.FilterID, k.Keyword, k.WholeWord, millis(tx.now))
	if err != nil {
		return fmt.Errorf("insert filter keyword: %w", err)
	}
	return nil
}

// UpdateFilterKeyword saves a keyword's text and whole-word flag.
func (tx *Tx) UpdateFilterKeyword(ctx context.Context, k FilterKeyword) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ? AND filter_id = ?`,
		k.Keyword, k.WholeWord, k.ID, k.FilterID)
	if err != nil {
		return fmt.Errorf("update filter keyword: %w", err)
	}
	return mustAffect(res, "update filter keyword")
}

// DeleteFilterKeyword removes a keyword from a filter.
func (tx *Tx) DeleteFilterKeyword(ctx context.Context, filter, id ID) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filter_keywords WHERE id = ? AND filter_id = ?`, id, filter)
	if err != nil {
		return fmt.Errorf("delete filter keyword: %w", err)
	}
	return mustAffect(res, "delete filter keyword")
}

// InsertFilterStatus adds a status to a filter, filling its ID;
// ErrDuplicate when the filter has it already.
func (tx *Tx) InsertFilterStatus(ctx context.Context, s *FilterStatus) error {
	s.ID = tx.NewID()
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO filter_statuses (id, filter_id, status_id, created_at) VALUES (?,?,?,?)`,
		s.ID, s.FilterID, s.StatusID, millis(tx.now))
	if isUnique(err) {
		return fmt.Errorf("insert filter status: %w", ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert filter status: %w", err)
	}
	return nil
}

// DeleteFilterStatus removes a status from a filter.
func (tx *Tx) DeleteFilterStatus(ctx context.Context, filter, id ID) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filter_statuses WHERE id = ? AND filter_id = ?`, id, filter)
	if err != nil {
		return fmt.Errorf("delete filter status: %w", err)
	}
	return mustAffect(res, "delete filter status")
}
