package pages

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// The forms that make and change a community from the pages: "Create a
// community" at /communities/new (for whom the node's setting allows,
// Engine.MayCreateCommunity) and "Edit the community" at
// /c/{handle}/edit (for its moderators, a community hosted here). Both
// go through the engine as the API does: the creator becomes its first
// moderator, and an edit is sent to every server that follows it as
// Update{Group}.

type communityFields struct {
	Handle, Name, Description, Rules, Language string
	JoinPolicy, PostingPolicy, Visibility      string
}

type communityFormPage struct {
	repertoireForm
	Fields                    communityFields
	Join, Posting, Visibility radioGroup
	Host                      string // this node, for the handle's hint
	// Icon and Header are the images the community has, on its edit
	// form ("": none).
	Icon, Header string
	// Remote is the server that hosts the community edited, when it is
	// not this one: only its name, description and policies are edited
	// from here (the engine sends the moderator's Update to its Group).
	Remote string
}

var (
	joinChoices = []choice{
		{storage.JoinOpen, "Anyone may join", "People become members as soon as they follow the community."},
		{storage.JoinApproval, "A moderator lets people in", "Each request to join waits for one of the community's moderators."},
	}
	postingChoices = []choice{
		{storage.PostingMembers, "Members", "Every member may start threads and reply."},
		{storage.PostingModerators, "Moderators only", "Only moderators start threads; members reply."},
	}
	visibilityChoices = []choice{
		{storage.CommunityPublic, "Public", "Anyone may read its threads, here and on other servers."},
		{storage.CommunityMembersOnly, "Members only", "Its threads and members are shown and sent only to its members."},
	}
)

// communityFieldNames are the fields the engine's messages about a
// community start with (NewCommunity.validate), as the form names them.
var communityFieldNames = []string{"handle", "name", "description", "rules", "language", "join_policy", "posting_policy", "visibility", "icon", "header"}

// NewCommunityForm serves GET /communities/new.
func (h *Handler) NewCommunityForm(w http.ResponseWriter, r *http.Request) {
	me, ok := signedIn(w, r, r.URL.Path)
	if !ok || !h.mayCreate(w, r, me) {
		return
	}
	v := h.newCommunityPage()
	v.Fields = communityFields{JoinPolicy: storage.JoinOpen, PostingPolicy: storage.PostingMembers, Visibility: storage.CommunityPublic}
	h.showCommunityForm(w, r, http.StatusOK, v)
}

// CreateCommunity takes POST /communities/new.
func (h *Handler) CreateCommunity(w http.ResponseWriter, r *http.Request) {
	me, ok := h.formPost(w, r, r.URL.Path, h.readUpload)
	defer removeFiles(r)
	if !ok {
		return
	}
	v := h.newCommunityPage()
	v.Fields = communityFieldsOf(r)
	v.Fields.Handle = strings.TrimPrefix(strings.TrimSpace(v.Fields.Handle), "@")
	if v.Fields.Handle == "" {
		v.Form.add("handle", "Enter a handle for the community")
	}
	h.saveCommunity(w, r, &v, func(icon, header io.Reader) (string, error) {
		f := v.Fields
		c, err := h.engine.CreateCommunity(r.Context(), me, federation.NewCommunity{Handle: f.Handle, Name: f.Name,
			Description: f.Description, Rules: f.Rules, Language: f.Language, JoinPolicy: f.JoinPolicy,
			PostingPolicy: f.PostingPolicy, Visibility: f.Visibility, Icon: icon, Header: header})
		if err != nil {
			return "", err
		}
		g, err := h.store.AccountByID(r.Context(), c.AccountID)
		if err != nil {
			return "", err
		}
		return communityPath(g.Acct()), nil
	})
}

// EditCommunityForm serves GET /c/{handle}/edit.
func (h *Handler) EditCommunityForm(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, nil, h.editCommunityPage)
	if !ok || !h.mayEdit(w, r, me, v) {
		return
	}
	c, err := h.engine.CommunityPolicy(r.Context(), v.group)
	if err == nil && v.Remote != "" {
		c.DescriptionSource, err = h.engine.CommunityDescription(r.Context(), v.group)
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v.Fields = communityFields{Handle: v.group.Username, Name: v.group.DisplayName, Description: c.DescriptionSource,
		Rules: c.Rules, Language: c.Language, JoinPolicy: c.JoinPolicy, PostingPolicy: c.PostingPolicy, Visibility: c.Visibility}
	h.showCommunityForm(w, r, http.StatusOK, v)
}

// EditCommunity takes POST /c/{handle}/edit.
func (h *Handler) EditCommunity(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readUpload, h.editCommunityPage)
	defer removeFiles(r)
	if !ok {
		return
	}
	v.Fields = communityFieldsOf(r)
	v.Fields.Handle = v.group.Username
	h.saveCommunity(w, r, &v, func(icon, header io.Reader) (string, error) {
		f := v.Fields
		ed := federation.CommunityEdit{Name: &f.Name, Description: &f.Description, JoinPolicy: &f.JoinPolicy,
			PostingPolicy: &f.PostingPolicy}
		if v.Remote == "" {
			ed.Rules, ed.Language, ed.Visibility, ed.Icon, ed.Header = &f.Rules, &f.Language, &f.Visibility, icon, header
			ed.RemoveIcon, ed.RemoveHeader = r.FormValue("remove_icon") == "yes", r.FormValue("remove_header") == "yes"
		}
		_, err := h.engine.EditCommunity(r.Context(), me, v.group.ID, ed)
		return communityPath(v.group.Acct()), err
	})
}

// formImages opens the icon and header a community form carries (nil for
// a file input left empty); the caller calls closeAll once they are read.
func formImages(r *http.Request) (icon, header io.Reader, closeAll func(), err error) {
	var opened []multipart.File
	closeAll = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	var out [2]io.Reader
	for i, name := range []string{"icon", "header"} {
		fhs := r.MultipartForm.File[name]
		if len(fhs) == 0 || fhs[0].Size == 0 {
			continue
		}
		f, err := fhs[0].Open()
		if err != nil {
			closeAll()
			return nil, nil, nil, fmt.Errorf("open %s: %w", name, err)
		}
		opened = append(opened, f)
		out[i] = f
	}
	return out[0], out[1], closeAll, nil
}

func (h *Handler) newCommunityPage() communityFormPage {
	v := communityFormPage{repertoireForm: h.newForm(storage.Account{}, nil, "Create a community", "/communities/new", "/communities"),
		Host: h.node.Host}
	return v
}

// editCommunityPage is the edit form of the path's community, hosted
// here or, for a moderator here of one hosted elsewhere, there (Remote).
func (h *Handler) editCommunityPage(r *http.Request) (communityFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return communityFormPage{}, err
	}
	v := communityFormPage{repertoireForm: h.newForm(g, cv, "Edit "+cv.Name, cv.URL+"/edit", cv.URL), Host: h.node.Host,
		Icon: g.AvatarURL, Header: g.HeaderURL}
	if !g.Local() {
		v.Remote, v.Icon, v.Header = g.Domain, "", ""
	}
	v.Editing = true
	return v, nil
}

// mayCreate answers someone the node's setting does not let create a
// community with a page that says who may, and reports false.
func (h *Handler) mayCreate(w http.ResponseWriter, r *http.Request, me storage.Account) bool {
	ok, err := h.engine.MayCreateCommunity(r.Context(), me)
	if err != nil {
		h.Error(w, r, err)
		return false
	}
	if !ok {
		h.refuse(w, r, http.StatusForbidden, "You cannot create a community here",
			"On "+h.node.Name+", "+h.creatorsSentence()+" Ask one of them to create it; you can be made its moderator.")
	}
	return ok
}

// creatorsSentence says who may create communities on this node.
func (h *Handler) creatorsSentence() string {
	switch h.engine.CommunityCreators() {
	case federation.PermissionAdmin:
		return "only its administrators create communities."
	case federation.PermissionModerator:
		return "only its moderators and administrators create communities."
	}
	return "its members create communities."
}

// mayEdit answers someone who does not moderate the community with a
// page that says so, and reports false.
func (h *Handler) mayEdit(w http.ResponseWriter, r *http.Request, me storage.Account, v communityFormPage) bool {
	ok, err := h.engine.Moderates(r.Context(), me, v.group)
	if err != nil {
		h.Error(w, r, err)
		return false
	}
	if !ok {
		h.refuse(w, r, http.StatusForbidden, "You cannot edit this community", "Only its moderators can.")
	}
	return ok
}

// saveCommunity ends the community forms' POST: the name checked, then
// save asks the engine, with the icon and header the form carries (nil
// when left empty); its refusal is shown beside the field it is about
// (its message starts with the field's name), or at the top.
func (h *Handler) saveCommunity(w http.ResponseWriter, r *http.Request, v *communityFormPage, save func(icon, header io.Reader) (string, error)) {
	if strings.TrimSpace(v.Fields.Name) == "" {
		v.Form.add("name", "Enter the community's name")
	}
	show := func(code int) { h.showCommunityForm(w, r, code, *v) }
	h.submit(w, r, &v.Form, show, func(err error) bool {
		var denied *federation.DeniedError
		var inv *federation.InvalidError
		var field *federation.FieldError
		switch {
		case errors.As(err, &field):
			v.Form.add(field.Field, httperr.Sentence(field.Invalid.Msg))
		case errors.Is(err, federation.ErrHandleTaken):
			v.Form.add("handle", "That handle is taken by a member or a community here: choose another")
		case errors.As(err, &denied):
			v.Form.Problem = httperr.Sentence(denied.Reason) + "."
			show(http.StatusForbidden)
			return true
		case errors.Is(err, federation.ErrDenied):
			v.Form.Problem = "Only the community's moderators can edit it."
			show(http.StatusForbidden)
			return true
		case errors.As(err, &inv):
			field := "name"
			for _, f := range communityFieldNames {
				if strings.HasPrefix(inv.Msg, f+" ") {
					field = f
				}
			}
			v.Form.add(field, httperr.Sentence(inv.Msg))
		default:
			return false
		}
		show(http.StatusUnprocessableEntity)
		return true
	}, func() (string, error) {
		icon, header, closeAll, err := formImages(r)
		if err != nil {
			return "", err
		}
		defer closeAll()
		return save(icon, header)
	})
}

// showCommunityForm shows a community form (showForm) with its radio
// groups.
func (h *Handler) showCommunityForm(w http.ResponseWriter, r *http.Request, code int, v communityFormPage) {
	fe := v.Form.FieldError
	v.Join = radioGroup{Name: "join_policy", Legend: "Who may join", Value: v.Fields.JoinPolicy, Error: fe["join_policy"], Choices: joinChoices}
	v.Posting = radioGroup{Name: "posting_policy", Legend: "Who may start threads", Value: v.Fields.PostingPolicy,
		Error: fe["posting_policy"], Choices: postingChoices}
	v.Visibility = radioGroup{Name: "visibility", Legend: "Who may read it", Value: v.Fields.Visibility,
		Error: fe["visibility"], Choices: visibilityChoices}
	if v.Editing {
		v.Visibility.Hint = "Threads already sent to other servers stay there as they were sent."
	}
	showForm(h, w, r, code, "community_form", v)
}

func communityFieldsOf(r *http.Request) communityFields {
	return communityFields{Handle: r.FormValue("handle"), Name: r.FormValue("name"), Description: r.FormValue("description"),
		Rules: r.FormValue("rules"), Language: strings.TrimSpace(r.FormValue("language")), JoinPolicy: r.FormValue("join_policy"),
		PostingPolicy: r.FormValue("posting_policy"), Visibility: r.FormValue("visibility")}
}
