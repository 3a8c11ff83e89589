package pages

import (
	"cmp"
	"net/http"
	"net/url"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/session"
)

// A community's moderation log as a page, /c/{handle}/moderation: every
// action its moderators took, newest first, with who, when, what, to
// whom, why and until when, for anyone who may read the community (its
// members, for a members-only one: the visibility rule, as for its
// posts). For a community on another node it is what reached this node
// from there. The API gives the same entries
// (GET /api/copse/v1/communities/{id}/moderation_log).

// moderationPageSize is how many entries a page of the log shows.
const moderationPageSize = 40

// moderationLogPage is the page's view.
type moderationLogPage struct {
	pageView
	Community *communityView
	Entries   []moderationEntryView
	Hidden    bool
	Older     string
	Paged     bool
	// Bans are the bans in force, shown to the community's moderators
	// (Moderating), each with a form that lifts it.
	Moderating bool
	Bans       []banView
	// Moderators are the community's moderators, with forms to add and
	// remove them, shown to its moderators when it is hosted here.
	Moderators []personIDView
}

// personIDView is a person with the id the forms name them by.
type personIDView struct {
	personView
	ID string
}

// banView is a ban in force.
type banView struct {
	personView
	ID, Reason      string
	Since, SinceISO string
	Until, UntilISO string
}

// moderationEntryView is one entry as the page says it.
type moderationEntryView struct {
	When, ISO string
	Moderator personView
	What      string // "banned", "removed a post", ...
	Whom      *personView
	ThreadURL string // the thread locked, unlocked, pinned or unpinned, while it is there
	Reason    string
	Until     string
	UntilISO  string
}

// moderationPhrases say what each action did; an action with a person
// as its target names them after the phrase.
var moderationPhrases = map[string]string{
	storage.ModAcceptJoin:      "let in",
	storage.ModRejectJoin:      "refused to let in",
	storage.ModRemovePost:      "removed a post",
	storage.ModBan:             "banned",
	storage.ModUnban:           "lifted the ban on",
	storage.ModLock:            "locked a thread",
	storage.ModUnlock:          "unlocked a thread",
	storage.ModPin:             "pinned a thread",
	storage.ModUnpin:           "unpinned a thread",
	storage.ModRemoveArtefact:  "removed an artefact",
	storage.ModRemoveTerm:      "removed a glossary term",
	storage.ModRemoveEvent:     "removed an event",
	storage.ModAddModerator:    "made a moderator:",
	storage.ModRemoveModerator: "removed as a moderator:",
	storage.ModResolveReport:   "resolved a report",
	storage.ModReopenReport:    "reopened a report",
}

// ModerationLog serves /c/{handle}/moderation.
func (h *Handler) ModerationLog(w http.ResponseWriter, r *http.Request) {
	if err := h.moderationLog(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) moderationLog(w http.ResponseWriter, r *http.Request) error {
	g, cv, ok, err := h.pageCommunity(r, h.engine.CanSeeCommunity)
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	p.Limit = moderationPageSize
	v := moderationLogPage{pageView: h.viewIn(cv, "Moderation log of "+cv.Name), Community: cv, Paged: p.MaxID != 0}
	if !ok {
		v.Hidden = true
		return h.render(w, r, http.StatusOK, "moderation_log", &v)
	}
	ctx := r.Context()
	entries, err := h.store.ModerationLog(ctx, g.ID, p)
	if err != nil {
		return err
	}
	// The people and threads named, in one read each for the page.
	uris := make([]string, 0, 2*len(entries))
	for _, m := range entries {
		uris = append(uris, m.ModeratorURI, m.Target)
	}
	people, err := h.store.AccountsByURIs(ctx, uris)
	if err != nil {
		return err
	}
	threads, err := h.store.StatusIDsByURIs(ctx, uris)
	if err != nil {
		return err
	}
	for _, m := range entries {
		e := moderationEntryView{When: m.CreatedAt.UTC().Format("2 January 2006, 15:04 MST"), ISO: m.CreatedAt.UTC().Format(time.RFC3339),
			What: cmp.Or(moderationPhrases[m.Action], m.Action), Reason: m.Reason}
		if a, ok := people[m.ModeratorURI]; ok {
			e.Moderator = h.personOf(a)
		} else {
			e.Moderator = personView{Name: hostOf(m.ModeratorURI), URL: m.ModeratorURI}
		}
		if a, ok := people[m.Target]; ok {
			pv := h.personOf(a)
			e.Whom = &pv
		}
		switch m.Action {
		case storage.ModLock, storage.ModUnlock, storage.ModPin, storage.ModUnpin:
			if id, ok := threads[m.Target]; ok {
				e.ThreadURL = threadPath(g.Acct(), id)
			}
		}
		if !m.ExpiresAt.IsZero() {
			e.Until, e.UntilISO = m.ExpiresAt.UTC().Format("2 January 2006, 15:04 MST"), m.ExpiresAt.UTC().Format(time.RFC3339)
		}
		v.Entries = append(v.Entries, e)
	}
	if err := h.moderatorsBans(r, g, &v); err != nil {
		return err
	}
	if len(entries) == p.Limit {
		v.Older = r.URL.EscapedPath() + "?" + url.Values{"max_id": {entries[len(entries)-1].ID.String()}}.Encode()
	}
	return h.render(w, r, http.StatusOK, "moderation_log", &v)
}

// hostOf is the host of an actor IRI, how a moderator not known here is
// named.
func hostOf(iri string) string {
	if u, err := url.Parse(iri); err == nil && u.Host != "" {
		return u.Host
	}
	return iri
}

// moderatorsBans adds the bans in force to the log's page when the
// member signed in moderates the community.
func (h *Handler) moderatorsBans(r *http.Request, g storage.Account, v *moderationLogPage) error {
	me, signedIn := session.Member(r)
	if !signedIn {
		return nil
	}
	ctx := r.Context()
	ok, err := h.engine.Moderates(ctx, me, g)
	if err != nil || !ok {
		return err
	}
	bans, err := h.engine.CommunityBans(ctx, me, g)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(bans))
	for _, b := range bans {
		ids = append(ids, b.AccountID)
	}
	who, err := h.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	v.Moderating, v.Member = true, h.memberOf(r)
	if g.Local() {
		mods, err := h.store.CommunityModerators(ctx, g.ID)
		if err != nil {
			return err
		}
		for _, m := range mods {
			v.Moderators = append(v.Moderators, personIDView{personView: h.personOf(m), ID: m.ID.String()})
		}
	}
	for _, b := range bans {
		a, ok := who[b.AccountID]
		if !ok {
			continue
		}
		bv := banView{personView: h.personOf(a), ID: a.ID.String(), Reason: b.Reason,
			Since: b.CreatedAt.UTC().Format("2 January 2006, 15:04 MST"), SinceISO: b.CreatedAt.UTC().Format(time.RFC3339)}
		if !b.ExpiresAt.IsZero() {
			bv.Until, bv.UntilISO = b.ExpiresAt.UTC().Format("2 January 2006, 15:04 MST"), b.ExpiresAt.UTC().Format(time.RFC3339)
		}
		v.Bans = append(v.Bans, bv)
	}
	return nil
}
