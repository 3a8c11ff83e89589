package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/copse-dev/copse/storage"
)

// A member's filters (Mastodon's v2 filters): local only, never
// federated. The client API applies them when it shows statuses.

// FilterParams is a filter as a member sets it. On update, a nil field
// (or nil Context) keeps what the filter has.
type FilterParams struct {
	Title   *string
	Context []string
	Action  *string
	// ExpiresIn is how long from now the filter lasts; zero means for
	// ever.
	ExpiresIn *time.Duration
	Keywords  []KeywordChange
}

// KeywordChange adds a keyword (ID zero), changes one, or with Destroy
// removes one, as Rails' keywords_attributes do.
type KeywordChange struct {
	ID        storage.ID
	Keyword   *string
	WholeWord *bool // a new keyword matches whole words unless told otherwise
	Destroy   bool
}

func validFilterAction(a string) bool { return a == storage.FilterWarn || a == storage.FilterHide }

func validateFilter(f storage.Filter) error {
	if strings.TrimSpace(f.Title) == "" {
		return invalid("Validation failed: Title can't be blank")
	}
	if len(f.Context) == 0 {
		return invalid("Validation failed: Context can't be blank")
	}
	for _, c := range f.Context {
		if !slices.Contains(storage.FilterContexts, c) {
			return invalid("Validation failed: Context includes invalid values")
		}
	}
	if !validFilterAction(f.Action) {
		return invalid("Validation failed: Filter action is not included in the list")
	}
	return nil
}

func validKeyword(k string) (string, error) {
	k = strings.TrimSpace(k)
	if k == "" {
		return "", invalid("Validation failed: Keywords keyword can't be blank")
	}
	return k, nil
}

// apply sets the fields p gives on f.
func (p FilterParams) apply(f *storage.Filter, now time.Time) {
	if p.Title != nil {
		f.Title = strings.TrimSpace(*p.Title)
	}
	if p.Context != nil {
		var cs []string
		for _, c := range p.Context {
			if !slices.Contains(cs, c) {
				cs = append(cs, c)
			}
		}
		f.Context = cs
	}
	if p.Action != nil {
		f.Action = *p.Action
	}
	if p.ExpiresIn != nil {
		f.ExpiresAt = time.Time{}
		if *p.ExpiresIn > 0 {
			f.ExpiresAt = now.Add(*p.ExpiresIn)
		}
	}
}

// CreateFilter makes a new filter for a member, with its keywords; the
// action defaults to warn.
func (e *Engine) CreateFilter(ctx context.Context, ownerID storage.ID, p FilterParams) (storage.Filter, error) {
	owner, err := e.localAccount(ctx, ownerID)
	if err != nil {
		return storage.Filter{}, err
	}
	f := storage.Filter{AccountID: owner.ID, Action: storage.FilterWarn}
	p.apply(&f, e.store.Now())
	if err := validateFilter(f); err != nil {
		return storage.Filter{}, err
	}
	for _, k := range p.Keywords {
		if k.Destroy || k.ID != 0 {
			continue
		}
		kw := storage.FilterKeyword{WholeWord: k.WholeWord == nil || *k.WholeWord}
		if k.Keyword != nil {
			kw.Keyword = *k.Keyword
		}
		if kw.Keyword, err = validKeyword(kw.Keyword); err != nil {
			return storage.Filter{}, err
		}
		f.Keywords = append(f.Keywords, kw)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertFilter(ctx, &f); err != nil {
			return err
		}
		if err := withinQuota(ctx, tx, storage.OwnedFilters, owner.ID); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedFilterKeywords, owner.ID)
	})
	if err != nil {
		return storage.Filter{}, fmt.Errorf("create filter: %w", err)
	}
	return f, nil
}

// UpdateFilter changes one of a member's filters and its keywords.
func (e *Engine) UpdateFilter(ctx context.Context, ownerID, filterID storage.ID, p FilterParams) (storage.Filter, error) {
	f, err := e.store.FilterByID(ctx, ownerID, filterID)
	if err != nil {
		return storage.Filter{}, err
	}
	p.apply(&f, e.store.Now())
	if err := validateFilter(f); err != nil {
		return storage.Filter{}, err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.UpdateFilter(ctx, f); err != nil {
			return err
		}
		for _, k := range p.Keywords {
			if err := e.changeKeyword(ctx, tx, f, k); err != nil {
				return err
			}
		}
		return withinQuota(ctx, tx, storage.OwnedFilterKeywords, ownerID)
	})
	if err != nil {
		return storage.Filter{}, fmt.Errorf("update filter %d: %w", filterID, err)
	}
	return e.store.FilterByID(ctx, ownerID, filterID)
}

func (e *Engine) changeKeyword(ctx context.Context, tx *storage.Tx, f storage.Filter, k KeywordChange) error {
	if k.ID == 0 {
		if k.Destroy {
			return nil
		}
		kw := storage.FilterKeyword{FilterID: f.ID, WholeWord: k.WholeWord == nil || *k.WholeWord}
		if k.Keyword != nil {
			kw.Keyword = *k.Keyword
		}
		var err error
		if kw.Keyword, err = validKeyword(kw.Keyword); err != nil {
			return err
		}
		return tx.InsertFilterKeyword(ctx, &kw)
	}
	i := slices.IndexFunc(f.Keywords, func(kw storage.FilterKeyword) bool { return kw.ID == k.ID })
	if i < 0 {
		return fmt.Errorf("keyword %d of filter %d: %w", k.ID, f.ID, storage.ErrNotFound)
	}
	if k.Destroy {
		return tx.DeleteFilterKeyword(ctx, f.ID, k.ID)
	}
	kw := f.Keywords[i]
	if k.Keyword != nil {
		var err error
		if kw.Keyword, err = validKeyword(*k.Keyword); err != nil {
			return err
		}
	}
	if k.WholeWord != nil {
		kw.WholeWord = *k.WholeWord
	}
	return tx.UpdateFilterKeyword(ctx, kw)
}

// DeleteFilter deletes one of a member's filters.
func (e *Engine) DeleteFilter(ctx context.Context, ownerID, filterID storage.ID) error {
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteFilter(ctx, ownerID, filterID) }); err != nil {
		return fmt.Errorf("delete filter %d: %w", filterID, err)
	}
	return nil
}

// AddFilterKeyword adds a keyword to one of a member's filters.
func (e *Engine) AddFilterKeyword(ctx context.Context, ownerID, filterID storage.ID, keyword string, wholeWord bool) (storage.FilterKeyword, error) {
	f, err := e.store.FilterByID(ctx, ownerID, filterID)
	if err != nil {
		return storage.FilterKeyword{}, err
	}
	kw := storage.FilterKeyword{FilterID: f.ID, WholeWord: wholeWord}
	if kw.Keyword, err = validKeyword(keyword); err != nil {
		return storage.FilterKeyword{}, err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertFilterKeyword(ctx, &kw); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedFilterKeywords, ownerID)
	})
	if err != nil {
		return storage.FilterKeyword{}, fmt.Errorf("add filter keyword: %w", err)
	}
	return kw, nil
}

// UpdateFilterKeyword changes a keyword of one of a member's filters.
func (e *Engine) UpdateFilterKeyword(ctx context.Context, ownerID, keywordID storage.ID, keyword *string, wholeWord *bool) (storage.FilterKeyword, error) {
	kw, err := e.store.FilterKeywordByID(ctx, ownerID, keywordID)
	if err != nil {
		return storage.FilterKeyword{}, err
	}
	if keyword != nil {
		if kw.Keyword, err = validKeyword(*keyword); err != nil {
			return storage.FilterKeyword{}, err
		}
	}
	if wholeWord != nil {
		kw.WholeWord = *wholeWord
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateFilterKeyword(ctx, kw) }); err != nil {
		return storage.FilterKeyword{}, fmt.Errorf("update filter keyword: %w", err)
	}
	return kw, nil
}

// DeleteFilterKeyword removes a keyword from one of a member's filters.
func (e *Engine) DeleteFilterKeyword(ctx context.Context, ownerID, keywordID storage.ID) error {
	kw, err := e.store.FilterKeywordByID(ctx, ownerID, keywordID)
	if err != nil {
		return err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteFilterKeyword(ctx, kw.FilterID, kw.ID) }); err != nil {
		return fmt.Errorf("delete filter keyword: %w", err)
	}
	return nil
}

// AddFilterStatus makes one of a member's filters match a status the
// member can see.
func (e *Engine) AddFilterStatus(ctx context.Context, ownerID, filterID, statusID storage.ID) (storage.FilterStatus, error) {
	f, err := e.store.FilterByID(ctx, ownerID, filterID)
	if err != nil {
		return storage.FilterStatus{}, err
	}
	owner, err := e.localAccount(ctx, ownerID)
	if err != nil {
		return storage.FilterStatus{}, err
	}
	st, err := e.store.StatusByID(ctx, statusID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.FilterStatus{}, fmt.Errorf("add filter status: %w", err)
	}
	visible := false
	if err == nil {
		if visible, err = e.CanSee(ctx, owner, st); err != nil {
			return storage.FilterStatus{}, fmt.Errorf("add filter status: %w", err)
		}
	}
	if !visible {
		return storage.FilterStatus{}, invalid("Validation failed: Status can't be blank")
	}
	fs := storage.FilterStatus{FilterID: f.ID, StatusID: st.ID}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertFilterStatus(ctx, &fs); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedFilterStatuses, ownerID)
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.FilterStatus{}, invalid("Validation failed: Status has already been taken")
	}
	if err != nil {
		return storage.FilterStatus{}, fmt.Errorf("add filter status: %w", err)
	}
	return fs, nil
}

// DeleteFilterStatus removes a status from one of a member's filters.
func (e *Engine) DeleteFilterStatus(ctx context.Context, ownerID, id storage.ID) error {
	fs, err := e.store.FilterStatusByID(ctx, ownerID, id)
	if err != nil {
		return err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteFilterStatus(ctx, fs.FilterID, fs.ID) }); err != nil {
		return fmt.Errorf("delete filter status: %w", err)
	}
	return nil
}
