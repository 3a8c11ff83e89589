package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Lists of people by organisation, page by page: the directory
// (/directory) and a community's members (/c/{handle}/members). Each
// opens with every organisation the whole list names and how many of its
// people, linking to that organisation's people alone, then shows
// peoplePerPage people grouped by organisation, department and name,
// with links to the pages before and after (?page=N).

// peoplePerPage is how many people a page of a list shows.
const peoplePerPage = 100

// peopleListView is a page of a list of people.
type peopleListView struct {
	Index         []organisationIndexView // the whole list's organisations
	Total         int
	Organisations []organisationView // this page's people
	Continues     bool               // the first organisation began on the page before
	Page, Pages   int
	First, Last   int // the page's people, counted from 1
	Prev, Next    string
}

// organisationIndexView is an organisation in a list's index.
type organisationIndexView struct {
	Name  string // "" for those naming none
	Count int
	Link  string // its people alone ("" when it is the list shown)
}

// pageNumber reads ?page (from 1) and gives the offset of its first
// person.
func pageNumber(r *http.Request) (page, offset int, err error) {
	s := r.URL.Query().Get("page")
	if s == "" {
		return 1, 0, nil
	}
	page, err = strconv.Atoi(s)
	if err != nil || page < 1 || page > 1_000_000 {
		return 0, 0, httperr.New(http.StatusBadRequest, "The page address is not right: page must be a number from 1")
	}
	return page, (page - 1) * peoplePerPage, nil
}

// peopleList makes the view of l, page page of the list at path with the
// query q (its filters, which the links to other pages keep); shown is
// the organisation the list is filtered to ("" for none), which the index
// does not link to.
func (h *Handler) peopleList(l storage.PeopleList, page int, path string, q url.Values, shown string) (peopleListView, error) {
	v := peopleListView{Total: l.Total, Continues: l.Continues, Page: page, Pages: max(1, (l.Total+peoplePerPage-1)/peoplePerPage)}
	if page > v.Pages {
		return v, httperr.New(http.StatusNotFound, fmt.Sprintf("There is no page %d: the list has %d.", page, v.Pages))
	}
	for _, o := range l.Organisations {
		e := organisationIndexView{Name: o.Organisation, Count: o.Members}
		if o.Organisation != "" && !strings.EqualFold(o.Organisation, shown) {
			e.Link = path + "?" + url.Values{"organisation": {o.Organisation}}.Encode()
		}
		v.Index = append(v.Index, e)
	}
	v.Organisations = h.groupByOrganisation(l.People)
	for i := range v.Organisations { // counts are the whole list's
		for _, o := range l.Organisations {
			if strings.EqualFold(o.Organisation, v.Organisations[i].Name) {
				v.Organisations[i].Count = o.Members
			}
		}
	}
	if len(l.People) > 0 {
		v.First = (page-1)*peoplePerPage + 1
		v.Last = v.First + len(l.People) - 1
	}
	link := func(n int) string {
		q := listQuery(q)
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	if page > 1 {
		v.Prev = link(page - 1)
	}
	if page < v.Pages {
		v.Next = link(page + 1)
	}
	return v, nil
}

// listQuery copies q without its empty values and page.
func listQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if k != "page" && len(vs) > 0 && vs[0] != "" {
			out[k] = vs[:1]
		}
	}
	return out
}

// Directory renders the people of this node and of the communities it
// hosts, grouped by organisation, with filters by organisation,
// department and role.
func (h *Handler) Directory(w http.ResponseWriter, r *http.Request) {
	if err := h.directory(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) directory(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := storage.PeopleFilter{Organisation: strings.TrimSpace(q.Get("organisation")),
		Department: strings.TrimSpace(q.Get("department")), Role: strings.TrimSpace(q.Get("role"))}
	page, offset, err := pageNumber(r)
	if err != nil {
		return err
	}
	l, err := h.store.DirectoryPage(r.Context(), f, offset, peoplePerPage)
	if err != nil {
		return fmt.Errorf("directory page: %w", err)
	}
	filters := url.Values{"organisation": {f.Organisation}, "department": {f.Department}, "role": {f.Role}}
	list, err := h.peopleList(l, page, "/directory", filters, f.Organisation)
	if err != nil {
		return err
	}
	d := &directoryView{Organisation: f.Organisation, Department: f.Department, Role: f.Role,
		Filtered: f != storage.PeopleFilter{}, People: list}
	v := communityPage{pageView: h.view(pageTitle("Directory", page)), Directory: d}
	return h.render(w, r, http.StatusOK, "directory", &v)
}

// pageTitle is the title of page page of a list called title.
func pageTitle(title string, page int) string {
	if page > 1 {
		return fmt.Sprintf("%s (page %d)", title, page)
	}
	return title
}

// membersPage is the view of a community's members page.
type membersPage struct {
	pageView
	Community    *communityView
	Hidden       bool
	Organisation string
	People       peopleListView
}

// Members serves /c/{handle}/members: a community's members by
// organisation, page by page, for whoever may see them (as its page's
// roster); for a community on another server, its members known here.
func (h *Handler) Members(w http.ResponseWriter, r *http.Request) {
	if err := h.members(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request) error {
	g, cv, ok, err := h.pageCommunity(r, h.engine.CanSeeCommunity)
	if err != nil {
		return err
	}
	page, offset, err := pageNumber(r)
	if err != nil {
		return err
	}
	org := strings.TrimSpace(r.URL.Query().Get("organisation"))
	v := membersPage{pageView: h.viewIn(cv, pageTitle("Members of "+cv.Name, page)), Community: cv, Organisation: org}
	if !ok {
		v.Hidden = true
		return h.render(w, r, http.StatusOK, "members", &v)
	}
	l, err := h.store.CommunityMembersPage(r.Context(), g.ID, storage.PeopleFilter{Organisation: org}, offset, peoplePerPage)
	if err != nil {
		return fmt.Errorf("members of %s: %w", g.Acct(), err)
	}
	path := cv.URL + "/members"
	if v.People, err = h.peopleList(l, page, path, url.Values{"organisation": {org}}, org); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "members", &v)
}
