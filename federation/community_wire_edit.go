package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// CommunityEdit is a change to a community: nil fields stay as they are.
type CommunityEdit struct {
	Name          *string
	Description   *string // Markdown
	Rules         *string
	Language      *string
	JoinPolicy    *string
	PostingPolicy *string
	Visibility    *string
	// Icon and Header are new images (nil: unchanged), checked and
	// re-encoded as a member's avatar and header are; RemoveIcon and
	// RemoveHeader drop the ones it has.
	Icon, Header             io.Reader
	RemoveIcon, RemoveHeader bool
}

// EditCommunity changes a community hosted here, by one of its
// moderators, and sends Update{Group} to its followers, so that every
// server that follows it (copse, Lemmy, PieFed, Mbin, NodeBB, Mastodon)
// refreshes what it shows. Errors: ErrDenied for a non-moderator,
// *InvalidError for a bad value, storage.ErrNotFound for no community.
func (e *Engine) EditCommunity(ctx context.Context, editor storage.Account, groupID storage.ID, ed CommunityEdit) (storage.Community, error) {
	if g, err := e.store.AccountByID(ctx, groupID); err == nil && !g.Local() && g.ActorType == activitypub.TypeGroup {
		return e.editRemoteCommunity(ctx, editor, g, ed)
	}
	c, err := e.store.CommunityByAccount(ctx, groupID)
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %d: %w", groupID, err)
	}
	g, err := e.store.AccountByID(ctx, groupID)
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %d: %w", groupID, err)
	}
	mod, err := e.store.IsCommunityModerator(ctx, g.ID, editor.ID)
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %s: %w", g.Acct(), err)
	}
	if !mod {
		return storage.Community{}, fmt.Errorf("edit community %s by %s: %w", g.Acct(), editor.URI, ErrDenied)
	}
	if err := e.editedCommunity(&g, &c, ed); err != nil {
		return storage.Community{}, err
	}
	var replaced []string
	for _, drop := range []struct {
		remove bool
		url    *string
	}{{ed.RemoveIcon && ed.Icon == nil, &g.AvatarURL}, {ed.RemoveHeader && ed.Header == nil, &g.HeaderURL}} {
		if !drop.remove {
			continue
		}
		if old, ok := e.localMediaFile(*drop.url); ok {
			replaced = append(replaced, old)
		}
		*drop.url = ""
	}
	written, swapped, err := e.saveProfileImages(ctx, &g, "icon", ed.Icon, ed.Header)
	if err != nil {
		return storage.Community{}, err
	}
	replaced = append(replaced, swapped...)
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.UpdateAccount(ctx, &g); err != nil {
			return err
		}
		if err := tx.UpdateCommunity(ctx, c); err != nil {
			return err
		}
		if err := e.sendGroupUpdate(ctx, tx, g, c); err != nil {
			return err
		}
		return e.announceEdit(ctx, tx, editor, g, c)
	})
	if err != nil {
		e.removeMedia(ctx, written...)
		return storage.Community{}, fmt.Errorf("edit community %s: %w", g.Acct(), err)
	}
	e.removeMedia(ctx, replaced...)
	return c, nil
}

// editedCommunity applies ed's text and policies (not its images) to
// the community g, c: *InvalidError for a value it cannot take, and
// nothing changed.
func (e *Engine) editedCommunity(g *storage.Account, c *storage.Community, ed CommunityEdit) error {
	nc := NewCommunity{Handle: g.Username, Name: g.DisplayName, Description: c.DescriptionSource, Rules: c.Rules,
		Language: c.Language, JoinPolicy: c.JoinPolicy, PostingPolicy: c.PostingPolicy, Visibility: c.Visibility}
	for _, f := range []struct {
		to   *string
		from *string
	}{{&nc.Name, ed.Name}, {&nc.Description, ed.Description}, {&nc.Rules, ed.Rules}, {&nc.Language, ed.Language},
		{&nc.JoinPolicy, ed.JoinPolicy}, {&nc.PostingPolicy, ed.PostingPolicy}, {&nc.Visibility, ed.Visibility}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	nc = nc.clean()
	if err := nc.validate(); err != nil {
		return err
	}
	note, err := e.communityNote(nc.Description, nc.Rules)
	if err != nil {
		return err
	}
	g.DisplayName, g.Note = nc.Name, note
	g.Locked = nc.JoinPolicy == storage.JoinApproval
	g.Discoverable = nc.Visibility == storage.CommunityPublic
	c.DescriptionSource, c.Rules, c.Language = nc.Description, nc.Rules, nc.Language
	c.JoinPolicy, c.PostingPolicy, c.Visibility = nc.JoinPolicy, nc.PostingPolicy, nc.Visibility
	return nil
}

// announceEdit has the Group announce editor's edit of it, in Lemmy's
// shape (the moderator's Update of the Group document), to its follower
// nodes that read announces of moderation: Lemmy takes an Update{Group}
// only from a moderator, not from the Group itself.
func (e *Engine) announceEdit(ctx context.Context, tx *storage.Tx, editor, g storage.Account, c storage.Community) error {
	obj, docContext, err := e.groupObject(g, c)
	if err != nil {
		return err
	}
	body, err := marshalJSON(map[string]any{"@context": docContext, "id": e.urls.Activity(editor.Username, tx.NewID()),
		"type": activitypub.TypeUpdate, "actor": editor.URI, "to": []string{activitypub.PublicIRI}, "cc": []string{g.URI},
		"audience": g.URI, "object": obj})
	if err != nil {
		return fmt.Errorf("update %s: %w", g.URI, err)
	}
	return e.announceReceived(ctx, tx, g, body, storage.Account{})
}

// receivedGroupDoc is what a moderator's Update{Group} may change of a
// community, as Lemmy, PieFed, Mbin and copse send it: the name, the
// description's Markdown source, who posts and who may join.
type receivedGroupDoc struct {
	Object struct {
		Name   *string `json:"name"`
		Source *struct {
			Content   string `json:"content"`
			MediaType string `json:"mediaType"`
		} `json:"source"`
		PostingRestrictedToMods   *bool `json:"postingRestrictedToMods"`
		ManuallyApprovesFollowers *bool `json:"manuallyApprovesFollowers"`
	} `json:"object"`
}

// edit is the change the document asks of a community.
func (d receivedGroupDoc) edit() CommunityEdit {
	var ed CommunityEdit
	o := d.Object
	if o.Name != nil {
		name := PlainText(cleanText(*o.Name))
		ed.Name = &name
	}
	if o.Source != nil && (o.Source.MediaType == "text/markdown" || o.Source.MediaType == "") {
		desc := cleanText(o.Source.Content)
		ed.Description = &desc
	}
	policy := func(on bool, yes, no string) *string {
		if on {
			return &yes
		}
		return &no
	}
	if o.PostingRestrictedToMods != nil {
		ed.PostingPolicy = policy(*o.PostingRestrictedToMods, storage.PostingModerators, storage.PostingMembers)
	}
	if o.ManuallyApprovesFollowers != nil {
		ed.JoinPolicy = policy(*o.ManuallyApprovesFollowers, storage.JoinApproval, storage.JoinOpen)
	}
	return ed
}

// receivedCommunityEdit applies a moderator's Update{Group} of the
// community g hosted here, sent from another node (Lemmy's shape: the
// moderator's Update of the whole Group document): its name,
// description, posting and join policies change as they would by a
// moderator here; rules, language, visibility and images stay. The Group
// announces the Update as received, as it does all moderation, and sends
// its own Update{Group} as for any edit.
func (e *Engine) receivedCommunityEdit(ctx context.Context, tx *storage.Tx, actor, g storage.Account, act activitypub.Activity) error {
	raw, _, err := e.receivedBy(ctx, tx, actor, g, act)
	if err != nil {
		return err
	}
	var doc receivedGroupDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return invalid("update %s of %s: %v", act.ID, g.Acct(), err)
	}
	c, err := tx.CommunityByAccount(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("community %s: %w", g.Acct(), err)
	}
	if err := e.editedCommunity(&g, &c, doc.edit()); err != nil {
		return err
	}
	if err := tx.UpdateAccount(ctx, &g); err != nil {
		return err
	}
	if err := tx.UpdateCommunity(ctx, c); err != nil {
		return err
	}
	if err := e.announceReceived(ctx, tx, g, raw, storage.Account{}); err != nil {
		return err
	}
	return e.sendGroupUpdate(ctx, tx, g, c)
}

// editRemoteCommunity sends the Group of community g, hosted elsewhere,
// an edit by editor, a member here its moderators collection lists, in
// Lemmy's shape: the moderator's Update of the Group's document as its
// server serves it now (fetched), with the name, description (Markdown
// source and rendered summary), posting and join policies changed. The
// Group applies it and announces it; until then the community here is as
// it was, and that is what is returned. Rules, language, visibility and
// images are the community's own server's to change (*InvalidError).
func (e *Engine) editRemoteCommunity(ctx context.Context, editor storage.Account, g storage.Account, ed CommunityEdit) (storage.Community, error) {
	if ok, err := e.Moderates(ctx, editor, g); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("edit community %s by %s: %w", g.Acct(), editor.URI, ErrDenied)
		}
		return storage.Community{}, err
	}
	if ed.Rules != nil || ed.Language != nil || ed.Visibility != nil || ed.Icon != nil || ed.Header != nil || ed.RemoveIcon || ed.RemoveHeader {
		return storage.Community{}, invalid("%s is hosted on %s: only the name, description, join policy and posting policy can be changed from here", g.Acct(), g.Domain)
	}
	doc, source, err := e.fetchGroupDoc(ctx, g)
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %s: %w", g.Acct(), err)
	}
	current, err := e.CommunityPolicy(ctx, g)
	if err != nil {
		return storage.Community{}, err
	}
	current.DescriptionSource = source
	edited, c := g, current
	if err := e.editedCommunity(&edited, &c, ed); err != nil {
		return storage.Community{}, err
	}
	summary, err := e.renderArtefact(c.DescriptionSource)
	if err != nil {
		return storage.Community{}, err
	}
	delete(doc, "@context")
	doc["name"], doc["summary"] = edited.DisplayName, summary
	doc["source"] = map[string]any{"content": c.DescriptionSource, "mediaType": "text/markdown"}
	doc["postingRestrictedToMods"] = c.PostingPolicy == storage.PostingModerators
	doc["manuallyApprovesFollowers"] = c.JoinPolicy == storage.JoinApproval
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		doc["updated"] = tx.Now().UTC().Truncate(time.Second)
		return e.sendToGroup(ctx, tx, editor, g, map[string]any{"id": e.urls.Activity(editor.Username, tx.NewID()),
			"type": activitypub.TypeUpdate, "actor": editor.URI, "object": doc})
	})
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %s: %w", g.Acct(), err)
	}
	return current, nil
}

// fetchGroupDoc reads the document of g, a Group hosted elsewhere, from
// its server, and the Markdown source of its description ("" for none).
func (e *Engine) fetchGroupDoc(ctx context.Context, g storage.Account) (map[string]any, string, error) {
	body, err := e.fetcher.Get(ctx, g.URI)
	if err != nil {
		return nil, "", err
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc["id"] != g.URI {
		return nil, "", fmt.Errorf("the document %s serves is not its Group's", g.URI)
	}
	var source struct {
		Source struct {
			Content string `json:"content"`
		} `json:"source"`
	}
	_ = json.Unmarshal(body, &source) // none: an empty description
	return doc, source.Source.Content, nil
}

// CommunityDescription is the Markdown source of community g's
// description: as stored for one hosted here, as its server serves it
// now for one hosted elsewhere (what its edit form starts from).
func (e *Engine) CommunityDescription(ctx context.Context, g storage.Account) (string, error) {
	if !g.Local() {
		_, source, err := e.fetchGroupDoc(ctx, g)
		if err != nil {
			return "", fmt.Errorf("description of %s: %w", g.Acct(), err)
		}
		return source, nil
	}
	c, err := e.store.CommunityByAccount(ctx, g.ID)
	if err != nil {
		return "", fmt.Errorf("description of %s: %w", g.Acct(), err)
	}
	return c.DescriptionSource, nil
}

// groupObject is the document of the local Group g, c as an activity's
// object, and its @context, which the activity carries instead (one
// @context, the Group's: it defines Lemmy's terms).
func (e *Engine) groupObject(g storage.Account, c storage.Community) (map[string]any, any, error) {
	doc, err := GroupDocument(g, c, e.urls)
	if err != nil {
		return nil, nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(doc, &obj); err != nil {
		return nil, nil, fmt.Errorf("group %s: %w", g.URI, err)
	}
	docContext := obj["@context"]
	delete(obj, "@context")
	return obj, docContext, nil
}

// sendGroupUpdate sends Update{Group} with the Group's whole document, as
// its actor endpoint serves it (postingRestrictedToMods, moderators,
// source), to its followers.
func (e *Engine) sendGroupUpdate(ctx context.Context, tx *storage.Tx, g storage.Account, c storage.Community) error {
	obj, docContext, err := e.groupObject(g, c)
	if err != nil {
		return err
	}
	id := e.urls.Activity(g.Username, tx.NewID())
	body, err := marshalJSON(map[string]any{
		"@context": docContext,
		"id":       id,
		"type":     activitypub.TypeUpdate,
		"actor":    g.URI,
		"to":       []string{activitypub.PublicIRI},
		"cc":       []string{g.Followers},
		"object":   obj,
	})
	if err != nil {
		return fmt.Errorf("update %s: %w", g.URI, err)
	}
	inboxes, err := tx.FollowerInboxes(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("followers of %s: %w", g.Acct(), err)
	}
	return e.publishBody(ctx, tx, g, id, activitypub.TypeUpdate, false, body, inboxes)
}

// storeGroupTerms keeps what a remote Group's document says beyond its
// actor (applyActorUpdate calls it for Update{Group}).
func storeGroupTerms(ctx context.Context, tx *storage.Tx, doc activitypub.Actor) error {
	if doc.Type != activitypub.TypeGroup {
		return nil
	}
	a, err := tx.AccountByURI(ctx, doc.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && a.Local()) {
		return nil
	}
	if err != nil {
		return err
	}
	// Whether it is members-only is learnt from its announces
	// (markMembersOnly), not from its actor: kept.
	membersOnly, err := membersOnlyCommunity(ctx, tx, a)
	if err != nil {
		return err
	}
	return tx.SetRemoteCommunity(ctx, storage.RemoteCommunity{AccountID: a.ID, MembersOnly: membersOnly,
		PostingRestricted: doc.PostingRestrictedToMods, ModeratorsURL: cmpOr(doc.Moderators, doc.AttributedTo)})
}
