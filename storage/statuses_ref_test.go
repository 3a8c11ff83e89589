package storage

import (
	"context"
	"errors"
	"testing"
)

// TestStatusRefByURI: it names the same status and author StatusByURI
// finds, in a transaction and on the readers, and ErrNotFound for an IRI
// no status has.
func TestStatusRefByURI(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	hanna := mustAccount(t, s, "hanna", "mastodon.example")
	parent := storeStatus(t, s, alice, nil)
	reply := storeStatus(t, s, hanna, replyTo(parent))
	tests := []struct {
		name       string
		uri        string
		wantID     ID
		wantAuthor ID
		wantErr    error
	}{
		{"a local status", parent.URI, parent.ID, alice.ID, nil},
		{"a remote reply", reply.URI, reply.ID, hanna.ID, nil},
		{"unknown", "https://mastodon.example/statuses/404", 0, 0, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(where string, id, author ID, err error) {
				t.Helper()
				if id != tt.wantID || author != tt.wantAuthor || !errors.Is(err, tt.wantErr) {
					t.Errorf("%s: %d by %d, %v; want %d by %d, %v", where, id, author, err, tt.wantID, tt.wantAuthor, tt.wantErr)
				}
			}
			id, author, err := s.StatusRefByURI(ctx, tt.uri)
			check("readers", id, author, err)
			err = s.InTx(ctx, func(tx *Tx) error {
				id, author, err := tx.StatusRefByURI(ctx, tt.uri)
				check("transaction", id, author, err)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
