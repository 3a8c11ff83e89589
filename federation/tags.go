package federation

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/storage"
)

// Followed hashtags: a member who follows one gets the public statuses
// that carry it in their home feed (fanOut), from accounts they do not
// follow too. Following a hashtag is local only and never federated.

// hashtagName is a hashtag's name as copse reads it in text (see
// tokenPattern): letters, digits and "_", at least one not a digit.
var hashtagName = regexp.MustCompile(`^[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*$`)

// maxFollowedTag bounds the name of a hashtag a member may follow: a
// follow creates the tag when no status carries it yet.
const maxFollowedTag = 100

// NormalizeTag returns a hashtag's name as copse stores it, without "#"
// and in lower case; false if name is not a hashtag name.
func NormalizeTag(name string) (string, bool) {
	name = strings.TrimPrefix(name, "#")
	if !hashtagName.MatchString(name) {
		return "", false
	}
	return strings.ToLower(name), true
}

// FollowTag makes a member follow a hashtag and returns its name as
// stored; following it again changes nothing.
func (e *Engine) FollowTag(ctx context.Context, accountID storage.ID, name string) (string, error) {
	tag, err := e.tagOf(ctx, accountID, name)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(tag) > maxFollowedTag {
		return "", invalid("a hashtag to follow has at most %d characters", maxFollowedTag)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.FollowTag(ctx, accountID, tag); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedFollowedTags, accountID)
	})
	if err != nil {
		return "", fmt.Errorf("follow tag: %w", err)
	}
	return tag, nil
}

// UnfollowTag stops a member following a hashtag and returns its name as
// stored; unfollowing one not followed is no error.
func (e *Engine) UnfollowTag(ctx context.Context, accountID storage.ID, name string) (string, error) {
	tag, err := e.tagOf(ctx, accountID, name)
	if err != nil {
		return "", err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UnfollowTag(ctx, accountID, tag) }); err != nil {
		return "", fmt.Errorf("unfollow tag: %w", err)
	}
	return tag, nil
}

// tagOf checks that a member acts and name is a hashtag name.
func (e *Engine) tagOf(ctx context.Context, accountID storage.ID, name string) (string, error) {
	if _, err := e.localAccount(ctx, accountID); err != nil {
		return "", err
	}
	tag, ok := NormalizeTag(name)
	if !ok {
		return "", invalid("%q is not a hashtag", name)
	}
	return tag, nil
}
