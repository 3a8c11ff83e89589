package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Report categories, as Mastodon's API names them.
const (
	ReportSpam      = "spam"
	ReportLegal     = "legal"
	ReportViolation = "violation"
	ReportOther     = "other"
)

// Report states.
const (
	ReportOpen     = "open"
	ReportResolved = "resolved"
)

// Report log actions.
const (
	ReportLogAssign   = "assign"
	ReportLogUnassign = "unassign"
	ReportLogNote     = "note"
	ReportLogResolve  = "resolve"
	ReportLogReopen   = "reopen"
)

// Report is a report about an account and some of its statuses: made by
// a member here, received as a Flag, or announced by a Group to the node
// of one of its moderators.
type Report struct {
	ID           ID
	URI          string // the Flag received, or the one sent for it; "" none
	ReporterID   ID     // 0 when gone
	TargetID     ID
	CommunityID  ID   // the Group whose content it is about; 0 none
	ForNode      bool // in the node moderators' queue
	Category     string
	RuleIDs      []string
	Comment      string
	Forwarded    bool
	State        string
	AssigneeID   ID
	Action       string // what the resolving moderator says was done
	ActionReason string
	ResolvedBy   ID
	StatusIDs    []ID
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ResolvedAt   time.Time // zero while open
}

// ReportFilter selects a queue: the node's (Node) or a community's
// (CommunityID), and optionally one state, target or reporter.
type ReportFilter struct {
	Node        bool
	CommunityID ID
	State       string // "" any
	TargetID    ID
	ReporterID  ID
}

// ReportLogEntry is one line of what moderators did with a report.
type ReportLogEntry struct {
	ID        ID
	ReportID  ID
	AccountID ID     // 0 when gone
	Action    string // ReportLog*
	Text      string // a note, or a resolution's reason
	CreatedAt time.Time
}

const reportColumns = `id, uri, reporter_id, target_id, community_id, for_node, category, rule_ids, comment, forwarded,
state, assignee_id, action, action_reason, resolved_by, created_at, updated_at, resolved_at`

func scanReport(row scanner) (Report, error) {
	var r Report
	var reporter, community, assignee, resolvedBy sql.NullInt64
	var rules string
	var forNode, forwarded int
	var created, updated, resolved int64
	err := row.Scan(&r.ID, &r.URI, &reporter, &r.TargetID, &community, &forNode, &r.Category, &rules, &r.Comment,
		&forwarded, &r.State, &assignee, &r.Action, &r.ActionReason, &resolvedBy, &created, &updated, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, ErrNotFound
	}
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	r.ReporterID, r.CommunityID, r.AssigneeID, r.ResolvedBy = ID(reporter.Int64), ID(community.Int64), ID(assignee.Int64), ID(resolvedBy.Int64)
	r.ForNode, r.Forwarded = forNode != 0, forwarded != 0
	if rules != "" {
		r.RuleIDs = strings.Split(rules, ",")
	}
	r.CreatedAt, r.UpdatedAt, r.ResolvedAt = fromMillis(created), fromMillis(updated), fromMillis(resolved)
	return r, nil
}

const qInsertReport = `INSERT INTO reports (` + reportColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const qInsertReportStatus = `INSERT INTO report_statuses (report_id, status_id) VALUES (?, ?) ON CONFLICT DO NOTHING`

// InsertReport stores a new report with its statuses; ErrDuplicate when
// a report of the same Flag (URI) is stored already.
func (tx *Tx) InsertReport(ctx context.Context, r *Report) error {
	if r.ID == 0 {
		r.ID = tx.NewID()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = tx.now
	}
	r.UpdatedAt = r.CreatedAt
	if r.State == "" {
		r.State = ReportOpen
	}
	if r.Category == "" {
		r.Category = ReportOther
	}
	_, err := tx.tx.ExecContext(ctx, qInsertReport, r.ID, r.URI, nullID(r.ReporterID), r.TargetID, nullID(r.CommunityID),
		boolInt(r.ForNode), r.Category, strings.Join(r.RuleIDs, ","), r.Comment, boolInt(r.Forwarded), r.State,
		nullID(r.AssigneeID), r.Action, r.ActionReason, nullID(r.ResolvedBy), millis(r.CreatedAt), millis(r.UpdatedAt),
		millis(r.ResolvedAt))
	if isUnique(err) {
		return fmt.Errorf("insert report %s: %w", r.URI, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert report: %w", err)
	}
	for _, id := range r.StatusIDs {
		if _, err := tx.exec(ctx, "insert report status", qInsertReportStatus, r.ID, id); err != nil {
			return err
		}
	}
	return nil
}

const qUpdateReport = `UPDATE reports SET uri = ?, forwarded = ?, state = ?, assignee_id = ?, action = ?, action_reason = ?,
resolved_by = ?, updated_at = ?, resolved_at = ? WHERE id = ?`

// UpdateReport saves what may change of a report: its Flag, whether it
// was forwarded, its state, assignee and resolution. It sets UpdatedAt.
func (tx *Tx) UpdateReport(ctx context.Context, r *Report) error {
	r.UpdatedAt = tx.now
	res, err := tx.exec(ctx, "update report", qUpdateReport, r.URI, boolInt(r.Forwarded), r.State, nullID(r.AssigneeID),
		r.Action, r.ActionReason, nullID(r.ResolvedBy), millis(r.UpdatedAt), millis(r.ResolvedAt), r.ID)
	if err != nil {
		return err
	}
	return mustAffect(res, "update report")
}

// ReportByID returns a report with its statuses, or ErrNotFound.
func (q queries) ReportByID(ctx context.Context, id ID) (Report, error) {
	r, err := scanReport(q.q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, id))
	if err != nil {
		return Report{}, err
	}
	return r, q.loadReportStatuses(ctx, &r)
}

// ReportByURI returns the report of a Flag, or ErrNotFound.
func (q queries) ReportByURI(ctx context.Context, uri string) (Report, error) {
	if uri == "" {
		return Report{}, ErrNotFound
	}
	r, err := scanReport(q.q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE uri = ?`, uri))
	if err != nil {
		return Report{}, err
	}
	return r, q.loadReportStatuses(ctx, &r)
}

const qReportStatuses = `SELECT status_id FROM report_statuses WHERE report_id = ? ORDER BY status_id`

func (q queries) loadReportStatuses(ctx context.Context, r *Report) error {
	ids, err := queryAll(ctx, q.q, func(s scanner) (ID, error) {
		var id ID
		return id, s.Scan(&id)
	}, qReportStatuses, r.ID)
	if err != nil {
		return fmt.Errorf("statuses of report %d: %w", r.ID, err)
	}
	r.StatusIDs = ids
	return nil
}

// The queue shows one of the node's or one community's; the filter's
// zero values match anything.
const qReports = `SELECT ` + reportColumns + ` FROM reports
WHERE ((?1 = 1 AND for_node = 1) OR (?2 <> 0 AND community_id = ?2))
AND (?3 = '' OR state = ?3) AND (?4 = 0 OR target_id = ?4) AND (?5 = 0 OR reporter_id = ?5)
AND (?6 = 0 OR id < ?6) AND (?7 = 0 OR id > ?7)
ORDER BY id DESC LIMIT ?8`

// Reports lists a queue, newest first, paged by p.MaxID and p.MinID.
func (q queries) Reports(ctx context.Context, f ReportFilter, p Page) ([]Report, error) {
	min := p.MinID
	if p.SinceID > min {
		min = p.SinceID
	}
	out, err := queryAll(ctx, q.q, scanReport, qReports, boolInt(f.Node), f.CommunityID, f.State, f.TargetID, f.ReporterID,
		p.MaxID, min, p.limit())
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	for i := range out {
		if err := q.loadReportStatuses(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// The same filter, counted (without paging).
const qCountReports = `SELECT count(*) FROM reports
WHERE ((?1 = 1 AND for_node = 1) OR (?2 <> 0 AND community_id = ?2))
AND (?3 = '' OR state = ?3) AND (?4 = 0 OR target_id = ?4) AND (?5 = 0 OR reporter_id = ?5)`

// CountReports counts the reports of a queue that f matches.
func (q queries) CountReports(ctx context.Context, f ReportFilter) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, qCountReports, boolInt(f.Node), f.CommunityID, f.State, f.TargetID, f.ReporterID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count reports: %w", err)
	}
	return n, nil
}

const qAppendReportLog = `INSERT INTO report_log (id, report_id, account_id, action, text, created_at) VALUES (?,?,?,?,?,?)`

// AppendReportLog records what a moderator did with a report, in the
// transaction that did it. There is no statement that changes or
// removes an entry.
func (tx *Tx) AppendReportLog(ctx context.Context, e *ReportLogEntry) error {
	if e.ID == 0 {
		e.ID = tx.NewID()
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = tx.now
	}
	_, err := tx.exec(ctx, "append report log", qAppendReportLog, e.ID, e.ReportID, nullID(e.AccountID), e.Action, e.Text,
		millis(e.CreatedAt))
	return err
}

const qReportLog = `SELECT id, report_id, account_id, action, text, created_at FROM report_log
WHERE report_id = ? ORDER BY id LIMIT 500`

// ReportLog lists what was done with a report, oldest first (at most
// 500 entries).
func (q queries) ReportLog(ctx context.Context, reportID ID) ([]ReportLogEntry, error) {
	out, err := queryAll(ctx, q.q, func(s scanner) (ReportLogEntry, error) {
		var e ReportLogEntry
		var account sql.NullInt64
		var created int64
		if err := s.Scan(&e.ID, &e.ReportID, &account, &e.Action, &e.Text, &created); err != nil {
			return ReportLogEntry{}, err
		}
		e.AccountID, e.CreatedAt = ID(account.Int64), fromMillis(created)
		return e, nil
	}, qReportLog, reportID)
	if err != nil {
		return nil, fmt.Errorf("report log: %w", err)
	}
	return out, nil
}

// ValidReportCategory reports whether c is one of the report categories.
func ValidReportCategory(c string) bool {
	return c == ReportSpam || c == ReportLegal || c == ReportViolation || c == ReportOther
}
