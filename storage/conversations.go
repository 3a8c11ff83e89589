package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Conversation is one local member's view of a thread of direct
// statuses: the other accounts in it, its newest status and whether the
// member has read it.
type Conversation struct {
	ID           ID
	AccountID    ID
	ThreadURI    string
	LastStatusID ID // 0 when every status in it was deleted
	Unread       bool
	Participants []ID // the others, in no particular order
}

const conversationColumns = `c.id, c.account_id, c.thread_uri, coalesce(c.last_status_id, 0), c.unread`

func scanConversation(row scanner) (Conversation, error) {
	var c Conversation
	err := row.Scan(&c.ID, &c.AccountID, &c.ThreadURI, &c.LastStatusID, &c.Unread)
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{}, ErrNotFound
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation: %w", err)
	}
	return c, nil
}

func (q queries) loadParticipants(ctx context.Context, c *Conversation) error {
	ids, err := q.ids(ctx, `SELECT account_id FROM conversation_accounts WHERE conversation_id = ? ORDER BY account_id`, c.ID)
	if err != nil {
		return fmt.Errorf("conversation participants: %w", err)
	}
	c.Participants = ids
	return nil
}

func (q queries) conversationWhere(ctx context.Context, where string, args ...any) (Conversation, error) {
	c, err := scanConversation(q.q.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations c WHERE `+where, args...))
	if err != nil {
		return Conversation{}, err
	}
	return c, q.loadParticipants(ctx, &c)
}

// ConversationByID returns one of account's conversations.
func (q queries) ConversationByID(ctx context.Context, account, id ID) (Conversation, error) {
	return q.conversationWhere(ctx, `c.id = ? AND c.account_id = ?`, id, account)
}

// ConversationOfStatus returns account's conversation holding a status.
func (q queries) ConversationOfStatus(ctx context.Context, account, status ID) (Conversation, error) {
	return q.conversationWhere(ctx, `c.account_id = ? AND c.id IN
(SELECT conversation_id FROM conversation_statuses WHERE status_id = ?)`, account, status)
}

// ConversationPage lists account's conversations that still hold a
// status, the latest active first. They page by their last status's ID,
// as in Mastodon.
func (q queries) ConversationPage(ctx context.Context, account ID, p Page) ([]Conversation, error) {
	cond, args, order := p.where("c.last_status_id")
	out, err := queryAll(ctx, q.q, scanConversation, `SELECT `+conversationColumns+` FROM conversations c INDEXED BY conversations_account
WHERE c.account_id = ? AND c.last_status_id IS NOT NULL AND `+cond+` ORDER BY `+order+` LIMIT ?`,
		append(append([]any{account}, args...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	for i := range out {
		if err := q.loadParticipants(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddToConversation files a direct status in account's conversation of
// thread, starting the conversation if need be, adds participants (the
// other accounts), and marks it unread or read.
func (tx *Tx) AddToConversation(ctx context.Context, account ID, thread string, status ID, participants []ID, unread bool) error {
	var id ID
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO conversations (id, account_id, thread_uri, last_status_id, unread)
VALUES (?,?,?,?,?) ON CONFLICT (account_id, thread_uri) DO UPDATE SET
last_status_id = max(coalesce(last_status_id, 0), excluded.last_status_id), unread = excluded.unread
RETURNING id`, tx.NewID(), account, thread, status, unread).Scan(&id)
	if err != nil {
		return fmt.Errorf("add to conversation: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO conversation_statuses (conversation_id, status_id) VALUES (?,?)`,
		id, status); err != nil {
		return fmt.Errorf("add to conversation: %w", err)
	}
	for _, p := range participants {
		if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO conversation_accounts (conversation_id, account_id) VALUES (?,?)`,
			id, p); err != nil {
			return fmt.Errorf("add to conversation: %w", err)
		}
	}
	return nil
}

// MarkConversationRead marks one of account's conversations read.
func (tx *Tx) MarkConversationRead(ctx context.Context, account, id ID) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET unread = 0 WHERE id = ? AND account_id = ?`, id, account)
	if err != nil {
		return fmt.Errorf("mark conversation read: %w", err)
	}
	return mustAffect(res, "mark conversation read")
}

// DeleteConversation removes one of account's conversations (not its
// statuses); a new status in the thread starts it again.
func (tx *Tx) DeleteConversation(ctx context.Context, account, id ID) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM conversations WHERE id = ? AND account_id = ?`, id, account)
	if err != nil {
		return fmt.Errorf("delete conversation: %w", err)
	}
	return mustAffect(res, "delete conversation")
}
