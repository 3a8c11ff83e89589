package api

import (
	"context"

	"github.com/copse-dev/copse/storage"
)

// AccountWarning is Mastodon's AccountWarning entity: what a moderator
// did to the member's account and why, carried by a moderation_warning
// notification, so the member sees the reason in their app.
type AccountWarning struct {
	ID            string   `json:"id"`
	Action        string   `json:"action"`
	Text          string   `json:"text"`
	StatusIDs     []string `json:"status_ids"`
	TargetAccount Account  `json:"target_account"`
	Appeal        any      `json:"appeal"`
	CreatedAt     string   `json:"created_at"`
}

// moderationWarning renders the warning a moderation_warning
// notification tells of (the warning has the notification's id).
func (p *presenter) moderationWarning(ctx context.Context, n storage.Notification) (*AccountWarning, error) {
	w, err := p.store.AccountWarning(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	target, err := p.accountByID(ctx, w.AccountID)
	if err != nil {
		return nil, err
	}
	return &AccountWarning{ID: w.ID.String(), Action: w.Action, Text: w.Text, StatusIDs: []string{},
		TargetAccount: target, CreatedAt: isoTime(w.CreatedAt)}, nil
}
