package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// deliverLocal is the one step that hands an activity to the local
// recipients it is addressed to, whoever sent it: a local member's
// activity (Engine.post, Reblog, Edit, DeleteStatus, sendInteraction), a
// remote one applied from the inbox (applyCreate, applyAnnounce,
// applyUpdate, applyDelete, applyLike, Undo) and a Group's own boost
// (boostThread) all end here, so members and communities hosted on this
// node treat a local activity and a remote one alike.
//
// Members: a status the activity made (Create, Announce) reaches its
// readers here through fanOut: the home feeds of the author's local
// followers and of members who follow its hashtags, notifications for the
// members it mentions and the followers who asked for one, and the events
// the streams (user, list, hashtag, public, direct) and push read. An
// Announce also tells its local recipients (the boosted post's author) of
// the boost.
//
// Groups: the Groups named in its audience, and the one whose content it
// concerns (communityGroups), take in a Create addressed to them and
// announce it, or a Like, Update, Delete or Undo of their content, to
// their followers (communityReceive). A boost is never relayed by a Group.
//
// recipients are the accounts the activity names (mentions, to and cc;
// for an Announce, the boosted post's author). st is the status the
// activity made or concerns, raw the activity as its author sent it (nil
// for a local one: it is marshalled here, only if a Group needs it).
func (e *Engine) deliverLocal(ctx context.Context, tx *storage.Tx, author storage.Account, act activitypub.Activity, raw []byte, st storage.Status, recipients []storage.Account) error {
	switch act.Type {
	case activitypub.TypeCreate:
		if err := e.fanOut(ctx, tx, st, author); err != nil {
			return fmt.Errorf("deliver %s locally: %w", act.ID, err)
		}
	case activitypub.TypeAnnounce:
		if err := e.fanOut(ctx, tx, st, author); err != nil {
			return fmt.Errorf("deliver %s locally: %w", act.ID, err)
		}
		for _, r := range recipients {
			if err := e.notify(ctx, tx, r, author, storage.NotifyReblog, st.ReblogOfID); err != nil {
				return fmt.Errorf("deliver %s to %s: %w", act.ID, r.Acct(), err)
			}
		}
		return nil
	}
	if len(raw) > 0 {
		// The body must be this activity's: anything else is announced
		// re-marshalled rather than trusted.
		if id, ok := inboxDoc(ctx, raw).id(); !ok || id != act.ID {
			raw = nil
		}
	}
	groups, err := e.communityGroups(ctx, tx, act, st, e.withAudience(ctx, tx, raw, recipients))
	if err != nil {
		return fmt.Errorf("deliver %s locally: %w", act.ID, err)
	}
	seen := map[storage.ID]bool{}
	for _, g := range groups {
		if !g.Local() || g.ActorType != activitypub.TypeGroup || seen[g.ID] || g.ID == author.ID {
			continue
		}
		seen[g.ID] = true
		if raw == nil {
			var err error
			if raw, err = activitypub.MarshalActivity(act); err != nil {
				return fmt.Errorf("deliver %s locally: %w", act.ID, err)
			}
		}
		if err := e.communityReceive(ctx, tx, g, author, act, raw, st); err != nil {
			return fmt.Errorf("deliver %s to %s: %w", act.ID, g.Acct(), err)
		}
	}
	return nil
}

// withAudience returns recipients and the local actors named in the
// `audience` of raw or of its object (FEP-1b12: how Lemmy, PieFed and
// Mbin say which community a post belongs to). The vocabulary types do not
// carry audience, so it is read from the JSON.
func (e *Engine) withAudience(ctx context.Context, tx *storage.Tx, raw []byte, recipients []storage.Account) []storage.Account {
	if len(raw) == 0 {
		return recipients
	}
	out := recipients
	seen := make(map[string]bool, len(recipients))
	for _, a := range recipients {
		seen[a.URI] = true // a Group in to and in audience is one recipient
	}
	looked := map[string]bool{} // usernames
	for _, iri := range inboxDoc(ctx, raw).audience() {
		if seen[iri] || !e.urls.IsLocal(iri) {
			continue
		}
		seen[iri] = true
		// From the account cache, without keys: a recipient here is
		// applied to, never signed for (its announces are signed when
		// they are sent, from the key the delivery reads).
		name, ok := e.urls.LocalUsername(iri)
		if !ok || looked[name] {
			continue // one lookup a local actor, however many #fragments name it
		}
		looked[name] = true
		if a, err := tx.AccountByUsernameWithoutKeys(ctx, name); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// iris reads a property that is one IRI, an array of them, or objects
// with an id.
func iris(v json.RawMessage) []string {
	if len(v) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(v, &obj) == nil && obj.ID != "" {
		return []string{obj.ID}
	}
	var many []json.RawMessage
	if json.Unmarshal(v, &many) != nil {
		return nil
	}
	var out []string
	for _, m := range many {
		if len(m) > 0 && m[0] != '[' { // one level only
			out = append(out, iris(m)...)
		}
	}
	return out
}

type inboxBodyKey struct{}

type inboxDocKey struct{}

// withInboxBody carries the body of the inbox item being applied down to
// deliverLocal, so a Group announces the activity exactly as received
// (Apply's callers that hold only the parsed activity carry none, and the
// Group announces it re-marshalled). It carries the body's rawDoc too, so
// that the steps reading the body beside the parsed activity decode it
// once between them.
func withInboxBody(ctx context.Context, body []byte) context.Context {
	ctx = context.WithValue(ctx, inboxDocKey{}, newRawDoc(body))
	return context.WithValue(ctx, inboxBodyKey{}, body)
}

// withParsedInboxBody is withInboxBody for a body whose parse is act (the
// inbox's own activities): what the steps after parsing read of the body,
// its id and its audience, is what the parse read, not a second decode of
// the body.
func withParsedInboxBody(ctx context.Context, body []byte, act activitypub.Activity) context.Context {
	d := &rawDoc{body: body, all: true, aud: act.Audience}
	d.doc.ID = act.ID
	d.once.Do(func() {}) // decoded already
	ctx = context.WithValue(ctx, inboxDocKey{}, d)
	return context.WithValue(ctx, inboxBodyKey{}, body)
}

// inboxDoc is the rawDoc of raw: the one withInboxBody carries when raw
// is that body, or else a new one.
func inboxDoc(ctx context.Context, raw []byte) *rawDoc {
	if d, ok := ctx.Value(inboxDocKey{}).(*rawDoc); ok && len(d.body) == len(raw) && (len(raw) == 0 || &d.body[0] == &raw[0]) {
		return d
	}
	return newRawDoc(raw)
}

// rawDoc is an activity's JSON body as the steps after parsing read it
// (deliverLocal's check of its id, withAudience's `audience`), decoded
// once, on first use, for all of them. Each read gives what a decode of
// the body into that step's own struct would: an odd body (one such decode
// would fail, say an `object` that is a string, or a non-string `id`) is
// decoded again for each read as a separate decode would be.
type rawDoc struct {
	body []byte
	once sync.Once
	all  bool // the one decode succeeded: docID and aud hold
	doc  struct {
		ID       string          `json:"id"`
		Audience json.RawMessage `json:"audience"`
		Object   struct {
			Audience json.RawMessage `json:"audience"`
		} `json:"object"`
	}
	aud []string
}

func newRawDoc(body []byte) *rawDoc { return &rawDoc{body: body} }

func (d *rawDoc) decode() {
	d.once.Do(func() {
		if json.Unmarshal(d.body, &d.doc) == nil {
			d.all = true
			d.aud = append(iris(d.doc.Audience), iris(d.doc.Object.Audience)...)
		}
	})
}

// id is the body's `id`; ok is false when the body is no JSON object or
// its id is no string.
func (d *rawDoc) id() (string, bool) {
	d.decode()
	if d.all {
		return d.doc.ID, true
	}
	var doc struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(d.body, &doc) != nil {
		return "", false
	}
	return doc.ID, true
}

// audience is the IRIs the body's `audience` and its object's name.
func (d *rawDoc) audience() []string {
	d.decode()
	if d.all {
		return d.aud
	}
	var doc struct {
		Audience json.RawMessage `json:"audience"`
		Object   struct {
			Audience json.RawMessage `json:"audience"`
		} `json:"object"`
	}
	if json.Unmarshal(d.body, &doc) != nil {
		return nil
	}
	return append(iris(doc.Audience), iris(doc.Object.Audience)...)
}

func inboxBody(ctx context.Context) []byte {
	b, _ := ctx.Value(inboxBodyKey{}).([]byte)
	return b
}
