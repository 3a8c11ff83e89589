package dashboard

import (
	"net/http"
	"net/url"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// serversPageSize is how many servers a page of /admin/servers lists.
const serversPageSize = 100

type serverRow struct {
	Host, Runs, ReadAt, Kind, Announces, Signature string
}

type serversView struct {
	frame
	Rows []serverRow
	Next string // the next page's URL, "" on the last
}

// serversPage lists the servers whose NodeInfo the node has read, what
// each runs and how copse treats it (the announces a community sends it,
// the key its deliveries are signed with): GET /admin/servers, by host,
// ?after=host for the next page. Read only, like federation health.
func (d *Dashboard) serversPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	after := r.URL.Query().Get("after")
	list, err := d.store.ListInstances(r.Context(), after, serversPageSize+1)
	if err != nil {
		return err
	}
	v := &serversView{frame: frame{Title: "Servers"}}
	if len(list) > serversPageSize {
		list = list[:serversPageSize]
		v.Next = "/admin/servers?" + url.Values{"after": {list[len(list)-1].Host}}.Encode()
	}
	for _, in := range list {
		software := in.Software
		runs := in.Software
		switch {
		case in.Failed:
			runs, software = "Not known: its NodeInfo could not be read", ""
		case in.Version != "":
			runs += " " + in.Version
		}
		t := federation.Treatment(software)
		v.Rows = append(v.Rows, serverRow{Host: in.Host, Runs: runs, ReadAt: when(in.FetchedAt), Kind: t.Kind,
			Announces: t.Announces, Signature: t.Signature})
	}
	return d.render(w, r, http.StatusOK, "servers", v)
}
