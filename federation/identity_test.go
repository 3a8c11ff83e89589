package federation

import (
	"context"
	"errors"
	"testing"

	"github.com/copse-dev/copse/storage"
)

func TestIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := testEngine(t)
	member(t, e, "alice")

	// The same database under another base URL is refused, whichever
	// part differs.
	for _, base := range []string{"https://council-b.example", "http://council-a.example", "https://council-a.example:8443"} {
		other := New(e.store, Options{URLs: URLs{Base: base}})
		err := other.Init(ctx)
		var idErr *IdentityError
		if !errors.As(err, &idErr) || idErr.Recorded != "https://council-a.example" || idErr.Configured != base {
			t.Errorf("Init under %s: %v; want an IdentityError naming both", base, err)
		}
	}
	if _, err := e.store.AccountByUsername(ctx, "council-b.example"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a refused start made an instance actor for its host (%v)", err)
	}

	// Once a remote account is known, the node cannot move.
	remote := storage.Account{URI: "https://council-b.example/users/bob", Username: "bob", Domain: "council-b.example",
		Inbox: "https://council-b.example/users/bob/inbox"}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &remote) }); err != nil {
		t.Fatal(err)
	}
	var inv *InvalidError
	if err := e.MoveBaseURL(ctx, "https://council-c.example"); !errors.As(err, &inv) {
		t.Errorf("MoveBaseURL after federating: %v; want it refused", err)
	}
	if base, err := RecordedBaseURL(ctx, e.store); err != nil || base != "https://council-a.example" {
		t.Errorf("recorded base URL %q (%v) after a refused move", base, err)
	}
}
