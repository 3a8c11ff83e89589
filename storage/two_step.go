package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// TwoStep is a member's two-step sign-in (migration 0080): their TOTP
// secret ("" when it is off) and the last time step a code was accepted
// for.
type TwoStep struct {
	Secret   string
	LastStep int64
}

// TwoStepOf reads the member's two-step sign-in.
func (q queries) TwoStepOf(ctx context.Context, account ID) (TwoStep, error) {
	var t TwoStep
	err := q.q.QueryRowContext(ctx, `SELECT otp_secret, otp_last_step FROM users WHERE account_id = ?`, account).Scan(&t.Secret, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return TwoStep{}, ErrNotFound
	}
	if err != nil {
		return TwoStep{}, fmt.Errorf("two-step of %d: %w", account, err)
	}
	return t, nil
}

// SetTwoStep turns the member's two-step sign-in on with secret, or off
// with "".
func (tx *Tx) SetTwoStep(ctx context.Context, account ID, secret string) error {
	res, err := tx.exec(ctx, "set two-step", `UPDATE users SET otp_secret = ?, otp_last_step = 0 WHERE account_id = ?`, secret, account)
	if err != nil {
		return err
	}
	return mustAffect(res, "set two-step")
}

// UseTwoStep records that a code of time step was accepted for the
// member, and reports false when one of that step or a later one was
// already: a code is taken once.
func (tx *Tx) UseTwoStep(ctx context.Context, account ID, step int64) (bool, error) {
	res, err := tx.exec(ctx, "use two-step", `UPDATE users SET otp_last_step = ? WHERE account_id = ? AND otp_last_step < ?`,
		step, account, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
