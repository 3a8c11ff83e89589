package federation

import (
	"context"
	"fmt"

	"github.com/copse-dev/copse/storage"
)

// The audit log: every moderator's and admin's action on the node, who
// did it, when, to what and why, appended in the transaction that does
// it (storage.Tx.AppendAudit), so an action is never kept without its
// entry. Nothing edits or removes an entry.

// Audit actions. Report actions use the report log's names
// (storage.ReportLog*) with a "report_" prefix.
const (
	AuditChangeRole     = "change_role"
	AuditApprove        = "approve"
	AuditReject         = "reject"
	AuditCreateInvite   = "create_invite"
	AuditDeleteAccount  = "delete_account"
	AuditResetPassword  = "reset_password"
	AuditChangeEmail    = "change_email"
	AuditWarn           = "warn"
	AuditLimit          = "limit"
	AuditUnlimit        = "unlimit"
	AuditSuspend        = "suspend"
	AuditUnsuspend      = "unsuspend"
	AuditSensitive      = "sensitive"
	AuditUnsensitive    = "unsensitive"
	AuditDisable        = "disable"
	AuditEnable         = "enable"
	AuditPurgeSuspended = "purge"
)

// audit appends one entry to the audit log in tx: by (0: the command
// line, or the node itself) did action to the target. Details with an
// empty value are left out.
func audit(ctx context.Context, tx *storage.Tx, by storage.ID, action, targetType string, target storage.ID, details ...string) error {
	d := map[string]string{}
	for i := 0; i+1 < len(details); i += 2 {
		if details[i+1] != "" {
			d[details[i]] = details[i+1]
		}
	}
	if err := tx.AppendAudit(ctx, &storage.AuditEntry{AccountID: by, Action: action, TargetType: targetType,
		TargetID: target, Details: d}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// appendReportLog records what a moderator did with a report in the
// report's own log and, for the node's queue (communityID 0: a
// community's moderators keep the community's log), in the audit log.
func appendReportLog(ctx context.Context, tx *storage.Tx, communityID storage.ID, l *storage.ReportLogEntry) error {
	if err := tx.AppendReportLog(ctx, l); err != nil {
		return err
	}
	if communityID != 0 {
		return nil
	}
	return audit(ctx, tx, l.AccountID, "report_"+l.Action, storage.AuditReport, l.ReportID, "text", l.Text)
}

// AuditLog lists the audit log, newest first, for by (0: the command
// line), who must be allowed to view it.
func (e *Engine) AuditLog(ctx context.Context, by storage.ID, f storage.AuditFilter, p storage.Page) ([]storage.AuditEntry, error) {
	if by != 0 {
		if err := e.Authorize(ctx, by, ActViewAuditLog); err != nil {
			return nil, err
		}
	}
	return e.store.AuditLog(ctx, f, p)
}

// auditNodeQueue records a resolution made in the node's queue
// (communityID 0), with the action taken and why.
func auditNodeQueue(ctx context.Context, tx *storage.Tx, communityID, by storage.ID, action string, report storage.ID, taken, reason string) error {
	if communityID != 0 {
		return nil
	}
	return audit(ctx, tx, by, action, storage.AuditReport, report, "action", taken, "reason", reason)
}
