package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// ErrHandleTaken: a member or a community already has the handle asked
// for. Handles are unique across both (they share WebFinger).
var ErrHandleTaken = errors.New("federation: handle taken")

// Limits of what a community's creator types.
const (
	maxCommunityName        = 100
	maxCommunityDescription = 5000
	maxCommunityRules       = 5000
)

// NewCommunity is what it takes to create a community. Empty policies
// take the defaults: open, members, public.
type NewCommunity struct {
	Handle        string
	Name          string
	Description   string // Markdown, kept as written
	Rules         string
	Language      string
	JoinPolicy    string
	PostingPolicy string
	Visibility    string
	// Icon and Header are its images (nil: none), checked and
	// re-encoded as a member's avatar and header are.
	Icon, Header io.Reader
}

func (nc NewCommunity) clean() NewCommunity {
	nc.Handle = strings.TrimSpace(nc.Handle)
	nc.Name = strings.TrimSpace(cleanText(nc.Name))
	nc.Description = strings.TrimSpace(cleanText(nc.Description))
	nc.Rules = strings.TrimSpace(cleanText(nc.Rules))
	nc.Language = strings.TrimSpace(cleanText(nc.Language))
	if nc.JoinPolicy == "" {
		nc.JoinPolicy = storage.JoinOpen
	}
	if nc.PostingPolicy == "" {
		nc.PostingPolicy = storage.PostingMembers
	}
	if nc.Visibility == "" {
		nc.Visibility = storage.CommunityPublic
	}
	return nc
}

func (nc NewCommunity) validate() error {
	switch {
	case !usernamePattern.MatchString(nc.Handle):
		return invalid("handle %q must be 1 to 30 letters, digits or underscores", nc.Handle)
	case nc.Name == "":
		return invalid("name can't be blank")
	case utf8.RuneCountInString(nc.Name) > maxCommunityName:
		return invalid("name is longer than %d characters", maxCommunityName)
	case utf8.RuneCountInString(nc.Description) > maxCommunityDescription:
		return invalid("description is longer than %d characters", maxCommunityDescription)
	case utf8.RuneCountInString(nc.Rules) > maxCommunityRules:
		return invalid("rules are longer than %d characters", maxCommunityRules)
	case len(nc.Language) > 35: // the longest BCP 47 tag in use is far shorter
		return invalid("language %q is not a language tag", nc.Language)
	case nc.JoinPolicy != storage.JoinOpen && nc.JoinPolicy != storage.JoinApproval:
		return invalid("join_policy %q is not open or approval", nc.JoinPolicy)
	case nc.PostingPolicy != storage.PostingMembers && nc.PostingPolicy != storage.PostingModerators:
		return invalid("posting_policy %q is not members or moderators", nc.PostingPolicy)
	case nc.Visibility != storage.CommunityPublic && nc.Visibility != storage.CommunityMembersOnly:
		return invalid("visibility %q is not public or members", nc.Visibility)
	}
	return nil
}

// CreateCommunity creates a community hosted here: a Group account with
// its own key pair (and no user: nobody signs in as a Group), its
// community row, and creator as its first moderator.
func (e *Engine) CreateCommunity(ctx context.Context, creator storage.Account, nc NewCommunity) (storage.Community, error) {
	nc = nc.clean()
	if err := nc.validate(); err != nil {
		return storage.Community{}, err
	}
	ok, err := e.MayCreateCommunity(ctx, creator)
	if err != nil {
		return storage.Community{}, err
	}
	if !ok {
		return storage.Community{}, fmt.Errorf("create community by %s: %w", creator.URI, e.creatorsOnly())
	}
	if err := e.roomFor(ctx, storage.OwnedCommunities, creator.ID); err != nil {
		return storage.Community{}, err // before making its key pair
	}
	g, c, err := e.newCommunityRows(nc)
	if err != nil {
		return storage.Community{}, fmt.Errorf("create community %s: %w", nc.Handle, err)
	}
	c.CreatedBy = creator.ID
	written, _, err := e.saveProfileImages(ctx, &g, "icon", nc.Icon, nc.Header)
	if err != nil {
		return storage.Community{}, err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertAccount(ctx, &g); err != nil {
			return err
		}
		c.AccountID = g.ID
		if err := tx.InsertCommunity(ctx, &c); err != nil {
			return err
		}
		if err := tx.AddCommunityModerator(ctx, g.ID, creator.ID); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedCommunities, creator.ID)
	})
	if err != nil {
		e.removeMedia(ctx, written...)
	}
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.Community{}, fmt.Errorf("handle %q: %w", nc.Handle, ErrHandleTaken)
	}
	if err != nil {
		return storage.Community{}, fmt.Errorf("create community %s: %w", nc.Handle, err)
	}
	return c, nil
}

// MayCreateCommunity reports whether who may create a community here: a
// member of this node, not suspended, whose role is at least the node's
// setting (Options.CommunityCreators; any member by default).
func (e *Engine) MayCreateCommunity(ctx context.Context, who storage.Account) (bool, error) {
	if !who.Local() || who.ActorType != activitypub.TypePerson || !who.SuspendedAt.IsZero() {
		return false, nil
	}
	u, err := e.store.UserByAccount(ctx, who.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("may %s create a community: %w", who.Acct(), err)
	}
	return Permission(u.Permission).atLeast(e.communityCreators), nil
}

// CommunityCreators is the least node role that may create a community
// (Options.CommunityCreators).
func (e *Engine) CommunityCreators() Permission { return e.communityCreators }

// creatorsOnly is the refusal of a community to someone who may not
// create one, saying who may.
func (e *Engine) creatorsOnly() error {
	who := map[Permission]string{PermissionModerator: "the node's moderators and administrators",
		PermissionAdmin: "the node's administrators"}[e.communityCreators]
	if who == "" {
		who = "members of this node"
	}
	return &DeniedError{Reason: "only " + who + " create communities here"}
}

// Moderators is the moderators collection of a local Group, next to its
// followers (FEP-1b12 names it in both attributedTo and moderators).
func (u URLs) Moderators(username string) string { return u.Actor(username) + "/moderators" }

// groupContext adds the terms of the Group document that copse's common
// @context lacks, in Lemmy's namespace, which Lemmy, PieFed and Mbin read.
var groupContext = map[string]any{
	"lemmy":                   "https://join-lemmy.org/ns#",
	"postingRestrictedToMods": "lemmy:postingRestrictedToMods",
	"moderators":              map[string]any{"@id": "lemmy:moderators", "@type": "@id"},
	"source":                  "as:source",
	"library":                 activitypub.LibraryTerm, // community_wire_library.go
}

// GroupDocument is the actor document of a local community: the actor
// every account has, plus what group-aware servers read (moderators,
// postingRestrictedToMods, the Markdown source of its description).
func GroupDocument(g storage.Account, c storage.Community, urls URLs) ([]byte, error) {
	actor := ActorOf(g)
	actor.AttributedTo = urls.Moderators(g.Username)
	body, err := activitypub.MarshalActor(actor)
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", g.URI, err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("group %s: %w", g.URI, err)
	}
	if ctxList, ok := m["@context"].([]any); ok {
		m["@context"] = append(ctxList, groupContext)
	}
	m["moderators"] = urls.Moderators(g.Username)
	m["library"] = urls.Library(g.Username)
	m["postingRestrictedToMods"] = c.PostingPolicy == storage.PostingModerators
	m["source"] = map[string]any{"content": c.DescriptionSource, "mediaType": "text/markdown"}
	if _, ok := m["summary"]; !ok {
		m["summary"] = ""
	}
	return marshalJSON(m)
}

// mayPost reports whether author may post into the community, and if
// not, why (the reason goes to the author with the Reject).
func mayPost(ctx context.Context, tx *storage.Tx, g storage.Account, c storage.Community, author storage.Account) (bool, string, error) {
	s, err := tx.StandingIn(ctx, g.ID, author.ID)
	if err != nil {
		return false, "", err
	}
	ok, why := postingRule(s, c, tx.Now())
	return ok, why, nil
}

// postingRule is the rule mayPost applies to an author's standing s in
// community c at now: a moderator posts; a banned author does not, told
// why; then only moderators where the community says so, else members.
func postingRule(s storage.Standing, c storage.Community, now time.Time) (bool, string) {
	if s.Moderator {
		return true, ""
	}
	if ban, banned := s.Banned(now); banned {
		return false, banNotice(ban)
	}
	if c.PostingPolicy == storage.PostingModerators {
		return false, "only moderators post in this community"
	}
	if !s.Member {
		return false, "only members post in this community: follow it to join"
	}
	return true, ""
}

// communityReceive is what a local Group does with a post addressed to
// it (by deliverLocal): check the author, then take the post into the
// community and announce it to the Group's followers, or Reject it.
// raw is the activity as the author sent it.
func (e *Engine) communityReceive(ctx context.Context, tx *storage.Tx, g, author storage.Account, act activitypub.Activity, raw []byte, st storage.Status) error {
	if act.Type != activitypub.TypeCreate {
		return e.communityRelay(ctx, tx, g, author, act, raw, st)
	}
	if st.ID == 0 || st.ReblogOfID != 0 {
		return nil
	}
	c, err := tx.CommunityByAccount(ctx, g.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // a Group account without a community: nothing hosts it
	}
	if err != nil {
		return fmt.Errorf("community %s: %w", g.Acct(), err)
	}
	membersOnly := c.Visibility == storage.CommunityMembersOnly
	if !isListed(st.Visibility) && !(membersOnly && addressesFollowersOf(act, g)) {
		// A followers-only or direct post that names the Group stays
		// what its author made it: announcing it would widen it. A post
		// to a members-only community's followers is meant for it.
		return nil
	}
	ok, reason, err := e.mayPostIn(ctx, tx, g, c, author, st) // mayPost, and a reply's thread open
	if ok && g.MovedTo != "" {
		ok, reason = false, movedNotice(g)
	}
	if err != nil {
		return fmt.Errorf("community %s: %w", g.Acct(), err)
	}
	if !ok {
		if err := e.rejectPost(ctx, tx, g, author, act, reason); err != nil {
			return err
		}
		return e.dropRefusedPost(ctx, tx, g, author, st)
	}
	added, err := tx.AddCommunityStatus(ctx, g.ID, st.ID)
	if err != nil || !added {
		return err // taken in before: announced then
	}
	if err := recordCommunityPost(ctx, tx, g, st, ""); err != nil {
		return err
	}
	return e.announceToCommunity(ctx, tx, g, author, act, raw, st, membersOnly)
}

// rejectPost tells a remote author that the Group refused the post. A
// local author is not sent anything: the post simply stays outside the
// community (the client API will say so when it grows community posting).
func (e *Engine) rejectPost(ctx context.Context, tx *storage.Tx, g, author storage.Account, act activitypub.Activity, reason string) error {
	e.log.InfoContext(ctx, "community refused a post", "community", g.Acct(), "author", author.URI, "activity_id", act.ID, "reason", reason)
	if author.Local() {
		return nil
	}
	rej := activitypub.Activity{ID: e.urls.Activity(g.Username, tx.NewID()), Type: activitypub.TypeReject,
		Actor: g.URI, To: []string{author.URI}, Content: reason,
		Object: activitypub.Object{IRI: act.ID}}
	return e.publish(ctx, tx, g, rej, false, []string{author.Inbox})
}

// announceToCommunity sends the Group's followers the post as received,
// Announce{Create{…}} (what Lemmy, PieFed, Mbin and NodeBB read) and, for
// a new thread only, Announce{object id}, the boost Mastodon shows;
// replies are never boosted, or Mastodon followers drown in them. Each
// follower node gets only the shapes its software reads, as its NodeInfo
// said (announceInboxes, nodeinfo.go): group-aware nodes the first,
// Mastodon-like ones the boost of a thread, and nodes not known both. The
// boost is also a status of the Group here, so local members who follow
// it see the thread in their home feed as a boost.
//
// The followers' inboxes are read once for both announces, and the
// community's visibility (membersOnly) is the one communityReceive read.
func (e *Engine) announceToCommunity(ctx context.Context, tx *storage.Tx, g, author storage.Account, act activitypub.Activity, raw []byte, st storage.Status, membersOnly bool) error {
	thread := st.InReplyToURI == ""
	rawTo, boostTo, err := e.postAnnounceInboxes(ctx, tx, g, author, contentFollowers, thread)
	if err != nil {
		return err
	}
	if err := e.announceRawTo(ctx, tx, g, act, raw, rawTo, membersOnly); err != nil {
		return err
	}
	if !thread {
		return nil
	}
	return e.boostThread(ctx, tx, g, author, st, boostTo, membersOnly)
}

// postAnnounceInboxes are the inboxes of the two announces of author's
// post in g (announceInboxes): the nodes of the followers in set by
// their software,
// and the remote author's node, told of a thread in its shape even when
// it does not follow the community (so its kind is read too).
func (e *Engine) postAnnounceInboxes(ctx context.Context, tx *storage.Tx, g, author storage.Account, set followerSet, thread bool) (raw, boost []string, err error) {
	authorInbox := ""
	if !author.Local() {
		authorInbox = author.DeliveryInbox()
	}
	inboxes, kinds, err := e.followerKinds(ctx, tx, g, set, authorInbox)
	if err != nil {
		return nil, nil, err
	}
	raw, boost = announceInboxes(inboxes, kinds, authorInbox, thread)
	return raw, boost, nil
}

// announceRepertoire sends the Group's followers act (a Create or Update
// of an artefact, a term or an event) exactly as received, inside the
// Group's Announce: what Lemmy, PieFed, Mbin and NodeBB read.
// Mastodon-like nodes are left out (relayInboxes): they drop an Announce
// whose object is not a status, so each would be a signed delivery for
// nothing. When boost is not "" (a new artefact or event, its IRI), the
// nodes that read boosts also get the Group's boost of it (boostObject).
// The followers, their software and the community's visibility are read
// once for both.
func (e *Engine) announceRepertoire(ctx context.Context, tx *storage.Tx, g storage.Account, act activitypub.Activity, raw []byte, boost string) error {
	inboxes, kinds, err := e.followerKinds(ctx, tx, g, contentFollowers, "")
	if err != nil {
		return err
	}
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	if err != nil {
		return err
	}
	if err := e.announceRawTo(ctx, tx, g, act, raw, relayInboxes(inboxes, kinds, storage.Account{}), membersOnly); err != nil {
		return err
	}
	if boost == "" {
		return nil
	}
	return e.boostObject(ctx, tx, g, boost, boostInboxes(inboxes, kinds), membersOnly)
}

// announceRawTo sends act, exactly as raw holds it, inside g's Announce
// to inboxes (followers' inboxes of g), addressed for a members-only
// community when membersOnly.
func (e *Engine) announceRawTo(ctx context.Context, tx *storage.Tx, g storage.Account, act activitypub.Activity, raw []byte, inboxes []string, membersOnly bool) error {
	to, cc := []string{activitypub.PublicIRI}, []string{g.Followers}
	if membersOnly {
		to, cc = []string{g.Followers}, []string{} // never Public
	}
	id := e.urls.Activity(g.Username, tx.NewID())
	body, err := announceBody(id, g.URI, to, cc, tx.Now(), raw)
	if err != nil {
		return fmt.Errorf("announce %s: %w", act.ID, err)
	}
	return e.publishBody(ctx, tx, g, id, activitypub.TypeAnnounce, false, body, inboxes)
}

// announceBody is the Group's Announce, id, of raw: an activity as it was
// received (or made here), valid JSON, already parsed. The envelope is
// marshalled and raw set in unchanged: encoding/json would validate and
// compact a json.RawMessage again, and a map's keys are sorted, both on
// the single writer for every post a community announces.
func announceBody(id, group string, to, cc []string, now time.Time, raw []byte) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("announce %s: the object is not a JSON object", id)
	}
	env, err := marshalJSON(struct {
		Context   string    `json:"@context"`
		ID        string    `json:"id"`
		Type      string    `json:"type"`
		Actor     string    `json:"actor"`
		To        []string  `json:"to"`
		CC        []string  `json:"cc"`
		Audience  string    `json:"audience"`
		Published time.Time `json:"published"`
	}{"https://www.w3.org/ns/activitystreams", id, activitypub.TypeAnnounce, group, to, cc, group, now.UTC().Truncate(time.Second)})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(env)+len(raw)+len(`,"object":}`))
	out = append(out, env[:len(env)-1]...) // without its closing brace
	out = append(out, `,"object":`...)
	out = append(out, raw...)
	return append(out, '}'), nil
}

// boostThread is the second announce of a new thread: the Group's boost,
// to inboxes (the remote author's among them: announceInboxes).
func (e *Engine) boostThread(ctx context.Context, tx *storage.Tx, g, author storage.Account, st storage.Status, inboxes []string, membersOnly bool) error {
	rb := storage.Status{ID: tx.NewID(), AccountID: g.ID, ReblogOfID: st.ID, Visibility: st.Visibility, Local: true}
	if membersOnly {
		// A boost for the members (the Group's followers) only, whatever
		// the post's own visibility; not in the Group's public outbox.
		rb.Visibility = activitypub.FollowersOnly
	}
	rb.URI = e.urls.Status(g.Username, rb.ID)
	if err := tx.InsertStatus(ctx, &rb); err != nil {
		return err
	}
	act := announceOf(rb, st, g, author)
	if err := e.deliverLocal(ctx, tx, g, act, nil, rb, []storage.Account{author}); err != nil {
		return err
	}
	return e.publish(ctx, tx, g, act, isListed(rb.Visibility), inboxes)
}

// marshalJSON is json.Marshal without HTML escaping: content is HTML.
func marshalJSON(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// refuseBannedJoin is what a Group hosted here does with a Follow from
// a member it banned: it refuses it (refused true), with the ban's
// reason, rather than take the banned member back in. A remote follower
// is sent Reject{Follow} carrying the reason (content and summary, as a
// moderator's refusal is), and its node keeps the reason; a member here
// is told by the error (ErrDenied), and their membership reads
// "banned" with the reason and expiry. Nothing is logged: the ban is.
func (e *Engine) refuseBannedJoin(ctx context.Context, tx *storage.Tx, follower, g storage.Account, f storage.Follow) (bool, error) {
	if g.ActorType != activitypub.TypeGroup || !g.Local() {
		return false, nil
	}
	banned, why, err := communityBanned(ctx, tx, g, follower)
	if err == nil && g.MovedTo != "" {
		banned, why = true, movedNotice(g) // move.go
	}
	if err != nil || !banned {
		return false, err
	}
	e.log.InfoContext(ctx, "community refused a follow", "community", g.Acct(), "follower", follower.URI, "reason", why)
	if follower.Local() {
		return true, fmt.Errorf("join %s: %s: %w", g.Acct(), why, ErrDenied)
	}
	id := e.urls.Activity(g.Username, tx.NewID())
	follow := activitypub.Activity{ID: f.URI, Type: activitypub.TypeFollow, Actor: follower.URI, Object: activitypub.Object{IRI: g.URI}}
	rej := activitypub.Activity{ID: id, Type: activitypub.TypeReject, Actor: g.URI, To: []string{follower.URI},
		Content: why, Object: activitypub.Object{IRI: f.URI, Type: activitypub.TypeFollow, Activity: &follow}}
	body, err := withExtra(rej, map[string]any{"summary": why})
	if err != nil {
		return true, err
	}
	return true, e.publishBody(ctx, tx, g, id, rej.Type, false, body, []string{follower.Inbox})
}

// dropRefusedPost deletes a remote post that a Group hosted here refused
// when nothing else brought it here: it mentions no member here and no
// other community here, replies to no member's post, and no member here
// follows its author. Kept, it would stand on this node as a plain post
// the community never took.
func (e *Engine) dropRefusedPost(ctx context.Context, tx *storage.Tx, g, author storage.Account, st storage.Status) error {
	if author.Local() {
		return nil // a member's own post stays theirs
	}
	for _, id := range st.Mentions {
		if id == g.ID {
			continue
		}
		a, err := tx.AccountByID(ctx, id)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err == nil && a.Local() {
			return nil
		}
	}
	if st.InReplyToID != 0 {
		parent, err := tx.StatusByID(ctx, st.InReplyToID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err == nil && parent.Local {
			return nil
		}
	}
	followers, err := tx.LocalFollowerIDs(ctx, author.ID)
	if err != nil || len(followers) > 0 {
		return err
	}
	return e.deleteStatus(ctx, tx, st.ID)
}

// newCommunityRows is a new community's Group account (with a fresh key)
// and community row, as nc describes them, not yet stored: created here
// or restored from an archive.
func (e *Engine) newCommunityRows(nc NewCommunity) (storage.Account, storage.Community, error) {
	if strings.EqualFold(nc.Handle, e.instanceUsername()) {
		return storage.Account{}, storage.Community{}, fmt.Errorf("handle %q is the node's own: %w", nc.Handle, ErrHandleTaken)
	}
	g, err := e.newLocalAccount(nc.Handle, activitypub.TypeGroup)
	if err != nil {
		return storage.Account{}, storage.Community{}, err
	}
	g.DisplayName = nc.Name
	if g.Note, err = e.communityNote(nc.Description, nc.Rules); err != nil {
		return storage.Account{}, storage.Community{}, err
	}
	// Locked is what receiveFollow reads: the join policy decides it, so
	// a Group accepts or holds a Follow through the members' own code.
	g.Locked = nc.JoinPolicy == storage.JoinApproval
	g.Discoverable = nc.Visibility == storage.CommunityPublic
	c := storage.Community{DescriptionSource: nc.Description, Rules: nc.Rules, Language: nc.Language,
		JoinPolicy: nc.JoinPolicy, PostingPolicy: nc.PostingPolicy, Visibility: nc.Visibility}
	return g, c, nil
}
