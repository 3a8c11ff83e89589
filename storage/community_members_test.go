package storage

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
)

// personAt stores an account with its organisation, department and role.
func personAt(t *testing.T, s *Store, username, domain, org, dept, role string) Account {
	t.Helper()
	a := Account{Username: username, Domain: domain, ActorType: "Person", URI: "https://" + hostOr(domain) + "/users/" + username,
		Organisation: org, Department: dept, JobTitle: role, Discoverable: true}
	inTx(t, s, func(tx *Tx) error { return tx.InsertAccount(context.Background(), &a) })
	return a
}

func join(t *testing.T, s *Store, who Account, c Community, pending bool) {
	t.Helper()
	inTx(t, s, func(tx *Tx) error {
		f := Follow{AccountID: who.ID, TargetID: c.AccountID}
		if pending {
			return tx.InsertFollowRequest(context.Background(), &f)
		}
		return tx.InsertFollow(context.Background(), &f)
	})
}

func handles(as []Account) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Acct())
	}
	return out
}

func TestCommunityMembersByOrganisation(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := personAt(t, s, "alice", "", "Hampshire County Council", "Libraries", "Information officer")
	bob := personAt(t, s, "bob", "b.example", "hampshire county council", "Archives", "Archivist")
	carol := personAt(t, s, "carol", "c.example", "Surrey Council", "Libraries", "Librarian")
	dave := personAt(t, s, "dave", "", "", "", "")
	erin := personAt(t, s, "erin", "", "Surrey Council", "", "") // asks to join, not yet accepted
	c := mustCommunity(t, s, "libraries", alice)
	for _, m := range []Account{alice, bob, carol, dave} {
		join(t, s, m, c, false)
	}
	join(t, s, erin, c, true)

	t.Run("members newest first, paged", func(t *testing.T) {
		page, err := s.CommunityMembers(ctx, c.AccountID, "", Page{Limit: 2})
		if err != nil || len(page) != 2 || page[0].Account.ID != dave.ID || page[1].Account.ID != carol.ID {
			t.Fatalf("first page = %+v, %v; want dave, carol", page, err)
		}
		rest, err := s.CommunityMembers(ctx, c.AccountID, "", Page{MaxID: page[1].RowID})
		if err != nil || len(rest) != 2 || rest[0].Account.ID != bob.ID || rest[1].Account.ID != alice.ID {
			t.Fatalf("second page = %+v, %v; want bob, alice", rest, err)
		}
		if rest[0].Account.Department != "Archives" || rest[0].Account.JobTitle != "Archivist" {
			t.Errorf("a remote member's department and role are lost: %+v", rest[0].Account)
		}
	})
	filters := []struct {
		name, org string
		want      []ID
	}{
		{"one organisation, any case", "HAMPSHIRE county council", []ID{bob.ID, alice.ID}},
		{"another", "Surrey Council", []ID{carol.ID}},
		{"nobody", "Kent", nil},
	}
	for _, tt := range filters {
		t.Run("filter: "+tt.name, func(t *testing.T) {
			got, err := s.CommunityMembers(ctx, c.AccountID, tt.org, Page{})
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("members of %q = %d, %v; want %d", tt.org, len(got), err, len(tt.want))
			}
			for i := range got {
				if got[i].Account.ID != tt.want[i] {
					t.Errorf("member %d = %s", i, got[i].Account.Acct())
				}
			}
		})
	}
	t.Run("counts per organisation, none last", func(t *testing.T) {
		got, err := s.CommunityOrganisations(ctx, c.AccountID)
		if err != nil || len(got) != 3 {
			t.Fatalf("counts = %+v, %v", got, err)
		}
		if !(got[0].Members == 2 && got[1] == OrganisationCount{"Surrey Council", 1} && got[2] == OrganisationCount{"", 1}) {
			t.Errorf("counts = %+v; want hampshire 2, Surrey 1, none 1", got)
		}
		if r, err := s.CommunityRoster(ctx, c.AccountID, false); err != nil || r.Members != 4 {
			t.Errorf("member count = %d, %v; want 4 (a pending request is not a member)", r.Members, err)
		}
	})
	t.Run("grouped for a page", func(t *testing.T) {
		got, err := s.CommunityMembersByOrganisation(ctx, c.AccountID, 100)
		want := []string{"bob@b.example", "alice", "carol@c.example", "dave"} // Archives before Libraries
		if err != nil || len(got) != 4 || handles(got)[0] != want[0] || handles(got)[1] != want[1] ||
			handles(got)[2] != want[2] || handles(got)[3] != want[3] {
			t.Errorf("grouped = %v, %v; want %v", handles(got), err, want)
		}
	})
	t.Run("members page by page", func(t *testing.T) {
		tests := []struct {
			name          string
			org           string
			offset, limit int
			want          []string
			total         int
			continues     bool
			orgs          int
		}{
			{"first page", "", 0, 2, []string{"bob@b.example", "alice"}, 4, false, 3},
			{"a page starting inside an organisation", "", 1, 2, []string{"alice", "carol@c.example"}, 4, true, 3},
			{"a page starting with one", "", 2, 2, []string{"carol@c.example", "dave"}, 4, false, 3},
			{"past the end", "", 4, 2, nil, 4, false, 3},
			{"one organisation, any case", "HAMPSHIRE county council", 1, 1, []string{"alice"}, 2, true, 1},
			{"an organisation nobody names", "Kent", 0, 2, nil, 0, false, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				l, err := s.CommunityMembersPage(ctx, c.AccountID, PeopleFilter{Organisation: tt.org}, tt.offset, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(handles(l.People), tt.want) || l.Total != tt.total || l.Continues != tt.continues {
					t.Errorf("page = %v of %d, continues %v; want %v of %d, continues %v", handles(l.People), l.Total,
						l.Continues, tt.want, tt.total, tt.continues)
				}
				if orgs := len(l.Organisations); orgs != tt.orgs {
					t.Errorf("the list names %d organisations; want %d: %v", orgs, tt.orgs, l.Organisations)
				}
			})
		}
	})
	t.Run("directory", func(t *testing.T) {
		remoteStranger := personAt(t, s, "zed", "z.example", "Hampshire County Council", "", "")
		_ = remoteStranger // knows nobody here: not in the directory
		tests := []struct {
			name string
			f    DirectoryFilter
			want int
		}{
			{"everyone here and every member", DirectoryFilter{}, 5},
			{"by organisation", DirectoryFilter{Organisation: "hampshire county council"}, 2},
			{"by department", DirectoryFilter{Department: "libraries"}, 2},
			{"by role", DirectoryFilter{Role: "Archivist"}, 1},
			{"by name", DirectoryFilter{Query: "CAR"}, 1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Directory(ctx, tt.f, Page{Limit: 40})
				if err != nil || len(got) != tt.want {
					t.Errorf("directory %+v = %v, %v; want %d", tt.f, handles(got), err, tt.want)
				}
				if tt.f.Query != "" {
					return // the page has no search by name
				}
				l, err := s.DirectoryPage(ctx, PeopleFilter{tt.f.Organisation, tt.f.Department, tt.f.Role}, 0, 40)
				if err != nil || len(l.People) != tt.want || l.Total != tt.want {
					t.Errorf("directory page %+v = %v of %d, %v; want %d", tt.f, handles(l.People), l.Total, err, tt.want)
				}
			})
		}
		t.Run("by organisation, page by page", func(t *testing.T) {
			first, err := s.DirectoryPage(ctx, PeopleFilter{}, 0, 3)
			if err != nil {
				t.Fatal(err)
			}
			second, err := s.DirectoryPage(ctx, PeopleFilter{}, 3, 2)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"bob@b.example", "alice", "erin", "carol@c.example", "dave"} // erin (Surrey, no department) is not a member yet
			if got := append(handles(first.People), handles(second.People)...); !slices.Equal(got, want) {
				t.Errorf("two pages = %v; want %v", got, want)
			}
			counts := []OrganisationCount{{"Hampshire County Council", 2}, {"Surrey Council", 2}, {"", 1}}
			if !slices.EqualFunc(first.Organisations, counts, func(a, b OrganisationCount) bool {
				return strings.EqualFold(a.Organisation, b.Organisation) && a.Members == b.Members
			}) || first.Total != 5 || second.Continues != true {
				t.Errorf("counts %v, total %d, second continues %v; want %v, 5, true", first.Organisations, first.Total,
					second.Continues, counts)
			}
		})
	})
}

func TestCommunityListsAndThreads(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	libs := mustCommunity(t, s, "libraries", alice)
	arch := mustCommunity(t, s, "archives", alice)
	remote := Account{Username: "retrofit", Domain: "lemmy.example", ActorType: "Group", URI: "https://lemmy.example/c/retrofit"}
	inTx(t, s, func(tx *Tx) error { return tx.InsertAccount(ctx, &remote) })

	lists := []struct {
		name string
		s    CommunitySearch
		want []ID
	}{
		{"local, newest first", CommunitySearch{}, []ID{arch.AccountID, libs.AccountID}},
		{"search", CommunitySearch{Query: "LIBR"}, []ID{libs.AccountID}},
		{"a pattern is text", CommunitySearch{Query: "%"}, nil},
		{"paged", CommunitySearch{Page: Page{MaxID: arch.AccountID}}, []ID{libs.AccountID}},
		{"remote", CommunitySearch{Remote: true}, []ID{remote.ID}},
	}
	for _, tt := range lists {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Communities(ctx, tt.s)
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("communities = %+v, %v; want %v", got, err, tt.want)
			}
			for i := range got {
				if got[i].Account.ID != tt.want[i] || got[i].Local == tt.s.Remote {
					t.Errorf("community %d = %+v", i, got[i])
				}
			}
		})
	}

	in := func(st Status) Status {
		st = mustStatus(t, s, alice, st)
		inTx(t, s, func(tx *Tx) error { _, err := tx.AddCommunityStatus(ctx, libs.AccountID, st.ID); return err })
		return st
	}
	first := in(Status{Content: "first"})
	second := in(Status{Content: "second"})
	in(Status{Content: "reply", InReplyToID: first.ID})
	in(Status{Content: "reply 2", InReplyToID: first.ID})
	in(Status{Content: "hidden reply", InReplyToID: first.ID, Visibility: activitypub.FollowersOnly})
	in(Status{Content: "private", Visibility: activitypub.FollowersOnly})
	threads, err := s.CommunityThreads(ctx, libs.AccountID, 0, s.Now(), Page{})
	if err != nil || len(threads) != 2 || threads[0].Status.ID != second.ID || threads[1].Status.ID != first.ID {
		t.Fatalf("threads = %+v, %v; want second, first", threads, err)
	}
	if threads[0].Replies != 0 || threads[1].Replies != 2 {
		t.Errorf("replies = %d, %d; want 0, 2", threads[0].Replies, threads[1].Replies)
	}
	older, err := s.CommunityThreads(ctx, libs.AccountID, 0, s.Now(), Page{MaxID: second.ID})
	if err != nil || len(older) != 1 || older[0].Status.ID != first.ID {
		t.Errorf("older threads = %+v, %v", older, err)
	}
}

// TestRemoteCommunityReads: a remote Group's threads are those of its
// posts that reached this node (community_threads), listed by the same
// rule as a hosted community's; InCommunity knows both; the remote
// communities members here joined come with their count here, most
// first, a pending request or a remote follower counting for nothing.
func TestRemoteCommunityReads(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	far := mustAccount(t, s, "far", "elsewhere.example")
	libs := mustCommunity(t, s, "libraries", alice)
	group := func(name string) Account {
		g := Account{Username: name, Domain: "lemmy.example", ActorType: "Group", URI: "https://lemmy.example/c/" + name}
		inTx(t, s, func(tx *Tx) error { return tx.InsertAccount(ctx, &g) })
		return g
	}
	retrofit, estates, quiet := group("retrofit"), group("estates"), group("quiet")
	follow := func(who, g Account, pending bool) {
		join(t, s, who, Community{AccountID: g.ID}, pending)
	}
	follow(alice, retrofit, false)
	follow(alice, estates, false)
	follow(bob, estates, false)
	follow(far, retrofit, false)
	follow(bob, quiet, true)

	joined, err := s.JoinedRemoteCommunities(ctx, 10)
	if err != nil || len(joined) != 2 || joined[0].Account.ID != estates.ID || joined[0].Members != 2 ||
		joined[1].Account.ID != retrofit.ID || joined[1].Members != 1 {
		t.Fatalf("joined = %+v, %v; want estates (2), retrofit (1)", joined, err)
	}

	post := func(g Account, st Status, root ID) Status {
		st = mustStatus(t, s, far, st)
		inTx(t, s, func(tx *Tx) error {
			return tx.AddCommunityPost(ctx, CommunityPost{StatusID: st.ID, GroupID: g.ID, RootID: root})
		})
		return st
	}
	first := post(retrofit, Status{Content: "first"}, 0)
	post(retrofit, Status{Content: "reply", InReplyToID: first.ID}, first.ID)
	second := post(retrofit, Status{Content: "second"}, 0)
	post(estates, Status{Content: "elsewhere"}, 0)
	threads, err := s.CommunityThreads(ctx, retrofit.ID, 0, s.Now(), Page{})
	if err != nil || len(threads) != 2 || threads[0].Status.ID != second.ID || threads[1].Status.ID != first.ID || threads[1].Replies != 1 {
		t.Fatalf("threads = %+v, %v; want second, first (1 reply)", threads, err)
	}
	hosted := mustStatus(t, s, alice, Status{Content: "hosted"})
	inTx(t, s, func(tx *Tx) error { _, err := tx.AddCommunityStatus(ctx, libs.AccountID, hosted.ID); return err })
	for _, tt := range []struct {
		name   string
		status ID
		group  ID
		want   bool
	}{
		{"a remote community's post", first.ID, retrofit.ID, true},
		{"in another community", first.ID, estates.ID, false},
		{"a hosted community's post", hosted.ID, libs.AccountID, true},
		{"a hosted post, asked of a remote community", hosted.ID, retrofit.ID, false},
	} {
		if got, err := s.InCommunity(ctx, tt.status, tt.group); err != nil || got != tt.want {
			t.Errorf("%s: InCommunity = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}
