package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// RosterMembers is how many members a roster lists (by organisation); its
// counts are whole.
const RosterMembers = 500

// rosterCacheMax bounds the communities whose rosters are kept; when full
// the cache starts again empty.
const rosterCacheMax = 64

// CommunityRoster is who a community's members are, as its page shows
// them: how many, how many per organisation (the largest first, those
// naming none last), and the first RosterMembers ordered by organisation,
// department and name.
type CommunityRoster struct {
	// Version changes whenever anything the roster holds may have
	// changed (0: a roster not kept, read afresh each time): what is
	// made from a roster may be kept under it.
	Version        int64
	Members        int
	Organisations  []OrganisationCount
	ByOrganisation []Account
}

// rosterCache keeps CommunityRoster by community under the generation of
// community_roster (migration 0054), which triggers change whenever a
// follow of the community is made or ended or an account that follows it
// changes. A read takes the generation first and the members after, so
// what it keeps is never older than the generation it is kept under; a
// later read that finds another generation reads the members again.
type rosterCache struct {
	mu sync.Mutex
	m  map[ID]rosterEntry
}

type rosterEntry struct {
	gen    int64
	roster CommunityRoster
}

// qRosterGen reads a community's roster generation (no row: not a
// community hosted here).
const qRosterGen = `SELECT gen FROM community_roster WHERE group_id = ?`

// CommunityRoster returns the roster of the community whose Group is
// group, from memory while nothing it shows has changed. The caller must
// not change what it holds.
func (s *Store) CommunityRoster(ctx context.Context, group ID) (CommunityRoster, error) {
	var gen int64
	err := s.q.QueryRowContext(ctx, qRosterGen, group).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return s.readRoster(ctx, group) // a remote Group: not kept
	}
	if err != nil {
		return CommunityRoster{}, fmt.Errorf("roster of %d: %w", group, err)
	}
	c := &s.rosters
	c.mu.Lock()
	e, ok := c.m[group]
	c.mu.Unlock()
	if ok && e.gen == gen {
		return e.roster, nil
	}
	r, err := s.readRoster(ctx, group)
	if err != nil {
		return CommunityRoster{}, err
	}
	r.Version = gen
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= rosterCacheMax {
		c.m = make(map[ID]rosterEntry)
	}
	c.m[group] = rosterEntry{gen: gen, roster: r}
	return r, nil
}

func (s *Store) readRoster(ctx context.Context, group ID) (CommunityRoster, error) {
	var r CommunityRoster
	var err error
	if r.Organisations, err = s.CommunityOrganisations(ctx, group); err != nil {
		return CommunityRoster{}, err
	}
	for _, o := range r.Organisations {
		r.Members += o.Members
	}
	if r.ByOrganisation, err = s.CommunityMembersByOrganisation(ctx, group, RosterMembers); err != nil {
		return CommunityRoster{}, err
	}
	r.Organisations, r.ByOrganisation = slices.Clip(r.Organisations), slices.Clip(r.ByOrganisation)
	return r, nil
}

// CommunityRoster is Store.CommunityRoster.
func (r Reader) CommunityRoster(ctx context.Context, group ID) (CommunityRoster, error) {
	return r.s.CommunityRoster(ctx, group)
}
