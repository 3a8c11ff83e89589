package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Follows, blocks, mutes, notes and domain blocks, the relationships
// they make, and the paged lists of them.

// Domain blocks page in bigger steps than accounts, as in Mastodon.
const (
	domainBlockPageDefault = 100
	domainBlockPageMax     = 200
)

// FamiliarFollowers is Mastodon's FamiliarFollowers entity.
type FamiliarFollowers struct {
	ID       string    `json:"id"`
	Accounts []Account `json:"accounts"`
}

// MutedAccount is an Account as /api/v1/mutes lists it, with when the
// mute ends.
type MutedAccount struct {
	Account
	MuteExpiresAt *string `json:"mute_expires_at"`
}

func relationshipEntity(target storage.ID, r storage.Relationship) Relationship {
	return Relationship{
		ID:                  target.String(),
		Following:           r.Following,
		ShowingReblogs:      r.ShowingReblogs,
		Notifying:           r.Notifying,
		FollowedBy:          r.FollowedBy,
		Blocking:            r.Blocking,
		BlockedBy:           r.BlockedBy,
		Muting:              r.Muting,
		MutingNotifications: r.MutingNotifications,
		Requested:           r.Requested,
		RequestedBy:         r.RequestedBy,
		DomainBlocking:      r.DomainBlocking,
		Note:                r.Note,
	}
}

// writeRelationship answers with how viewer now stands to target.
func (h *Handler) writeRelationship(w http.ResponseWriter, r *http.Request, viewer, target storage.ID) error {
	rel, err := h.store.Relationship(r.Context(), viewer, target, h.store.Now())
	if err != nil {
		return err
	}
	h.json(w, relationshipEntity(target, rel))
	return nil
}

// relationCommand runs the shape every POST /api/v1/accounts/:id/<verb>
// shares: a member with scope acts on an account through the engine, and
// the answer is the relationship that results.
func (h *Handler) relationCommand(scope string, do func(ctx context.Context, me, target storage.Account, v url.Values) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := Caller(r, scope)
		if err != nil {
			return err
		}
		target, err := h.targetAccount(r)
		if err != nil {
			return err
		}
		v, err := form(r)
		if err != nil {
			return err
		}
		if err := do(r.Context(), me, target, v); err != nil {
			return err
		}
		return h.writeRelationship(w, r, me.ID, target.ID)
	}
}

// POST /api/v1/accounts/:id/follow: following again changes the options.
func (h *Handler) follow(w http.ResponseWriter, r *http.Request) error {
	return h.relationCommand("write:follows", func(ctx context.Context, me, target storage.Account, v url.Values) error {
		o := federation.FollowOptions{ShowReblogs: boolParam(v, "reblogs", true), Notify: boolParam(v, "notify", false)}
		if err := h.engine.Follow(ctx, me.ID, target.ID, o); err != nil {
			return err
		}
		return h.engine.SetFollowOptions(ctx, me.ID, target.ID, o)
	})(w, r)
}

// POST /api/v1/accounts/:id/unfollow
func (h *Handler) unfollow(w http.ResponseWriter, r *http.Request) error {
	return h.relationCommand("write:follows", func(ctx context.Context, me, target storage.Account, _ url.Values) error {
		return h.engine.Unfollow(ctx, me.ID, target.ID)
	})(w, r)
}

// POST /api/v1/accounts/:id/block
func (h *Handler) block(w http.ResponseWriter, r *http.Request) error {
	return h.relationCommand("write:blocks", func(ctx context.Context, me, target storage.Account, _ url.Values) error {
		return h.engine.Block(ctx, me.ID, target.ID)
	})(w, r)
}

// POST /api/v1/accounts/:id/unblock
func (h *Handler) unblock(w http.ResponseWriter, r *http.Request) error {
	return h.relationCommand("write:blocks", func(ctx context.Context, me, target storage.Account, _ url.Values) error {
		return h.engine.Unblock(ctx, me.ID, target.ID)
	})(w, r)
}

// POST /api/v1/accounts/:id/mute: notifications (default true), duration
// in seconds (default 0: until lifted).
func (h *Handler) mute(w http.ResponseWriter, r *http.Request) error {
	return h.relationCommand("write:mutes", func(ctx context.Context, me, target storage.Account, v url.Values) error {
		var duration time.Duration
		if s := v.Get("duration"); s != "" {
			secs, err := strconv.ParseInt(s, 10, 64)
			if err != nil || secs < 0 || secs > int64(100*365*24*time.Hour/time.Second) {
				return invalidParam("duration must be a number of seconds")
			}
			duration = time.Duration(secs) * time.Second
		}
		return h.engine.Mute(ctx, me.ID, target.ID, boolParam(v, "notifications", true), duration)
	})(w, r)
}

// POST /api/v1/accounts/:id/unmute
func (h *Handler) unmute(w http.ResponseWriter, r *http.Request) error {
	return h.relationCommand("write:mutes", func(ctx context.Context, me, target storage.Account, _ url.Values) error {
		return h.engine.Unmute(ctx, me.ID, target.ID)
	})(w, r)
}

// POST /api/v1/accounts/:id/note: comment; empty or absent clears it.
func (h *Handler) accountNote(w http.ResponseWriter, r *http.Request) error {
	return h.relationCommand("write:accounts", func(ctx context.Context, me, target storage.Account, v url.Values) error {
		return h.engine.SetAccountNote(ctx, me.ID, target.ID, v.Get("comment"))
	})(w, r)
}

// GET /api/v1/accounts/relationships?id[]=
func (h *Handler) relationships(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:follows")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	withSuspended := boolParam(v, "with_suspended", false)
	out := []Relationship{}
	now := h.store.Now()
	for _, id := range idList(v) {
		a, err := h.store.AccountByID(r.Context(), id)
		if err != nil {
			continue // unknown accounts are left out, as in Mastodon
		}
		if !a.SuspendedAt.IsZero() && !withSuspended {
			continue
		}
		rel, err := h.store.Relationship(r.Context(), me.ID, id, now)
		if err != nil {
			return err
		}
		out = append(out, relationshipEntity(id, rel))
	}
	h.json(w, out)
	return nil
}

// familiarLimit bounds the familiar followers listed per account (apps
// show a handful), and familiarTotal those of one request: 100 ids with
// 40 each would present 4,000 accounts.
const (
	familiarLimit = 40
	familiarTotal = 200
)

// familiarPer is how many familiar followers each of n ids asked for
// gets: an equal share of familiarTotal, at least one, at most
// familiarLimit.
func familiarPer(n int) int {
	return min(familiarLimit, max(familiarTotal/max(n, 1), 1))
}

// GET /api/v1/accounts/familiar_followers?id[]=
func (h *Handler) familiarFollowers(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:follows")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p := h.presenter(me)
	out := []FamiliarFollowers{}
	ids := idList(v)
	per := familiarPer(len(ids))
	for _, id := range ids {
		if _, err := h.store.AccountByID(r.Context(), id); err != nil {
			continue
		}
		accounts, err := h.store.FamiliarFollowers(r.Context(), me.ID, id, per)
		if err != nil {
			return err
		}
		ff := FamiliarFollowers{ID: id.String(), Accounts: []Account{}}
		for _, a := range accounts {
			e, err := p.account(r.Context(), a)
			if err != nil {
				return err
			}
			ff.Accounts = append(ff.Accounts, e)
		}
		out = append(out, ff)
	}
	h.json(w, out)
	return nil
}

// writeListed answers with a page of listed accounts and the Link header
// that pages on from the rows that listed them.
func (h *Handler) writeListed(w http.ResponseWriter, r *http.Request, viewer storage.Account, rows []storage.ListedAccount) error {
	return h.writeListedPage(w, r, viewer, rows, rows)
}

// writeListedPage presents shown, what the viewer may see of the page
// rows read; the Link header pages by rows, so a page the viewer sees
// none of still leads on.
func (h *Handler) writeListedPage(w http.ResponseWriter, r *http.Request, viewer storage.Account, shown, rows []storage.ListedAccount) error {
	p := h.presenter(viewer)
	out := make([]Account, 0, len(shown))
	for _, l := range shown {
		e, err := p.account(r.Context(), l.Account)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(rows) > 0 {
		h.setLink(w, r, rows[0].RowID, rows[len(rows)-1].RowID)
	}
	h.json(w, out)
	return nil
}

// followList serves the followers and following of an account, which
// anyone may read, unless the account blocks the viewer.
func (h *Handler) followList(w http.ResponseWriter, r *http.Request,
	load func(ctx context.Context, account storage.ID, p storage.Page) ([]storage.ListedAccount, error)) error {
	viewer, err := optionalCaller(r, "read:accounts")
	if err != nil {
		return err
	}
	a, err := h.targetAccount(r)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	if viewer.ID != 0 && viewer.ID != a.ID {
		blocked, err := h.store.Blocks(r.Context(), a.ID, viewer.ID)
		if err != nil {
			return err
		}
		if blocked {
			h.json(w, []Account{})
			return nil
		}
	}
	if a.ActorType == activitypub.TypeGroup {
		// A members-only community's members are for its members to
		// list, as its ActivityPub followers collection has it; others
		// are told only how many there are (followers_count).
		see, err := h.engine.CanSeeCommunity(r.Context(), viewer, a)
		if err != nil {
			return err
		}
		if !see {
			h.json(w, []Account{})
			return nil
		}
	}
	rows, err := load(r.Context(), a.ID, page(v, relationPageDefault, relationPageMax))
	if err != nil {
		return err
	}
	shown, err := h.engine.VisibleFollows(r.Context(), viewer, rows)
	if err != nil {
		return err
	}
	return h.writeListedPage(w, r, viewer, shown, rows)
}

// GET /api/v1/accounts/:id/followers
func (h *Handler) followers(w http.ResponseWriter, r *http.Request) error {
	return h.followList(w, r, h.store.FollowerPage)
}

// GET /api/v1/accounts/:id/following
func (h *Handler) following(w http.ResponseWriter, r *http.Request) error {
	return h.followList(w, r, h.store.FollowingPage)
}

// ownList serves a list of the member's own: follow requests, blocks.
func (h *Handler) ownList(scope string,
	load func(ctx context.Context, account storage.ID, p storage.Page) ([]storage.ListedAccount, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := Caller(r, scope)
		if err != nil {
			return err
		}
		v, err := form(r)
		if err != nil {
			return err
		}
		rows, err := load(r.Context(), me.ID, page(v, relationPageDefault, relationPageMax))
		if err != nil {
			return err
		}
		return h.writeListed(w, r, me, rows)
	}
}

// GET /api/v1/follow_requests
func (h *Handler) followRequests(w http.ResponseWriter, r *http.Request) error {
	return h.ownList("read:follows", h.store.FollowRequestPage)(w, r)
}

// GET /api/v1/blocks
func (h *Handler) blocks(w http.ResponseWriter, r *http.Request) error {
	return h.ownList("read:blocks", h.store.BlockPage)(w, r)
}

// GET /api/v1/mutes
func (h *Handler) mutes(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:mutes")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	rows, err := h.store.MutePage(r.Context(), me.ID, h.store.Now(), page(v, relationPageDefault, relationPageMax))
	if err != nil {
		return err
	}
	p := h.presenter(me)
	out := make([]MutedAccount, 0, len(rows))
	for _, l := range rows {
		e, err := p.account(r.Context(), l.Account)
		if err != nil {
			return err
		}
		m := MutedAccount{Account: e}
		if !l.ExpiresAt.IsZero() {
			t := isoTime(l.ExpiresAt)
			m.MuteExpiresAt = &t
		}
		out = append(out, m)
	}
	if len(rows) > 0 {
		h.setLink(w, r, rows[0].RowID, rows[len(rows)-1].RowID)
	}
	h.json(w, out)
	return nil
}

// followRequestCommand serves authorize and reject: {id} is the account
// that asked to follow the member.
func (h *Handler) followRequestCommand(do func(ctx context.Context, target, follower storage.ID) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := Caller(r, "write:follows")
		if err != nil {
			return err
		}
		follower, err := h.targetAccount(r)
		if err != nil {
			return err
		}
		if err := do(r.Context(), me.ID, follower.ID); err != nil {
			return err // no pending request is storage.ErrNotFound: 404
		}
		return h.writeRelationship(w, r, me.ID, follower.ID)
	}
}

// POST /api/v1/follow_requests/:id/authorize
func (h *Handler) authorizeFollowRequest(w http.ResponseWriter, r *http.Request) error {
	return h.followRequestCommand(h.engine.AuthorizeFollowRequest)(w, r)
}

// POST /api/v1/follow_requests/:id/reject
func (h *Handler) rejectFollowRequest(w http.ResponseWriter, r *http.Request) error {
	return h.followRequestCommand(h.engine.RejectFollowRequest)(w, r)
}

// GET /api/v1/domain_blocks: the domains, as strings.
func (h *Handler) domainBlocks(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:blocks")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p := page(v, domainBlockPageDefault, domainBlockPageMax)
	rows, err := h.store.DomainBlockPage(r.Context(), me.ID, p, p.Limit)
	if err != nil {
		return err
	}
	out := make([]string, 0, len(rows))
	for _, b := range rows {
		out = append(out, b.Domain)
	}
	if len(rows) > 0 {
		h.setLink(w, r, rows[0].ID, rows[len(rows)-1].ID)
	}
	h.json(w, out)
	return nil
}

// POST /api/v1/domain_blocks: domain.
func (h *Handler) blockDomain(w http.ResponseWriter, r *http.Request) error {
	return h.domainBlockCommand(w, r, h.engine.BlockDomain)
}

// DELETE /api/v1/domain_blocks: domain.
func (h *Handler) unblockDomain(w http.ResponseWriter, r *http.Request) error {
	return h.domainBlockCommand(w, r, h.engine.UnblockDomain)
}

func (h *Handler) domainBlockCommand(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, account storage.ID, domain string) error) error {
	me, err := Caller(r, "write:blocks")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	// The engine refuses a blank or malformed domain with Mastodon's 422.
	if err := do(r.Context(), me.ID, v.Get("domain")); err != nil {
		return err
	}
	h.json(w, struct{}{})
	return nil
}
