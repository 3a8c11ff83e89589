package pages

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Polls on the pages: a post that is a poll (a Question, made in an app
// here or elsewhere) shows its options, and its counts once the reader
// has voted, cannot vote or it has ended (or at once, unless its author
// hid the totals until the end). On a thread page a member signed in
// votes with a form (POST /c/{handle}/posts/{id}/vote), which the engine
// takes as an app's vote (Engine.Vote: who may, once, until it ends).

type pollView struct {
	ID       string // the post's, for the fields' ids
	Options  []pollOptionView
	Multiple bool
	Voters   int
	Ended    bool
	// Ends is when it ends or ended ("" for never), ISO the same.
	Ends, ISO string
	// Hidden: counts are not shown (the author hid them until the end).
	Hidden bool
	// Vote is the form's action when the reader may vote ("": they may
	// not, or have), with the session's CSRF token; Voted, that they have.
	Vote, CSRF string
	Voted      bool
}

type pollOptionView struct {
	Index          int
	Title          string
	Votes, Percent int
	Chosen         bool // the reader's choice
}

// pollViewOf is what a post shows of its poll p at now.
func pollViewOf(st storage.Status, p storage.Poll, now time.Time) *pollView {
	v := &pollView{ID: st.ID.String(), Multiple: p.Multiple, Voters: p.VotersCount, Ended: p.Expired(now)}
	v.Hidden = p.HideTotals && !v.Ended
	if !p.ExpiresAt.IsZero() {
		v.Ends, v.ISO = p.ExpiresAt.UTC().Format("2 January 2006, 15:04 MST"), p.ExpiresAt.Format(time.RFC3339)
	}
	total := p.VotesCount()
	if p.Multiple && p.VotersCount > 0 {
		total = p.VotersCount // each option's share of the people who voted, as Mastodon shows it
	}
	for i, o := range p.Options {
		ov := pollOptionView{Index: i, Title: o.Title, Votes: o.Votes}
		if total > 0 {
			ov.Percent = (o.Votes*100 + total/2) / total
		}
		v.Options = append(v.Options, ov)
	}
	return v
}

// offerVote sets what post v's poll shows reader me on a thread page of
// the community at communityURL: their choices, and the vote form while
// they may vote (not their own post, not ended, not voted).
func (h *Handler) offerVote(r *http.Request, me storage.Account, v *statusView, communityURL, csrf string) error {
	p := v.Poll
	if p == nil || me.ID == 0 {
		return nil
	}
	id, err := storage.ParseID(v.ID)
	if err != nil {
		return err
	}
	own, err := h.store.OwnVotes(r.Context(), id, me.ID)
	if err != nil {
		return err
	}
	for _, c := range own {
		if c >= 0 && c < len(p.Options) {
			p.Options[c].Chosen = true
		}
	}
	p.Voted = len(own) > 0
	if !p.Voted && !p.Ended && v.AuthorID != me.ID.String() {
		p.Vote, p.CSRF = communityURL+"/posts/"+v.ID+"/vote", csrf
	}
	return nil
}

// Vote takes POST /c/{handle}/posts/{id}/vote: the choices ticked, as
// the engine takes an app's vote; back to the post on its thread.
func (h *Handler) Vote(w http.ResponseWriter, r *http.Request) {
	me, ok := h.formPost(w, r, r.URL.Path, h.readText)
	if !ok {
		return
	}
	g, _, err := h.shownCommunity(r)
	var st storage.Status
	var cp storage.CommunityPost
	if err == nil {
		st, cp, err = h.communityPost(r, g, chi.URLParam(r, "id"))
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	var choices []int
	for _, c := range r.PostForm["choice"] {
		n, err := strconv.Atoi(c)
		if err != nil {
			h.refuse(w, r, http.StatusUnprocessableEntity, "Your vote was not counted", "Go back and choose again.")
			return
		}
		choices = append(choices, n)
	}
	back := threadPath(g.Acct(), cp.RootID) + "#post-" + st.ID.String()
	if len(choices) == 0 {
		h.refuse(w, r, http.StatusUnprocessableEntity, "Your vote was not counted", "Choose an answer, then press Vote.")
		return
	}
	if _, err := h.engine.Vote(r.Context(), me.ID, st.ID, choices); err != nil {
		var inv *federation.InvalidError
		if errors.As(err, &inv) {
			h.refuse(w, r, http.StatusUnprocessableEntity, "Your vote was not counted", httperr.Sentence(inv.Msg)+".")
			return
		}
		h.Error(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
