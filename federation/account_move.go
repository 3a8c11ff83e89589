package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/bcrypt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A member moves their account to another one, on another node or this
// one, as Mastodon's account migration does: people move between
// councils and colleges, and their followers should come with them. It
// takes two steps. On the new account the member names the old one as an
// alias (alsoKnownAs, AddAccountAlias), which proves the move is wanted
// from both ends; on the old account, with its password, they move
// (MoveAccount): the old actor's document gets movedTo, and Move{old,
// target new} goes to every node with a follower, whose followers then
// follow the new account (applyMove, as for a community that moved),
// while this node moves its own followers at once. Posts stay where
// they were written.

// maxAccountAliases bounds the aliases a member names.
const maxAccountAliases = 10

// AddAccountAlias names the account ref ("user@host", found by
// WebFinger, or a local "user") as another of the member's accounts, so
// that it may move here, and sends Update{Person} with the alias to the
// member's followers' nodes.
func (e *Engine) AddAccountAlias(ctx context.Context, memberID storage.ID, ref string) (storage.Account, error) {
	other, err := e.movingAccount(ctx, "alias", ref)
	if err != nil {
		return storage.Account{}, err
	}
	return e.changeAliases(ctx, memberID, func(a *storage.Account) error {
		switch {
		case other.ID == a.ID:
			return fieldInvalid("alias", "ERR_INVALID", "that is this account")
		case slices.Contains(a.AlsoKnownAs, other.URI):
			return nil
		case len(a.AlsoKnownAs) >= maxAccountAliases:
			return fieldInvalid("alias", "ERR_TOO_MANY", "an account names at most %d aliases", maxAccountAliases)
		}
		a.AlsoKnownAs = append(a.AlsoKnownAs, other.URI)
		return nil
	})
}

// RemoveAccountAlias stops naming the actor uri as another of the
// member's accounts.
func (e *Engine) RemoveAccountAlias(ctx context.Context, memberID storage.ID, uri string) (storage.Account, error) {
	return e.changeAliases(ctx, memberID, func(a *storage.Account) error {
		if !slices.Contains(a.AlsoKnownAs, uri) {
			return fmt.Errorf("alias %s: %w", uri, storage.ErrNotFound)
		}
		a.AlsoKnownAs = slices.DeleteFunc(a.AlsoKnownAs, func(s string) bool { return s == uri })
		return nil
	})
}

// changeAliases changes the member's aliases with change and, if they
// changed, sends Update{Person}.
func (e *Engine) changeAliases(ctx context.Context, memberID storage.ID, change func(a *storage.Account) error) (storage.Account, error) {
	var out storage.Account
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		a, err := tx.AccountByID(ctx, memberID) // with its keys: it is written back
		if err != nil {
			return err
		}
		if !a.Local() || a.ActorType != activitypub.TypePerson {
			return fmt.Errorf("account %d: %w", memberID, ErrDenied)
		}
		was := slices.Clone(a.AlsoKnownAs)
		if err := change(&a); err != nil {
			return err
		}
		out = a
		if slices.Equal(was, a.AlsoKnownAs) {
			return nil
		}
		return e.updateActor(ctx, tx, &a)
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("aliases of %d: %w", memberID, err)
	}
	return out, nil
}

// MoveAccount moves the member's account to the account to ("user@host"
// or a local "user"), which must name the member's account as an alias,
// once password is the member's (else ErrDenied). Run again, it sends the
// Move again (a node that missed it follows then).
func (e *Engine) MoveAccount(ctx context.Context, memberID storage.ID, password, to string) (moved, target storage.Account, err error) {
	u, err := e.store.UserByAccount(ctx, memberID)
	if err != nil {
		return moved, target, fmt.Errorf("move account %d: %w", memberID, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return moved, target, ErrDenied
	}
	if target, err = e.movingAccount(ctx, "to", to); err != nil {
		return moved, target, err
	}
	if !target.Local() {
		// A copy fetched now: the alias may have been named a moment ago.
		if target, err = e.fetchActor(ctx, target.URI); err != nil {
			return moved, target, e.unreachable(ctx, "to", to, err)
		}
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		a, err := tx.AccountByID(ctx, memberID) // with its keys: it is written back
		if err != nil {
			return err
		}
		switch {
		case !a.Local() || a.ActorType != activitypub.TypePerson:
			return fmt.Errorf("account %d: %w", memberID, ErrDenied)
		case target.ID == a.ID:
			return fieldInvalid("to", "ERR_INVALID", "that is this account")
		case !slices.Contains(target.AlsoKnownAs, a.URI):
			return fieldInvalid("to", "ERR_NO_ALIAS", "the account %s does not name this account as an alias: add %s as an alias there first",
				to, a.Username+"@"+e.urls.Host())
		case target.MovedTo != "":
			return fieldInvalid("to", "ERR_MOVED", "the account %s has itself moved to %s", to, target.MovedTo)
		}
		a.MovedTo = target.URI
		if err := e.updateActor(ctx, tx, &a); err != nil { // the document, now with movedTo
			return err
		}
		moved = a
		return e.sendMove(ctx, tx, a, target)
	})
	if err != nil {
		return moved, target, fmt.Errorf("move account %d: %w", memberID, err)
	}
	e.log.InfoContext(ctx, "account moved", "account", moved.Username, "moved_to", target.URI)
	return moved, target, nil
}

// movingAccount is the person ref names, for the form's field: an alias,
// or where an account moves to.
func (e *Engine) movingAccount(ctx context.Context, field, ref string) (storage.Account, error) {
	if ref == "" {
		return storage.Account{}, fieldInvalid(field, "ERR_BLANK", "give the account's handle, such as ann@council-b.example")
	}
	a, err := e.ResolveAccount(ctx, ref)
	switch {
	case errors.Is(err, storage.ErrNotFound) || errors.Is(err, ErrGone):
		return storage.Account{}, fieldInvalid(field, "ERR_NOT_FOUND", "nobody was found with the handle %s", ref)
	case err != nil:
		return storage.Account{}, e.unreachable(ctx, field, ref, err)
	case a.ActorType != activitypub.TypePerson:
		return storage.Account{}, fieldInvalid(field, "ERR_INVALID", "the account %s is not a person's", ref)
	}
	return a, nil
}

// unreachable is the form's error for an account ref that could not be
// looked up (err, logged): its server did not answer as it should.
func (e *Engine) unreachable(ctx context.Context, field, ref string, err error) error {
	e.log.WarnContext(ctx, "account not looked up", "ref", ref, "err", err)
	return fieldInvalid(field, "ERR_UNREACHABLE", "the account %s could not be looked up: its server did not answer; try again later", ref)
}
