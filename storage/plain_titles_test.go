package storage

import (
	"context"
	"html"
	"testing"
)

// Migration 0026 turns the HTML-escaped titles of remote statuses (and
// their earlier versions) into the plain text they were escaped from;
// local titles, stored as typed, stay as they are.
func TestPlainTitlesMigration(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	far := mustAccount(t, s, "far", "far.example")
	olli := mustAccount(t, s, "olli", "")
	tests := []struct {
		name        string
		author      Account
		stored      string
		want        string
		wantVersion string // the title of the version an edit replaced
	}{
		{"remote, escaped", far, html.EscapeString(`Tea & biscuits <3 "Olli's"`), `Tea & biscuits <3 "Olli's"`, ""},
		{"remote, an escaped entity", far, html.EscapeString("write &lt; for <"), "write &lt; for <", ""},
		{"remote, edited", far, html.EscapeString("Fish & chips"), "Fish & chips", "Fish & chips v1"},
		{"remote, nothing escaped", far, "Plain tea", "Plain tea", ""},
		{"local, as typed", olli, "write &amp; for &", "write &amp; for &", ""},
	}
	ids := make([]ID, len(tests))
	for i, tt := range tests {
		ids[i] = storeStatus(t, s, tt.author, func(st *Status) { st.Title = tt.stored }).ID
		if tt.wantVersion == "" {
			continue
		}
		if _, err := s.write.ExecContext(ctx, `INSERT INTO status_edits (status_id, title, content, created_at) VALUES (?, ?, '', 0)`,
			ids[i], html.EscapeString(tt.wantVersion)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.write.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 26`); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, s.write); err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := s.StatusByID(ctx, ids[i])
			if err != nil || st.Title != tt.want {
				t.Errorf("title %q, %v; want %q", st.Title, err, tt.want)
			}
			if tt.wantVersion == "" {
				return
			}
			var version string
			if err := s.write.QueryRowContext(ctx, `SELECT title FROM status_edits WHERE status_id = ?`, ids[i]).Scan(&version); err != nil || version != tt.wantVersion {
				t.Errorf("earlier version's title %q, %v; want %q", version, err, tt.wantVersion)
			}
		})
	}
	if got := searchIDs(t, s, StatusSearch{Query: `"biscuits <3"`, Viewer: olli.ID}, Page{}); len(got) != 1 || got[0] != ids[0] {
		t.Errorf("search for the plain title after the migration: %v; want %v", got, ids[:1])
	}
}
