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

// SetTwoStep turns the member's two-step sign-in on with secret and the
// hashes of its recovery codes, or off with "" (its recovery codes go).
func (tx *Tx) SetTwoStep(ctx context.Context, account ID, secret string, recoveryHashes ...string) error {
	res, err := tx.exec(ctx, "set two-step", `UPDATE users SET otp_secret = ?, otp_last_step = 0 WHERE account_id = ?`, secret, account)
	if err != nil {
		return err
	}
	if err := mustAffect(res, "set two-step"); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "clear recovery codes", `DELETE FROM two_step_recovery WHERE account_id = ?`, account); err != nil {
		return err
	}
	for _, h := range recoveryHashes {
		if _, err := tx.exec(ctx, "add recovery code", `INSERT OR IGNORE INTO two_step_recovery (account_id, code_hash) VALUES (?, ?)`,
			account, h); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode takes the member's recovery code whose hash is hash,
// and reports false when they have none such (or it was taken).
func (tx *Tx) UseRecoveryCode(ctx context.Context, account ID, hash string) (bool, error) {
	res, err := tx.exec(ctx, "use recovery code", `DELETE FROM two_step_recovery WHERE account_id = ? AND code_hash = ?`, account, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts the member's recovery codes not yet taken.
func (q queries) RecoveryCodesLeft(ctx context.Context, account ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM two_step_recovery WHERE account_id = ?`, account).Scan(&n); err != nil {
		return 0, fmt.Errorf("recovery codes of %d: %w", account, err)
	}
	return n, nil
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
