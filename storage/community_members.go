package storage

import (
	"context"
	"fmt"
	"strings"
)

// Reads of communities for the copse API and the pages (issue 12): who
// the members are, by organisation, department and role as their actors
// state them, the communities known here, their threads, and the
// directory of people. Members are a Group's accepted followers; a
// pending join is a follow request and is not a member.

// OrganisationCount is how many members of a community name one
// organisation; Organisation is "" for those who name none.
type OrganisationCount struct {
	Organisation string
	Members      int
}

// qCommunityMembers lists the accepted followers of a community (?1),
// newest join first, paged on the follow's row ID, optionally only those
// of one organisation (?2, "" for all; compared without case, since
// people type their employer's name in different cases).
var qCommunityMembers = `SELECT ` + accountColumnsA + `, r.id
FROM follows r JOIN accounts a ON a.id = r.account_id
WHERE r.target_account_id = ?1 AND a.suspended_at = 0
AND (?2 = '' OR a.organisation = ?2 COLLATE NOCASE)
AND (?3 = 0 OR r.id < ?3)
ORDER BY r.id DESC LIMIT ?4`

// CommunityMembers lists a community's members, newest first, each with
// its membership's row ID (the max_id cursor). organisation, when set,
// keeps only the members of that organisation.
func (q queries) CommunityMembers(ctx context.Context, communityID ID, organisation string, p Page) ([]ListedAccount, error) {
	out, err := queryAll(ctx, q.q, scanListedAccount, qCommunityMembers, communityID, strings.TrimSpace(organisation), p.MaxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("community members: %w", err)
	}
	return out, nil
}

// qCommunityMembersByOrganisation lists all members (up to ?2) sorted as
// a page groups them: by organisation, those naming none last.
var qCommunityMembersByOrganisation = `SELECT ` + accountColumnsA + `
FROM follows r JOIN accounts a ON a.id = r.account_id
WHERE r.target_account_id = ? AND a.suspended_at = 0
ORDER BY ` + qByOrganisation + `
LIMIT ?`

// CommunityMembersByOrganisation returns up to limit members of a
// community ordered by organisation, department and name; members naming
// no organisation come last.
func (q queries) CommunityMembersByOrganisation(ctx context.Context, communityID ID, limit int) ([]Account, error) {
	out, err := q.accountList(ctx, qCommunityMembersByOrganisation, communityID, limit)
	if err != nil {
		return nil, fmt.Errorf("community members by organisation: %w", err)
	}
	return out, nil
}

// qCommunityOrganisations counts a community's members per organisation.
// Names that differ only in case count as one, shown as one of its
// members writes it.
const qCommunityOrganisations = `SELECT max(a.organisation), count(*) AS n
FROM follows r JOIN accounts a ON a.id = r.account_id
WHERE r.target_account_id = ? AND a.suspended_at = 0
GROUP BY lower(a.organisation)
ORDER BY lower(a.organisation) = '', n DESC, lower(a.organisation)`

// CommunityOrganisations counts a community's members per organisation,
// the largest first; the count of members naming none comes last.
func (q queries) CommunityOrganisations(ctx context.Context, communityID ID) ([]OrganisationCount, error) {
	out, err := queryAll(ctx, q.q, scanOrganisationCount, qCommunityOrganisations, communityID)
	if err != nil {
		return nil, fmt.Errorf("community organisations: %w", err)
	}
	return out, nil
}

func scanOrganisationCount(r scanner) (OrganisationCount, error) {
	var c OrganisationCount
	return c, r.Scan(&c.Organisation, &c.Members)
}
