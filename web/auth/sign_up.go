package auth

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/pages"
)

// Joining the node on the web: the sign-up form (/auth/sign_up), the page
// a confirmation link opens (/auth/confirm), and password reset by email
// (/auth/reset, reset_confirm.go). Who may join is the engine's rule
// (federation.SignUp); these pages ask it and show its answer.

const (
	signUpPath  = "/auth/sign_up"
	confirmPath = "/auth/confirm"
)

// mailsPerAddress is how many sign-ups and password-reset requests one
// address (an IPv4 address, an IPv6 /64) may send an hour.
const mailsPerAddress = 10

// mailBudget takes one mail from the address's budget; when it is spent
// it writes the page that says how long to wait and returns false.
func (j *joining) mailBudget(w http.ResponseWriter, r *http.Request) bool {
	wait := j.mails.Take(AddrKey(r))
	if wait <= 0 {
		return true
	}
	minutes := int(math.Ceil(wait.Minutes()))
	httperr.SetRetryAfter(w, wait)
	j.showMessage(w, r, http.StatusTooManyRequests, "Too many requests",
		[]string{fmt.Sprintf("Too many sign-ups or password resets came from your network. Try again in %d minute%s.", minutes, pluralS(minutes))}, "", "")
	return false
}

// joining holds the joining pages' templates.
type joining struct {
	s *Server
	// mails bounds the sign-ups and reset requests per address: each
	// sends a mail to an address the visitor chose.
	mails                                         *EventLimiter
	signUp, message, confirm, reset, resetConfirm *template.Template
}

// joinView is what the joining pages show.
type joinView struct {
	Title string
	pages.Frame
	CSRF string
	// message page
	Heading    string
	Paragraphs []string
	LinkText   string
	LinkURL    string
	// forms
	Invite, Token           string
	Username, Email, Reason string
	AskReason, Agreed, Open bool
	Errors                  []fieldError
	FieldError              map[string]string
	Domains                 []string
	RulesURL                string
}

// mountJoining adds the joining pages. As with the settings pages, an
// embedded template that does not parse panics at start-up.
func (s *Server) mountJoining(r chi.Router) {
	parse := func(page string) *template.Template {
		return template.Must(s.layout.Parse(templates, "templates/"+page))
	}
	j := &joining{s: s, mails: NewEventLimiter(mailsPerAddress, time.Hour, limiterKeys, s.now), signUp: parse("sign_up.html"), message: parse("sign_up_message.html"),
		confirm: parse("confirm.html"), reset: parse("reset.html"), resetConfirm: parse("reset_confirm.html")}
	r.Get(signUpPath, j.signUpPage)
	r.Post(signUpPath, j.signUpForm)
	r.Get(confirmPath, j.confirmPage)
	r.Post(confirmPath, j.confirmForm)
	r.Get(resetPath, j.resetPage)
	r.Post(resetPath, j.resetForm)
	r.Get(resetConfirmPath, j.resetConfirmPage)
	r.Post(resetConfirmPath, j.resetConfirmForm)
}

// signUpPage is the sign-up form: GET /auth/sign_up, with ?invite=CODE
// from an invitation link. Without a live invitation, a node that is not
// open says how people join it instead.
func (j *joining) signUpPage(w http.ResponseWriter, r *http.Request) {
	invite := r.URL.Query().Get("invite")
	if ok, status := j.mayJoin(w, r, invite); ok {
		j.showSignUp(w, r, status, joinView{Invite: invite}, nil)
	}
}

// mayJoin reports whether the form may be shown for invite ("" for
// none); when not, it has written the page that says why.
func (j *joining) mayJoin(w http.ResponseWriter, r *http.Request, invite string) (bool, int) {
	reg := j.s.engine.Registrations()
	if invite != "" {
		live, err := j.s.engine.CheckInvite(r.Context(), invite)
		if err != nil {
			j.s.pageFail(w, r, err)
			return false, 0
		}
		if !live {
			j.showMessage(w, r, http.StatusGone, "This invitation no longer works",
				[]string{"The invitation has expired, or as many people as it allows have already joined with it. Ask the person who sent it for a new one."}, "", "")
			return false, 0
		}
		return true, http.StatusOK
	}
	switch {
	case reg.Mode == federation.RegistrationsOpen && j.s.engine.SendsMail():
		return true, http.StatusOK
	case reg.Mode == federation.RegistrationsInvite:
		j.showMessage(w, r, http.StatusOK, "Joining is by invitation",
			[]string{"To join " + j.s.urls.Host() + ", ask one of its administrators for an invitation link, and open it."}, "Sign in", "/auth/sign_in")
	default:
		j.showMessage(w, r, http.StatusOK, "Joining this node",
			[]string{"Accounts on " + j.s.urls.Host() + " are made by its administrators. If you work with them, ask them for an account or an invitation link."},
			"Sign in", "/auth/sign_in")
	}
	return false, 0
}

// signUpForm takes the sign-up form: POST /auth/sign_up.
func (j *joining) signUpForm(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		j.s.formFail(w, r, err)
		return
	}
	invite := v.Get("invite")
	if ok, _ := j.mayJoin(w, r, invite); !ok {
		return
	}
	in := joinView{Invite: invite, Username: strings.TrimSpace(strings.TrimPrefix(v.Get("username"), "@")),
		Email: strings.TrimSpace(v.Get("email")), Reason: v.Get("reason"), Agreed: v.Get("agreement") != ""}
	if !anyCookie(r, csrfCookie, v.Get("csrf")) {
		j.showSignUp(w, r, http.StatusForbidden, in, []fieldError{{"username", "The form had expired. Fill it in again."}})
		return
	}
	password, confirm := v.Get("password"), v.Get("confirm")
	var errs []fieldError
	if in.Username == "" {
		errs = append(errs, fieldError{"username", "Enter a username"})
	}
	if in.Email == "" {
		errs = append(errs, fieldError{"email", "Enter your email address"})
	}
	switch {
	case password == "":
		errs = append(errs, fieldError{"password", "Enter a password"})
	case confirm != password:
		errs = append(errs, fieldError{"confirm", "The passwords do not match"})
	}
	if !in.Agreed {
		errs = append(errs, fieldError{"agreement", "Agree to the node's rules to join"})
	}
	if len(errs) > 0 {
		j.showSignUp(w, r, http.StatusUnprocessableEntity, in, errs)
		return
	}
	if !j.mailBudget(w, r) {
		return
	}
	joined, err := j.s.engine.SignUp(r.Context(), federation.SignUp{Username: in.Username, Email: in.Email,
		Password: password, Reason: in.Reason, InviteCode: invite})
	var fe *federation.FieldError
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, federation.ErrRegistrationsClosed):
		j.showMessage(w, r, http.StatusForbidden, "Joining this node", []string{"This node is not taking sign-ups."}, "", "")
		return
	case errors.As(err, &fe):
		field := fe.Field
		if field == "invite_code" {
			field = "username" // the invitation has no field of its own: say it at the top of the form
		}
		j.showSignUp(w, r, http.StatusUnprocessableEntity, in, []fieldError{{field, httperr.Sentence(fe.Invalid.Msg)}})
		return
	case errors.As(err, &inv):
		j.showSignUp(w, r, http.StatusUnprocessableEntity, in, []fieldError{{"username", httperr.Sentence(inv.Msg)}})
		return
	case err != nil:
		j.s.pageFail(w, r, err)
		return
	}
	switch {
	case joined.Confirm && joined.Approval:
		j.showMessage(w, r, http.StatusOK, "Check your email",
			[]string{"We have sent a link to " + in.Email + ". Open it to confirm your address.",
				"Your address is not on one of this node's own domains, so an administrator will also look at your request. You can sign in once they approve it."}, "", "")
	case joined.Confirm:
		j.showMessage(w, r, http.StatusOK, "Check your email",
			[]string{"We have sent a link to " + in.Email + ". Open it to confirm your address, then sign in."}, "", "")
	default:
		j.showMessage(w, r, http.StatusOK, "Welcome to "+j.s.urls.Host(),
			[]string{"Your account @" + joined.Account.Username + " is ready."}, "Sign in", "/auth/sign_in")
	}
}

func (j *joining) showSignUp(w http.ResponseWriter, r *http.Request, status int, v joinView, errs []fieldError) {
	reg := j.s.engine.Registrations()
	v.Title, v.CSRF, v.RulesURL = "Join "+j.s.urls.Host(), j.s.signInCSRF(w, r), "/about"
	v.Open = v.Invite == ""
	v.AskReason = v.Open
	v.Domains = reg.Domains
	j.withErrors(&v, errs)
	j.render(w, r, status, j.signUp, v)
}

// withErrors puts errs in v: in order for the summary, by field for the
// message beside each field, and in the title, as GOV.UK does, so a
// screen reader hears the problem first.
func (j *joining) withErrors(v *joinView, errs []fieldError) {
	v.Errors, v.FieldError = errs, map[string]string{}
	for _, e := range errs {
		if _, ok := v.FieldError[e.Field]; !ok {
			v.FieldError[e.Field] = e.Message
		}
	}
	if len(errs) > 0 {
		v.Title = "Error: " + v.Title
	}
}

func (j *joining) showMessage(w http.ResponseWriter, r *http.Request, status int, heading string, paragraphs []string, linkText, linkURL string) {
	j.render(w, r, status, j.message, joinView{Title: heading, Heading: heading, Paragraphs: paragraphs,
		LinkText: linkText, LinkURL: linkURL})
}

// confirmPage is what a confirmation link opens: GET /auth/confirm?token=.
// It asks for a press of a button rather than confirming at once: mail
// scanners open the links in mail they pass on, and must not use them up.
func (j *joining) confirmPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		j.showMessage(w, r, http.StatusNotFound, "This link does not work", []string{"Open the link from the email we sent you, whole."}, "", "")
		return
	}
	j.render(w, r, http.StatusOK, j.confirm, joinView{Title: "Confirm your email address", Token: token})
}

// confirmForm confirms the address: POST /auth/confirm. The token is the
// proof; no other site can post it without having it.
func (j *joining) confirmForm(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		j.s.formFail(w, r, err)
		return
	}
	joined, err := j.s.engine.ConfirmEmail(r.Context(), v.Get("token"))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		j.showMessage(w, r, http.StatusGone, "This link no longer works",
			[]string{"The link has been used already, or it is more than two days old. If you have not signed in yet, sign up again."}, "Sign in", "/auth/sign_in")
		return
	case err != nil:
		j.s.pageFail(w, r, err)
		return
	}
	if joined.Approval {
		j.showMessage(w, r, http.StatusOK, "Your email address is confirmed",
			[]string{"An administrator will look at your request. You can sign in once they approve it."}, "", "")
		return
	}
	j.showMessage(w, r, http.StatusOK, "Your email address is confirmed",
		[]string{"Your account @" + joined.Account.Username + " is ready."}, "Sign in", "/auth/sign_in")
}

// render writes a joining page in the site layout (Server.writePage).
func (j *joining) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, v joinView) {
	v.Frame = j.s.frame(r)
	j.s.writePage(w, status, t, v.Title, v)
}
