package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one moderator's or admin's action on the node, as the
// audit log keeps it. The log is append-only: there is no statement here
// that changes or removes an entry (TestAuditLogAppendOnly greps for one),
// and the table's triggers refuse one from anywhere else.
type AuditEntry struct {
	ID         ID
	AccountID  ID     // who acted; 0: the command line
	Action     string // e.g. "suspend", "change_role", "resolve_report"
	TargetType string // AuditAccount, AuditReport, AuditInvite
	TargetID   ID
	// Details are what else the action took (reason, role, report),
	// as a JSON object.
	Details   map[string]string
	CreatedAt time.Time
}

// Kinds of thing an audit entry is about.
const (
	AuditAccount = "account"
	AuditReport  = "report"
	AuditInvite  = "invite"
	// AuditEmailDomain is an email domain block.
	AuditEmailDomain = "email_domain"
	// AuditTag is a hashtag (its review for trends).
	AuditTag = "tag"
	// AuditLink is a link's preview card (its review for trends).
	AuditLink = "link"
	// AuditStatus is a post (its review for trends).
	AuditStatus = "status"
	// AuditEmoji is one of the node's custom emojis.
	AuditEmoji = "emoji"
)

const qAppendAudit = `INSERT INTO audit_log (id, account_id, action, target_type, target_id, details, created_at)
VALUES (?,?,?,?,?,?,?)`

// AppendAudit records an action in the audit log, in the transaction
// that does the action, so one is never kept without the other.
func (tx *Tx) AppendAudit(ctx context.Context, e *AuditEntry) error {
	if e.Action == "" {
		return fmt.Errorf("append audit: no action")
	}
	if e.ID == 0 {
		e.ID = tx.NewID()
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = tx.now
	}
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	js, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("append audit %s: details: %w", e.Action, err)
	}
	_, err = tx.exec(ctx, "append audit "+e.Action, qAppendAudit, e.ID, int64(e.AccountID), e.Action, e.TargetType,
		int64(e.TargetID), string(js), millis(e.CreatedAt))
	return err
}

// AuditFilter narrows the audit log: to one actor, one action, or one
// target (zero fields match anything).
type AuditFilter struct {
	AccountID  ID
	Action     string
	TargetType string
	TargetID   ID
}

const qAuditLog = `SELECT id, account_id, action, target_type, target_id, details, created_at FROM audit_log
WHERE (?1 = 0 OR account_id = ?1) AND (?2 = '' OR action = ?2) AND (?3 = '' OR target_type = ?3)
	AND (?4 = 0 OR target_id = ?4)
	AND (?5 = 0 OR id < ?5) AND id > ?6
ORDER BY CASE WHEN ?7 THEN id END ASC, id DESC LIMIT ?8`

// AuditLog lists the audit log newest first, paged as the client API
// pages (max_id, since_id; min_id lists the entries just after it,
// oldest of them first, and returns them newest first).
func (q queries) AuditLog(ctx context.Context, f AuditFilter, p Page) ([]AuditEntry, error) {
	after, ascending := p.SinceID, false
	if p.MinID != 0 {
		after, ascending = p.MinID, true
	}
	out, err := queryAll(ctx, q.q, scanAudit, qAuditLog, int64(f.AccountID), f.Action, f.TargetType, int64(f.TargetID),
		int64(p.MaxID), int64(after), ascending, p.limit())
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

func scanAudit(s scanner) (AuditEntry, error) {
	var e AuditEntry
	var account, target, created int64
	var details string
	if err := s.Scan(&e.ID, &account, &e.Action, &e.TargetType, &target, &details, &created); err != nil {
		return AuditEntry{}, err
	}
	e.AccountID, e.TargetID, e.CreatedAt = ID(account), ID(target), fromMillis(created)
	if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
		return AuditEntry{}, fmt.Errorf("audit entry %d: details: %w", e.ID, err)
	}
	return e, nil
}
