package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// pushToken issues an access token for account.
func pushToken(t *testing.T, s *Store, account Account) Token {
	t.Helper()
	ctx := context.Background()
	var tok Token
	inTx(t, s, func(tx *Tx) error {
		app := App{Name: "app", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: []string{"push"},
			ClientID: "client-" + account.Username + "-" + tx.NewID().String(), ClientSecretHash: "x"}
		if err := tx.InsertApp(ctx, &app); err != nil {
			return err
		}
		tok = Token{AccessHash: HashSecret(tx.NewID().String()), AppID: app.ID, AccountID: account.ID, Scopes: []string{"push"}}
		return tx.InsertToken(ctx, &tok)
	})
	return tok
}

// pushSubscribe subscribes tok with alerts and policy.
func pushSubscribe(t *testing.T, s *Store, tok Token, policy string, alerts ...string) PushSubscription {
	t.Helper()
	p := PushSubscription{TokenID: tok.ID, AccountID: tok.AccountID, Endpoint: "https://push.example/" + tok.ID.String(),
		P256dh: "key", Auth: "auth", Alerts: alerts, Policy: policy, AccessToken: "plain-" + tok.ID.String()}
	inTx(t, s, func(tx *Tx) error { return tx.PutPushSubscription(context.Background(), &p) })
	return p
}

func TestPushSubscriptionOnePerToken(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	tok := pushToken(t, s, alice)

	if _, err := s.PushSubscriptionByToken(ctx, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before subscribing: err = %v; want ErrNotFound", err)
	}
	first := pushSubscribe(t, s, tok, PushPolicyAll, NotifyMention, NotifyFavourite)
	got, err := s.PushSubscriptionByToken(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first.ID || got.AccountID != alice.ID || got.Endpoint != first.Endpoint || got.P256dh != "key" ||
		got.Auth != "auth" || !slices.Equal(got.Alerts, []string{NotifyMention, NotifyFavourite}) ||
		got.Policy != PushPolicyAll || got.AccessToken != first.AccessToken || got.CreatedAt.IsZero() {
		t.Errorf("stored = %+v; want %+v", got, first)
	}

	// Subscribing again replaces it, under a new ID.
	second := pushSubscribe(t, s, tok, PushPolicyFollowed, NotifyFollow)
	if second.ID == first.ID {
		t.Error("a new subscription kept the old ID")
	}
	if got, _ := s.PushSubscriptionByToken(ctx, tok.ID); got.ID != second.ID || got.Policy != PushPolicyFollowed {
		t.Errorf("after subscribing again = %+v; want the second", got)
	}
	var removed bool
	inTx(t, s, func(tx *Tx) (err error) { removed, err = tx.DeletePushSubscriptionByID(ctx, first.ID); return err })
	if removed {
		t.Error("removing the replaced subscription by ID removed something")
	}

	inTx(t, s, func(tx *Tx) error {
		return tx.UpdatePushSubscription(ctx, tok.ID, []string{NotifyPoll, NotifyUpdate}, PushPolicyNone)
	})
	if got, _ := s.PushSubscriptionByToken(ctx, tok.ID); got.ID != second.ID || got.Policy != PushPolicyNone ||
		!slices.Equal(got.Alerts, []string{NotifyPoll, NotifyUpdate}) || got.Endpoint != second.Endpoint {
		t.Errorf("after update = %+v", got)
	}

	other := pushToken(t, s, alice)
	err = s.InTx(ctx, func(tx *Tx) error { return tx.UpdatePushSubscription(ctx, other.ID, nil, PushPolicyAll) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a token without one: err = %v; want ErrNotFound", err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeletePushSubscription(ctx, other.ID) }) // none: no error

	inTx(t, s, func(tx *Tx) (err error) { removed, err = tx.DeletePushSubscriptionByID(ctx, second.ID); return err })
	if !removed {
		t.Error("removing the subscription by ID removed nothing")
	}
	if _, err := s.PushSubscriptionByToken(ctx, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after removal: err = %v; want ErrNotFound", err)
	}
}

func TestPushSubscriptionGoesWithItsToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		end  func(t *testing.T, s *Store, tok Token)
	}{
		{"token revoked", func(t *testing.T, s *Store, tok Token) {
			inTx(t, s, func(tx *Tx) error { return tx.RevokeToken(ctx, tok.ID) })
		}},
		{"token deleted", func(t *testing.T, s *Store, tok Token) {
			inTx(t, s, func(tx *Tx) error {
				_, err := tx.exec(ctx, "delete token", `DELETE FROM oauth_tokens WHERE id = ?`, tok.ID)
				return err
			})
		}},
		{"account deleted", func(t *testing.T, s *Store, tok Token) {
			inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, tok.AccountID) })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			alice := mustAccount(t, s, "alice", "")
			tok, kept := pushToken(t, s, alice), pushToken(t, s, mustAccount(t, s, "bob", ""))
			pushSubscribe(t, s, tok, PushPolicyAll, NotifyMention)
			pushSubscribe(t, s, kept, PushPolicyAll, NotifyMention)
			tt.end(t, s, tok)
			if _, err := s.PushSubscriptionByToken(ctx, tok.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("subscription of the ended token: err = %v; want ErrNotFound", err)
			}
			if _, err := s.PushSubscriptionByToken(ctx, kept.ID); err != nil {
				t.Errorf("another token's subscription: %v", err)
			}
		})
	}
	t.Run("last use recorded", func(t *testing.T) {
		// Only revocation ends a subscription, not other changes to the token.
		s := openTest(t)
		tok := pushToken(t, s, mustAccount(t, s, "alice", ""))
		pushSubscribe(t, s, tok, PushPolicyAll, NotifyMention)
		inTx(t, s, func(tx *Tx) error {
			_, err := tx.exec(ctx, "use token", `UPDATE oauth_tokens SET last_used_at = 5 WHERE id = ?`, tok.ID)
			return err
		})
		if _, err := s.PushSubscriptionByToken(ctx, tok.ID); err != nil {
			t.Errorf("after the token was used: %v", err)
		}
	})
}

func TestPushRecipients(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type relation int
	const (
		ownerFollows relation = 1 << iota
		followsOwner
		muted
		mutedPostsOnly
		blocked
		domainBlocked
	)
	tests := []struct {
		name     string
		policy   string
		alerts   []string
		typ      string
		fromSelf bool
		rel      relation
		want     bool
	}{
		{"all", PushPolicyAll, []string{NotifyFavourite}, NotifyFavourite, false, 0, true},
		{"type not asked for", PushPolicyAll, []string{NotifyMention, NotifyReblog}, NotifyFavourite, false, 0, false},
		{"no alerts", PushPolicyAll, nil, NotifyFavourite, false, 0, false},
		{"follow_request is not follow", PushPolicyAll, []string{NotifyFollow}, NotifyFollowRequest, false, 0, false},
		{"none", PushPolicyNone, []string{NotifyFavourite}, NotifyFavourite, false, ownerFollows | followsOwner, false},
		{"followed: owner follows sender", PushPolicyFollowed, []string{NotifyMention}, NotifyMention, false, ownerFollows, true},
		{"followed: sender only follows owner", PushPolicyFollowed, []string{NotifyMention}, NotifyMention, false, followsOwner, false},
		{"follower: sender follows owner", PushPolicyFollower, []string{NotifyMention}, NotifyMention, false, followsOwner, true},
		{"follower: owner only follows sender", PushPolicyFollower, []string{NotifyMention}, NotifyMention, false, ownerFollows, false},
		{"followed: own poll", PushPolicyFollowed, []string{NotifyPoll}, NotifyPoll, true, 0, true},
		{"follower: own poll", PushPolicyFollower, []string{NotifyPoll}, NotifyPoll, true, 0, true},
		{"none: own poll", PushPolicyNone, []string{NotifyPoll}, NotifyPoll, true, 0, false},
		{"sender muted with notifications", PushPolicyAll, []string{NotifyMention}, NotifyMention, false, muted, false},
		{"sender's posts muted only", PushPolicyAll, []string{NotifyMention}, NotifyMention, false, mutedPostsOnly, true},
		{"sender blocked", PushPolicyAll, []string{NotifyMention}, NotifyMention, false, blocked | ownerFollows, false},
		{"sender's domain blocked", PushPolicyAll, []string{NotifyMention}, NotifyMention, false, domainBlocked, false},
		// copse's own types come under the Mastodon alert nearest them.
		{"join request under follow_request", PushPolicyAll, []string{NotifyFollowRequest}, NotifyJoinRequest, false, 0, true},
		{"join request is not follow", PushPolicyAll, []string{NotifyFollow, NotifyMention}, NotifyJoinRequest, false, 0, false},
		{"join answer under follow_request", PushPolicyAll, []string{NotifyFollowRequest}, NotifyJoinRefused, false, 0, true},
		{"event reminder under mention", PushPolicyAll, []string{NotifyMention}, NotifyEventReminder, false, 0, true},
		{"refused proposal under mention", PushPolicyAll, []string{NotifyMention}, NotifyProposalRefused, false, 0, true},
		{"refused proposal, mentions not asked for", PushPolicyAll, []string{NotifyFollowRequest}, NotifyProposalRefused, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			owner := mustAccount(t, s, "owner", "")
			from := mustAccount(t, s, "sender", "remote.example")
			if tt.fromSelf {
				from = owner
			}
			inTx(t, s, func(tx *Tx) error {
				var errs []error
				if tt.rel&ownerFollows != 0 {
					errs = append(errs, tx.InsertFollow(ctx, &Follow{AccountID: owner.ID, TargetID: from.ID}))
				}
				if tt.rel&followsOwner != 0 {
					errs = append(errs, tx.InsertFollow(ctx, &Follow{AccountID: from.ID, TargetID: owner.ID}))
				}
				if tt.rel&(muted|mutedPostsOnly) != 0 {
					errs = append(errs, tx.InsertMute(ctx, &Mute{AccountID: owner.ID, TargetID: from.ID, Notifications: tt.rel&muted != 0}))
				}
				if tt.rel&blocked != 0 {
					errs = append(errs, tx.InsertBlock(ctx, owner.ID, from.ID, ""))
				}
				if tt.rel&domainBlocked != 0 {
					errs = append(errs, tx.InsertDomainBlock(ctx, owner.ID, "remote.example"))
				}
				return errors.Join(errs...)
			})
			sub := pushSubscribe(t, s, pushToken(t, s, owner), tt.policy, tt.alerts...)
			// Another member's subscription never gets the owner's pushes.
			pushSubscribe(t, s, pushToken(t, s, mustAccount(t, s, "other", "")), PushPolicyAll, tt.typ)
			n := Notification{AccountID: owner.ID, FromAccountID: from.ID, Type: tt.typ}
			inTx(t, s, func(tx *Tx) error { return tx.InsertNotification(ctx, &n) })

			got, err := s.PushRecipients(ctx, owner.ID, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if tt.want {
				want = 1
			}
			if len(got) != want || tt.want && got[0].ID != sub.ID {
				t.Errorf("recipients = %+v; want subscription %d: %v", got, sub.ID, tt.want)
			}
		})
	}
}

func TestPushRecipientsOfOneNotification(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	owner, from := mustAccount(t, s, "owner", ""), mustAccount(t, s, "sender", "")
	phone := pushSubscribe(t, s, pushToken(t, s, owner), PushPolicyAll, NotifyMention)
	laptop := pushSubscribe(t, s, pushToken(t, s, owner), PushPolicyAll, NotifyMention, NotifyFavourite)
	n := Notification{AccountID: owner.ID, FromAccountID: from.ID, Type: NotifyMention}
	inTx(t, s, func(tx *Tx) error { return tx.InsertNotification(ctx, &n) })

	got, err := s.PushRecipients(ctx, owner.ID, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != phone.ID || got[1].ID != laptop.ID || got[1].AccessToken != laptop.AccessToken {
		t.Errorf("recipients = %+v; want both of the owner's subscriptions", got)
	}
	if got, err := s.PushRecipients(ctx, from.ID, n.ID); err != nil || len(got) != 0 {
		t.Errorf("recipients for an account not the owner = %v, %v; want none", got, err)
	}
	if got, err := s.PushRecipients(ctx, owner.ID, n.ID+1); err != nil || len(got) != 0 {
		t.Errorf("recipients of no notification = %v, %v; want none", got, err)
	}
}

func TestVAPIDKeyMadeOnce(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.VAPIDKey(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before one is made: err = %v; want ErrNotFound", err)
	}
	first := VAPIDKey{Public: "public-1", Private: "private-1"}
	var got VAPIDKey
	inTx(t, s, func(tx *Tx) (err error) { got, err = tx.EnsureVAPIDKey(ctx, first); return err })
	if got != first {
		t.Errorf("first key = %+v; want %+v", got, first)
	}
	inTx(t, s, func(tx *Tx) (err error) {
		got, err = tx.EnsureVAPIDKey(ctx, VAPIDKey{Public: "public-2", Private: "private-2"})
		return err
	})
	if got != first {
		t.Errorf("second attempt = %+v; want the first key kept", got)
	}
	if got, err := s.VAPIDKey(ctx); err != nil || got != first {
		t.Errorf("stored key = %+v, %v; want %+v", got, err, first)
	}
}

// TestPushRecipientsWithoutSubscriptions: a node where nobody subscribed
// answers without a query, and a subscription added later (even one
// committed while a query that found none was running) is never hidden.
func TestPushRecipientsWithoutSubscriptions(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	owner, from := mustAccount(t, s, "owner", ""), mustAccount(t, s, "sender", "")
	n := Notification{AccountID: owner.ID, FromAccountID: from.ID, Type: NotifyMention}
	inTx(t, s, func(tx *Tx) error { return tx.InsertNotification(ctx, &n) })
	recipients := func(when string, want int) {
		t.Helper()
		got, err := s.PushRecipients(ctx, owner.ID, n.ID)
		if err != nil || len(got) != want {
			t.Fatalf("%s: recipients = %v, %v; want %d", when, got, err, want)
		}
	}
	known := func() bool { return s.push.none.Load() == s.push.gen.Load()+1 }

	recipients("nobody subscribed", 0)
	if !known() {
		t.Fatal("no subscription, yet the next notification would query again")
	}
	// A subscription that rolls back changes nothing.
	tok := pushToken(t, s, owner)
	errRollback := errors.New("roll back")
	err := s.InTx(ctx, func(tx *Tx) error {
		p := PushSubscription{TokenID: tok.ID, AccountID: owner.ID, Endpoint: "https://push.example/x",
			P256dh: "key", Auth: "auth", Alerts: []string{NotifyMention}, Policy: PushPolicyAll}
		if err := tx.PutPushSubscription(ctx, &p); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	recipients("after a rolled-back subscription", 0)

	// A query that found none began before this subscription committed:
	// what it learnt must not outlive the commit.
	before := s.push.gen.Load()
	sub := pushSubscribe(t, s, tok, PushPolicyAll, NotifyMention)
	s.push.none.Store(before + 1)
	recipients("subscribed while a query found none", 1)

	inTx(t, s, func(tx *Tx) error { return tx.RevokeToken(ctx, sub.TokenID) })
	recipients("after the only subscription went with its token", 0)
	if !known() {
		t.Fatal("after the last subscription ended, the next notification would query again")
	}
	pushSubscribe(t, s, pushToken(t, s, owner), PushPolicyAll, NotifyMention)
	recipients("subscribed again", 1)
}
