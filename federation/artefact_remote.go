package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// The repertoire of a community on another node (issue 13): a member here
// proposes a new artefact, glossary term or event, or a change of one, by
// sending the Group a Create or Update (activitypub.ArtefactProposal,
// TermProposal, EventProposal) carrying the version an edit started from.
// The Group's node applies it with createArtefactIn, reviseArtefactIn,
// createTermIn, reviseTermIn, createEventIn or reviseEventIn, the very
// checks a member of its own passes (membership, ban, posting policy,
// edit policy, organiser, base version), and announces the new version to
// its followers, this node among them, as for any change; or it refuses
// it with a Reject{activity} to the member that says why. Until then the
// proposal is pending: nothing is written here but the activity.

// ErrFilesElsewhere refuses a file change of an artefact of a community
// on another node made as for one here (files to keep by id, a file
// stored at once): such files travel with a proposal, those to remove
// named (ArtefactEdit.RemoveFiles), those to add uploaded
// (ArtefactEdit.Uploads, SubmitArtefactFile). It is an *InvalidError, so
// the member is told why.
var ErrFilesElsewhere error = &InvalidError{Msg: "files of an artefact of a community on another node go with a proposal: " +
	"name the files to remove (remove_files) and upload those to add"}

// Pending is a proposal sent to a community on another node: ActivityID
// is the id of the Create or Update sent; the artefact changes when the
// Group's node accepts it and announces the version.
type Pending struct {
	ActivityID string
	ProposalID storage.ID // the member's record of it (storage.Proposal)
}

// Submitted is a member's change to a community's repertoire as the
// engine routed it: made here, Item, when the community is hosted here;
// or, when it is hosted on another node, proposed to its Group (Pending
// is set, and Item is zero), final only once that node accepts it.
type Submitted[T any] struct {
	Item    T
	Pending *Pending
}

// SubmitArtefact adds an artefact to a community for a member of this
// node, wherever the community is hosted: CreateArtefact here, else
// ProposeArtefact. A community that is not known is for CreateArtefact to
// refuse.
func (e *Engine) SubmitArtefact(ctx context.Context, author storage.Account, communityID storage.ID, na NewArtefact) (Submitted[storage.Artefact], error) {
	if e.hostedElsewhere(ctx, communityID) {
		return proposedElsewhere[storage.Artefact](e.ProposeArtefact(ctx, author, communityID, na))
	}
	return madeHere(e.CreateArtefact(ctx, author, communityID, na))
}

// SubmitArtefactEdit edits an artefact for a member of this node: with
// EditArtefact when it is hosted here, else proposed to its community's
// Group (proposeArtefactEdit; one the member may not read is not found).
func (e *Engine) SubmitArtefactEdit(ctx context.Context, editor storage.Account, id storage.ID, ed ArtefactEdit) (Submitted[storage.Artefact], error) {
	if a, err := e.store.ArtefactByID(ctx, id); err == nil && !a.Local {
		return proposedElsewhere[storage.Artefact](e.proposeArtefactEdit(ctx, editor, a, ed, ""))
	}
	return madeHere(e.EditArtefact(ctx, editor, id, ed))
}

// SubmitArtefactRestore restores version number of an artefact for a
// member of this node: RestoreArtefactVersion when it is hosted here,
// else an edit proposed to its community's Group carrying that version's
// title, summary and body, as the copy here holds it. Its files must be
// the current version's (files change on the community's own node).
func (e *Engine) SubmitArtefactRestore(ctx context.Context, editor storage.Account, id storage.ID, base, number int, note string) (Submitted[storage.Artefact], error) {
	a, err := e.store.ArtefactByID(ctx, id)
	if err != nil || a.Local {
		return madeHere(e.RestoreArtefactVersion(ctx, editor, id, base, number, note))
	}
	if err := e.readableElsewhere(ctx, editor, a.CommunityID, a.URI); err != nil {
		return Submitted[storage.Artefact]{}, err
	}
	old, err := e.store.ArtefactVersion(ctx, a.ID, number)
	if errors.Is(err, storage.ErrNotFound) {
		return Submitted[storage.Artefact]{}, invalid("artefact has no version %d", number)
	}
	if err != nil {
		return Submitted[storage.Artefact]{}, fmt.Errorf("artefact %s version %d: %w", a.URI, number, err)
	}
	cur, err := e.store.ArtefactVersion(ctx, a.ID, a.Version)
	if err != nil {
		return Submitted[storage.Artefact]{}, fmt.Errorf("artefact %s version %d: %w", a.URI, a.Version, err)
	}
	if !sameFiles(old.Files, cur.Files) {
		return Submitted[storage.Artefact]{}, invalid("version %d has other files than the current version: "+
			"files can only be changed on the community's own node", number)
	}
	if old.BodySource == "" && old.BodyHTML != "" {
		return Submitted[storage.Artefact]{}, invalid("this node holds version %d without its Markdown source: "+
			"restore it on the community's own node", number)
	}
	ed := ArtefactEdit{BaseVersion: base, Title: &old.Title, Summary: &old.Summary, Body: &old.BodySource,
		Note: cmpOr(note, fmt.Sprintf("Restored version %d", number))}
	return proposedElsewhere[storage.Artefact](e.proposeArtefactEdit(ctx, editor, a, ed, storage.ProposalRestore))
}

// sameFiles reports whether two versions hold the same files: the same
// names and contents, in any order.
func sameFiles(a, b []storage.VersionFile) bool {
	key := func(f storage.VersionFile) string { return f.SHA256 + "/" + f.Name }
	if len(a) != len(b) {
		return false
	}
	seen := make(map[string]int, len(a))
	for _, f := range a {
		seen[key(f)]++
	}
	for _, f := range b {
		if seen[key(f)] == 0 {
			return false
		}
		seen[key(f)]--
	}
	return true
}

// SubmitTermRestore restores version number of a glossary term for a
// member of this node: RestoreTermVersion when it is hosted here, else an
// edit proposed to its community's Group carrying everything that version
// held, as the copy here holds it.
func (e *Engine) SubmitTermRestore(ctx context.Context, editor storage.Account, id storage.ID, base, number int, note string) (Submitted[storage.Term], error) {
	t, err := e.store.TermByID(ctx, id)
	if err != nil || t.Local {
		return madeHere(e.RestoreTermVersion(ctx, editor, id, base, number, note))
	}
	if err := e.readableElsewhere(ctx, editor, t.CommunityID, t.URI); err != nil {
		return Submitted[storage.Term]{}, err
	}
	old, err := e.store.TermVersion(ctx, t.ID, number)
	if errors.Is(err, storage.ErrNotFound) {
		return Submitted[storage.Term]{}, invalid("term has no version %d", number)
	}
	if err != nil {
		return Submitted[storage.Term]{}, fmt.Errorf("term %s version %d: %w", t.URI, number, err)
	}
	if old.DefinitionSource == "" && old.DefinitionHTML != "" {
		return Submitted[storage.Term]{}, invalid("this node holds version %d without its Markdown source: "+
			"restore it on the community's own node", number)
	}
	ed := TermEdit{BaseVersion: base, Term: &old.Term, Definition: &old.DefinitionSource, Aliases: &old.Aliases,
		Related: &old.Related, ReferenceURL: &old.ReferenceURL, ReferenceText: &old.ReferenceText,
		Note: cmpOr(note, fmt.Sprintf("Restored version %d", number))}
	return proposedElsewhere[storage.Term](e.proposeTermEdit(ctx, editor, t, ed, storage.ProposalRestore))
}

// SubmitTerm adds a term to a community's glossary for a member of this
// node: CreateTerm when the community is hosted here, else ProposeTerm.
func (e *Engine) SubmitTerm(ctx context.Context, author storage.Account, communityID storage.ID, nt NewTerm) (Submitted[storage.Term], error) {
	if e.hostedElsewhere(ctx, communityID) {
		return proposedElsewhere[storage.Term](e.ProposeTerm(ctx, author, communityID, nt))
	}
	return madeHere(e.CreateTerm(ctx, author, communityID, nt))
}

// SubmitTermEdit edits a term for a member of this node: EditTerm when it
// is hosted here, else proposed to its community's Group.
func (e *Engine) SubmitTermEdit(ctx context.Context, editor storage.Account, id storage.ID, ed TermEdit) (Submitted[storage.Term], error) {
	if t, err := e.store.TermByID(ctx, id); err == nil && !t.Local {
		return proposedElsewhere[storage.Term](e.proposeTermEdit(ctx, editor, t, ed, ""))
	}
	return madeHere(e.EditTerm(ctx, editor, id, ed))
}

// SubmitEvent adds an event to a community for a member of this node:
// CreateEvent when the community is hosted here, else ProposeEvent.
func (e *Engine) SubmitEvent(ctx context.Context, organiser storage.Account, communityID storage.ID, ne NewEvent) (Submitted[storage.CommunityEvent], error) {
	if e.hostedElsewhere(ctx, communityID) {
		return proposedElsewhere[storage.CommunityEvent](e.ProposeEvent(ctx, organiser, communityID, ne))
	}
	return madeHere(e.CreateEvent(ctx, organiser, communityID, ne))
}

// SubmitEventEdit changes an event for a member of this node: EditEvent
// when it is hosted here, else proposed to its community's Group.
func (e *Engine) SubmitEventEdit(ctx context.Context, editor storage.Account, id storage.ID, ed EventEdit) (Submitted[storage.CommunityEvent], error) {
	if ev, err := e.store.CommunityEventByID(ctx, id); err == nil && !ev.Local {
		return proposedElsewhere[storage.CommunityEvent](e.proposeEventEdit(ctx, editor, ev, ed))
	}
	return madeHere(e.EditEvent(ctx, editor, id, ed))
}

// SubmitArtefactFile adds a file to an artefact for a member of this
// node, in place of a file of the same name: with AddArtefactFile when it
// is hosted here, else as an edit proposed to its community's Group that
// carries the file (held here until that node fetched it).
func (e *Engine) SubmitArtefactFile(ctx context.Context, editor storage.Account, id storage.ID, base int, name string, body io.Reader, note string) (Submitted[storage.Artefact], error) {
	a, err := e.store.ArtefactByID(ctx, id)
	if err != nil || a.Local {
		a, _, err := e.AddArtefactFile(ctx, editor, id, base, name, body, note)
		return madeHere(a, err)
	}
	ed := ArtefactEdit{BaseVersion: base, Note: note, Uploads: []Upload{{Name: name, Body: body}}}
	return proposedElsewhere[storage.Artefact](e.proposeArtefactEdit(ctx, editor, a, ed, ""))
}

// CheckFileUpload returns the error loading the artefact id names: the
// API asks before it reads an upload.
func (e *Engine) CheckFileUpload(ctx context.Context, id storage.ID) error {
	if _, err := e.store.ArtefactByID(ctx, id); err != nil {
		return fmt.Errorf("artefact %s: %w", id, err)
	}
	return nil
}

// hostedElsewhere reports whether the community id names is hosted on
// another node (its Group is remote). One that does not load is not: the
// path for a community here refuses it, after its own checks.
func (e *Engine) hostedElsewhere(ctx context.Context, communityID storage.ID) bool {
	g, err := e.store.AccountByID(ctx, communityID)
	return err == nil && !g.Local()
}

// madeHere is a change made here.
func madeHere[T any](item T, err error) (Submitted[T], error) {
	if err != nil {
		return Submitted[T]{}, err
	}
	return Submitted[T]{Item: item}, nil
}

// proposedElsewhere is a change proposed to a community on another node.
func proposedElsewhere[T any](p Pending, err error) (Submitted[T], error) {
	if err != nil {
		return Submitted[T]{}, err
	}
	return Submitted[T]{Pending: &p}, nil
}

// readableElsewhere refuses, as not found, a proposed change of an item
// (uri) of a community on another node that member may not read:
// proposing gives away no more than reading.
func (e *Engine) readableElsewhere(ctx context.Context, member storage.Account, communityID storage.ID, uri string) error {
	ok, err := e.ArtefactReadable(ctx, member, storage.Artefact{CommunityID: communityID, URI: uri})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s, unreadable by %s: %w", uri, member.URI, storage.ErrNotFound)
	}
	return nil
}

// ProposeArtefact sends a new artefact for a community hosted on another
// node to its Group, by a member of this node. What the member typed is
// checked here as the Group's node will check it (an *InvalidError before
// anything is sent); who may add it is for the Group's node to decide.
func (e *Engine) ProposeArtefact(ctx context.Context, author storage.Account, communityID storage.ID, na NewArtefact) (Pending, error) {
	if !author.Local() || author.ActorType != activitypub.TypePerson {
		return Pending{}, fmt.Errorf("propose artefact by %s: %w", author.URI, ErrDenied)
	}
	coAuthors, err := e.coAuthorURIs(ctx, author, na.Authors)
	if err != nil {
		return Pending{}, err
	}
	if na.Organisation == "" {
		na.Organisation = author.Organisation
	}
	na.Licence, na.EditPolicy = cmpOr(na.Licence, storage.LicenceReserved), cmpOr(na.EditPolicy, storage.EditAuthors)
	title, summary, body, note := cleanLine(na.Title), strings.TrimSpace(cleanText(na.Summary)), strings.TrimSpace(cleanText(na.Body)), cleanLine(na.Note)
	org := cleanLine(na.Organisation)
	tags, err := artefactTags(na.Tags)
	if err != nil {
		return Pending{}, err
	}
	if err := validateArtefact(title, summary, body, org, na.Licence, na.EditPolicy, note); err != nil {
		return Pending{}, err
	}
	g, err := e.remoteCommunity(ctx, communityID)
	if err != nil {
		return Pending{}, err
	}
	held, err := e.holdProposalFiles(ctx, na.Uploads)
	if err != nil {
		return Pending{}, err
	}
	p := activitypub.ArtefactProposal{Type: activitypub.TypeCreate, Audience: g.URI, Name: &title, Summary: &summary,
		Source: &body, Tags: &tags, Licence: &na.Licence, Organisation: &org, EditPolicy: &na.EditPolicy, ChangeNote: note,
		Authors: coAuthors, Files: held.docs}
	rec := storage.Proposal{Kind: storage.ProposalArtefact, Action: storage.ProposalCreate, Title: title}
	return e.sendProposalWith(ctx, author, g, rec, held, p.Type, func(id string, tx *storage.Tx) ([]byte, error) {
		return activitypub.MarshalArtefactProposal(id, author.URI, tx.Now(), p)
	})
}

// coAuthorURIs are the actor ids of a new artefact's co-authors ids,
// accounts known here (members here or people of other nodes), besides
// author: how a proposal names them to the Group's node, which knows them
// by those ids.
func (e *Engine) coAuthorURIs(ctx context.Context, author storage.Account, ids []storage.ID) ([]string, error) {
	var uris []string
	for _, id := range ids {
		if id == author.ID {
			continue
		}
		a, err := e.store.AccountByID(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, invalid("author %s is not known here", id)
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(uris, a.URI) {
			uris = append(uris, a.URI)
		}
	}
	if len(uris)+1 > maxArtefactAuthors {
		return nil, invalid("an artefact has at most %d authors", maxArtefactAuthors)
	}
	return uris, nil
}

// ProposeArtefactEdit sends an edit of an artefact of a community hosted on
// another node to its Group, by a member of this node: only the fields ed
// sets, and ed.BaseVersion, the version it started from (the Group's node
// refuses it when another edit landed first). Files are changed on the
// community's own node only (ErrFilesElsewhere).
func (e *Engine) ProposeArtefactEdit(ctx context.Context, editor storage.Account, id storage.ID, ed ArtefactEdit) (Pending, error) {
	a, err := e.store.ArtefactByID(ctx, id)
	if err != nil {
		return Pending{}, fmt.Errorf("artefact %s: %w", id, err)
	}
	return e.proposeArtefactEdit(ctx, editor, a, ed, "")
}

// proposeArtefactEdit is ProposeArtefactEdit of the artefact loaded; one
// the editor may not read is not found. action is what the member's
// record calls it (storage.ProposalRestore; "" for an update).
func (e *Engine) proposeArtefactEdit(ctx context.Context, editor storage.Account, a storage.Artefact, ed ArtefactEdit, action string) (Pending, error) {
	if !editor.Local() || editor.ActorType != activitypub.TypePerson {
		return Pending{}, fmt.Errorf("propose edit by %s: %w", editor.URI, ErrDenied)
	}
	if a.Local {
		return Pending{}, fmt.Errorf("artefact %s is hosted here: %w", a.URI, ErrDenied)
	}
	if err := e.readableElsewhere(ctx, editor, a.CommunityID, a.URI); err != nil {
		return Pending{}, err
	}
	if ed.Files != nil {
		return Pending{}, ErrFilesElsewhere
	}
	if ed.BaseVersion <= 0 {
		return Pending{}, invalid("base_version, the version the edit started from, is required")
	}
	g, err := e.remoteCommunity(ctx, a.CommunityID)
	if err != nil {
		return Pending{}, err
	}
	p := activitypub.ArtefactProposal{Type: activitypub.TypeUpdate, ID: a.URI, Audience: g.URI, BaseVersion: ed.BaseVersion,
		Licence: ed.Licence, EditPolicy: ed.EditPolicy, ChangeNote: cleanLine(ed.Note)}
	if len(ed.RemoveFiles) > 0 {
		// Checked against the copy here of the version the edit started
		// from, as the Group's node will check it.
		from, err := e.store.ArtefactVersion(ctx, a.ID, ed.BaseVersion)
		if err != nil {
			return Pending{}, fmt.Errorf("version %d of %s: %w", ed.BaseVersion, a.URI, err)
		}
		for _, name := range ed.RemoveFiles {
			if !slices.ContainsFunc(from.Files, func(f storage.VersionFile) bool { return strings.EqualFold(f.Name, name) }) {
				return Pending{}, invalid("%s is not a file of version %d", name, ed.BaseVersion)
			}
		}
		p.RemoveFiles = ed.RemoveFiles
	}
	// What the member typed is checked as the Group's node will check it,
	// against the copy here.
	title, summary, body, org, licence, policy := a.Title, a.Summary, a.BodySource, a.Organisation, a.Licence, a.EditPolicy
	if ed.Title != nil {
		title = cleanLine(*ed.Title)
		p.Name = &title
	}
	if ed.Summary != nil {
		summary = strings.TrimSpace(cleanText(*ed.Summary))
		p.Summary = &summary
	}
	if ed.Body != nil {
		body = strings.TrimSpace(cleanText(*ed.Body))
		p.Source = &body
	}
	if ed.Organisation != nil {
		org = cleanLine(*ed.Organisation)
		p.Organisation = &org
	}
	if ed.Tags != nil {
		tags, err := artefactTags(*ed.Tags)
		if err != nil {
			return Pending{}, err
		}
		p.Tags = &tags
	}
	if ed.Licence != nil {
		licence = *ed.Licence
	}
	if ed.EditPolicy != nil {
		policy = *ed.EditPolicy
	}
	if err := validateArtefact(title, summary, body, org, licence, policy, p.ChangeNote); err != nil {
		return Pending{}, err
	}
	held, err := e.holdProposalFiles(ctx, ed.Uploads)
	if err != nil {
		return Pending{}, err
	}
	p.Files = held.docs
	rec := storage.Proposal{Kind: storage.ProposalArtefact, Action: cmpOr(action, storage.ProposalUpdate), ObjectURI: a.URI, Title: title}
	return e.sendProposalWith(ctx, editor, g, rec, held, p.Type, func(id string, tx *storage.Tx) ([]byte, error) {
		return activitypub.MarshalArtefactProposal(id, editor.URI, tx.Now(), p)
	})
}

// remoteCommunity is the Group of a community hosted on another node, or
// ErrNotFound.
func (e *Engine) remoteCommunity(ctx context.Context, id storage.ID) (storage.Account, error) {
	g, err := e.store.AccountByID(ctx, id)
	if err != nil {
		return storage.Account{}, fmt.Errorf("community %s: %w", id, err)
	}
	if g.Local() || g.ActorType != activitypub.TypeGroup || g.Inbox == "" {
		return storage.Account{}, fmt.Errorf("community %s on another node: %w", id, storage.ErrNotFound)
	}
	if !g.SuspendedAt.IsZero() {
		return storage.Account{}, fmt.Errorf("community %s is suspended: %w", g.Acct(), ErrDenied)
	}
	return g, nil
}

// sendProposal signs the member's proposal (typ, its body as marshal
// makes it for the activity id), delivers it to the Group's inbox, and
// nowhere else, and keeps rec (its kind, action, item and title) as the
// member's record of it, pending, in the same transaction.
func (e *Engine) sendProposal(ctx context.Context, member, g storage.Account, rec storage.Proposal, typ string,
	marshal func(id string, tx *storage.Tx) ([]byte, error)) (Pending, error) {
	return e.sendProposalWith(ctx, member, g, rec, heldFiles{}, typ, marshal)
}

// sendProposalWith is sendProposal of a proposal carrying held files,
// recorded with it; they are removed if it is not sent.
func (e *Engine) sendProposalWith(ctx context.Context, member, g storage.Account, rec storage.Proposal, held heldFiles, typ string,
	marshal func(id string, tx *storage.Tx) ([]byte, error)) (Pending, error) {
	var out Pending
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		id := e.urls.Activity(member.Username, tx.NewID())
		body, err := marshal(id, tx)
		if err != nil {
			return err
		}
		rec.ActivityURI, rec.AccountID, rec.CommunityID = id, member.ID, g.ID
		if err := tx.InsertProposal(ctx, &rec); err != nil {
			return err
		}
		for _, f := range held.rows {
			f.ProposalID = rec.ID
			if err := tx.InsertProposalFile(ctx, &f); err != nil {
				return err
			}
		}
		out.ActivityID, out.ProposalID = id, rec.ID
		return e.publishBody(ctx, tx, member, id, typ, false, body, []string{g.Inbox})
	})
	if err != nil {
		e.releaseHeld(ctx, held)
		return Pending{}, fmt.Errorf("propose %s in %s: %w", strings.ToLower(typ), g.Acct(), err)
	}
	return out, nil
}

// applyProposal applies a remote member's proposal sent to a community
// hosted here, a Create or Update of an artefact (an Article carrying
// copse:editPolicy or copse:baseVersion), a glossary term or an event:
// with createArtefactIn, reviseArtefactIn, createTermIn, reviseTermIn,
// createEventIn or reviseEventIn, the checks a member of this node
// passes, or, refused, with a Reject{activity} to the member saying why.
// handled is false when the activity is not a proposal.
func (e *Engine) applyProposal(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) (bool, error) {
	var audience, attributed string
	var apply func(g storage.Account) (string, error)
	switch {
	case act.Object.Type == activitypub.TypeDefinedTerm:
		p, ok := activitypub.TermProposalOf(inboxBody(ctx))
		if !ok {
			return false, nil
		}
		audience, attributed = p.Audience, p.AttributedTo
		apply = func(g storage.Account) (string, error) { return e.applyTermProposal(ctx, tx, g, actor, p) }
	case act.Object.Type == activitypub.TypeEvent:
		p, ok := activitypub.EventProposalOf(inboxBody(ctx))
		if !ok {
			return false, nil
		}
		audience, attributed = p.Audience, p.AttributedTo
		apply = func(g storage.Account) (string, error) { return e.applyEventProposal(ctx, tx, g, actor, p) }
	case act.Object.Type == activitypub.TypeArticle || (act.Object.Note != nil && act.Object.Note.Type == activitypub.TypeArticle):
		p, ok := activitypub.ArtefactProposalOf(inboxBody(ctx))
		if !ok {
			return false, nil
		}
		audience, attributed = p.Audience, p.AttributedTo
		apply = func(g storage.Account) (string, error) {
			return e.applyArtefactProposal(ctx, tx, g, actor, act.ID, p, nil)
		}
	default:
		return false, nil // a post: not read again
	}
	g, hosted, err := e.hostedCommunity(ctx, tx, audience)
	if err != nil || !hosted {
		return true, err // a proposal for a community elsewhere is not ours
	}
	if attributed != "" && attributed != actor.URI {
		return true, fmt.Errorf("proposal %s attributed to %s by %s: %w", act.ID, attributed, actor.URI, ErrDenied)
	}
	made, err := apply(g)
	if errors.Is(err, errFetching) {
		return true, nil // answered once its files are here
	}
	if why, refused := refusal(err); refused {
		return true, e.rejectProposal(ctx, tx, g, actor, act, why)
	}
	if err != nil {
		return true, err
	}
	return true, e.acceptProposal(ctx, tx, g, actor, act, made)
}

// proposalOnly reports whether a Create of an object of type typ, which
// is no post, can only be a proposal (a glossary term, an event): the
// inbox takes it for applyProposal instead of refusing it.
func proposalOnly(typ string) bool {
	return typ == activitypub.TypeDefinedTerm || typ == activitypub.TypeEvent
}

// applyArtefactProposal applies a proposed artefact or edit in community
// g, and returns the id of the artefact made or changed. A proposal that
// carries files (p.Files) and comes from the inbox (fetched is nil) is
// checked and queued to fetch them from the member's node: errFetching.
// The fetch worker applies it again with the files stored (fetched), in
// place of files of the same names.
func (e *Engine) applyArtefactProposal(ctx context.Context, tx *storage.Tx, g, actor storage.Account, activityID string,
	p activitypub.ArtefactProposal, fetched []storedFile) (string, error) {
	if len(p.Files) > 0 && fetched == nil {
		// Who may not add or edit is told so before any file is fetched;
		// the rest is checked again when the files are here.
		if err := mayProposeIn(ctx, tx, g, actor, p); err != nil {
			return "", err
		}
		return "", e.queueProposalFetch(ctx, tx, actor, activityID, p)
	}
	attach := func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error {
		for _, sf := range fetched {
			f := sf.file
			f.UploadedBy = actor.ID
			if err := e.attachFile(ctx, tx, a, v, &f, sf.text); err != nil {
				return err
			}
		}
		return nil
	}
	if p.Type == activitypub.TypeCreate {
		na := NewArtefact{Title: deref(p.Name), Summary: deref(p.Summary), Body: deref(p.Source), Licence: deref(p.Licence),
			Organisation: deref(p.Organisation), EditPolicy: deref(p.EditPolicy), Note: p.ChangeNote, attach: attach}
		if p.Tags != nil {
			na.Tags = *p.Tags
		}
		for _, uri := range p.Authors {
			co, err := tx.AccountByURI(ctx, uri)
			if errors.Is(err, storage.ErrNotFound) {
				return "", invalid("co-author %s is not known to the community's server: they can be named once they have joined it", uri)
			}
			if err != nil {
				return "", err
			}
			na.Authors = append(na.Authors, co.ID)
		}
		a, err := e.createArtefactIn(ctx, tx, actor, g.ID, na)
		return a.URI, err
	}
	a, err := tx.ArtefactByURI(ctx, p.ID)
	if err != nil {
		return "", fmt.Errorf("artefact %s: %w", p.ID, err)
	}
	if a.CommunityID != g.ID {
		return "", fmt.Errorf("artefact %s is not in %s: %w", p.ID, g.Acct(), ErrDenied)
	}
	ed := ArtefactEdit{BaseVersion: p.BaseVersion, Title: p.Name, Summary: p.Summary, Body: p.Source, Tags: p.Tags,
		Organisation: p.Organisation, Licence: p.Licence, EditPolicy: p.EditPolicy, Note: p.ChangeNote, RemoveFiles: p.RemoveFiles}
	change, err := artefactChange(ctx, ed)
	if err != nil {
		return "", err
	}
	_, err = e.reviseArtefactIn(ctx, tx, actor, a.ID, ed.BaseVersion, ed.Note,
		func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error {
			if err := change(tx, a, v); err != nil {
				return err
			}
			return attach(tx, a, v)
		})
	return a.URI, err
}

// mayProposeIn is the check of who may make proposal p in g that comes
// before anything else: adding to the community, or editing the
// artefact.
func mayProposeIn(ctx context.Context, tx *storage.Tx, g, actor storage.Account, p activitypub.ArtefactProposal) error {
	if p.Type == activitypub.TypeCreate {
		return mayCreateIn(ctx, tx, g, actor)
	}
	a, err := tx.ArtefactByURI(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("artefact %s: %w", p.ID, err)
	}
	if a.CommunityID != g.ID {
		return fmt.Errorf("artefact %s is not in %s: %w", p.ID, g.Acct(), ErrDenied)
	}
	ok, err := mayEditArtefact(ctx, tx, g, a, actor)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s may not edit %s: %w", actor.Acct(), a.URI, ErrDenied)
	}
	return nil
}

// refusal reports whether err refuses a proposal (rather than failing for
// a passing reason), and the reason to tell the member.
func refusal(err error) (string, bool) {
	var stale *StaleError
	var termStale *TermStaleError
	var inv *InvalidError
	switch {
	case err == nil:
		return "", false
	case errors.As(err, &stale):
		return fmt.Sprintf("stale edit: it started from version %d, and the artefact is at version %d", stale.Base, stale.Current), true
	case errors.As(err, &termStale):
		return fmt.Sprintf("stale edit: it started from version %d, and the term is at version %d", termStale.Base, termStale.Current), true
	case errors.As(err, &inv):
		return inv.Msg, true
	case errors.Is(err, ErrDenied):
		return strings.TrimSuffix(strings.TrimPrefix(err.Error(), "federation: "), ": "+ErrDenied.Error()), true
	case errors.Is(err, storage.ErrNotFound):
		return "not found: " + err.Error(), true
	}
	return "", false
}

// rejectProposal tells a remote member that the Group refused their
// proposal, and why.
func (e *Engine) rejectProposal(ctx context.Context, tx *storage.Tx, g, member storage.Account, act activitypub.Activity, why string) error {
	e.log.InfoContext(ctx, "community refused a proposal", "community", g.Acct(), "actor", member.URI, "activity_id", act.ID, "reason", why)
	rej := activitypub.Activity{ID: e.urls.Activity(g.Username, tx.NewID()), Type: activitypub.TypeReject,
		Actor: g.URI, To: []string{member.URI}, Content: why, Object: activitypub.Object{IRI: act.ID}}
	return e.publish(ctx, tx, g, rej, false, []string{member.Inbox})
}

// acceptProposal tells a remote member that the Group applied their
// proposal: Accept{activity} with the item it made or changed as its
// result, so the member's node can say which (the version itself reaches
// it as the Group announces it to its followers).
func (e *Engine) acceptProposal(ctx context.Context, tx *storage.Tx, g, member storage.Account, act activitypub.Activity, made string) error {
	acc := activitypub.Activity{ID: e.urls.Activity(g.Username, tx.NewID()), Type: activitypub.TypeAccept,
		Actor: g.URI, To: []string{member.URI}, Object: activitypub.Object{IRI: act.ID}, Result: made}
	return e.publish(ctx, tx, g, acc, false, []string{member.Inbox})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// applyTermProposal applies a proposed term or edit in community g, and
// returns the id of the term made or changed.
func (e *Engine) applyTermProposal(ctx context.Context, tx *storage.Tx, g, actor storage.Account, p activitypub.TermProposal) (string, error) {
	if p.Type == activitypub.TypeCreate {
		nt := NewTerm{Term: deref(p.Name), Definition: deref(p.Definition), ReferenceURL: deref(p.ReferenceURL),
			ReferenceText: deref(p.ReferenceText), Note: p.ChangeNote}
		if p.Aliases != nil {
			nt.Aliases = *p.Aliases
		}
		if p.Related != nil {
			nt.Related = *p.Related
		}
		t, err := e.createTermIn(ctx, tx, actor, g.ID, nt)
		return t.URI, err
	}
	t, err := tx.TermByURI(ctx, p.ID)
	if err != nil {
		return "", fmt.Errorf("term %s: %w", p.ID, err)
	}
	if t.CommunityID != g.ID {
		return "", fmt.Errorf("term %s is not in %s: %w", p.ID, g.Acct(), ErrDenied)
	}
	ed := TermEdit{BaseVersion: p.BaseVersion, Term: p.Name, Definition: p.Definition, Aliases: p.Aliases, Related: p.Related,
		ReferenceURL: p.ReferenceURL, ReferenceText: p.ReferenceText, Note: p.ChangeNote}
	_, err = e.reviseTermIn(ctx, tx, actor, t.ID, ed.BaseVersion, ed.Note, termChange(ed))
	return t.URI, err
}

// ProposeTerm sends a new term for the glossary of a community hosted on
// another node to its Group, by a member of this node; what the member
// typed is checked here first (an *InvalidError before anything is sent).
func (e *Engine) ProposeTerm(ctx context.Context, author storage.Account, communityID storage.ID, nt NewTerm) (Pending, error) {
	if !author.Local() || author.ActorType != activitypub.TypePerson {
		return Pending{}, fmt.Errorf("propose term by %s: %w", author.URI, ErrDenied)
	}
	v, err := newTermVersion(author, nt)
	if err != nil {
		return Pending{}, err
	}
	g, err := e.remoteCommunity(ctx, communityID)
	if err != nil {
		return Pending{}, err
	}
	p := activitypub.TermProposal{Type: activitypub.TypeCreate, Audience: g.URI, Name: &v.Term, Definition: &v.DefinitionSource,
		Aliases: &v.Aliases, Related: &v.Related, ChangeNote: v.Note}
	if v.ReferenceURL != "" || v.ReferenceText != "" {
		p.ReferenceURL, p.ReferenceText = &v.ReferenceURL, &v.ReferenceText
	}
	rec := storage.Proposal{Kind: storage.ProposalTerm, Action: storage.ProposalCreate, Title: v.Term}
	return e.sendProposal(ctx, author, g, rec, p.Type, func(id string, tx *storage.Tx) ([]byte, error) {
		return activitypub.MarshalTermProposal(id, author.URI, tx.Now(), p)
	})
}

// ProposeTermEdit sends an edit of a term of a community hosted on another
// node to its Group, by a member of this node: the fields ed sets, and
// ed.BaseVersion (the Group's node refuses a stale one).
func (e *Engine) ProposeTermEdit(ctx context.Context, editor storage.Account, id storage.ID, ed TermEdit) (Pending, error) {
	t, err := e.store.TermByID(ctx, id)
	if err != nil {
		return Pending{}, fmt.Errorf("term %s: %w", id, err)
	}
	return e.proposeTermEdit(ctx, editor, t, ed, "")
}

// proposeTermEdit is ProposeTermEdit of the term loaded; one the editor
// may not read is not found. action is as for proposeArtefactEdit.
func (e *Engine) proposeTermEdit(ctx context.Context, editor storage.Account, t storage.Term, ed TermEdit, action string) (Pending, error) {
	if !editor.Local() || editor.ActorType != activitypub.TypePerson {
		return Pending{}, fmt.Errorf("propose edit by %s: %w", editor.URI, ErrDenied)
	}
	if t.Local {
		return Pending{}, fmt.Errorf("term %s is hosted here: %w", t.URI, ErrDenied)
	}
	if err := e.readableElsewhere(ctx, editor, t.CommunityID, t.URI); err != nil {
		return Pending{}, err
	}
	if ed.BaseVersion <= 0 {
		return Pending{}, invalid("base_version, the version the edit started from, is required")
	}
	g, err := e.remoteCommunity(ctx, t.CommunityID)
	if err != nil {
		return Pending{}, err
	}
	// What the member typed is checked against the copy here, as the
	// Group's node will check it.
	next := storage.TermVersion{Term: t.Term, DefinitionSource: cmpOr(t.DefinitionSource, "-"), Aliases: t.Aliases, Related: t.Related,
		ReferenceURL: t.ReferenceURL, ReferenceText: t.ReferenceText, Note: cleanLine(ed.Note)}
	if err := termChange(ed)(nil, t, &next); err != nil {
		return Pending{}, err
	}
	if err := validateTerm(next); err != nil {
		return Pending{}, err
	}
	p := activitypub.TermProposal{Type: activitypub.TypeUpdate, ID: t.URI, Audience: g.URI, BaseVersion: ed.BaseVersion,
		ChangeNote: next.Note}
	if ed.Term != nil {
		p.Name = &next.Term
	}
	if ed.Definition != nil {
		p.Definition = &next.DefinitionSource
	}
	if ed.Aliases != nil {
		p.Aliases = &next.Aliases
	}
	if ed.Related != nil {
		p.Related = &next.Related
	}
	if ed.ReferenceURL != nil || ed.ReferenceText != nil {
		p.ReferenceURL, p.ReferenceText = &next.ReferenceURL, &next.ReferenceText
	}
	rec := storage.Proposal{Kind: storage.ProposalTerm, Action: cmpOr(action, storage.ProposalUpdate), ObjectURI: t.URI, Title: next.Term}
	return e.sendProposal(ctx, editor, g, rec, p.Type, func(id string, tx *storage.Tx) ([]byte, error) {
		return activitypub.MarshalTermProposal(id, editor.URI, tx.Now(), p)
	})
}

// applyEventProposal applies a proposed event or change in community g,
// and returns the id of the event made or changed.
func (e *Engine) applyEventProposal(ctx context.Context, tx *storage.Tx, g, actor storage.Account, p activitypub.EventProposal) (string, error) {
	if p.Type == activitypub.TypeCreate {
		ne := NewEvent{Name: deref(p.Name), Description: deref(p.Description), TimeZone: deref(p.TimeZone),
			PlaceName: p.PlaceName, PlaceAddress: p.PlaceAddress, OnlineURL: p.OnlineURL}
		if p.Start != nil {
			ne.Start = *p.Start
		}
		if p.End != nil {
			ne.End = *p.End
		}
		if p.Capacity != nil {
			ne.Capacity = *p.Capacity
		}
		ev, err := e.createEventIn(ctx, tx, actor, g.ID, ne)
		return ev.URI, err
	}
	ev, err := tx.CommunityEventByURI(ctx, p.ID)
	if err != nil {
		return "", fmt.Errorf("event %s: %w", p.ID, err)
	}
	if ev.CommunityID != g.ID {
		return "", fmt.Errorf("event %s is not in %s: %w", p.ID, g.Acct(), ErrDenied)
	}
	ed := EventEdit{Name: p.Name, Description: p.Description, Start: p.Start, End: p.End, TimeZone: p.TimeZone, Capacity: p.Capacity,
		Cancel: p.Cancelled}
	if p.Location {
		ed.PlaceName, ed.PlaceAddress, ed.OnlineURL = &p.PlaceName, &p.PlaceAddress, &p.OnlineURL
	}
	_, err = e.reviseEventIn(ctx, tx, actor, ev.ID, e.eventChange(ed))
	return ev.URI, err
}

// ProposeEvent sends a new event for a community hosted on another node to
// its Group, by a member of this node; what the member typed is checked
// here first (an *InvalidError before anything is sent).
func (e *Engine) ProposeEvent(ctx context.Context, organiser storage.Account, communityID storage.ID, ne NewEvent) (Pending, error) {
	if !organiser.Local() || organiser.ActorType != activitypub.TypePerson {
		return Pending{}, fmt.Errorf("propose event by %s: %w", organiser.URI, ErrDenied)
	}
	ev, err := e.newEventOf(organiser, ne)
	if err != nil {
		return Pending{}, err
	}
	g, err := e.remoteCommunity(ctx, communityID)
	if err != nil {
		return Pending{}, err
	}
	p := activitypub.EventProposal{Type: activitypub.TypeCreate, Audience: g.URI, Name: &ev.Name, Description: &ev.DescriptionSource,
		Start: &ev.Start, End: &ev.End, TimeZone: &ev.TimeZone, Location: true, PlaceName: ev.PlaceName,
		PlaceAddress: ev.PlaceAddress, OnlineURL: ev.OnlineURL, Capacity: &ev.Capacity}
	rec := storage.Proposal{Kind: storage.ProposalEvent, Action: storage.ProposalCreate, Title: ev.Name}
	return e.sendProposal(ctx, organiser, g, rec, p.Type, func(id string, tx *storage.Tx) ([]byte, error) {
		return activitypub.MarshalEventProposal(id, organiser.URI, tx.Now(), p)
	})
}

// ProposeEventEdit sends a change of an event of a community hosted on
// another node to its Group, by a member of this node: the fields ed
// sets, checked against the copy here first. Its organiser and the
// community's moderators may change it; the Group's node decides.
func (e *Engine) ProposeEventEdit(ctx context.Context, editor storage.Account, id storage.ID, ed EventEdit) (Pending, error) {
	ev, err := e.store.CommunityEventByID(ctx, id)
	if err != nil {
		return Pending{}, fmt.Errorf("event %s: %w", id, err)
	}
	return e.proposeEventEdit(ctx, editor, ev, ed)
}

// proposeEventEdit is ProposeEventEdit of the event loaded; one the editor
// may not read is not found.
func (e *Engine) proposeEventEdit(ctx context.Context, editor storage.Account, ev storage.CommunityEvent, ed EventEdit) (Pending, error) {
	if !editor.Local() || editor.ActorType != activitypub.TypePerson {
		return Pending{}, fmt.Errorf("propose event change by %s: %w", editor.URI, ErrDenied)
	}
	if ev.Local {
		return Pending{}, fmt.Errorf("event %s is hosted here: %w", ev.URI, ErrDenied)
	}
	if err := e.readableElsewhere(ctx, editor, ev.CommunityID, ev.URI); err != nil {
		return Pending{}, err
	}
	g, err := e.remoteCommunity(ctx, ev.CommunityID)
	if err != nil {
		return Pending{}, err
	}
	next := ev
	if err := e.eventChange(ed)(&next); err != nil {
		return Pending{}, err
	}
	p := activitypub.EventProposal{Type: activitypub.TypeUpdate, ID: ev.URI, Audience: g.URI, Cancelled: ed.Cancel}
	if ed.Name != nil {
		p.Name = &next.Name
	}
	if ed.Description != nil {
		p.Description = &next.DescriptionSource
	}
	if ed.Start != nil {
		p.Start = &next.Start
	}
	if ed.End != nil {
		p.End = &next.End
	}
	if ed.TimeZone != nil {
		p.TimeZone = &next.TimeZone
	}
	if ed.Capacity != nil {
		p.Capacity = &next.Capacity
	}
	if ed.PlaceName != nil || ed.PlaceAddress != nil || ed.OnlineURL != nil {
		p.Location, p.PlaceName, p.PlaceAddress, p.OnlineURL = true, next.PlaceName, next.PlaceAddress, next.OnlineURL
	}
	rec := storage.Proposal{Kind: storage.ProposalEvent, Action: storage.ProposalUpdate, ObjectURI: ev.URI, Title: next.Name}
	if ed.Cancel {
		rec.Action = storage.ProposalCancel
	}
	return e.sendProposal(ctx, editor, g, rec, p.Type, func(id string, tx *storage.Tx) ([]byte, error) {
		return activitypub.MarshalEventProposal(id, editor.URI, tx.Now(), p)
	})
}

// proposalAnswered takes a Group's Accept or Reject of a proposal a
// member here sent it, and records it on the member's proposal: accepted,
// with the item the Group's node made or changed (its result, kept only
// when it is on the Group's host), or refused, with the reason it gave,
// which also notifies the member. Nothing else was written here for the
// proposal, so nothing is undone; the version itself arrives as the Group
// announces it. An answer from another actor than the Group proposed to
// is refused; a second answer, or one to no proposal of ours, changes
// nothing.
func (e *Engine) proposalAnswered(ctx context.Context, tx *storage.Tx, g storage.Account, act activitypub.Activity) error {
	p, err := tx.ProposalByActivity(ctx, act.Object.IRI)
	if err != nil {
		return ignoreNotFound(err)
	}
	if p.CommunityID != g.ID {
		return fmt.Errorf("%s answers a proposal to another community: %w", g.URI, ErrDenied)
	}
	if act.Type == activitypub.TypeAccept {
		made := ""
		if activitypub.ValidURL(act.Result) && urlHost(act.Result) == urlHost(g.URI) {
			made = act.Result
		}
		_, err := tx.DecideProposal(ctx, p.ID, storage.ProposalAccepted, made, "")
		return ignoreNotFound(err)
	}
	p, err = tx.DecideProposal(ctx, p.ID, storage.ProposalRefused, "", remoteReason(act.Content))
	if err != nil {
		return ignoreNotFound(err)
	}
	e.log.InfoContext(ctx, "a community refused a member's proposal", "community", g.URI, "activity_id", p.ActivityURI,
		"account_id", p.AccountID, "reason", p.Reason)
	n := storage.Notification{AccountID: p.AccountID, FromAccountID: g.ID, Type: storage.NotifyProposalRefused, ProposalID: p.ID}
	if err := tx.InsertNotification(ctx, &n); err != nil {
		return fmt.Errorf("notify refused proposal %s: %w", p.ID, err)
	}
	e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{p.AccountID}})
	return nil
}
