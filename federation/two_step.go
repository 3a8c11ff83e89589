package federation

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/copse-dev/copse/storage"
)

// Two-step sign-in: a member may ask for a code from an authenticator
// app (TOTP, RFC 6238: six digits, a new one every 30 seconds, as every
// such app makes them) besides the password, as councils' IT policies
// often require. The member turns it on with a secret the node makes,
// shown as a QR code and as text, confirmed by a first code; SignIn then
// needs a code (ErrTwoStepNeeded without one), and takes each code once,
// within a step either side of now for a phone's clock. It is turned off
// with the password and a code, or by an operator for a member who lost
// their phone (copse admin account two-step-off).

// ErrTwoStepNeeded is SignIn's answer to the right password of a member
// who signs in in two steps, when no code came with it.
var ErrTwoStepNeeded = errors.New("federation: a code from the authenticator app is needed")

// totpOpts are the codes' form: what authenticator apps make by default.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TwoStepKey is a new secret for a member to add to their authenticator
// app: the secret as text, the otpauth:// address a QR code carries, and
// the QR code as a PNG.
type TwoStepKey struct {
	Secret, URL string
	QR          []byte
}

// NewTwoStepKey is the key of secret for the member, a new secret when
// it is "" or not one (a form shown again keeps the one the member's app
// may hold already); a secret is not kept until EnableTwoStep confirms
// it with a code.
func (e *Engine) NewTwoStepKey(ctx context.Context, memberID storage.ID, secret string) (TwoStepKey, error) {
	a, err := e.localAccount(ctx, memberID)
	if err != nil {
		return TwoStepKey{}, err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimSpace(secret)))
	if err != nil || len(raw) < 10 {
		raw = nil // totp.Generate makes one
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: e.urls.Host(), AccountName: a.Username + "@" + e.urls.Host(),
		Period: totpOpts.Period, Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm, Secret: raw})
	if err != nil {
		return TwoStepKey{}, fmt.Errorf("two-step key: %w", err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return TwoStepKey{}, fmt.Errorf("two-step key: %w", err)
	}
	var qr bytes.Buffer
	if err := png.Encode(&qr, img); err != nil {
		return TwoStepKey{}, fmt.Errorf("two-step key: %w", err)
	}
	return TwoStepKey{Secret: key.Secret(), URL: key.URL(), QR: qr.Bytes()}, nil
}

// recoveryCodes is how many recovery codes turning two-step sign-in on
// makes.
const recoveryCodes = 10

// EnableTwoStep turns two-step sign-in on for the member with secret
// (from NewTwoStepKey), once code is one of its codes now: the proof the
// app holds it. It returns the recovery codes, to show the member once:
// each signs in once instead of an app's code (a lost phone).
func (e *Engine) EnableTwoStep(ctx context.Context, memberID storage.ID, secret, code string) ([]string, error) {
	if _, err := e.localAccount(ctx, memberID); err != nil {
		return nil, err
	}
	secret = strings.ToUpper(strings.TrimSpace(secret))
	step, ok := e.codeStep(secret, code)
	if !ok {
		return nil, fieldInvalid("code", "ERR_INVALID", "that code is not right: enter the 6 digits your app shows now")
	}
	codes := make([]string, recoveryCodes)
	hashes := make([]string, recoveryCodes)
	for i := range codes {
		t := rand.Text() // 26 base32 characters, 130 bits
		codes[i] = strings.ToLower(t[:5] + "-" + t[5:10])
		hashes[i] = storage.HashSecret(recoveryForm(codes[i]))
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetTwoStep(ctx, memberID, secret, hashes...); err != nil {
			return err
		}
		_, err := tx.UseTwoStep(ctx, memberID, step)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("turn on two-step sign-in: %w", err)
	}
	return codes, nil
}

// recoveryForm is a recovery code as it is hashed: without spaces and
// dashes, in capitals, as however the member types it.
func recoveryForm(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(code))
}

// DisableTwoStep turns two-step sign-in off for the member, given their
// password and a code (else ErrDenied).
func (e *Engine) DisableTwoStep(ctx context.Context, memberID storage.ID, password, code string) error {
	u, err := e.store.UserByAccount(ctx, memberID)
	if err != nil {
		return fmt.Errorf("turn off two-step sign-in: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return ErrDenied
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := e.takeCode(ctx, tx, memberID, code); errors.Is(err, ErrTwoStepNeeded) {
			return ErrDenied // no code: as a wrong one
		} else if err != nil {
			return err
		}
		return tx.SetTwoStep(ctx, memberID, "")
	})
}

// TwoStepOff turns a member's two-step sign-in off, by an operator (for
// one who lost their phone).
func (e *Engine) TwoStepOff(ctx context.Context, username string) error {
	a, _, err := e.member(ctx, username)
	if err != nil {
		return err
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetTwoStep(ctx, a.ID, "") })
}

// takeCode accepts code for the member in tx, once: ErrTwoStepNeeded
// when none came, ErrDenied when it is not right or was used.
func (e *Engine) takeCode(ctx context.Context, tx *storage.Tx, memberID storage.ID, code string) error {
	t, err := tx.TwoStepOf(ctx, memberID)
	if err != nil {
		return err
	}
	if t.Secret == "" {
		return nil
	}
	if strings.TrimSpace(code) == "" {
		return ErrTwoStepNeeded
	}
	if rc := recoveryForm(code); len(rc) == 10 {
		taken, err := tx.UseRecoveryCode(ctx, memberID, storage.HashSecret(rc))
		if err != nil || !taken {
			return cmp.Or(err, ErrDenied)
		}
		return nil
	}
	step, ok := e.codeStep(t.Secret, code)
	if !ok {
		return ErrDenied
	}
	fresh, err := tx.UseTwoStep(ctx, memberID, step)
	if err != nil {
		return err
	}
	if !fresh {
		return ErrDenied // a code already taken
	}
	return nil
}

// codeStep is the time step, within one either side of now, whose code
// of secret is code.
func (e *Engine) codeStep(secret, code string) (int64, bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != totpOpts.Digits.Length() || secret == "" {
		return 0, false
	}
	now := e.now().Unix() / int64(totpOpts.Period)
	for _, step := range []int64{now - 1, now, now + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*int64(totpOpts.Period), 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
