package federation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/copse-dev/copse/storage"
)

// Joining the node: who may sign up, how an address is confirmed, who
// waits for an admin, and invitations. Every way in (the web sign-up
// page, Mastodon's POST /api/v1/accounts) calls SignUp, so the rule is
// written once, here.

// Registration modes.
const (
	// RegistrationsClosed: accounts come from the command line, and from
	// invitation links an admin made. The default.
	RegistrationsClosed = "closed"
	// RegistrationsInvite: the same, and the node tells people that it
	// takes members by invitation (sign-up page, /api/v1/instance).
	RegistrationsInvite = "invite"
	// RegistrationsOpen: anyone may sign up and confirm their address by
	// email; addresses on the node's domains join at once, others wait
	// for an admin's approval.
	RegistrationsOpen = "open"
)

// Registration is the node's policy for joining it.
type Registration struct {
	Mode string // RegistrationsClosed when empty
	// Domains are the email domains whose addresses join without an
	// admin's approval in open mode; a domain covers its subdomains.
	Domains []string
}

// Validate reports the first problem with r as one readable error.
func (r Registration) Validate() error {
	switch r.Mode {
	case "", RegistrationsClosed, RegistrationsInvite, RegistrationsOpen:
	default:
		return fmt.Errorf("registrations %q is not closed, invite or open", r.Mode)
	}
	for _, d := range r.Domains {
		if d == "" || strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".") {
			return fmt.Errorf("registration domain %q is not a domain name", d)
		}
	}
	return nil
}

// Errors of joining.
var (
	// ErrUnconfirmed is a sign-in before the member confirmed their
	// email address.
	ErrUnconfirmed = errors.New("federation: email not confirmed")
	// ErrUnapproved is a sign-in before an admin approved the member.
	ErrUnapproved = errors.New("federation: awaiting approval")
	// ErrRegistrationsClosed is a sign-up the node's mode does not take.
	ErrRegistrationsClosed = errors.New("federation: registrations closed")
)

// How long an emailed link works.
const (
	ConfirmLifetime = 48 * time.Hour
	ResetLifetime   = time.Hour
)

// FieldError is an InvalidError about one field of a sign-up, so a form
// can show it beside the field and the Mastodon API can name it. Code is
// Mastodon's: ERR_INVALID, ERR_TAKEN, ERR_TOO_SHORT.
type FieldError struct {
	Field, Code string
	Invalid     InvalidError
}

func (e *FieldError) Error() string { return e.Invalid.Error() }

// Unwrap makes a FieldError an InvalidError to errors.As.
func (e *FieldError) Unwrap() error { return &e.Invalid }

func fieldInvalid(field, code, format string, args ...any) error {
	return &FieldError{Field: field, Code: code, Invalid: InvalidError{Msg: fmt.Sprintf(format, args...)}}
}

// checkSignUp checks each field of a sign-up before anything is written,
// naming the field at fault. CreateMember checks again: two sign-ups
// racing for one name still cannot both have it.
func (e *Engine) checkSignUp(ctx context.Context, s SignUp) error {
	if !usernamePattern.MatchString(s.Username) {
		return fieldInvalid("username", "ERR_INVALID", "username must be 1 to 30 letters, digits or underscores")
	}
	if strings.EqualFold(s.Username, e.instanceUsername()) {
		return fieldInvalid("username", "ERR_RESERVED", "username %q is reserved", s.Username)
	}
	if _, err := e.store.AccountByUsername(ctx, s.Username); err == nil {
		return fieldInvalid("username", "ERR_TAKEN", "username %q is already taken", s.Username)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if err := e.checkNewEmail(ctx, s.Email); err != nil {
		return err
	}
	if len(s.Password) < minPasswordLength {
		return fieldInvalid("password", "ERR_TOO_SHORT", "password must be at least %d characters", minPasswordLength)
	}
	if len(s.Password) > 72 {
		return fieldInvalid("password", "ERR_TOO_LONG", "password must be at most 72 bytes")
	}
	if len([]rune(s.Reason)) > 1000 {
		return fieldInvalid("reason", "ERR_TOO_LONG", "the reason must be at most 1000 characters")
	}
	return nil
}

// joined returns nil when u may sign in as far as joining goes.
func joined(u storage.User) error {
	if u.ConfirmedAt.IsZero() {
		return ErrUnconfirmed
	}
	if u.ApprovedAt.IsZero() {
		return ErrUnapproved
	}
	return nil
}

// Registrations returns the node's joining policy.
func (e *Engine) Registrations() Registration {
	r := e.registration
	if r.Mode == "" {
		r.Mode = RegistrationsClosed
	}
	return r
}

// SendsMail reports whether the node can send mail (confirmations,
// password resets).
func (e *Engine) SendsMail() bool { return e.mailer != nil }

// SignUp is what a person gives to join the node.
type SignUp struct {
	Username, Email, Password string
	DisplayName               string
	Reason                    string // for the admin who approves them
	InviteCode                string // from an invitation link
}

// Joined is a sign-up's outcome.
type Joined struct {
	Account storage.Account
	// Confirm: a confirmation link was mailed; the member signs in once
	// they follow it.
	Confirm bool
	// Approval: the member also waits for an admin's approval.
	Approval bool
}

// SignUp creates a member who asked to join. With a live invitation code
// they join at once (the invitation is an admin's word for them). Without
// one the node must be open: the member is held back until they follow the
// link mailed to them, and, when their address is not on the node's
// domains, until an admin approves them. A closed node refuses
// (ErrRegistrationsClosed); a bad form is an InvalidError.
func (e *Engine) SignUp(ctx context.Context, s SignUp) (Joined, error) {
	if s.InviteCode == "" && e.registration.Mode != RegistrationsOpen {
		return Joined{}, ErrRegistrationsClosed
	}
	if err := e.checkSignUp(ctx, s); err != nil {
		return Joined{}, err
	}
	m := NewMember{Username: s.Username, Email: s.Email, Password: s.Password, DisplayName: s.DisplayName,
		Reason: cleanText(s.Reason)}
	var j Joined
	var token string
	if s.InviteCode != "" {
		m.inTx = func(tx *storage.Tx, a storage.Account) error {
			inv, err := tx.UseInvite(ctx, storage.HashSecret(s.InviteCode))
			if errors.Is(err, storage.ErrNotFound) {
				return fieldInvalid("invite_code", "ERR_INVALID", "this invitation has expired, or has been used as many times as it may be")
			}
			if err != nil {
				return err
			}
			if err := tx.SetUserInvite(ctx, a.ID, inv.ID); err != nil {
				return err
			}
			return e.notifySignUp(ctx, tx, a)
		}
	} else {
		if e.mailer == nil {
			return Joined{}, fmt.Errorf("sign up: open registrations need mail: %w", ErrRegistrationsClosed)
		}
		j.Confirm, j.Approval = true, !e.registration.allows(s.Email)
		m.Unconfirmed, m.Unapproved = true, j.Approval
		token = rand.Text()
		m.inTx = func(tx *storage.Tx, a storage.Account) error {
			return tx.InsertEmailToken(ctx, storage.HashSecret(token), a.ID, storage.TokenConfirm, tx.Now().Add(ConfirmLifetime))
		}
	}
	a, err := e.CreateMember(ctx, m)
	if err != nil {
		return Joined{}, err
	}
	j.Account = a
	if token == "" {
		return j, nil
	}
	if err := e.sendConfirmation(ctx, a, s.Email, token, j.Approval); err != nil {
		// Nobody can confirm an account whose link never left: remove it,
		// so the person can try again with the same name and address.
		if derr := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteAccount(ctx, a.ID) }); derr != nil {
			e.log.ErrorContext(ctx, "remove unconfirmable sign-up", "username", a.Username, "err", derr)
		}
		return Joined{}, fmt.Errorf("sign up %s: %w", a.Username, err)
	}
	return j, nil
}

// checkNewEmail checks an address a member is to have, joining or
// changing theirs: a bare address, nobody's yet, and not at a domain the
// node takes no sign-ups from.
func (e *Engine) checkNewEmail(ctx context.Context, email string) error {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return fieldInvalid("email", "ERR_INVALID", "%q is not an email address", email)
	}
	if _, err := e.store.UserByEmail(ctx, email); err == nil {
		return fieldInvalid("email", "ERR_TAKEN", "email %q is already taken", email)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return e.checkEmailDomain(ctx, email)
}

// allows reports whether an address joins without approval: its domain is
// one of the node's, or below one.
func (r Registration) allows(email string) bool {
	at := strings.LastIndex(email, "@")
	if at < 0 {
		return false
	}
	domain := strings.ToLower(strings.TrimSuffix(email[at+1:], "."))
	return slices.ContainsFunc(r.Domains, func(d string) bool {
		d = strings.ToLower(d)
		return domain == d || strings.HasSuffix(domain, "."+d)
	})
}

func (e *Engine) sendConfirmation(ctx context.Context, a storage.Account, email, token string, approval bool) error {
	link := e.urls.Base + "/auth/confirm?token=" + url.QueryEscape(token)
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\nSomeone, we hope you, asked to join %s as %s.\n\n", a.Username, e.about.Name, a.Username)
	fmt.Fprintf(&b, "Confirm your email address by opening this link within %d hours:\n\n%s\n\n", int(ConfirmLifetime.Hours()), link)
	if approval {
		b.WriteString("Your address is not on one of the node's own domains, so an administrator will also look at your request. We will let you in once they approve it.\n\n")
	}
	b.WriteString("If it was not you, ignore this email: nothing happens without the link.\n")
	return e.mailer.Send(ctx, Message{To: email, Subject: "Confirm your email address for " + e.about.Name, Body: b.String()})
}

// ConfirmEmail follows a confirmation link: it uses up the token and
// records the address as confirmed. The member may sign in from then on,
// unless they still wait for approval (Joined.Approval). A token that is
// unknown, used or expired is storage.ErrNotFound.
func (e *Engine) ConfirmEmail(ctx context.Context, token string) (Joined, error) {
	var j Joined
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		id, err := tx.TakeEmailToken(ctx, storage.HashSecret(token), storage.TokenConfirm)
		if err != nil {
			return err
		}
		if err := tx.ConfirmUser(ctx, id); err != nil {
			return err
		}
		if j, err = e.finishJoining(ctx, tx, id); err != nil {
			return err
		}
		return e.notifySignUp(ctx, tx, j.Account)
	})
	if err != nil {
		return Joined{}, fmt.Errorf("confirm email: %w", err)
	}
	return j, nil
}

// ApproveMember lets in a member who waits for an admin. They may sign in
// once they have also confirmed their address. Approving an approved
// member is no error.
func (e *Engine) ApproveMember(ctx context.Context, username string) (Joined, error) {
	return e.approveMember(ctx, 0, username)
}

// approveMember is ApproveMember by by (0: the command line), who has
// been authorized, recorded in the audit log.
func (e *Engine) approveMember(ctx context.Context, by storage.ID, username string) (Joined, error) {
	a, _, err := e.member(ctx, username)
	if err != nil {
		return Joined{}, err
	}
	var j Joined
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.ApproveUser(ctx, a.ID); err != nil {
			return err
		}
		if err := audit(ctx, tx, by, AuditApprove, storage.AuditAccount, a.ID); err != nil {
			return err
		}
		j, err = e.finishJoining(ctx, tx, a.ID)
		return err
	})
	if err != nil {
		return Joined{}, fmt.Errorf("approve %s: %w", username, err)
	}
	return j, nil
}

// finishJoining lifts the hold on a member who has now both confirmed
// their address and been approved, and says what they still wait for.
func (e *Engine) finishJoining(ctx context.Context, tx *storage.Tx, id storage.ID) (Joined, error) {
	u, err := tx.UserByAccount(ctx, id)
	if err != nil {
		return Joined{}, err
	}
	a, err := tx.AccountByID(ctx, id)
	if err != nil {
		return Joined{}, err
	}
	j := Joined{Account: a, Confirm: u.ConfirmedAt.IsZero(), Approval: u.ApprovedAt.IsZero()}
	if j.Confirm || j.Approval || a.SuspendedAt.IsZero() {
		return j, nil
	}
	a.SuspendedAt = time.Time{}
	if err := tx.UpdateAccount(ctx, &a); err != nil {
		return Joined{}, err
	}
	j.Account = a
	return j, nil
}

// NewInvite is what an admin sets on an invitation.
type NewInvite struct {
	By      storage.ID    // the admin; 0 from the command line
	Expires time.Duration // 0: never
	MaxUses int           // 0: no limit
}

// CreatedInvite is an invitation just made: URL is shown once, as only its
// code's hash is kept.
type CreatedInvite struct {
	Invite storage.Invite
	Code   string
	URL    string
}

// CreateInvite makes an invitation link to sign up with.
func (e *Engine) CreateInvite(ctx context.Context, n NewInvite) (CreatedInvite, error) {
	if n.Expires < 0 || n.MaxUses < 0 {
		return CreatedInvite{}, invalid("an invitation's expiry and number of uses cannot be negative")
	}
	if n.By != 0 {
		if err := e.Authorize(ctx, n.By, ActManageRegistrations); err != nil {
			return CreatedInvite{}, err
		}
	}
	c := CreatedInvite{Code: rand.Text()}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		c.Invite = storage.Invite{CodeHash: storage.HashSecret(c.Code), CreatedBy: n.By, MaxUses: n.MaxUses}
		if n.Expires > 0 {
			c.Invite.ExpiresAt = tx.Now().Add(n.Expires)
		}
		if err := tx.InsertInvite(ctx, &c.Invite); err != nil {
			return err
		}
		return audit(ctx, tx, n.By, AuditCreateInvite, storage.AuditInvite, c.Invite.ID, "max_uses", strconv.Itoa(n.MaxUses), "expires_in", n.Expires.String())
	})
	if err != nil {
		return CreatedInvite{}, fmt.Errorf("create invite: %w", err)
	}
	c.URL = e.InviteURL(c.Code)
	return c, nil
}

// AuditRevokeInvite is the audit action of a revoked invitation.
const AuditRevokeInvite = "revoke_invite"

// RevokeInvite ends invitation id at once: its link signs no one up
// from then on, and members who joined with it keep their accounts.
// by must manage registrations (0: the command line). An invitation
// revoked already, or none with that ID, is storage.ErrNotFound.
func (e *Engine) RevokeInvite(ctx context.Context, by, id storage.ID) error {
	if err := e.mayManageRegistrations(ctx, by); err != nil { // before the lookup: no 404 to those who may not
		return err
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.RevokeInvite(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditRevokeInvite, storage.AuditInvite, id)
	})
	if err != nil {
		return fmt.Errorf("revoke invite %d: %w", id, err)
	}
	return nil
}

// InviteURL is the sign-up page that takes an invitation code.
func (e *Engine) InviteURL(code string) string {
	return e.urls.Base + "/auth/sign_up?invite=" + url.QueryEscape(code)
}

// CheckInvite reports whether an invitation code can be used now, for a
// page that shows the sign-up form only to a live invitation.
func (e *Engine) CheckInvite(ctx context.Context, code string) (bool, error) {
	inv, err := e.store.InviteByCodeHash(ctx, storage.HashSecret(code))
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return inv.Live(e.now()), nil
}
