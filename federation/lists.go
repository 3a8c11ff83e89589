package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/storage"
)

// A member's lists: local only, never federated. Only accounts the
// member follows may be in one (and the member themselves, as Mastodon
// allows); ending a follow takes the account out of the lists (a trigger
// in storage does it, whatever ended the follow).

// MaxListTitle is the longest list title, in characters.
const MaxListTitle = 255

// ListParams are a list's settings as a member sets them. On update, a
// zero RepliesPolicy keeps the current one; Exclusive is always set.
type ListParams struct {
	Title         string
	RepliesPolicy string
	Exclusive     bool
}

func (p *ListParams) validate() error {
	p.Title = strings.TrimSpace(p.Title)
	if p.Title == "" {
		return invalid("Validation failed: Title can't be blank")
	}
	if utf8.RuneCountInString(p.Title) > MaxListTitle {
		return invalid("Validation failed: Title is too long (maximum is %d characters)", MaxListTitle)
	}
	switch p.RepliesPolicy {
	case storage.RepliesFollowed, storage.RepliesList, storage.RepliesNone:
	default:
		return invalid("Validation failed: Replies policy is not included in the list")
	}
	return nil
}

// CreateList makes a new list for a member. The replies policy defaults
// to "list", as in Mastodon.
func (e *Engine) CreateList(ctx context.Context, ownerID storage.ID, p ListParams) (storage.List, error) {
	owner, err := e.localAccount(ctx, ownerID)
	if err != nil {
		return storage.List{}, err
	}
	if p.RepliesPolicy == "" {
		p.RepliesPolicy = storage.RepliesList
	}
	if err := p.validate(); err != nil {
		return storage.List{}, err
	}
	l := storage.List{AccountID: owner.ID, Title: p.Title, RepliesPolicy: p.RepliesPolicy, Exclusive: p.Exclusive}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertList(ctx, &l); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedLists, owner.ID)
	})
	if err != nil {
		return storage.List{}, fmt.Errorf("create list: %w", err)
	}
	return l, nil
}

// UpdateList changes one of a member's lists.
func (e *Engine) UpdateList(ctx context.Context, ownerID, listID storage.ID, p ListParams) (storage.List, error) {
	l, err := e.store.ListByID(ctx, ownerID, listID)
	if err != nil {
		return storage.List{}, fmt.Errorf("list %d: %w", listID, err)
	}
	if p.RepliesPolicy == "" {
		p.RepliesPolicy = l.RepliesPolicy
	}
	if err := p.validate(); err != nil {
		return storage.List{}, err
	}
	l.Title, l.RepliesPolicy, l.Exclusive = p.Title, p.RepliesPolicy, p.Exclusive
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateList(ctx, l) }); err != nil {
		return storage.List{}, fmt.Errorf("update list: %w", err)
	}
	return l, nil
}

// DeleteList deletes one of a member's lists.
func (e *Engine) DeleteList(ctx context.Context, ownerID, listID storage.ID) error {
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteList(ctx, ownerID, listID) }); err != nil {
		return fmt.Errorf("delete list %d: %w", listID, err)
	}
	return nil
}

// AddToList puts accounts in one of a member's lists: all of them, or,
// when one is not followed by the member, none.
func (e *Engine) AddToList(ctx context.Context, ownerID, listID storage.ID, accounts []storage.ID) error {
	l, err := e.store.ListByID(ctx, ownerID, listID)
	if err != nil {
		return fmt.Errorf("list %d: %w", listID, err)
	}
	for _, a := range accounts {
		if a == l.AccountID {
			continue
		}
		if _, err := e.store.AccountByID(ctx, a); err != nil {
			return fmt.Errorf("account %d: %w", a, err)
		}
		_, err := e.store.FollowOf(ctx, l.AccountID, a)
		if errors.Is(err, storage.ErrNotFound) {
			return invalid("Validation failed: You must follow this account to add it to a list")
		}
		if err != nil {
			return err
		}
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.AddListAccounts(ctx, l.ID, accounts) }); err != nil {
		return fmt.Errorf("add to list %d: %w", listID, err)
	}
	return nil
}

// RemoveFromList takes accounts out of one of a member's lists.
func (e *Engine) RemoveFromList(ctx context.Context, ownerID, listID storage.ID, accounts []storage.ID) error {
	l, err := e.store.ListByID(ctx, ownerID, listID)
	if err != nil {
		return fmt.Errorf("list %d: %w", listID, err)
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.RemoveListAccounts(ctx, l.ID, accounts) }); err != nil {
		return fmt.Errorf("remove from list %d: %w", listID, err)
	}
	return nil
}
