package auth

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Exporting a member's lists (/settings/export) as Mastodon's CSV files,
// which Mastodon, GoToSocial and other servers import: whom they follow
// (with whether boosts are shown and posts notified), their lists, whom
// they block and mute, the domains they block and their bookmarks. With
// a move (/settings/migration) this is how a member takes their network
// to another server.

const exportPath = "/settings/export"

// exportFile is one export as the page offers it.
type exportFile struct {
	Kind, File, Label string
	header            []string
	row               func(storage.ExportRow, string) []string // the row, given this node's host
}

// exportFiles are the CSV exports, in the order the page lists them,
// named as Mastodon names them.
var exportFiles = []exportFile{
	{storage.ExportFollowing, "following_accounts.csv", "People you follow",
		[]string{"Account address", "Show boosts", "Notify on new posts", "Languages"},
		func(r storage.ExportRow, host string) []string {
			return []string{acct(r, host), strconv.FormatBool(r.ShowReblogs), strconv.FormatBool(r.Notify), ""}
		}},
	{storage.ExportLists, "lists.csv", "Your lists", nil,
		func(r storage.ExportRow, host string) []string { return []string{r.List, acct(r, host)} }},
	{storage.ExportBlocks, "blocked_accounts.csv", "People you block", nil,
		func(r storage.ExportRow, host string) []string { return []string{acct(r, host)} }},
	{storage.ExportMutes, "muted_accounts.csv", "People you mute", []string{"Account address", "Hide notifications"},
		func(r storage.ExportRow, host string) []string {
			return []string{acct(r, host), strconv.FormatBool(r.Notifications)}
		}},
	{storage.ExportDomainBlocks, "blocked_domains.csv", "Servers you block", nil,
		func(r storage.ExportRow, _ string) []string { return []string{r.Text} }},
	{storage.ExportBookmarks, "bookmarks.csv", "Your bookmarks", nil,
		func(r storage.ExportRow, _ string) []string { return []string{r.Text} }},
}

// archiveFile is the member's archive of their posts and media, and how
// many may be written at once on the node.
const (
	archiveFile    = "archive.zip"
	archivesAtOnce = 2
)

// archive sends the member's archive (federation.WriteArchive).
func (st *settings) archive(w http.ResponseWriter, r *http.Request, si signedIn) {
	select {
	case st.archives <- struct{}{}:
		defer func() { <-st.archives }()
	default:
		httperr.SetRetryAfter(w, time.Minute)
		st.s.problemPage(w, r, http.StatusTooManyRequests, "Other archives are being made. Try again in a minute.")
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+si.account.Username+`-archive.zip"`)
	if err := st.s.engine.WriteArchive(r.Context(), si.account.ID, w); err != nil {
		// The headers are sent: the download ends short, and the log says why.
		st.s.log.ErrorContext(r.Context(), "archive", "account", si.account.Username, "err", err)
	}
}

func acct(r storage.ExportRow, host string) string { return r.Username + "@" + cmp.Or(r.Domain, host) }

// exportPage lists the downloads: GET /settings/export.
func (st *settings) exportPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, exportPath)
	if !ok {
		return
	}
	st.s.render(w, r, http.StatusOK, st.s.pages.export, view{Title: "Export your data", Account: si.account.Username, Exports: exportFiles})
}

// exportFile sends one export: GET /settings/export/{file}.
func (st *settings) exportFile(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, exportPath)
	if !ok {
		return
	}
	name := chi.URLParam(r, "file")
	if name == archiveFile {
		st.archive(w, r, si)
		return
	}
	var f *exportFile
	for i := range exportFiles {
		if exportFiles[i].File == name {
			f = &exportFiles[i]
		}
	}
	if f == nil {
		st.s.problemPage(w, r, http.StatusNotFound, "There is no such export.")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.File+`"`)
	out := csv.NewWriter(w)
	if f.header != nil {
		_ = out.Write(f.header)
	}
	host := st.s.urls.Host()
	err := st.s.store.Export(r.Context(), f.Kind, si.account.ID, st.s.now(), func(row storage.ExportRow) error {
		return out.Write(f.row(row, host))
	})
	out.Flush()
	if err == nil {
		err = out.Error()
	}
	if err != nil {
		// The headers are sent: the download ends short, and the log says why.
		st.s.log.ErrorContext(r.Context(), "export", "file", f.File, "account", si.account.Username, "err", fmt.Errorf("export %s: %w", f.File, err))
	}
}
