package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// RosterMembers is how many members a roster lists (by organisation); its
// counts are whole.
const RosterMembers = 500

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
// later read that finds another generation reads the members again. It
// keeps two sizes: the counts alone for many communities (a list of
// communities shows each one's member count), the counts and the first
// RosterMembers members (up to 500 accounts each) for few.
type rosterCache struct {
	tallies Versioned[ID, CommunityRoster]
	lists   Versioned[ID, CommunityRoster]
}

// How many communities' rosters are kept: counts for rosterTallies, the
// members too for rosterLists.
const (
	rosterTallies = 4096
	rosterLists   = 64
)

// qRosterGen reads a community's roster generation (no row: not a
// community hosted here).
const qRosterGen = `SELECT gen FROM community_roster WHERE group_id = ?`

// CommunityRoster returns the roster of the community whose Group is
// group, from memory while nothing it shows has changed. Without members
// it is read for its counts, as a list of communities shows them, and
// its ByOrganisation may be empty. The caller must not change what it
// holds.
func (s *Store) CommunityRoster(ctx context.Context, group ID, members bool) (CommunityRoster, error) {
	var gen int64
	err := s.q.QueryRowContext(ctx, qRosterGen, group).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return s.readRoster(ctx, group, members) // a remote Group: not kept
	}
	if err != nil {
		return CommunityRoster{}, fmt.Errorf("roster of %d: %w", group, err)
	}
	c := &s.rosters
	if r, ok := c.lists.Get(group, gen); ok {
		return r, nil
	}
	if r, ok := c.tallies.Get(group, gen); ok && !members {
		return r, nil
	}
	r, err := s.readRoster(ctx, group, members)
	if err != nil {
		return CommunityRoster{}, err
	}
	r.Version = gen
	if members {
		c.lists.Put(group, gen, r)
	} else {
		c.tallies.Put(group, gen, r)
	}
	return r, nil
}

func (s *Store) readRoster(ctx context.Context, group ID, members bool) (CommunityRoster, error) {
	var r CommunityRoster
	var err error
	if r.Organisations, err = s.CommunityOrganisations(ctx, group); err != nil {
		return CommunityRoster{}, err
	}
	for _, o := range r.Organisations {
		r.Members += o.Members
	}
	if members {
		if r.ByOrganisation, err = s.CommunityMembersByOrganisation(ctx, group, RosterMembers); err != nil {
			return CommunityRoster{}, err
		}
	}
	r.Organisations, r.ByOrganisation = slices.Clip(r.Organisations), slices.Clip(r.ByOrganisation)
	return r, nil
}

// CommunityRoster is Store.CommunityRoster.
func (r Reader) CommunityRoster(ctx context.Context, group ID, members bool) (CommunityRoster, error) {
	return r.s.CommunityRoster(ctx, group, members)
}
