package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Poll is Mastodon's Poll entity. Its ID is its status's: a status has at
// most one poll. Voted and OwnVotes are left out for an anonymous viewer.
type Poll struct {
	ID          string        `json:"id"`
	ExpiresAt   *string       `json:"expires_at"`
	Expired     bool          `json:"expired"`
	Multiple    bool          `json:"multiple"`
	VotesCount  int           `json:"votes_count"`
	VotersCount int           `json:"voters_count"`
	Options     []PollOption  `json:"options"`
	Emojis      []CustomEmoji `json:"emojis"`
	Voted       *bool         `json:"voted,omitempty"`
	OwnVotes    *[]int        `json:"own_votes,omitempty"`
}

// PollOption is one option of a Poll; VotesCount is null while a poll
// that hides its totals runs.
type PollOption struct {
	Title      string `json:"title"`
	VotesCount *int   `json:"votes_count"`
}

func (h *Handler) mountPolls(r chi.Router) {
	r.Get("/api/v1/polls/{id}", h.handle(h.getPoll))
	r.Post("/api/v1/polls/{id}/votes", h.handle(h.votePoll))
}

// GET /api/v1/polls/:id
func (h *Handler) getPoll(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, viewer)
	if err != nil {
		return err
	}
	return h.writePoll(w, r, viewer, st)
}

// POST /api/v1/polls/:id/votes
func (h *Handler) votePoll(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, me)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	var choices []int
	for _, s := range nonEmpty(list(v, "choices")) {
		c, err := strconv.Atoi(s)
		if err != nil {
			return unprocessable("Validation failed: The chosen vote option does not exist")
		}
		choices = append(choices, c)
	}
	if _, err := h.engine.Vote(r.Context(), me.ID, st.ID, choices); err != nil {
		return err
	}
	return h.writePoll(w, r, me, st)
}

func (h *Handler) writePoll(w http.ResponseWriter, r *http.Request, viewer storage.Account, st storage.Status) error {
	e, err := h.presenter(viewer).poll(r.Context(), st)
	if err == nil && e == nil {
		err = storage.ErrNotFound // a status without a poll
	}
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// poll renders the poll of a status for the viewer; nil when it has none.
func (p *presenter) poll(ctx context.Context, st storage.Status) (*Poll, error) {
	if st.ObjectType != activitypub.TypeQuestion {
		return nil, nil
	}
	poll, err := p.store.PollByStatus(ctx, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var own []int
	if p.viewer.ID != 0 {
		if own, err = p.store.OwnVotes(ctx, st.ID, p.viewer.ID); err != nil {
			return nil, err
		}
	}
	e := pollEntity(poll, p.viewer.ID, st.AccountID, own, p.now())
	return &e, nil
}

// pollEntity converts a poll for a viewer (zero: anonymous) whose own
// choices are own; it does no I/O. As in Mastodon, a poll's author counts
// as having voted, and counts a poll hides stay hidden from everyone until
// it ends.
func pollEntity(p storage.Poll, viewer, author storage.ID, own []int, now time.Time) Poll {
	expired := p.Expired(now)
	e := Poll{
		ID:          p.StatusID.String(),
		Expired:     expired,
		Multiple:    p.Multiple,
		VotesCount:  p.VotesCount(),
		VotersCount: p.VotersCount,
		Options:     make([]PollOption, 0, len(p.Options)),
		Emojis:      []CustomEmoji{},
	}
	if !p.ExpiresAt.IsZero() {
		at := isoTime(p.ExpiresAt)
		e.ExpiresAt = &at
	}
	for _, o := range p.Options {
		opt := PollOption{Title: o.Title}
		if expired || !p.HideTotals {
			n := o.Votes
			opt.VotesCount = &n
		}
		e.Options = append(e.Options, opt)
	}
	if viewer != 0 {
		voted := viewer == author || len(own) > 0
		if own == nil {
			own = []int{}
		}
		e.Voted, e.OwnVotes = &voted, &own
	}
	return e
}

// pollDraftOf reads the poll of POST /api/v1/statuses: poll[options][]
// (or poll[options][0], poll[options][1]...), poll[expires_in] in
// seconds, poll[multiple] and poll[hide_totals]. It is nil when the form
// has no poll.
func pollDraftOf(v url.Values) (*federation.PollDraft, error) {
	if !hasPoll(v) {
		return nil, nil
	}
	p := &federation.PollDraft{
		Options:    pollOptionsOf(v),
		Multiple:   boolParam(v, "poll[multiple]", false),
		HideTotals: boolParam(v, "poll[hide_totals]", false),
	}
	if s := strings.TrimSpace(v.Get("poll[expires_in]")); s != "" {
		secs, err := strconv.ParseFloat(s, 64) // JSON numbers may come as 86400.0
		if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > 1<<32 {
			return nil, unprocessable("Validation failed: Poll expires at is invalid")
		}
		p.ExpiresIn = time.Duration(secs * float64(time.Second))
	}
	return p, nil
}

// pollOptionsOf reads the options as a list (poll[options][] or repeated
// poll[options]) or, failing that, by index, in index order.
func pollOptionsOf(v url.Values) []string {
	if opts := list(v, "poll[options]"); len(opts) > 0 {
		return opts
	}
	type indexed struct {
		i int
		s string
	}
	var found []indexed
	for k, vs := range v {
		rest, ok := strings.CutPrefix(k, "poll[options][")
		if !ok || !strings.HasSuffix(rest, "]") || len(vs) == 0 {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
		if err != nil {
			continue
		}
		found = append(found, indexed{i, vs[0]})
	}
	sort.Slice(found, func(a, b int) bool { return found[a].i < found[b].i })
	out := make([]string, 0, len(found))
	for _, f := range found {
		out = append(out, f.s)
	}
	return out
}
