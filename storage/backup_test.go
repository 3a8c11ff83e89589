package storage

import (
	"context"
	"path/filepath"
	"testing"
)

func TestBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t)
	a := Account{URI: "https://council-a.example/users/alice", Username: "alice"}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	// A write transaction left open while the backup runs is not in it.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(tx *Tx) error {
			b := Account{URI: "https://council-a.example/users/bob", Username: "bob"}
			if err := tx.InsertAccount(ctx, &b); err != nil {
				return err
			}
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatalf("backup while a write is open: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, path); err == nil {
		t.Error("a backup over an existing file was written")
	}

	copy, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer copy.Close()
	if got, err := copy.AccountByUsername(ctx, "alice"); err != nil || got.URI != a.URI {
		t.Errorf("alice in the backup: %+v, %v", got, err)
	}
	if _, err := copy.AccountByUsername(ctx, "bob"); err == nil {
		t.Error("the backup holds bob, whose transaction had not committed when it began")
	}
}
