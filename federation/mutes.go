package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A member's own settings about other accounts: mutes, private notes,
// domain blocks and follow options. Mutes and notes are local only and
// never federated; a domain block also ends follows from that domain,
// which the followers' nodes are told of. Also the client API's profile
// update, which keeps the plain text the member typed.

// Mute hides target's statuses (and, with notifications, their
// notifications) from a member, for duration or, when zero, until lifted.
// Muting again replaces the earlier mute.
func (e *Engine) Mute(ctx context.Context, accountID, targetID storage.ID, notifications bool, duration time.Duration) error {
	actor, target, err := e.relationParties(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	if actor.ID == target.ID {
		return invalid("you can't mute yourself")
	}
	if duration < 0 {
		return invalid("duration can't be negative")
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		m := storage.Mute{AccountID: actor.ID, TargetID: target.ID, Notifications: notifications}
		if duration > 0 {
			m.ExpiresAt = tx.Now().Add(duration)
		}
		return tx.InsertMute(ctx, &m)
	})
	if err != nil {
		return fmt.Errorf("mute: %w", err)
	}
	return nil
}

// Unmute lifts a mute; lifting one that is not there is no error.
func (e *Engine) Unmute(ctx context.Context, accountID, targetID storage.ID) error {
	actor, target, err := e.relationParties(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.DeleteMute(ctx, actor.ID, target.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("unmute: %w", err)
	}
	return nil
}

// MaxAccountNote is the longest private note, in characters, as Mastodon
// allows.
const MaxAccountNote = 2000

// SetAccountNote keeps a member's private note about target; an empty
// comment removes it.
func (e *Engine) SetAccountNote(ctx context.Context, accountID, targetID storage.ID, comment string) error {
	actor, target, err := e.relationParties(ctx, accountID, targetID)
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(comment); n > MaxAccountNote {
		return invalid("note is %d characters; the limit is %d", n, MaxAccountNote)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		return tx.SetAccountNote(ctx, actor.ID, target.ID, strings.TrimSpace(comment))
	})
	if err != nil {
		return fmt.Errorf("account note: %w", err)
	}
	return nil
}

// SetFollowOptions changes whether a member sees target's reblogs and is
// notified of their posts, on an existing follow or pending request (not
// federated). Without either, it does nothing.
func (e *Engine) SetFollowOptions(ctx context.Context, accountID, targetID storage.ID, o FollowOptions) error {
	f, err := e.store.FollowOf(ctx, accountID, targetID)
	insert := (*storage.Tx).InsertFollow
	if errors.Is(err, storage.ErrNotFound) {
		f, err = e.store.FollowRequestOf(ctx, accountID, targetID)
		insert = (*storage.Tx).InsertFollowRequest
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if f.ShowReblogs == o.ShowReblogs && f.Notify == o.Notify {
		return nil
	}
	f.ShowReblogs, f.Notify = o.ShowReblogs, o.Notify
	err = e.store.InTx(ctx, func(tx *storage.Tx) error { return insert(tx, ctx, &f) })
	if err != nil {
		return fmt.Errorf("follow options: %w", err)
	}
	return nil
}

// NormalizeDomain lower-cases a domain a member typed and checks it looks
// like a host name (with an optional port), not a URL or a phrase.
func NormalizeDomain(domain string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(domain))
	if d == "" {
		return "", invalid("Validation failed: Domain can't be blank")
	}
	if strings.ContainsAny(d, " \t\r\n/@?#") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return "", invalid("Validation failed: Domain is not a valid domain name")
	}
	return d, nil
}

// BlockDomain blocks a domain for one member: statuses and notifications
// from accounts there are hidden from them, and accounts there that
// follow them, or asked to, are removed and told with Reject{Follow}, as
// Mastodon does. The member's own follows of accounts there stay.
func (e *Engine) BlockDomain(ctx context.Context, accountID storage.ID, domain string) error {
	actor, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if domain, err = NormalizeDomain(domain); err != nil {
		return err
	}
	follows, requests, err := e.store.FollowsFromDomain(ctx, actor.ID, domain)
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertDomainBlock(ctx, actor.ID, domain); err != nil {
			return err
		}
		if err := withinQuota(ctx, tx, storage.OwnedDomainBlocks, actor.ID); err != nil {
			return err
		}
		for _, f := range append(follows, requests...) {
			follower, err := tx.AccountByID(ctx, f.AccountID)
			if err != nil {
				return err
			}
			if err := e.endFollow(ctx, tx, follower, actor); err != nil {
				return err
			}
			follow := activitypub.Activity{ID: f.URI, Type: activitypub.TypeFollow, Actor: follower.URI, Object: activitypub.Object{IRI: actor.URI}}
			act := activitypub.Activity{ID: e.urls.Activity(actor.Username, tx.NewID()), Type: activitypub.TypeReject,
				Actor: actor.URI, To: []string{follower.URI}, Object: activitypub.Object{IRI: f.URI, Type: activitypub.TypeFollow, Activity: &follow}}
			if err := e.publish(ctx, tx, actor, act, false, []string{follower.Inbox}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("block domain %s: %w", domain, err)
	}
	return nil
}

// UnblockDomain lifts a member's block of a domain; removed followers stay
// removed.
func (e *Engine) UnblockDomain(ctx context.Context, accountID storage.ID, domain string) error {
	actor, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if domain, err = NormalizeDomain(domain); err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.DeleteDomainBlock(ctx, actor.ID, domain)
		return err
	})
	if err != nil {
		return fmt.Errorf("unblock domain %s: %w", domain, err)
	}
	return nil
}

// Limits on a profile, as Mastodon sets them for local accounts.
const (
	MaxDisplayName = 30
	MaxNote        = 500
	MaxFields      = 4 // besides organisation, department and role
	MaxFieldChars  = 255
)

// Credentials is a profile update from the client API: the profile and
// the bot flag.
type Credentials struct {
	Profile
	Bot bool
}

func (c Credentials) validate() error {
	if n := utf8.RuneCountInString(c.DisplayName); n > MaxDisplayName {
		return invalid("Validation failed: Display name is too long (maximum is %d characters)", MaxDisplayName)
	}
	if n := utf8.RuneCountInString(c.Note); n > MaxNote {
		return invalid("Validation failed: Note is too long (maximum is %d characters)", MaxNote)
	}
	if len(c.Fields) > MaxFields {
		return invalid("Validation failed: Fields is too long (maximum is %d fields)", MaxFields)
	}
	for _, s := range append([]string{c.Organisation, c.Department, c.JobTitle}, fieldTexts(c.Fields)...) {
		if utf8.RuneCountInString(s) > MaxFieldChars {
			return invalid("Validation failed: Fields must each be at most %d characters", MaxFieldChars)
		}
	}
	return nil
}

func fieldTexts(fs []activitypub.Field) []string {
	out := make([]string, 0, 2*len(fs))
	for _, f := range fs {
		out = append(out, f.Name, f.Value)
	}
	return out
}

// UpdateCredentials validates and saves a profile through UpdateProfile
// (which federates Update{Person}), and keeps the plain text typed for
// the note and fields so apps can offer it for editing. A change of the
// bot flag, which makes the actor a Service, is saved first so the one
// Update carries it.
func (e *Engine) UpdateCredentials(ctx context.Context, accountID storage.ID, c Credentials) (storage.Account, error) {
	c.Profile = c.Profile.clean()
	if err := c.validate(); err != nil {
		return storage.Account{}, err
	}
	a, err := e.localAccount(ctx, accountID)
	if err != nil {
		return storage.Account{}, err
	}
	if a.Bot != c.Bot && (a.ActorType == activitypub.TypePerson || a.ActorType == activitypub.TypeService) {
		a.Bot = c.Bot
		a.ActorType = activitypub.TypePerson
		if c.Bot {
			a.ActorType = activitypub.TypeService
		}
		if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &a) }); err != nil {
			return storage.Account{}, fmt.Errorf("update credentials: %w", err)
		}
	}
	a, err = e.UpdateProfile(ctx, accountID, c.Profile)
	if err != nil {
		return storage.Account{}, err
	}
	src := storage.ProfileSource{Note: strings.TrimSpace(c.Note), Fields: c.Fields, NoteHTML: a.Note, FieldsHTML: a.Fields}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.SaveProfileSource(ctx, a.ID, src) }); err != nil {
		return storage.Account{}, fmt.Errorf("update credentials: %w", err)
	}
	return a, nil
}

// relationParties loads a local member and the account they act on.
func (e *Engine) relationParties(ctx context.Context, accountID, targetID storage.ID) (storage.Account, storage.Account, error) {
	actor, err := e.localAccount(ctx, accountID)
	if err != nil {
		return storage.Account{}, storage.Account{}, err
	}
	target, err := e.store.AccountByID(ctx, targetID)
	if err != nil {
		return storage.Account{}, storage.Account{}, fmt.Errorf("account %d: %w", targetID, err)
	}
	return actor, target, nil
}
