package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/copse-dev/copse/storage"
)

// IdentityError is a node opened with a base URL other than the one its
// database was made under: every local actor's id starts with the
// recorded one, so serving (or minting accounts) under another would
// split the node in two.
type IdentityError struct {
	Recorded, Configured string
}

func (e *IdentityError) Error() string {
	return fmt.Sprintf("this data belongs to the node %s, not %s: give copse that node's host and protocol "+
		"(to move a node that has not federated yet, use copse admin node set-url)", e.Recorded, e.Configured)
}

// RecordedBaseURL returns the base URL the node in store was made under,
// or "" for a database no node has started on yet. A database from before
// the base URL was recorded tells it by its oldest local account.
func RecordedBaseURL(ctx context.Context, store *storage.Store) (string, error) {
	base, err := store.NodeSetting(ctx, storage.SettingBaseURL)
	if err == nil {
		return base, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	uri, err := store.FirstLocalAccountURI(ctx)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("recorded base URL: local account id %q is not a URL", uri)
	}
	return u.Scheme + "://" + u.Host, nil
}

// claimIdentity records the engine's base URL on a new database and
// refuses to go on with a database recorded under another.
func (e *Engine) claimIdentity(ctx context.Context) error {
	recorded, err := RecordedBaseURL(ctx, e.store)
	if err != nil {
		return err
	}
	if recorded != "" && recorded != e.urls.Base {
		return &IdentityError{Recorded: recorded, Configured: e.urls.Base}
	}
	if _, err := e.store.NodeSetting(ctx, storage.SettingBaseURL); err == nil {
		return nil
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		return tx.SetNodeSetting(ctx, storage.SettingBaseURL, e.urls.Base)
	})
}

// MoveBaseURL changes the node's base URL to to, rewriting every id and
// link of the node's own that its database holds. Peers know a node's
// actors by their ids and cannot follow such a move, so it is refused,
// as invalid, once the node has federated: it is for a node set up
// under the wrong host name, before anyone outside has seen it. The
// instance actor, named after the host, is made anew on the next start.
func (e *Engine) MoveBaseURL(ctx context.Context, to string) error {
	u, err := url.Parse(to)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return invalid("%q is not a base URL such as https://council-a.example", to)
	}
	to = u.Scheme + "://" + u.Host
	if to == e.urls.Base {
		return nil
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		federated, err := tx.HasFederated(ctx)
		if err != nil {
			return err
		}
		if federated {
			return invalid("%s has already federated: peers know its actors by their URLs, so it cannot move", e.urls.Base)
		}
		if inst, err := tx.AccountByUsername(ctx, e.instanceUsername()); err == nil {
			if err := tx.DeleteAccount(ctx, inst.ID); err != nil {
				return err
			}
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err := tx.RewriteURLPrefix(ctx, e.urls.Base, to); err != nil {
			return err
		}
		return tx.SetNodeSetting(ctx, storage.SettingBaseURL, to)
	})
	if err != nil {
		return fmt.Errorf("move base URL: %w", err)
	}
	return nil
}
