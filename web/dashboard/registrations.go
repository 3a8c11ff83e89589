package dashboard

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Registrations (admins): the node's mode, and invitation links. The
// mode is set in the configuration, so the page shows it; invitations
// are made here (CreateInvite) and listed.

func (d *Dashboard) mountRegistrations(r chi.Router) {
	a := federation.ActManageRegistrations
	r.Get("/admin/registrations", d.page(a, d.registrationsPage))
	r.Post("/admin/registrations/invites", d.page(a, d.createInvite))
	r.Post("/admin/registrations/invites/{id}/revoke", d.page(a, byID(d.engine.RevokeInvite, "/admin/registrations", "revoked")))
	r.Post("/admin/registrations/email_blocks", d.page(a, d.blockEmailDomain))
	r.Post("/admin/registrations/email_blocks/{id}/remove", d.page(a,
		byID(dropResult(d.engine.UnblockEmailDomain), "/admin/registrations", "email-unblocked")))
}

var registrationNotices = map[string]string{
	"revoked":         "The invitation has been revoked: its link signs no one up any more.",
	"email-blocked":   "Sign-ups from that email domain are refused from now on.",
	"email-unblocked": "Sign-ups from that email domain are taken again.",
}

// maxEmailBlocksShown bounds the email domain blocks listed.
const maxEmailBlocksShown = 200

// inviteExpiries and inviteUses are the choices the form offers, as
// Mastodon's does.
var inviteExpiries = []option{
	{"30m", "30 minutes"}, {"1h", "1 hour"}, {"6h", "6 hours"}, {"12h", "12 hours"}, {"24h", "1 day"},
	{"168h", "1 week"}, {"0", "Never"},
}

var inviteUses = []option{
	{"1", "1 use"}, {"5", "5 uses"}, {"10", "10 uses"}, {"25", "25 uses"}, {"50", "50 uses"}, {"100", "100 uses"},
	{"0", "No limit"},
}

// maxInvitesShown bounds the list: the newest first.
const maxInvitesShown = 200

type inviteRow struct {
	ID, By, Uses, Expires, State, Created string
	Live                                  bool // it can still sign someone up: it may be revoked
}

type emailBlockRow struct{ ID, Domain, By, Created string }

type registrationsView struct {
	frame
	Mode, ModeText, Domains string
	Expiries, Uses          []option
	Invites                 []inviteRow
	More                    bool
	EmailBlocks             []emailBlockRow
	MoreEmailBlocks         bool
}

// modeText says what each registration mode means.
var modeText = map[string]string{
	federation.RegistrationsClosed: "Closed: accounts come from the command line and from invitation links.",
	federation.RegistrationsInvite: "By invitation: people join with an invitation link made here or on the command line.",
	federation.RegistrationsOpen:   "Open: anyone may sign up and confirm their email address; addresses outside the listed domains also wait for an admin's approval.",
}

// registrationsPage shows the mode and the invitations: GET /admin/registrations.
func (d *Dashboard) registrationsPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	reg := d.engine.Registrations()
	mode := reg.Mode
	if mode == "" {
		mode = federation.RegistrationsClosed
	}
	invites, err := d.store.Invites(r.Context())
	if err != nil {
		return err
	}
	blocks, err := d.engine.EmailDomainBlocks(r.Context(), me.ID, storage.Page{Limit: maxEmailBlocksShown + 1})
	if err != nil {
		return err
	}
	v := &registrationsView{frame: frame{Title: "Registrations and invitations", Notice: noticeOf(r, registrationNotices)},
		Mode: mode, ModeText: modeText[mode], Domains: strings.Join(reg.Domains, ", "), Expiries: inviteExpiries,
		Uses: inviteUses}
	if len(invites) > maxInvitesShown {
		invites, v.More = invites[:maxInvitesShown], true
	}
	if len(blocks) > maxEmailBlocksShown {
		blocks, v.MoreEmailBlocks = blocks[:maxEmailBlocksShown], true
	}
	var ids []storage.ID
	for _, inv := range invites {
		ids = append(ids, inv.CreatedBy)
	}
	for _, b := range blocks {
		ids = append(ids, b.CreatedBy)
	}
	names, err := d.names(r, ids...)
	if err != nil {
		return err
	}
	now := d.store.Now()
	for _, inv := range invites {
		row := inviteRow{ID: inv.ID.String(), By: nameOr(names, inv.CreatedBy, "the command line"),
			Uses: strconv.Itoa(inv.Uses) + " of " + strconv.Itoa(inv.MaxUses), Expires: when(inv.ExpiresAt),
			Created: when(inv.CreatedAt), State: inviteState(inv, now), Live: inv.Live(now)}
		if inv.MaxUses == 0 {
			row.Uses = strconv.Itoa(inv.Uses) + " (no limit)"
		}
		if inv.ExpiresAt.IsZero() {
			row.Expires = "Never"
		}
		v.Invites = append(v.Invites, row)
	}
	for _, b := range blocks {
		v.EmailBlocks = append(v.EmailBlocks, emailBlockRow{ID: b.ID.String(), Domain: b.Domain,
			By: nameOr(names, b.CreatedBy, "the command line"), Created: when(b.CreatedAt)})
	}
	return d.render(w, r, http.StatusOK, "registrations", v)
}

func inviteState(inv storage.Invite, now time.Time) string {
	switch {
	case !inv.RevokedAt.IsZero():
		return "Revoked"
	case !inv.ExpiresAt.IsZero() && !now.Before(inv.ExpiresAt):
		return "Expired"
	case inv.MaxUses != 0 && inv.Uses >= inv.MaxUses:
		return "Used up"
	}
	return "Live"
}

type inviteCreatedView struct {
	frame
	URL, Expires, Uses string
}

// createInvite makes an invitation link: POST /admin/registrations/invites
// with expires (a duration, 0 never) and max_uses (0 no limit). The link
// is shown once, on the page this answers: only its hash is kept.
func (d *Dashboard) createInvite(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	if !isOption(inviteExpiries, r.PostFormValue("expires")) || !isOption(inviteUses, r.PostFormValue("max_uses")) {
		return httperr.New(http.StatusUnprocessableEntity, "Choose when the link expires and how many times it may be used")
	}
	var expires time.Duration // "0": never
	if s := r.PostFormValue("expires"); s != "0" {
		var err error
		if expires, err = time.ParseDuration(s); err != nil {
			return httperr.New(http.StatusUnprocessableEntity, "Choose when the link expires")
		}
	}
	uses, err := strconv.Atoi(r.PostFormValue("max_uses"))
	if err != nil {
		return httperr.New(http.StatusUnprocessableEntity, "Choose how many times the link may be used")
	}
	c, err := d.engine.CreateInvite(r.Context(), federation.NewInvite{By: me.ID, Expires: expires, MaxUses: uses})
	if err != nil {
		return err
	}
	v := &inviteCreatedView{frame: frame{Title: "Invitation link created"}, URL: c.URL, Expires: when(c.Invite.ExpiresAt),
		Uses: strconv.Itoa(uses)}
	if c.Invite.ExpiresAt.IsZero() {
		v.Expires = "never"
	}
	if uses == 0 {
		v.Uses = "any number of"
	}
	return d.render(w, r, http.StatusCreated, "invite_created", v)
}

// blockEmailDomain refuses sign-ups from a domain: POST
// /admin/registrations/email_blocks with domain.
func (d *Dashboard) blockEmailDomain(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	if _, err := d.engine.BlockEmailDomain(r.Context(), me.ID, r.PostFormValue("domain")); err != nil {
		return err
	}
	return done(w, r, "/admin/registrations", "email-blocked")
}
