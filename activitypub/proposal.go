package activitypub

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// Proposals (issue 13): a member of another node creates or edits an
// artefact of a community by sending the Group a Create or Update
// {Article} that the Group's node applies, with the same checks as a
// member of its own, or refuses with a Reject. The Article carries only
// what the member set (an Update's absent fields stay as they are), and
// two terms of copse's namespace: copse:editPolicy (a new artefact's edit
// policy: what marks a Create as a proposal) and copse:baseVersion (the
// version an edit started from: what marks an Update as one; a stale one
// is refused). A new artefact has no id yet: the Group's node gives it one.

// proposalContext is artefactContext with the terms of a proposal.
var proposalContext = func() []any {
	terms := maps.Clone(artefactContext[1].(map[string]any))
	terms["baseVersion"] = "copse:baseVersion"
	terms["editPolicy"] = "copse:editPolicy"
	terms["removeFiles"] = "copse:removeFiles"
	return []any{asContext, terms}
}()

// ArtefactProposal is a member's Create or Update of an artefact sent to
// its community's Group. Nil fields are not set (an edit leaves them).
type ArtefactProposal struct {
	Type         string // TypeCreate or TypeUpdate
	ID           string // the artefact's id; "" in a Create
	AttributedTo string // the member
	Audience     string // the Group
	BaseVersion  int    // an Update's: the version the edit started from
	Name         *string
	Summary      *string
	Source       *string // Markdown
	Tags         *[]string
	Licence      *string
	Organisation *string
	EditPolicy   *string
	ChangeNote   string
	// Authors are a new artefact's co-authors besides the member, by
	// their actor ids (a Create's only).
	Authors []string
	// Files are files the member adds (a file of the same name is
	// replaced), held on the member's node at their URL until the Group's
	// node has fetched them; each names its size and SHA-256, which what
	// is fetched must match.
	Files []ArtefactDocument
	// RemoveFiles names files of the base version an edit removes (the
	// version after it no longer holds them; earlier ones keep them).
	RemoveFiles []string
}

// proposalHead is what the object of every kind of proposal starts
// with: its id ("" when it is new), type, the member, and the Group as its
// audience and only addressee.
type proposalHead struct {
	ID           string   `json:"id,omitempty"`
	Type         string   `json:"type"`
	AttributedTo string   `json:"attributedTo,omitempty"`
	Audience     string   `json:"audience,omitempty"`
	To           []string `json:"to,omitempty"`
}

// headOf is the head of a proposal of an object of type typ by actor to
// the Group audience.
func headOf(typ, id, actor, audience string) proposalHead {
	return proposalHead{ID: id, Type: typ, AttributedTo: actor, Audience: audience, To: []string{audience}}
}

// marshalProposal emits object w as the activity id (a Create or Update)
// of actor, addressed to the Group audience only.
func marshalProposal(ldContext any, id, typ, actor, audience string, published time.Time, w any) ([]byte, error) {
	return marshalNoEscape(versionActivity(ldContext, id, typ, actor, published,
		addressed{To: []string{audience}, Audience: audience}, w))
}

type proposalWire struct {
	proposalHead
	BaseVersion  int               `json:"baseVersion,omitempty"`
	Name         *string           `json:"name,omitempty"`
	Summary      *string           `json:"summary,omitempty"`
	Source       *sourceWire       `json:"source,omitempty"`
	Tag          *[]tagWire        `json:"tag,omitempty"`
	Licence      *string           `json:"licence,omitempty"`
	Organisation *string           `json:"organisation,omitempty"`
	EditPolicy   *string           `json:"editPolicy,omitempty"`
	ChangeNote   string            `json:"changeNote,omitempty"`
	Authors      []string          `json:"authors,omitempty"`
	Attachment   []json.RawMessage `json:"attachment,omitempty"`
	RemoveFiles  []string          `json:"removeFiles,omitempty"`
}

// MarshalArtefactProposal emits p as the activity id of actor, addressed to
// the Group (to and audience) only.
func MarshalArtefactProposal(id, actor string, published time.Time, p ArtefactProposal) ([]byte, error) {
	if p.Type != TypeCreate && p.Type != TypeUpdate {
		return nil, fmt.Errorf("proposal of type %q: %w", p.Type, ErrInvalid)
	}
	w := proposalWire{proposalHead: headOf(TypeArticle, p.ID, actor, p.Audience), Name: p.Name, Summary: p.Summary, Licence: p.Licence, Organisation: p.Organisation, EditPolicy: p.EditPolicy,
		ChangeNote: p.ChangeNote, RemoveFiles: p.RemoveFiles}
	if p.Type == TypeUpdate {
		if p.ID == "" || p.BaseVersion <= 0 {
			return nil, fmt.Errorf("an edit names its artefact and base version: %w", ErrInvalid)
		}
		w.BaseVersion = p.BaseVersion
	} else if p.EditPolicy == nil {
		return nil, fmt.Errorf("a new artefact's proposal names its edit policy: %w", ErrInvalid)
	} else {
		w.Authors = p.Authors
	}
	if p.Source != nil {
		w.Source = &sourceWire{Content: *p.Source, MediaType: "text/markdown"}
	}
	if p.Tags != nil {
		tags := make([]tagWire, 0, len(*p.Tags))
		for _, t := range *p.Tags {
			tags = append(tags, tagWire{Type: TagHashtag, Name: "#" + t})
		}
		w.Tag = &tags
	}
	for _, d := range p.Files {
		b, err := json.Marshal(documentWire{Type: "Document", URL: d.URL, MediaType: d.MediaType, Name: d.Name,
			Size: d.Size, DigestMultibase: DigestMultibase(d.SHA256)})
		if err != nil {
			return nil, err
		}
		w.Attachment = append(w.Attachment, b)
	}
	return marshalProposal(proposalContext, id, p.Type, actor, p.Audience, published, w)
}

// ArtefactProposalOf reads the proposal an activity body carries: a Create
// {Article} whose Article names an editPolicy, or an Update{Article} whose
// Article names a baseVersion; false for anything else (a post, an
// artefact's own version).
func ArtefactProposalOf(b []byte) (ArtefactProposal, bool) {
	var w proposalWire
	act, ok := proposalEnvelope(b, &w)
	if !ok || w.Type != TypeArticle {
		return ArtefactProposal{}, false
	}
	switch {
	case act.Type == TypeCreate && w.EditPolicy != nil:
	case act.Type == TypeUpdate && w.BaseVersion > 0 && w.ID != "":
	default:
		return ArtefactProposal{}, false
	}
	p := ArtefactProposal{Type: act.Type, ID: w.ID, AttributedTo: w.AttributedTo, Audience: cmpOr(w.Audience, act.Audience),
		BaseVersion: w.BaseVersion, Name: cleanPtr(w.Name), Summary: cleanPtr(w.Summary), Licence: w.Licence,
		Organisation: cleanPtr(w.Organisation), EditPolicy: w.EditPolicy, ChangeNote: CleanText(w.ChangeNote)}
	if act.Type == TypeUpdate {
		for _, name := range w.RemoveFiles {
			p.RemoveFiles = append(p.RemoveFiles, CleanText(name))
		}
	}
	for _, raw := range w.Attachment {
		// A file that cannot be read is kept without its address, so
		// the Group's node refuses the proposal rather than apply it
		// without the file.
		var d documentWire
		_ = json.Unmarshal(raw, &d)
		if !ValidURL(d.URL) {
			d.URL = ""
		}
		p.Files = append(p.Files, ArtefactDocument{URL: d.URL, MediaType: CleanText(d.MediaType), Name: CleanText(d.Name),
			Size: d.Size, SHA256: sha256OfMultibase(d.DigestMultibase)})
	}
	if act.Type == TypeCreate {
		p.ID, p.Authors = "", cleanURLs(w.Authors)
	}
	if w.Source != nil && w.Source.MediaType == "text/markdown" {
		p.Source = cleanPtr(&w.Source.Content)
	}
	if w.Tag != nil {
		tags := []string{}
		for _, t := range *w.Tag {
			if t.Type == TagHashtag {
				tags = append(tags, CleanText(t.Name))
			}
		}
		p.Tags = &tags
	}
	return p, true
}

func cleanPtr(s *string) *string {
	if s == nil {
		return nil
	}
	c := CleanText(*s)
	return &c
}

// termProposalContext is termContext with baseVersion.
var termProposalContext = func() []any {
	terms := maps.Clone(termContext[1].(map[string]any))
	terms["baseVersion"] = "copse:baseVersion"
	return []any{asContext, terms}
}()

// TermProposal is a member's Create or Update of a glossary term sent to
// its community's Group: a DefinedTerm with no id (a new term; a Create
// {DefinedTerm} reaches a Group only as a proposal) or with its id and
// copse:baseVersion (an edit). Nil fields are not set.
type TermProposal struct {
	Type          string // TypeCreate or TypeUpdate
	ID            string // the term's id; "" in a Create
	AttributedTo  string
	Audience      string // the Group
	BaseVersion   int
	Name          *string
	Definition    *string // Markdown
	Aliases       *[]string
	Related       *[]string // names
	ReferenceURL  *string
	ReferenceText *string
	ChangeNote    string
}

type termProposalWire struct {
	proposalHead
	BaseVersion   int         `json:"baseVersion,omitempty"`
	Name          *string     `json:"name,omitempty"`
	Source        *sourceWire `json:"source,omitempty"`
	AlternateName *[]string   `json:"alternateName,omitempty"`
	RelatedTerm   *[]linkWire `json:"relatedTerm,omitempty"`
	Citation      *linkWire   `json:"citation,omitempty"`
	ChangeNote    string      `json:"changeNote,omitempty"`
}

// MarshalTermProposal emits p as the activity id of actor, addressed to
// the Group only. A citation is sent when either of its parts is set; the
// other part is then sent as it stands ("" clears it).
func MarshalTermProposal(id, actor string, published time.Time, p TermProposal) ([]byte, error) {
	if p.Type != TypeCreate && p.Type != TypeUpdate {
		return nil, fmt.Errorf("proposal of type %q: %w", p.Type, ErrInvalid)
	}
	w := termProposalWire{proposalHead: headOf(TypeDefinedTerm, "", actor, p.Audience), Name: p.Name, AlternateName: p.Aliases,
		ChangeNote: p.ChangeNote}
	if p.Type == TypeUpdate {
		if p.ID == "" || p.BaseVersion <= 0 {
			return nil, fmt.Errorf("an edit names its term and base version: %w", ErrInvalid)
		}
		w.ID, w.BaseVersion = p.ID, p.BaseVersion
	}
	if p.Definition != nil {
		w.Source = &sourceWire{Content: *p.Definition, MediaType: "text/markdown"}
	}
	if p.Related != nil {
		links := make([]linkWire, 0, len(*p.Related))
		for _, r := range *p.Related {
			links = append(links, linkWire{Type: "Link", Name: r})
		}
		w.RelatedTerm = &links
	}
	if p.ReferenceURL != nil || p.ReferenceText != nil {
		w.Citation = &linkWire{Type: "Link"}
		if p.ReferenceURL != nil {
			w.Citation.Href = *p.ReferenceURL
		}
		if p.ReferenceText != nil {
			w.Citation.Name = *p.ReferenceText
		}
	}
	return marshalProposal(termProposalContext, id, p.Type, actor, p.Audience, published, w)
}

// TermProposalOf reads the proposal an activity body carries: a Create
// {DefinedTerm} without an id, or an Update{DefinedTerm} naming a
// baseVersion; false for anything else.
func TermProposalOf(b []byte) (TermProposal, bool) {
	var w termProposalWire
	act, ok := proposalEnvelope(b, &w)
	if !ok || w.Type != TypeDefinedTerm {
		return TermProposal{}, false
	}
	switch {
	case act.Type == TypeCreate && w.ID == "":
	case act.Type == TypeUpdate && w.BaseVersion > 0 && w.ID != "":
	default:
		return TermProposal{}, false
	}
	p := TermProposal{Type: act.Type, ID: w.ID, AttributedTo: w.AttributedTo, Audience: cmpOr(w.Audience, act.Audience),
		BaseVersion: w.BaseVersion, Name: cleanPtr(w.Name), ChangeNote: CleanText(w.ChangeNote)}
	if w.Source != nil && w.Source.MediaType == "text/markdown" {
		p.Definition = cleanPtr(&w.Source.Content)
	}
	if w.AlternateName != nil {
		aliases := []string{}
		for _, s := range *w.AlternateName {
			aliases = append(aliases, CleanText(s))
		}
		p.Aliases = &aliases
	}
	if w.RelatedTerm != nil {
		related := []string{}
		for _, l := range *w.RelatedTerm {
			related = append(related, CleanText(l.Name))
		}
		p.Related = &related
	}
	if w.Citation != nil {
		p.ReferenceURL, p.ReferenceText = &w.Citation.Href, cleanPtr(&w.Citation.Name)
	}
	return p, true
}

// EventProposal is a member's Create or Update of a community event sent
// to its community's Group: an Event with no id (a new event) or with its
// id (a change; events have no versions, so no base version). Nil fields
// are not set; a location, when sent, replaces the place and online link.
type EventProposal struct {
	Type         string // TypeCreate or TypeUpdate
	ID           string // the event's id; "" in a Create
	AttributedTo string
	Audience     string // the Group
	Name         *string
	Description  *string // Markdown
	Start, End   *time.Time
	TimeZone     *string
	Location     bool // PlaceName, PlaceAddress and OnlineURL are sent
	PlaceName    string
	PlaceAddress string
	OnlineURL    string
	Capacity     *int
	Cancelled    bool // an Update that cancels the event (ical:status CANCELLED)
}

type eventProposalWire struct {
	proposalHead
	Name      *string        `json:"name,omitempty"`
	Source    *sourceWire    `json:"source,omitempty"`
	StartTime string         `json:"startTime,omitempty"`
	EndTime   string         `json:"endTime,omitempty"`
	TimeZone  *string        `json:"timezone,omitempty"`
	Location  *eventLocation `json:"location,omitempty"`
	Capacity  *int           `json:"maximumAttendeeCapacity,omitempty"`
	Status    string         `json:"ical:status,omitempty"`
}

// MarshalEventProposal emits p as the activity id of actor, addressed to
// the Group only.
func MarshalEventProposal(id, actor string, published time.Time, p EventProposal) ([]byte, error) {
	if (p.Type != TypeCreate && p.Type != TypeUpdate) || (p.Type == TypeUpdate) != (p.ID != "") || (p.Cancelled && p.Type != TypeUpdate) {
		return nil, fmt.Errorf("event proposal of type %q for %q: %w", p.Type, p.ID, ErrInvalid)
	}
	w := eventProposalWire{proposalHead: headOf(TypeEvent, p.ID, actor, p.Audience), Name: p.Name, TimeZone: p.TimeZone,
		Capacity: p.Capacity}
	if p.Cancelled {
		w.Status = eventCancelled
	}
	if p.Description != nil {
		w.Source = &sourceWire{Content: *p.Description, MediaType: "text/markdown"}
	}
	if p.Start != nil {
		w.StartTime = wireTime(*p.Start)
	}
	if p.End != nil {
		w.EndTime = wireTime(*p.End)
	}
	if p.Location {
		if p.OnlineURL != "" {
			w.Location = &eventLocation{Type: "Link", Href: p.OnlineURL}
		} else {
			w.Location = &eventLocation{Type: TypePlace, Name: p.PlaceName, Address: p.PlaceAddress}
		}
	}
	return marshalProposal(eventContext, id, p.Type, actor, p.Audience, published, w)
}

// EventProposalOf reads the proposal an activity body carries: a Create
// {Event} without an id, or an Update{Event} (the receiver checks that its
// id is an event of the community); false for anything else.
func EventProposalOf(b []byte) (EventProposal, bool) {
	var w eventProposalWire
	var loc *locationIn
	act, ok := proposalEnvelope(b, &w)
	if !ok || w.Type != TypeEvent || (act.Type == TypeCreate) != (w.ID == "") {
		return EventProposal{}, false
	}
	var raw struct {
		Location *locationIn `json:"location"`
	}
	if json.Unmarshal(act.Object, &raw) == nil {
		loc = raw.Location
	}
	p := EventProposal{Type: act.Type, ID: w.ID, AttributedTo: w.AttributedTo, Audience: cmpOr(w.Audience, act.Audience),
		Name: cleanPtr(w.Name), TimeZone: w.TimeZone, Capacity: w.Capacity, Cancelled: act.Type == TypeUpdate && w.Status == eventCancelled}
	if w.Source != nil && w.Source.MediaType == "text/markdown" {
		p.Description = cleanPtr(&w.Source.Content)
	}
	if t, err := time.Parse(time.RFC3339, w.StartTime); err == nil {
		p.Start = &t
	}
	if t, err := time.Parse(time.RFC3339, w.EndTime); err == nil {
		p.End = &t
	}
	if loc != nil {
		p.Location = true
		if loc.Href != "" {
			p.OnlineURL = loc.Href
		} else {
			p.PlaceName, p.PlaceAddress = CleanText(loc.Name), CleanText(loc.address())
		}
	}
	return p, true
}

// proposalActivity is the activity around a proposal.
type proposalActivity struct {
	Type     string          `json:"type"`
	Audience string          `json:"audience"`
	Object   json.RawMessage `json:"object"`
}

// proposalEnvelope reads a Create or Update and decodes its object into
// w, for the three kinds of proposal; false for any other activity or a
// body that does not decode.
func proposalEnvelope(b []byte, w any) (proposalActivity, bool) {
	var act proposalActivity
	if UnmarshalBounded(b, &act) != nil || (act.Type != TypeCreate && act.Type != TypeUpdate) {
		return act, false
	}
	return act, json.Unmarshal(act.Object, w) == nil
}
