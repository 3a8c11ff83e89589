package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/httperr"
)

// Joining the node from an app: Mastodon's POST /api/v1/accounts, and what
// /api/v1/instance says about registrations. Who may join is the engine's
// rule (federation.SignUp); this file speaks Mastodon's shapes.

// POST /api/v1/accounts: an app, with its own app token (client
// credentials, write:accounts), signs a person up. Mastodon answers with
// a token for the new account; copse does too, and, as Mastodon does, the
// token is refused (403) until the address is confirmed and, where the
// node asks for it, an admin has approved the account.
func (h *Handler) registerAccount(w http.ResponseWriter, r *http.Request) error {
	a := authOf(r)
	if a.token.ID == 0 {
		return httperr.New(http.StatusUnauthorized, "This method requires an authenticated app")
	}
	if a.account.ID != 0 {
		return httperr.New(http.StatusForbidden, "This method requires an app token, not a signed-in member's")
	}
	if !hasScope(a.scopes, "write:accounts") {
		return httperr.New(http.StatusForbidden, "This action is outside the authorized scopes")
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	if !boolParam(v, "agreement", false) {
		registrationInvalid(w, "agreement", "ERR_ACCEPTED", "must be accepted", "Agreement must be accepted")
		return nil
	}
	for _, f := range []string{"username", "email", "password"} {
		if strings.TrimSpace(v.Get(f)) == "" {
			registrationInvalid(w, f, "ERR_BLANK", "can't be blank", fieldName(f)+" can't be blank")
			return nil
		}
	}
	joined, err := h.engine.SignUp(r.Context(), federation.SignUp{Username: v.Get("username"), Email: v.Get("email"),
		Password: v.Get("password"), Reason: v.Get("reason"), InviteCode: v.Get("invite_code")})
	var fe *federation.FieldError
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, federation.ErrRegistrationsClosed):
		return httperr.New(http.StatusForbidden, "Registrations are closed on this node")
	case errors.As(err, &fe):
		registrationInvalid(w, fe.Field, fe.Code, fe.Invalid.Msg, httperr.Sentence(fe.Invalid.Msg))
		return nil
	case errors.As(err, &inv):
		httperr.JSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": "Validation failed: " + inv.Msg, "details": map[string]any{}})
		return nil
	case err != nil:
		return err
	}
	t, err := h.engine.IssueToken(r.Context(), a.token.AppID, joined.Account.ID, a.scopes, false)
	if err != nil {
		return err
	}
	h.json(w, map[string]any{"access_token": t.Access, "token_type": "Bearer", "scope": strings.Join(t.Scopes, " "),
		"created_at": t.CreatedAt.Unix()})
	return nil
}

// registrationInvalid is Mastodon's 422 for one field of a sign-up:
// message for people, and details for apps that mark the field.
func registrationInvalid(w http.ResponseWriter, field, code, description, message string) {
	httperr.JSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error":   "Validation failed: " + message,
		"details": map[string]any{field: []map[string]string{{"error": code, "description": description}}},
	})
}

// registrations is what /api/v1/instance (both versions) says about
// joining: open sign-ups are enabled; approval is required for addresses
// outside the node's domains (for every address when it lists none); an
// invite-only node says so in its message, and both point at the sign-up
// page.
type registrations struct {
	Enabled          bool
	ApprovalRequired bool
	Message          *string
	URL              *string
}

func (h *Handler) registrations() registrations {
	reg := h.engine.Registrations()
	var out registrations
	signUp := h.urls.Base + "/auth/sign_up"
	text := func(s string) *string { return &s }
	switch reg.Mode {
	case federation.RegistrationsOpen:
		out.Enabled, out.ApprovalRequired, out.URL = true, true, &signUp
		if len(reg.Domains) > 0 {
			out.Message = text("Addresses at " + strings.Join(reg.Domains, ", ") +
				" join once confirmed; others wait for an administrator's approval.")
		}
	case federation.RegistrationsInvite:
		out.URL = &signUp
		out.Message = text("Joining is by invitation: ask an administrator of this node for a link.")
	default:
		out.Message = text("Accounts on this node are made by its administrators.")
	}
	return out
}

// fieldName is a form field as Mastodon's messages name it ("Email").
func fieldName(field string) string {
	if field == "" {
		return field
	}
	f := strings.ReplaceAll(field, "_", " ")
	return strings.ToUpper(f[:1]) + f[1:]
}
