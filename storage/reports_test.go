package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestReports(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "lemmy.example")
	group := mustAccount(t, s, "libraries", "")
	st := Status{URI: bob.URI + "/1", AccountID: bob.ID, Content: "x"}
	node := Report{URI: "https://masto.example/flag/1", ReporterID: alice.ID, TargetID: bob.ID, ForNode: true, Comment: "Rude"}
	comm := Report{ReporterID: alice.ID, TargetID: bob.ID, CommunityID: group.ID, Category: ReportViolation, RuleIDs: []string{"1", "3"}}
	remote := Report{URI: "https://b.example/flag/2", TargetID: bob.ID, CommunityID: group.ID}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.InsertStatus(ctx, &st); err != nil {
			return err
		}
		comm.StatusIDs = []ID{st.ID, st.ID}
		for _, r := range []*Report{&node, &comm, &remote} {
			if err := tx.InsertReport(ctx, r); err != nil {
				return err
			}
		}
		dup := Report{URI: node.URI, TargetID: bob.ID}
		if err := tx.InsertReport(ctx, &dup); !errors.Is(err, ErrDuplicate) {
			t.Errorf("a second report of one Flag: %v; want duplicate", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ReportByID(ctx, comm.ID)
	if err != nil || got.State != ReportOpen || got.Category != ReportViolation || !slices.Equal(got.RuleIDs, []string{"1", "3"}) ||
		!slices.Equal(got.StatusIDs, []ID{st.ID}) || got.CommunityID != group.ID || got.ReporterID != alice.ID {
		t.Errorf("ReportByID = %+v, %v", got, err)
	}
	if got, err := s.ReportByURI(ctx, node.URI); err != nil || got.ID != node.ID || got.Category != ReportOther {
		t.Errorf("ReportByURI = %+v, %v", got, err)
	}
	if _, err := s.ReportByURI(ctx, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReportByURI(\"\") = %v; want not found", err)
	}
	queues := []struct {
		name string
		f    ReportFilter
		want []ID
	}{
		{"the node's", ReportFilter{Node: true}, []ID{node.ID}},
		{"the community's", ReportFilter{CommunityID: group.ID}, []ID{remote.ID, comm.ID}},
		{"by reporter", ReportFilter{CommunityID: group.ID, ReporterID: alice.ID}, []ID{comm.ID}},
		{"resolved", ReportFilter{CommunityID: group.ID, State: ReportResolved}, nil},
		{"none", ReportFilter{}, nil},
	}
	for _, q := range queues {
		t.Run(q.name, func(t *testing.T) {
			got, err := s.Reports(ctx, q.f, Page{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []ID
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, q.want) {
				t.Errorf("Reports = %v; want %v", ids, q.want)
			}
			if n, err := s.CountReports(ctx, q.f); err != nil || n != len(q.want) {
				t.Errorf("CountReports = %d, %v; want %d", n, err, len(q.want))
			}
		})
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		comm.State, comm.ResolvedBy, comm.ResolvedAt, comm.Action = ReportResolved, alice.ID, tx.Now(), "removed"
		if err := tx.UpdateReport(ctx, &comm); err != nil {
			return err
		}
		for _, a := range []string{ReportLogNote, ReportLogResolve} {
			if err := tx.AppendReportLog(ctx, &ReportLogEntry{ReportID: comm.ID, AccountID: alice.ID, Action: a, Text: a}); err != nil {
				return err
			}
		}
		missing := Report{ID: 42}
		if err := tx.UpdateReport(ctx, &missing); !errors.Is(err, ErrNotFound) {
			t.Errorf("update of no report: %v; want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Reports(ctx, ReportFilter{CommunityID: group.ID, State: ReportResolved}, Page{}); len(got) != 1 ||
		got[0].ID != comm.ID || got[0].Action != "removed" || got[0].ResolvedAt.IsZero() {
		t.Errorf("resolved = %+v", got)
	}
	log, err := s.ReportLog(ctx, comm.ID)
	if err != nil || len(log) != 2 || log[0].Action != ReportLogNote || log[1].Action != ReportLogResolve {
		t.Errorf("ReportLog = %+v, %v", log, err)
	}
}
