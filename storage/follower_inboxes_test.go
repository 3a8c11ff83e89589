package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The follower reads kept by triggers (follows.local, follows.inbox,
// follower_inboxes: migration 0053) answer what a walk of every follow
// and its follower's account answers, after every kind of change: follows
// and unfollows, new inboxes, suspension and reinstatement, accounts
// deleted on either side, bans, and changes rolled back.
func TestFollowerReadsMatchAWalkOfTheFollows(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.UnixMilli(1_800_000_000_000).UTC()
	s.Now = func() time.Time { return now }
	r := rand.New(rand.NewPCG(7, 12))

	var targets, people []Account
	for i := range 3 {
		targets = append(targets, mustAccount(t, s, fmt.Sprintf("group%d", i), ""))
	}
	made := 0
	newPerson := func(tx *Tx) error {
		i := made
		made++
		a := Account{Username: fmt.Sprintf("p%d", i), URI: fmt.Sprintf("https://local.example/users/p%d", i)}
		if r.IntN(4) > 0 { // most are remote, on a few nodes
			host := fmt.Sprintf("node%d.example", r.IntN(4))
			a.Domain, a.URI = host, fmt.Sprintf("https://%s/users/p%d", host, i)
			a.Inbox = a.URI + "/inbox"
			if r.IntN(3) > 0 {
				a.SharedInbox = "https://" + host + "/inbox"
			}
		}
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		people = append(people, a)
		return nil
	}
	inTx(t, s, func(tx *Tx) error {
		for range 12 {
			if err := newPerson(tx); err != nil {
				return err
			}
		}
		return nil
	})

	// The walk the triggers replace.
	walk := func(target ID, banned bool) (inboxes []string, local []ID) {
		t.Helper()
		q := `SELECT DISTINCT CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox ELSE a.inbox END
FROM follows f JOIN accounts a ON a.id = f.account_id
WHERE f.target_account_id = ?1 AND a.domain <> '' AND a.suspended_at = 0
AND CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox ELSE a.inbox END <> ''`
		if banned {
			q += ` AND NOT EXISTS (SELECT 1 FROM community_bans b WHERE b.community_id = ?1 AND b.account_id = a.id
	AND (b.expires_at = 0 OR b.expires_at > ?2))`
		}
		var err error
		inboxes, err = queryAll(ctx, s.queries.q, func(r scanner) (string, error) {
			var s string
			return s, r.Scan(&s)
		}, q, target, millis(now))
		if err != nil {
			t.Fatal(err)
		}
		local, err = s.ids(ctx, `SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id
WHERE f.target_account_id = ? AND a.domain = ''`, target)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(inboxes)
		slices.Sort(local)
		return inboxes, local
	}
	check := func(step string) {
		t.Helper()
		for _, g := range targets {
			wantInboxes, wantLocal := walk(g.ID, false)
			got, err := s.FollowerInboxes(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, wantInboxes) {
				t.Fatalf("after %s: FollowerInboxes(%s) = %v; the walk gives %v", step, g.Username, got, wantInboxes)
			}
			wantCommunity, _ := walk(g.ID, true)
			got, err = s.CommunityFollowerInboxes(ctx, g.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, wantCommunity) {
				t.Fatalf("after %s: CommunityFollowerInboxes(%s) = %v; the walk gives %v", step, g.Username, got, wantCommunity)
			}
			ids, err := s.LocalFollowerIDs(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, wantLocal) {
				t.Fatalf("after %s: LocalFollowerIDs(%s) = %v; the walk gives %v", step, g.Username, ids, wantLocal)
			}
		}
	}

	errUndo := errors.New("undo")
	for i := range 400 {
		p := people[r.IntN(len(people))]
		g := targets[r.IntN(len(targets))]
		var step string
		change := func(tx *Tx) error {
			switch k := r.IntN(10); {
			case k < 4:
				step = "follow"
				return tx.InsertFollow(ctx, &Follow{AccountID: p.ID, TargetID: g.ID, URI: p.URI + "#f" + g.Username})
			case k < 6:
				step = "unfollow"
				_, err := tx.DeleteFollow(ctx, p.ID, g.ID)
				return err
			case k == 6:
				step = "new inboxes"
				a, err := tx.AccountByID(ctx, p.ID)
				if err != nil || a.Local() {
					return err
				}
				switch r.IntN(3) {
				case 0:
					a.SharedInbox = ""
				case 1:
					a.SharedInbox = "https://" + a.Domain + fmt.Sprintf("/inbox%d", r.IntN(2))
				default:
					a.Inbox = a.URI + fmt.Sprintf("/inbox%d", r.IntN(2))
				}
				return tx.UpdateAccount(ctx, &a)
			case k == 7:
				step = "suspension"
				a, err := tx.AccountByID(ctx, p.ID)
				if err != nil {
					return err
				}
				if a.SuspendedAt.IsZero() {
					a.SuspendedAt = now
				} else {
					a.SuspendedAt = time.Time{}
				}
				return tx.UpdateAccount(ctx, &a)
			case k == 8:
				step = "ban"
				if r.IntN(2) == 0 {
					_, err := tx.DeleteCommunityBan(ctx, g.ID, p.ID)
					return err
				}
				until := time.Time{}
				if r.IntN(2) == 0 {
					until = now.Add(time.Duration(r.IntN(3)-1) * time.Hour) // over, or not yet
				}
				return tx.PutCommunityBan(ctx, &CommunityBan{CommunityID: g.ID, AccountID: p.ID, ModeratorID: g.ID, ExpiresAt: until})
			default:
				step = "account deleted, another made"
				if len(people) < 6 {
					return newPerson(tx)
				}
				j := r.IntN(len(people))
				if err := tx.DeleteAccount(ctx, people[j].ID); err != nil {
					return err
				}
				people = slices.Delete(people, j, j+1)
				return newPerson(tx)
			}
		}
		if i%7 == 6 { // the same kind of change, rolled back
			before := slices.Clone(people)
			err := s.InTx(ctx, func(tx *Tx) error {
				if err := change(tx); err != nil {
					return err
				}
				return errUndo
			})
			if !errors.Is(err, errUndo) {
				t.Fatalf("%s: %v", step, err)
			}
			people = before
			step += ", rolled back"
		} else {
			inTx(t, s, change)
		}
		check(fmt.Sprintf("change %d (%s)", i, step))
	}
}
