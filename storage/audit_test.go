package storage

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAuditLogAppendOnly checks that no statement in storage (its Go
// string literals and its migrations after the one that makes the
// table) updates or deletes a row of the audit log.
func TestAuditLogAppendOnly(t *testing.T) {
	bad := regexp.MustCompile(`(?is)(UPDATE\s+(OR\s+\w+\s+)?audit_log\b|DELETE\s+FROM\s+audit_log\b|DROP\s+TABLE\s+(IF\s+EXISTS\s+)?audit_log\b|DROP\s+TRIGGER\s+(IF\s+EXISTS\s+)?audit_log_no_|REPLACE\s+INTO\s+audit_log\b|ON\s+CONFLICT[^;]*audit_log)`)
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			checked++
			if bad.MatchString(s) {
				t.Errorf("%s: a statement changes or removes audit log entries: %q", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	migrations, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range migrations {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The triggers that refuse changes name UPDATE and DELETE ON
		// audit_log; they are not statements that change it.
		text := regexp.MustCompile(`(?is)CREATE TRIGGER audit_log_no_\w+ BEFORE (UPDATE|DELETE) ON audit_log`).ReplaceAllString(string(b), "")
		if bad.MatchString(text) {
			t.Errorf("%s: a migration changes or removes audit log entries", path)
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d string literals: the walk found no queries", checked)
	}
	// The check itself finds what it must.
	for _, q := range []string{`UPDATE audit_log SET action = ''`, "DELETE\nFROM audit_log WHERE id = 1", `update or replace audit_log set x=1`} {
		if !bad.MatchString(q) {
			t.Errorf("the check misses %q", q)
		}
	}
}

// TestAuditLogRefusesChanges: the table's triggers refuse an UPDATE or a
// DELETE from anywhere, not only from storage's own statements.
func TestAuditLogRefusesChanges(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	e := AuditEntry{AccountID: 7, Action: "suspend", TargetType: AuditAccount, TargetID: 9, Details: map[string]string{"reason": "spam"}}
	inTx(t, s, func(tx *Tx) error { return tx.AppendAudit(ctx, &e) })
	for _, q := range []string{`UPDATE audit_log SET action = 'none'`, `DELETE FROM audit_log`} {
		err := s.InTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, "tamper", q)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v; want the trigger's refusal", q, err)
		}
	}
	got, err := s.AuditLog(ctx, AuditFilter{}, Page{})
	if err != nil || len(got) != 1 || got[0].Action != "suspend" || got[0].Details["reason"] != "spam" {
		t.Fatalf("AuditLog = %+v, %v; want the entry unchanged", got, err)
	}
}

func TestAuditLogPagesAndFilters(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []ID
	for i, a := range []string{"warn", "limit", "suspend", "unsuspend", "change_role"} {
		e := AuditEntry{AccountID: ID(1 + i%2), Action: a, TargetType: AuditAccount, TargetID: 50, CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if a == "change_role" {
			e.TargetType, e.TargetID = AuditAccount, 60
		}
		inTx(t, s, func(tx *Tx) error { return tx.AppendAudit(ctx, &e) })
		ids = append(ids, e.ID)
	}
	actions := func(es []AuditEntry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Action)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name string
		f    AuditFilter
		p    Page
		want string
	}{
		{"all, newest first", AuditFilter{}, Page{}, "change_role,unsuspend,suspend,limit,warn"},
		{"a limit", AuditFilter{}, Page{Limit: 2}, "change_role,unsuspend"},
		{"before max_id", AuditFilter{}, Page{MaxID: ids[2]}, "limit,warn"},
		{"since_id: the newest after it", AuditFilter{}, Page{SinceID: ids[1], Limit: 2}, "change_role,unsuspend"},
		{"min_id: the oldest after it, newest first", AuditFilter{}, Page{MinID: ids[1], Limit: 2}, "unsuspend,suspend"},
		{"by one moderator", AuditFilter{AccountID: 2}, Page{}, "unsuspend,limit"},
		{"one action", AuditFilter{Action: "suspend"}, Page{}, "suspend"},
		{"one target", AuditFilter{TargetType: AuditAccount, TargetID: 60}, Page{}, "change_role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.AuditLog(ctx, tt.f, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if actions(got) != tt.want {
				t.Errorf("got %s; want %s", actions(got), tt.want)
			}
		})
	}
}
