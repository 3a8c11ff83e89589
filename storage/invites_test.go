package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestUseInvite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	invites := map[string]Invite{
		"twice":   {CodeHash: "twice", MaxUses: 2},
		"forever": {CodeHash: "forever"},
		"a day":   {CodeHash: "a day", ExpiresAt: now.Add(24 * time.Hour)},
		"revoked": {CodeHash: "revoked"},
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for k, i := range invites {
			if err := tx.InsertInvite(ctx, &i); err != nil {
				return err
			}
			invites[k] = i
		}
		return tx.RevokeInvite(ctx, invites["revoked"].ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	use := func(hash string) error {
		return s.InTx(ctx, func(tx *Tx) error { _, err := tx.UseInvite(ctx, hash); return err })
	}
	steps := []struct {
		name, hash string
		after      time.Duration // the clock moves on first
		want       error
	}{
		{"first use", "twice", 0, nil},
		{"second use", "twice", 0, nil},
		{"third use", "twice", 0, ErrNotFound},
		{"no limit", "forever", 0, nil},
		{"within the day", "a day", 23 * time.Hour, nil},
		{"after the day", "a day", 2 * time.Hour, ErrNotFound},
		{"revoked", "revoked", 0, ErrNotFound},
		{"unknown", "nope", 0, ErrNotFound},
		{"no limit, much later", "forever", 1000 * time.Hour, nil},
	}
	for _, st := range steps {
		now = now.Add(st.after)
		if err := use(st.hash); !errors.Is(err, st.want) {
			t.Fatalf("%s: UseInvite = %v; want %v", st.name, err, st.want)
		}
	}
	got, err := s.InviteByCodeHash(ctx, "twice")
	if err != nil || got.Uses != 2 || got.Live(now) {
		t.Errorf("the used-up invite: %+v, %v", got, err)
	}
	list, err := s.Invites(ctx)
	if err != nil || len(list) != 4 {
		t.Errorf("Invites: %d, %v; want 4", len(list), err)
	}
}

func TestEmailTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	a := mustAccount(t, s, "alice", "")
	in := func(fn func(tx *Tx) error) error { return s.InTx(ctx, fn) }
	if err := in(func(tx *Tx) error {
		if err := tx.InsertEmailToken(ctx, "c1", a.ID, TokenConfirm, now.Add(time.Hour)); err != nil {
			return err
		}
		return tx.InsertEmailToken(ctx, "r1", a.ID, TokenReset, now.Add(time.Hour))
	}); err != nil {
		t.Fatal(err)
	}
	take := func(hash, purpose string) (ID, error) {
		var id ID
		err := in(func(tx *Tx) error { var err error; id, err = tx.TakeEmailToken(ctx, hash, purpose); return err })
		return id, err
	}
	if _, err := take("c1", TokenReset); !errors.Is(err, ErrNotFound) {
		t.Errorf("a confirm token taken as a reset token: %v", err)
	}
	if id, err := take("c1", TokenConfirm); err != nil || id != a.ID {
		t.Errorf("take: %d, %v", id, err)
	}
	if _, err := take("c1", TokenConfirm); !errors.Is(err, ErrNotFound) {
		t.Errorf("a token taken twice: %v", err)
	}
	if ok, err := s.EmailTokenLive(ctx, "r1", TokenReset, now); !ok || err != nil {
		t.Errorf("EmailTokenLive: %v, %v", ok, err)
	}
	now = now.Add(time.Hour)
	if ok, _ := s.EmailTokenLive(ctx, "r1", TokenReset, now); ok {
		t.Error("an expired token is live")
	}
	if _, err := take("r1", TokenReset); !errors.Is(err, ErrNotFound) {
		t.Errorf("an expired token taken: %v", err)
	}
}
