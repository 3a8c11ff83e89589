package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Lists of people by organisation, page by page: the directory page and a
// community's members page. Ordering thousands of accounts by
// organisation, department and name took SQLite 15–25 ms a view (77–91
// views a second for the directory of 5,000 community members), so each
// list is kept in memory as an index, its people's IDs in order with
// what the filters match (about 100 bytes a person), under a version SQL
// triggers change whenever who the list holds or what it shows of them
// may have changed (directory_version, migration 0056; community_roster,
// migration 0054). The version is read before the people, so what is
// kept is never older than the version it is kept under. A page filters
// the index, counts it per organisation and reads only its own people's
// accounts.

// PeopleList is one page of a list of people grouped by organisation,
// department and name, with the whole list's counts.
type PeopleList struct {
	// Organisations counts the whole list's people per organisation
	// (names differing only in case count as one), in the list's
	// order: alphabetically, those naming none last. Total is their sum.
	Organisations []OrganisationCount
	Total         int
	People        []Account
	// Continues: the page's first organisation began on the page
	// before.
	Continues bool
}

// PeopleFilter keeps the people of a list whose organisation, department
// and role, when set, are these (whole values, without case).
type PeopleFilter struct {
	Organisation, Department, Role string
}

// indexedPerson is a person of a list's index.
type indexedPerson struct {
	ID                             ID
	Organisation, Department, Role string
}

// peopleIndex is a list of people in order.
type peopleIndex []indexedPerson

// peopleIndexes keeps the directory's index (under key 0) and
// communities' member lists (by their Group's ID).
type peopleIndexes = Versioned[ID, peopleIndex]

// How many communities' member indexes are kept.
const memberIndexes = 16

// qCommunityMembersIndex orders a community's members as its members page
// groups them.
var qCommunityMembersIndex = `SELECT a.id, a.organisation, a.department, a.role_title
FROM follows r JOIN accounts a ON a.id = r.account_id
WHERE r.target_account_id = ? AND a.suspended_at = 0
ORDER BY ` + qByOrganisation

// DirectoryPage is the page of the directory (DirectoryFilter's people)
// that f selects, limit people from the offset-th, grouped by
// organisation. The caller must not change what it holds.
func (s *Store) DirectoryPage(ctx context.Context, f PeopleFilter, offset, limit int) (PeopleList, error) {
	var gen int64
	if err := s.q.QueryRowContext(ctx, `SELECT gen FROM directory_version`).Scan(&gen); err != nil {
		return PeopleList{}, fmt.Errorf("directory version: %w", err)
	}
	index, ok := s.directory.Get(0, gen)
	if !ok {
		var err error
		if index, err = s.readPeopleIndex(ctx, qDirectoryIndex); err != nil {
			return PeopleList{}, fmt.Errorf("directory: %w", err)
		}
		s.directory.Put(0, gen, index)
	}
	return s.peoplePage(ctx, index, f, offset, limit)
}

// CommunityMembersPage is the page of the members of the community whose
// Group is group that f selects, limit of them from the offset-th,
// grouped by organisation. The caller must not change what it holds.
func (s *Store) CommunityMembersPage(ctx context.Context, group ID, f PeopleFilter, offset, limit int) (PeopleList, error) {
	var gen int64
	err := s.q.QueryRowContext(ctx, qRosterGen, group).Scan(&gen)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return PeopleList{}, fmt.Errorf("roster of %d: %w", group, err)
	}
	kept := err == nil // no row: a remote Group, whose members here are few; not kept
	index, ok := s.memberIndexes.Get(group, gen)
	if !ok || !kept {
		if index, err = s.readPeopleIndex(ctx, qCommunityMembersIndex, group); err != nil {
			return PeopleList{}, fmt.Errorf("members of %d: %w", group, err)
		}
		if kept {
			s.memberIndexes.Put(group, gen, index)
		}
	}
	return s.peoplePage(ctx, index, f, offset, limit)
}

func (s *Store) readPeopleIndex(ctx context.Context, query string, args ...any) (peopleIndex, error) {
	index, err := queryAll(ctx, s.q, func(r scanner) (indexedPerson, error) {
		var p indexedPerson
		return p, r.Scan(&p.ID, &p.Organisation, &p.Department, &p.Role)
	}, query, args...)
	return slices.Clip(index), err
}

// peoplePage is the page of index that f selects, limit people from the
// offset-th, with their accounts, and its whole counts.
func (s *Store) peoplePage(ctx context.Context, index peopleIndex, f PeopleFilter, offset, limit int) (PeopleList, error) {
	org, dept, role := strings.TrimSpace(f.Organisation), strings.TrimSpace(f.Department), strings.TrimSpace(f.Role)
	if org != "" || dept != "" || role != "" {
		index = slices.DeleteFunc(slices.Clone(index), func(p indexedPerson) bool {
			return org != "" && !strings.EqualFold(p.Organisation, org) || dept != "" && !strings.EqualFold(p.Department, dept) ||
				role != "" && !strings.EqualFold(p.Role, role)
		})
	}
	var l PeopleList
	for _, p := range index {
		if n := len(l.Organisations); n > 0 && strings.EqualFold(l.Organisations[n-1].Organisation, p.Organisation) {
			l.Organisations[n-1].Members++
		} else {
			l.Organisations = append(l.Organisations, OrganisationCount{Organisation: p.Organisation, Members: 1})
		}
	}
	l.Total = len(index)
	offset = min(max(offset, 0), len(index))
	page := index[offset:min(offset+max(limit, 0), len(index))]
	if len(page) == 0 {
		return l, nil
	}
	l.Continues = offset > 0 && strings.EqualFold(index[offset-1].Organisation, page[0].Organisation)
	ids := make([]ID, len(page))
	for i, p := range page {
		ids[i] = p.ID
	}
	accounts, err := s.AccountsByIDs(ctx, ids)
	if err != nil {
		return PeopleList{}, err
	}
	l.People = make([]Account, 0, len(page))
	for _, id := range ids {
		if a, ok := accounts[id]; ok { // deleted since: left out
			l.People = append(l.People, a)
		}
	}
	return l, nil
}

// DirectoryPage is Store.DirectoryPage.
func (r Reader) DirectoryPage(ctx context.Context, f PeopleFilter, offset, limit int) (PeopleList, error) {
	return r.s.DirectoryPage(ctx, f, offset, limit)
}

// CommunityMembersPage is Store.CommunityMembersPage.
func (r Reader) CommunityMembersPage(ctx context.Context, group ID, f PeopleFilter, offset, limit int) (PeopleList, error) {
	return r.s.CommunityMembersPage(ctx, group, f, offset, limit)
}
