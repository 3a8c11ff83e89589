package storage

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestEnqueueDeliveriesInOneStatement: the jobs written from one JSON
// array are those the one-row-at-a-time insert wrote: one per distinct
// inbox, host lower-cased, broken inboxes left out, each with its own ID;
// and DueDeliveries hands each job its signer's current key.
func TestEnqueueDeliveriesInOneStatement(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	g := Account{Username: "libraries", URI: "https://local.example/users/libraries",
		PublicKeyID: "https://local.example/users/libraries#main-key", PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----\nfirst\n"}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertAccount(ctx, &g) }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		inboxes []string
		want    []string // inbox_url|host, sorted
	}{
		{"none", nil, nil},
		{"one", []string{"https://a.example/inbox"}, []string{"https://a.example/inbox|a.example"}},
		{"repeated and broken", []string{"https://a.example/inbox", "::bad", "/relative", "https://B.Example:8443/inbox", "https://a.example/inbox"},
			[]string{"https://B.Example:8443/inbox|b.example:8443", "https://a.example/inbox|a.example"}},
		{"quotes in the URL", []string{`https://c.example/in"box`}, []string{`https://c.example/in"box|c.example`}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var act Activity
			err := s.InTx(ctx, func(tx *Tx) error {
				act = Activity{URI: "https://local.example/a/" + tt.name, AccountID: g.ID, Type: "Announce", Body: []byte(`{"n":` + string(rune('0'+i)) + `}`)}
				if err := tx.InsertActivity(ctx, &act); err != nil {
					return err
				}
				return tx.EnqueueDeliveries(ctx, act.ID, tt.inboxes)
			})
			if err != nil {
				t.Fatal(err)
			}
			due, err := s.DueDeliveries(ctx, now, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			ids := map[ID]bool{}
			for _, d := range due {
				if d.ActivityID != act.ID {
					continue
				}
				got = append(got, d.InboxURL+"|"+d.Host)
				ids[d.ID] = true
				if d.SignerID != g.ID || d.SignerKeyID != g.PublicKeyID || d.SignerKeyPEM != g.PrivateKeyPEM {
					t.Errorf("signer = %d %q %q; want the Group's key", d.SignerID, d.SignerKeyID, d.SignerKeyPEM)
				}
				if string(d.Body) != string(act.Body) || d.ActivityURI != act.URI || !d.NextAttemptAt.Equal(now) || !d.CreatedAt.Equal(now) {
					t.Errorf("job = %+v", d)
				}
			}
			sort.Strings(got)
			if len(got) != len(tt.want) || len(ids) != len(got) {
				t.Fatalf("jobs = %q (%d IDs); want %q", got, len(ids), tt.want)
			}
			for j := range got {
				if got[j] != tt.want[j] {
					t.Fatalf("jobs = %q; want %q", got, tt.want)
				}
			}
		})
	}

	// A rotated key is what the next read hands out.
	err := s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET private_key_pem = 'second' WHERE id = ?`, g.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.DueDeliveries(ctx, now, 1)
	if err != nil || len(due) != 1 || due[0].SignerKeyPEM != "second" {
		t.Fatalf("after rotation: %+v, %v", due, err)
	}
}

// TestDueDeliveriesExcept leaves out the jobs of busy hosts and the jobs
// in flight, and nothing else.
func TestDueDeliveriesExcept(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	alice := mustAccount(t, s, "alice", "")
	err := s.InTx(ctx, func(tx *Tx) error {
		act := Activity{URI: "https://local.example/a/1", AccountID: alice.ID, Type: "Create", Body: []byte(`{}`)}
		if err := tx.InsertActivity(ctx, &act); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, act.ID, []string{"https://a.example/inbox", "https://a.example/users/x/inbox",
			"https://b.example/inbox", "https://c.example/inbox"})
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.DueDeliveries(ctx, now, 10)
	if err != nil || len(all) != 4 {
		t.Fatalf("due = %d, %v; want 4", len(all), err)
	}
	idOf := map[string]ID{}
	for _, d := range all {
		idOf[d.InboxURL] = d.ID
	}
	tests := []struct {
		name     string
		hosts    []string
		inflight []ID
		want     []string
	}{
		{"nothing left out", nil, nil, []string{"https://a.example/inbox", "https://a.example/users/x/inbox", "https://b.example/inbox", "https://c.example/inbox"}},
		{"a busy host", []string{"a.example"}, nil, []string{"https://b.example/inbox", "https://c.example/inbox"}},
		{"a job in flight", nil, []ID{idOf["https://b.example/inbox"]}, []string{"https://a.example/inbox", "https://a.example/users/x/inbox", "https://c.example/inbox"}},
		{"both", []string{"a.example", "nowhere.example"}, []ID{idOf["https://c.example/inbox"], 12345}, []string{"https://b.example/inbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, err := s.DueDeliveriesExcept(ctx, now, 10, tt.hosts, tt.inflight)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range due {
				got = append(got, d.InboxURL)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("due = %q; want %q", got, tt.want)
			}
		})
	}
}
