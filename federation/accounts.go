package federation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// NewMember is what it takes to create a local member.
type NewMember struct {
	Username     string
	Email        string
	Password     string
	Permission   string // storage.PermissionMember unless set
	DisplayName  string
	Organisation string
	Department   string
	JobTitle     string
	Locked       bool // approve followers manually
	// A sign-up (registration.go) leaves its member unconfirmed (until
	// the emailed link is followed) or unapproved (until an admin lets
	// them in), with the reason they gave and the invitation they used;
	// the CLI's members are confirmed and approved at once.
	Unconfirmed, Unapproved bool
	Reason                  string
	InviteID                storage.ID
	// inTx, if set, runs in the transaction that creates the member: a
	// sign-up uses up its invitation there.
	inTx func(tx *storage.Tx, a storage.Account) error
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`)

// minPasswordLength follows NCSC guidance: length over composition rules.
const minPasswordLength = 10

// CreateMember creates a local member with a fresh RSA-2048 key pair and a
// bcrypt-hashed password.
func (e *Engine) CreateMember(ctx context.Context, m NewMember) (storage.Account, error) {
	if !usernamePattern.MatchString(m.Username) {
		return storage.Account{}, invalid("username %q must be 1 to 30 letters, digits or underscores", m.Username)
	}
	if strings.EqualFold(m.Username, e.instanceUsername()) {
		return storage.Account{}, invalid("username %q is reserved", m.Username)
	}
	if !strings.Contains(m.Email, "@") || strings.ContainsAny(m.Email, " \t\r\n") {
		return storage.Account{}, invalid("email %q is not an email address", m.Email)
	}
	if len(m.Password) < minPasswordLength {
		return storage.Account{}, invalid("password must be at least %d characters", minPasswordLength)
	}
	if m.Permission == "" {
		m.Permission = storage.PermissionMember
	}
	if !storage.ValidPermission(m.Permission) {
		return storage.Account{}, invalid("role %q is not member, moderator or admin", m.Permission)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(m.Password), bcrypt.DefaultCost)
	if err != nil {
		return storage.Account{}, fmt.Errorf("hash password: %w", err)
	}
	a, err := e.newLocalAccount(m.Username, activitypub.TypePerson)
	if err != nil {
		return storage.Account{}, err
	}
	a.DisplayName = cleanText(m.DisplayName)
	a.Organisation, a.Department, a.JobTitle = cleanText(m.Organisation), cleanText(m.Department), cleanText(m.JobTitle)
	a.Locked = m.Locked
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if m.Unconfirmed || m.Unapproved {
			// Held back, as a suspension is, on every path until the
			// member has joined (registration.go lifts it).
			a.SuspendedAt = tx.Now()
		}
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		u := storage.User{AccountID: a.ID, Email: m.Email, PasswordHash: string(hash), Permission: m.Permission,
			ConfirmedAt: tx.Now(), ApprovedAt: tx.Now(), Reason: m.Reason, InviteID: m.InviteID}
		if m.Unconfirmed {
			u.ConfirmedAt = time.Time{}
		}
		if m.Unapproved {
			u.ApprovedAt = time.Time{}
		}
		if err := tx.InsertUser(ctx, &u); err != nil {
			return err
		}
		if m.inTx != nil {
			return m.inTx(tx, a)
		}
		return nil
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.Account{}, invalid("username %q or email %q is already taken", m.Username, m.Email)
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("create member %s: %w", m.Username, err)
	}
	return a, nil
}

// CheckPassword returns the member whose email or username and password
// match, or ErrDenied.
func (e *Engine) CheckPassword(ctx context.Context, login, password string) (storage.Account, storage.User, error) {
	var u storage.User
	var err error
	if strings.Contains(login, "@") {
		u, err = e.store.UserByEmail(ctx, login)
	} else {
		var a storage.Account
		if a, err = e.store.AccountByUsername(ctx, login); err == nil {
			u, err = e.store.UserByAccount(ctx, a.ID)
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		// Spend the same time as a real check so timing tells nothing.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3ShWWFAvRtgo2dCqcgl3Qm2"), []byte(password))
		return storage.Account{}, storage.User{}, ErrDenied
	}
	if err != nil {
		return storage.Account{}, storage.User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return storage.Account{}, storage.User{}, ErrDenied
	}
	a, err := e.store.AccountByID(ctx, u.AccountID)
	if err != nil {
		return storage.Account{}, storage.User{}, err
	}
	return a, u, nil
}

// SetRole changes a member's node role (SetPermission, by its name).
func (e *Engine) SetRole(ctx context.Context, username, role string) error {
	return e.SetPermission(ctx, username, Permission(role))
}

func (e *Engine) newLocalAccount(username, actorType string) (storage.Account, error) {
	key, err := e.newKey()
	if err != nil {
		return storage.Account{}, err
	}
	priv, err := EncodePrivateKey(key)
	if err != nil {
		return storage.Account{}, err
	}
	pub, err := EncodePublicKey(&key.PublicKey)
	if err != nil {
		return storage.Account{}, err
	}
	ed, err := GenerateEd25519Key()
	if err != nil {
		return storage.Account{}, err
	}
	u := e.urls
	return storage.Account{
		Ed25519KeyID:      u.Ed25519Key(username),
		Ed25519Public:     ed.Public,
		Ed25519PrivatePEM: ed.PrivatePEM,
		URI:               u.Actor(username),
		Username:          username,
		ActorType:         actorType,
		URL:               u.Profile(username),
		Inbox:             u.Inbox(username),
		Outbox:            u.Outbox(username),
		SharedInbox:       u.SharedInbox(),
		Followers:         u.Followers(username),
		Following:         u.Following(username),
		Featured:          u.Featured(username),
		PublicKeyID:       u.Key(username),
		PublicKeyPEM:      pub,
		PrivateKeyPEM:     priv,
		Discoverable:      true,
	}, nil
}

// instanceUsername is the instance actor's name: the node's host without
// port, as Mastodon and GoToSocial name theirs. Members cannot take it.
func (e *Engine) instanceUsername() string {
	h := e.urls.Host()
	if i := strings.LastIndex(h, ":"); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	return strings.Trim(h, "[]")
}

func (e *Engine) ensureInstanceActor(ctx context.Context) (storage.Account, error) {
	name := e.instanceUsername()
	a, err := e.store.AccountByUsername(ctx, name)
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, err
	}
	a, err = e.newLocalAccount(name, activitypub.TypeApplication)
	if err != nil {
		return storage.Account{}, err
	}
	a.Locked = true // it follows no one and no one follows it
	a.Discoverable = false
	a.DisplayName = e.urls.Host()
	err = e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertAccount(ctx, &a) })
	return a, err
}

// ActorOf converts an account to its ActivityPub actor document. Its text
// is cleaned again (cleanText): a profile saved before input was cleaned
// must not carry control characters to peers.
func ActorOf(a storage.Account) activitypub.Actor {
	act := activitypub.Actor{
		ID:                        a.URI,
		Type:                      a.ActorType,
		PreferredUsername:         a.Username,
		Name:                      cleanText(a.DisplayName),
		Summary:                   cleanText(a.Note),
		URL:                       a.URL,
		Inbox:                     a.Inbox,
		Outbox:                    a.Outbox,
		Followers:                 a.Followers,
		Following:                 a.Following,
		Featured:                  a.Featured,
		SharedInbox:               a.SharedInbox,
		PublicKey:                 activitypub.PublicKey{ID: a.PublicKeyID, Owner: a.URI, PEM: a.PublicKeyPEM},
		Ed25519:                   ed25519Multikey(a),
		ManuallyApprovesFollowers: a.Locked,
		Discoverable:              a.Discoverable,
		Published:                 a.CreatedAt,
		Updated:                   a.UpdatedAt,
		Fields:                    profileFields(a),
		MovedTo:                   a.MovedTo,
		AlsoKnownAs:               a.AlsoKnownAs,
		Emojis:                    a.Emojis,
	}
	if a.AvatarURL != "" {
		act.Icon = &activitypub.Image{URL: a.AvatarURL, MediaType: mediaTypeOf(a.AvatarURL)}
	}
	if a.HeaderURL != "" {
		act.Image = &activitypub.Image{URL: a.HeaderURL, MediaType: mediaTypeOf(a.HeaderURL)}
	}
	return act
}

// profileFields puts organisation, department and role first, then the
// member's own fields.
func profileFields(a storage.Account) []activitypub.Field {
	var out []activitypub.Field
	for _, f := range []activitypub.Field{
		{Name: activitypub.FieldOrganisation, Value: a.Organisation},
		{Name: activitypub.FieldDepartment, Value: a.Department},
		{Name: activitypub.FieldRole, Value: a.JobTitle},
	} {
		if f.Value != "" {
			f.Value = escapeText(f.Value)
			out = append(out, f)
		}
	}
	for _, f := range a.Fields {
		out = append(out, activitypub.Field{Name: cleanText(f.Name), Value: cleanText(f.Value)})
	}
	return out
}

func mediaTypeOf(u string) string {
	switch {
	case strings.HasSuffix(u, ".png"):
		return "image/png"
	case strings.HasSuffix(u, ".gif"):
		return "image/gif"
	case strings.HasSuffix(u, ".webp"):
		return "image/webp"
	}
	return "image/jpeg"
}

// ed25519Multikey is a's Ed25519 key as its actor states it; the zero
// Multikey when it has none, or an unreadable one (it is then not
// published, and copse signs for it with RSA only).
func ed25519Multikey(a storage.Account) activitypub.Multikey {
	if a.Ed25519KeyID == "" {
		return activitypub.Multikey{}
	}
	key, err := activitypub.DecodeMultibase(a.Ed25519Public)
	if err != nil {
		return activitypub.Multikey{}
	}
	return activitypub.Multikey{ID: a.Ed25519KeyID, Controller: a.URI, Key: key}
}
