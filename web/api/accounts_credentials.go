package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// The member's own profile: verify_credentials and update_credentials,
// with the plain text behind the note and fields that apps edit.

// GET /api/v1/accounts/verify_credentials
func (h *Handler) verifyCredentials(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "profile") // read, read:accounts and profile all cover it
	if err != nil {
		return err
	}
	e, err := h.credentialAccount(r.Context(), me)
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// credentialAccount is the member's own Account with its source: the
// plain text behind the note and fields.
func (h *Handler) credentialAccount(ctx context.Context, a storage.Account) (Account, error) {
	e, err := h.presenter(a).account(ctx, a)
	if err != nil {
		return Account{}, err
	}
	src, err := h.profileSource(ctx, a)
	if err != nil {
		return Account{}, err
	}
	requests, err := h.store.CountFollowRequests(ctx, a.ID)
	if err != nil {
		return Account{}, err
	}
	s := &Source{Privacy: string(activitypub.Public), Language: "", Note: src.Note, Fields: []Field{},
		FollowRequestsCount: requests}
	for _, f := range namedFields(a) {
		s.Fields = append(s.Fields, Field{Name: f.Name, Value: f.Value})
	}
	for _, f := range src.Fields {
		s.Fields = append(s.Fields, Field{Name: f.Name, Value: f.Value})
	}
	e.Source = s
	u, err := h.store.UserByAccount(ctx, a.ID)
	if err != nil {
		return Account{}, err
	}
	e.Role = roleOf(federation.Permission(u.Permission))
	return e, nil
}

// Role is Mastodon's Role entity: the member's node role, which apps read
// (permissions, a decimal bit mask) to offer moderation and admin screens.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

// mastodonPermissions are Mastodon's role permission bits that each copse
// action grants; federation.Permission.Can decides which actions a role
// has, so the mask never says more than the engine allows.
var mastodonPermissions = map[federation.Action]uint64{
	federation.ActModerateContent:     1<<4 | 1<<8,   // manage reports, manage taxonomies
	federation.ActModerateAccounts:    1 << 10,       // manage users
	federation.ActHandleReports:       1 << 4,        // manage reports
	federation.ActViewAuditLog:        1<<2 | 1<<3,   // view audit log, view dashboard
	federation.ActManageFederation:    1<<5 | 1<<7,   // manage federation, manage blocks
	federation.ActManageRoles:         1 << 17,       // manage roles
	federation.ActManageRegistrations: 1<<11 | 1<<18, // manage invites, manage user access
	federation.ActManageSettings:      1<<6 | 1<<12,  // manage settings, manage rules
	federation.ActManageAnnouncements: 1 << 13,       // manage announcements
	federation.ActManageEmojis:        1 << 14,       // manage custom emojis
}

// roleOf is the Role entity of a node role. Mastodon's own ids and
// highlighting are followed: "-99" is everyone's role, which apps do not
// show as a badge; moderators and admins are shown.
func roleOf(p federation.Permission) *Role {
	var bits uint64
	for a, b := range mastodonPermissions {
		if p.Can(a) {
			bits |= b
		}
	}
	r := &Role{Name: string(p), Permissions: strconv.FormatUint(bits, 10)}
	switch p {
	case federation.PermissionAdmin:
		r.ID, r.Highlighted = "2", true
		r.Permissions = strconv.FormatUint(bits|1, 10) // and Mastodon's "administrator", which implies all
	case federation.PermissionModerator:
		r.ID, r.Highlighted = "1", true
	default:
		r.ID, r.Name = "-99", ""
	}
	return r
}

// profileSource returns the plain text of a member's note and own fields:
// what they typed, when the profile still shows what that rendered to,
// otherwise text recovered from the HTML.
func (h *Handler) profileSource(ctx context.Context, a storage.Account) (storage.ProfileSource, error) {
	src, err := h.store.ProfileSource(ctx, a.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.ProfileSource{}, err
	}
	if err == nil && src.NoteHTML == a.Note && sameFields(src.FieldsHTML, a.Fields) && len(src.Fields) == len(a.Fields) {
		return src, nil
	}
	src = storage.ProfileSource{Note: federation.PlainText(a.Note)}
	for _, f := range a.Fields {
		src.Fields = append(src.Fields, activitypub.Field{Name: federation.PlainText(f.Name), Value: federation.PlainText(f.Value)})
	}
	return src, nil
}

func sameFields(a, b []activitypub.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

// namedFields are copse's organisation, department and role, which apps
// show and edit as the first profile fields.
func namedFields(a storage.Account) []activitypub.Field {
	var out []activitypub.Field
	for _, f := range []activitypub.Field{
		{Name: activitypub.FieldOrganisation, Value: a.Organisation},
		{Name: activitypub.FieldDepartment, Value: a.Department},
		{Name: activitypub.FieldRole, Value: a.JobTitle},
	} {
		if f.Value != "" {
			out = append(out, f)
		}
	}
	return out
}

// PATCH /api/v1/accounts/update_credentials
func (h *Handler) updateCredentials(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:accounts")
	if err != nil {
		return err
	}
	if err := parseUpload(r, credentialsBody); err != nil { // avatar and header come as files
		return err
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	src, err := h.profileSource(r.Context(), me)
	if err != nil {
		return err
	}
	// A parameter left out keeps its value: start from the profile as it is.
	c := federation.Credentials{Bot: me.Bot, Profile: federation.Profile{
		DisplayName: me.DisplayName, Note: src.Note, Locked: me.Locked, Discoverable: me.Discoverable,
		Organisation: me.Organisation, Department: me.Department, JobTitle: me.JobTitle, Fields: src.Fields,
	}}
	if _, ok := v["display_name"]; ok {
		c.DisplayName = strings.TrimSpace(v.Get("display_name"))
	}
	if _, ok := v["note"]; ok {
		c.Note = v.Get("note")
	}
	c.Locked = boolParam(v, "locked", c.Locked)
	c.Bot = boolParam(v, "bot", c.Bot)
	c.Discoverable = boolParam(v, "discoverable", c.Discoverable)
	if fields, given := fieldsAttributes(v); given {
		// The fields replace the old ones as a whole, as in Mastodon; the
		// named ones set organisation, department and role, and an
		// absent one clears its value.
		c.Organisation, c.Department, c.JobTitle, c.Fields = "", "", "", nil
		for _, f := range fields {
			switch strings.ToLower(f.Name) {
			case "organisation", "organization":
				c.Organisation = f.Value
			case "department":
				c.Department = f.Value
			case "role":
				c.JobTitle = f.Value
			default:
				c.Fields = append(c.Fields, f)
			}
		}
	}
	// Apps send the avatar and header as files; some libraries as data
	// URIs, which Mastodon takes too. nil keeps the image there is.
	var images [2]io.Reader
	for i, name := range []string{"avatar", "header"} {
		if r.MultipartForm != nil && len(r.MultipartForm.File[name]) > 0 {
			f, err := r.MultipartForm.File[name][0].Open()
			if err != nil {
				return err
			}
			defer f.Close()
			images[i] = f
			continue
		}
		data, ok, err := dataURI(v.Get(name))
		if err != nil {
			return err
		}
		if ok {
			images[i] = bytes.NewReader(data)
		}
	}
	a, err := h.engine.UpdateCredentialsWithImages(r.Context(), me.ID, c, images[0], images[1])
	if err != nil {
		return err
	}
	e, err := h.credentialAccount(r.Context(), a)
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

var fieldKey = regexp.MustCompile(`^fields_attributes\[([^\]]*)\]\[(name|value)\]$`)

// fieldsAttributes reads profile fields in either of the shapes apps send:
// an indexed hash (fields_attributes[0][name], fields_attributes[0][value],
// in index order, as JSON objects flatten too) or an array
// (fields_attributes[][name], fields_attributes[][value], paired in
// order). Fields with neither name nor value are dropped. given reports
// whether the request set fields at all.
func fieldsAttributes(v url.Values) (fields []activitypub.Field, given bool) {
	type entry struct {
		key         string
		name, value string
	}
	byIndex := map[string]*entry{}
	for k, vs := range v {
		if !strings.HasPrefix(k, "fields_attributes") {
			continue
		}
		given = true
		m := fieldKey.FindStringSubmatch(k)
		if m == nil || m[1] == "" || len(vs) == 0 {
			continue
		}
		e := byIndex[m[1]]
		if e == nil {
			e = &entry{key: m[1]}
			byIndex[m[1]] = e
		}
		if m[2] == "name" {
			e.name = vs[0]
		} else {
			e.value = vs[0]
		}
	}
	entries := make([]*entry, 0, len(byIndex))
	for _, e := range byIndex {
		entries = append(entries, e)
	}
	// The index orders the fields; it need not be small or even a number.
	sort.Slice(entries, func(i, j int) bool {
		a, errA := strconv.ParseFloat(entries[i].key, 64)
		b, errB := strconv.ParseFloat(entries[j].key, 64)
		switch {
		case errA == nil && errB == nil && a != b:
			return a < b
		case (errA == nil) != (errB == nil):
			return errA == nil
		}
		return entries[i].key < entries[j].key
	})
	names, values := v["fields_attributes[][name]"], v["fields_attributes[][value]"]
	for i := range max(len(names), len(values)) {
		e := &entry{}
		if i < len(names) {
			e.name = names[i]
		}
		if i < len(values) {
			e.value = values[i]
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		name, value := strings.TrimSpace(e.name), strings.TrimSpace(e.value)
		if name == "" && value == "" {
			continue
		}
		fields = append(fields, activitypub.Field{Name: name, Value: value})
	}
	return fields, given
}
