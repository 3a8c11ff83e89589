package federation

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// noteContext is what converting a status needs besides the status: load
// it first (loadNoteContext), then convert purely (NoteOf).
type noteContext struct {
	Author    storage.Account
	Mentioned []storage.Account
	Poll      *storage.Poll // nil: the status has no poll
	// Community is the Group the status belongs to (nil: none), and
	// Context its thread's context collection (FEP-7888).
	Community *storage.Account
	Context   string
}

func (e *Engine) loadNoteContext(ctx context.Context, st storage.Status) (noteContext, error) {
	var nc noteContext
	var err error
	if nc.Author, err = e.store.AccountByID(ctx, st.AccountID); err != nil {
		return nc, fmt.Errorf("author of %s: %w", st.URI, err)
	}
	for _, id := range st.Mentions {
		a, err := e.store.AccountByID(ctx, id)
		if err != nil {
			return nc, fmt.Errorf("mention in %s: %w", st.URI, err)
		}
		nc.Mentioned = append(nc.Mentioned, a)
	}
	if g, threadCtx, ok, err := communityOf(ctx, e.store, st); err != nil {
		return nc, fmt.Errorf("community of %s: %w", st.URI, err)
	} else if ok {
		nc.Community, nc.Context = &g, threadCtx
	}
	if p, err := e.store.PollByStatus(ctx, st.ID); err == nil {
		nc.Poll = &p
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nc, fmt.Errorf("poll of %s: %w", st.URI, err)
	}
	return nc, nil
}

// NoteOf converts a status to its Note (or Article, or Question when it
// has a poll) with the addressing its visibility implies. Its text is
// cleaned again (cleanText): a post saved before input was cleaned must
// not carry control characters to peers.
func NoteOf(st storage.Status, nc noteContext, urls URLs) activitypub.Note {
	var mentionIRIs []string
	var tags []activitypub.Tag
	for _, m := range nc.Mentioned {
		mentionIRIs = append(mentionIRIs, m.URI)
		name := "@" + m.Username + "@" + m.Domain
		if m.Local() {
			name = "@" + m.Username + "@" + urls.Host()
		}
		tags = append(tags, activitypub.Tag{Type: activitypub.TagMention, Href: m.URI, Name: name})
	}
	for _, t := range st.Tags {
		tags = append(tags, activitypub.Tag{Type: activitypub.TagHashtag, Href: urls.Tag(t), Name: "#" + t})
	}
	to, cc := activitypub.Addressing(st.Visibility, nc.Author.Followers, mentionIRIs)
	if membersOnlyNote(st, nc) {
		to, cc = membersOnlyAddressing(*nc.Community, mentionIRIs)
	}
	n := activitypub.Note{
		ID:           st.URI,
		Type:         st.ObjectType,
		AttributedTo: nc.Author.URI,
		Name:         cleanText(st.Title),
		Summary:      cleanText(st.SpoilerText),
		Content:      cleanText(st.Content),
		URL:          st.URL,
		InReplyTo:    st.InReplyToURI,
		To:           to,
		CC:           cc,
		Published:    st.CreatedAt,
		Updated:      st.EditedAt,
		Sensitive:    st.Sensitive || st.SpoilerText != "",
		Tags:         tags,
		Emojis:       st.Emojis,
		Language:     st.Language,
	}
	if nc.Community != nil {
		// What Lemmy, PieFed, Mbin and NodeBB read to place a post:
		// audience, the Group addressed, the thread's context.
		n.Audience, n.Context, n.Replies = nc.Community.URI, nc.Context, RepliesURL(st.URI)
		if !slices.Contains(n.To, nc.Community.URI) && !slices.Contains(n.CC, nc.Community.URI) {
			n.CC = append(n.CC, nc.Community.URI)
		}
	}
	for _, a := range st.Attachments {
		att := activitypub.Attachment{
			Type: "Document", MediaType: a.MediaType, URL: a.URL, Name: cleanText(a.Description),
			Blurhash: a.Blurhash, Width: a.Width, Height: a.Height,
		}
		if a.File != "" { // a local upload: its focal point is known, if only the centre
			att.FocalPoint = &[2]float64{a.FocusX, a.FocusY}
		}
		n.Attachments = append(n.Attachments, att)
	}
	if nc.Poll != nil {
		n.Type, n.Poll = activitypub.TypeQuestion, pollNote(*nc.Poll)
		for i := range n.Poll.Options {
			n.Poll.Options[i].Name = cleanText(n.Poll.Options[i].Name)
		}
	}
	return n
}

// Note loads what a status's document needs and converts it.
func (e *Engine) Note(ctx context.Context, st storage.Status) (activitypub.Note, error) {
	nc, err := e.loadNoteContext(ctx, st)
	if err != nil {
		return activitypub.Note{}, err
	}
	return NoteOf(st, nc, e.urls), nil
}

// plainTitle is a remote object's name as copse stores titles: plain
// text, escaped only where it is written into HTML. ActivityStreams says
// name is plain text, but servers also send it HTML-escaped ("Tea
// &amp; biscuits") or with markup; both become the text a reader sees. A
// "<" that opens no tag ("<3", "a < b") is text and stays, as a browser
// reads it; so does one whose tag never closes. It reads name once
// (a megabyte of "<a" took 3.8 s when each "<" looked for a ">" to the
// end).
func plainTitle(name string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(name, '<')
		if i < 0 || i+1 == len(name) {
			break
		}
		c := name[i+1]
		opensTag := c == '/' || c == '!' || c == '?' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !opensTag {
			b.WriteString(name[:i+1])
			name = name[i+1:]
			continue
		}
		end := strings.IndexByte(name[i:], '>')
		if end < 0 {
			break // no tag closes after here: the rest is text
		}
		b.WriteString(name[:i])
		name = name[i+end+1:]
	}
	b.WriteString(name)
	return strings.TrimSpace(cleanText(html.UnescapeString(b.String())))
}

// maxOrgField bounds an organisation, department or role read from a
// peer's profile: they are shown in lists and counted, so a peer must not
// fill them with an essay.
const maxOrgField = 200

// orgFieldNames maps the profile field names that state an organisation,
// department or role (copse's own, and the spellings people type on
// other servers) to which of the three they fill.
var orgFieldNames = map[string]int{
	"organisation": 0, "organization": 0,
	"department": 1,
	"role":       2, "job title": 2,
}

// splitOrgFields takes a remote actor's organisation, department and role
// out of its profile fields (copse sends them as the fields
// "Organisation", "Department" and "Role"; other servers' members may
// type the same names), as plain text, and returns the other fields. The
// first field of each name wins. Taking them out keeps them from showing
// twice, since copse shows an account's organisation, department and
// role as its first fields.
func splitOrgFields(fields []activitypub.Field) (org, dept, role string, rest []activitypub.Field) {
	var got [3]string
	var seen [3]bool
	for _, f := range fields {
		i, ok := orgFieldNames[strings.ToLower(strings.TrimSpace(PlainText(f.Name)))]
		if !ok || seen[i] {
			rest = append(rest, f)
			continue
		}
		seen[i] = true
		v := strings.Join(strings.Fields(PlainText(f.Value)), " ")
		if utf8.RuneCountInString(v) > maxOrgField {
			v = string([]rune(v)[:maxOrgField])
		}
		got[i] = cleanText(v)
	}
	return got[0], got[1], got[2], rest
}
