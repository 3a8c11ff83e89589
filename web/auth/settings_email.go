package auth

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

const (
	emailPath       = "/settings/email"
	unsubscribePath = "/settings/email/unsubscribe"
	emailLabel      = "copse email settings"
)

// emailChoice is one box or button of the email settings form.
type emailChoice struct {
	Value, Label, Hint string
	Checked            bool
}

// emailTypeLabels name the kinds of email as the settings page offers them.
var emailTypeLabels = map[string][2]string{
	storage.NotifyMention:         {"Mentions, replies and direct messages", ""},
	storage.NotifyFollow:          {"New followers", ""},
	storage.NotifyFollowRequest:   {"Requests to follow you", "When you approve followers yourself."},
	storage.NotifyReblog:          {"Boosts of your posts", ""},
	storage.NotifyFavourite:       {"Favourites of your posts", ""},
	storage.NotifyEventReminder:   {"Reminders of events you attend", "A day before each starts."},
	storage.NotifyProposalRefused: {"Proposals a community did not accept", "Artefacts, terms and events you proposed to a community on another server."},
	storage.NotifyJoinAccepted:    {"Communities letting you in", "When a community that approves its members accepts your request to join."},
	storage.NotifyJoinRefused:     {"Communities refusing your request to join", ""},
	storage.NotifyJoinRequest:     {"Requests to join communities you moderate", ""},
	federation.NotifyAdminReport:  {"New reports", "For moderators: reports about this server's members and content, or about the communities you moderate."},
	federation.NotifyAdminSignUp:  {"New sign-ups", "For administrators."},
	storage.MailDigest:            {"Community digests", ""},
}

// digestChoices are the digest's periods as the form offers them.
var digestChoices = [][2]string{
	{storage.DigestWeekly, "Weekly"},
	{storage.DigestDaily, "Daily"},
	{storage.DigestOff, "Never"},
}

// kindLabel is how a sentence names a kind of email: "new followers".
func kindLabel(kind string) string {
	l := emailTypeLabels[kind][0]
	if l == "" {
		return l
	}
	return strings.ToLower(l[:1]) + l[1:]
}

// emailPage is the form that chooses what the member is mailed: GET
// /settings/email.
func (st *settings) emailPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, emailPath)
	if !ok {
		return
	}
	s, err := st.s.engine.EmailSettings(r.Context(), si.account.ID)
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("email settings: %w", err))
		return
	}
	notice := ""
	if r.URL.Query().Get("saved") == "1" {
		notice = "Your email settings have been saved."
	}
	st.showEmail(w, r, http.StatusOK, si, s, notice)
}

func (st *settings) showEmail(w http.ResponseWriter, r *http.Request, status int, si signedIn, s federation.EmailSettings, notice string) {
	types, err := st.s.engine.EmailTypesFor(r.Context(), si.account)
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("email settings: %w", err))
		return
	}
	v := view{Title: "Email notifications", Account: si.account.Username, Notice: notice,
		CSRF: sessionMAC(si.secret, emailLabel), SendsMail: st.s.engine.SendsMail()}
	for _, t := range types {
		l := emailTypeLabels[t]
		v.EmailTypes = append(v.EmailTypes, emailChoice{Value: t, Label: l[0], Hint: l[1], Checked: slices.Contains(s.Types, t)})
	}
	for _, d := range digestChoices {
		v.Digests = append(v.Digests, emailChoice{Value: d[0], Label: d[1], Checked: s.Digest == d[0]})
	}
	groups, err := st.s.engine.DigestCommunities(r.Context(), si.account.ID)
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("email settings: %w", err))
		return
	}
	for _, g := range groups {
		v.DigestCommunities = append(v.DigestCommunities, emailChoice{Value: g.ID.String(),
			Label: cmp.Or(g.DisplayName, g.Username), Hint: "@" + g.Acct(), Checked: !slices.Contains(s.LeaveOut, g.ID)})
	}
	st.s.render(w, r, status, st.s.pages.email, v)
}

// saveEmail takes the email settings form: POST /settings/email, with the
// page's CSRF token.
func (st *settings) saveEmail(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, emailPath, emailLabel)
	if !ok {
		return
	}
	s, err := st.s.engine.EmailSettings(r.Context(), si.account.ID)
	if err != nil {
		st.s.pageFail(w, r, err)
		return
	}
	s.Types = v["type"]
	if v.Has("digest") {
		s.Digest = v.Get("digest")
	}
	if v.Has("digest_communities") {
		// The form listed the communities: those not ticked are left out.
		s.LeaveOut = []storage.ID{}
		for _, listed := range v["digest_communities"] {
			id, err := storage.ParseID(listed)
			if err == nil && !slices.Contains(v["digest_community"], listed) {
				s.LeaveOut = append(s.LeaveOut, id)
			}
		}
	}
	err = st.s.engine.SetEmailSettings(r.Context(), si.account.ID, s)
	var inv *federation.InvalidError
	switch {
	case errors.As(err, &inv):
		st.s.problemPage(w, r, http.StatusUnprocessableEntity, httperr.Sentence(inv.Msg)+". Go back and choose again.")
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, emailPath+"?saved=1", http.StatusSeeOther)
}

// unsubscribePage is what a mail's unsubscribe link opens: GET
// /settings/email/unsubscribe?kind=K&token=T. As a confirmation link, it
// asks for a press of a button: mail scanners open links in passing.
func (st *settings) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, ok := emailTypeLabels[q.Get("kind")]; !ok || q.Get("token") == "" {
		st.s.render(w, r, http.StatusNotFound, st.s.pages.unsubscribe, view{Title: "This link does not work",
			Description: "Open the link from the email we sent you, whole, or choose what you are emailed in your settings."})
		return
	}
	st.s.render(w, r, http.StatusOK, st.s.pages.unsubscribe, view{Title: "Stop these emails",
		Kind: q.Get("kind"), Token: q.Get("token"), KindLabel: kindLabel(q.Get("kind"))})
}

// unsubscribe stops mail of a kind: POST /settings/email/unsubscribe, from
// the page's button or from a mail program's one-click unsubscribe (RFC
// 8058: the link's own address, the body List-Unsubscribe=One-Click). The
// token is the proof: no sign-in and no CSRF token, as another site
// cannot know it.
func (st *settings) unsubscribe(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		st.s.formFail(w, r, err)
		return
	}
	kind := v.Get("kind")
	username, err := st.s.engine.Unsubscribe(r.Context(), v.Get("token"), kind)
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.As(err, &inv):
		st.s.render(w, r, http.StatusNotFound, st.s.pages.unsubscribe, view{Title: "This link does not work",
			Description: "Open the link from the email we sent you, whole, or choose what you are emailed in your settings."})
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	st.s.render(w, r, http.StatusOK, st.s.pages.unsubscribe, view{Title: "You will get no more of these emails",
		Account: username, KindLabel: kindLabel(kind), Done: true})
}

const (
	emailAddressPath  = "/settings/email-address"
	emailConfirmPath  = "/settings/email/confirm"
	emailAddressLabel = "copse change email address"
)

// emailAddressPage is the form to change the member's address: GET
// /settings/email-address.
func (st *settings) emailAddressPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, emailAddressPath)
	if !ok {
		return
	}
	notice := ""
	if r.URL.Query().Get("sent") == "1" {
		notice = "We have sent a link to your new address. Your address changes when you open it, within 48 hours."
	}
	st.showEmailAddress(w, r, http.StatusOK, si, notice, nil, "")
}

func (st *settings) showEmailAddress(w http.ResponseWriter, r *http.Request, status int, si signedIn, notice string,
	errs []fieldError, typed string) {
	u, err := st.s.store.UserByAccount(r.Context(), si.account.ID)
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("email address: %w", err))
		return
	}
	v := view{Title: "Change your email address", Account: si.account.Username, Notice: notice, CurrentEmail: u.Email,
		NewEmail: typed, CSRF: sessionMAC(si.secret, emailAddressLabel), SendsMail: st.s.engine.SendsMail()}
	v.withErrors(errs)
	st.s.render(w, r, status, st.s.pages.emailAddress, v)
}

// changeEmailAddress takes the form: POST /settings/email-address. A
// wrong password counts as a failed sign-in, as on the password form.
func (st *settings) changeEmailAddress(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, emailAddressPath, emailAddressLabel)
	if !ok {
		return
	}
	email, password := strings.TrimSpace(v.Get("email")), v.Get("password")
	var errs []fieldError
	if email == "" {
		errs = append(errs, fieldError{"email", "Enter your new email address"})
	}
	if password == "" {
		errs = append(errs, fieldError{"password", "Enter your password"})
	}
	if len(errs) > 0 {
		st.showEmailAddress(w, r, http.StatusUnprocessableEntity, si, "", errs, email)
		return
	}
	show := func(status int, errs []fieldError) { st.showEmailAddress(w, r, status, si, "", errs, email) }
	err := st.checkedPassword(w, r, si, "password", "Your password is not right", show, func() error {
		return st.s.engine.RequestEmailChange(r.Context(), si.account.ID, password, email)
	})
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, errAnswered):
		return
	case errors.As(err, &inv):
		st.showEmailAddress(w, r, http.StatusUnprocessableEntity, si, "", []fieldError{{"email", httperr.Sentence(inv.Msg)}}, email)
		return
	case errors.Is(err, federation.ErrNoMail):
		st.s.problemPage(w, r, http.StatusConflict, "This server sends no email, so it cannot check a new address. Ask its administrators to change it for you.")
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, emailAddressPath+"?sent=1", http.StatusSeeOther)
}

// emailConfirmPage is what the link mailed to a new address opens: GET
// /settings/email/confirm?token=. It asks for a press of a button, as
// mail scanners open links in passing.
func (st *settings) emailConfirmPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		st.s.render(w, r, http.StatusNotFound, st.s.pages.unsubscribe, view{Title: "This link does not work",
			Description: "Open the link from the email we sent to your new address, whole."})
		return
	}
	st.s.render(w, r, http.StatusOK, st.s.pages.emailConfirm, view{Title: "Confirm your new email address", Token: token})
}

// emailConfirm makes the new address the member's: POST
// /settings/email/confirm. The token is the proof.
func (st *settings) emailConfirm(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		st.s.formFail(w, r, err)
		return
	}
	username, err := st.s.engine.ConfirmEmailChange(r.Context(), v.Get("token"))
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		st.s.render(w, r, http.StatusGone, st.s.pages.unsubscribe, view{Title: "This link no longer works",
			Description: "The link has been used already, or it is more than two days old, or a newer request replaced it. Ask again from your settings."})
		return
	case errors.As(err, &inv):
		st.s.render(w, r, http.StatusConflict, st.s.pages.unsubscribe, view{Title: "This address cannot be used",
			Description: httperr.Sentence(inv.Msg) + "."})
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	st.s.render(w, r, http.StatusOK, st.s.pages.emailConfirm, view{Title: "Your email address has changed", Account: username, Done: true})
}
