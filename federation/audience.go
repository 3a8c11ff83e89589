package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// audienceInboxes returns the remote inboxes a local status, or an Update
// or Delete of it, goes to: its author's followers' (unless it is direct),
// and those of the accounts it mentions, of the author it answers and of
// extra accounts (a poll's voters), and of the community's Group for
// community content, each only if that account may see the
// status. Every send of a status's content goes through here, so that
// none reaches an actor the visibility rule keeps out: a followers-only
// reply does not go to the author it answers unless they follow or are
// mentioned, as on Mastodon, and a voter who is not a follower hears
// nothing of a followers-only poll.
func (e *Engine) audienceInboxes(ctx context.Context, tx *storage.Tx, st storage.Status, nc noteContext, extra ...storage.Account) ([]string, error) {
	var inboxes []string
	membersOnly := membersOnlyNote(st, nc) // to the Group, which announces it to its members
	if st.Visibility != activitypub.Direct && !membersOnly {
		// Followers see everything but direct posts; a block ends a follow.
		f, err := tx.FollowerInboxes(ctx, nc.Author.ID)
		if err != nil {
			return nil, fmt.Errorf("audience of %s: %w", st.URI, err)
		}
		inboxes = f
	}
	candidates := append([]storage.Account{}, nc.Mentioned...)
	if st.InReplyToAccountID != 0 {
		parent, err := tx.AccountByID(ctx, st.InReplyToAccountID)
		switch {
		case err == nil:
			candidates = append(candidates, parent)
		case !errors.Is(err, storage.ErrNotFound):
			return nil, fmt.Errorf("audience of %s: replied-to author: %w", st.URI, err)
		}
	}
	candidates = append(candidates, extra...)
	if nc.Community != nil && (isListed(st.Visibility) || membersOnly) {
		// Community content goes to its Group, which announces it to
		// the community (a reply names only the author it answers).
		candidates = append(candidates, *nc.Community)
	}
	for _, a := range candidates {
		if a.Local() {
			continue
		}
		ok, err := canSee(ctx, tx, a, st)
		if err != nil {
			return nil, fmt.Errorf("audience of %s: %w", st.URI, err)
		}
		if ok {
			inboxes = append(inboxes, a.DeliveryInbox())
		}
	}
	return inboxes, nil
}
