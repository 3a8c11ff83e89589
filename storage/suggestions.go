package storage

import (
	"context"
	"fmt"
)

// Suggestion is an account a member may want to follow, and why.
type Suggestion struct {
	Account
	SameOrganisation bool
	SameDepartment   bool // and the same organisation
	SharedGroups     int  // communities both have joined
}

// qSuggestions ranks the people a member might follow: the colleagues of
// the directory (discoverable members here, members of the communities
// hosted here that show their members) and the members of the
// communities the member joined or moderates (their members and
// moderators) who let themselves be discovered (as
// their actor's discoverable says), first those of the member's own
// organisation and department, then those met in most communities, then
// the most followed. Left out: the member, whom they follow or asked to,
// whom they block, mute or dismissed, who blocks them, accounts of domains
// they or the node block or limit, suspended and limited accounts, and
// anything but people.
var qSuggestions = `WITH mine(g) AS (
	SELECT f.target_account_id FROM follows f JOIN accounts ga ON ga.id = f.target_account_id
	WHERE f.account_id = ?1 AND ga.actor_type = 'Group'
	UNION SELECT community_id FROM community_moderators WHERE account_id = ?1),
shared(id, n) AS (
	SELECT id, count(DISTINCT g) FROM (
		SELECT f.account_id AS id, f.target_account_id AS g FROM follows f JOIN mine ON f.target_account_id = mine.g
		UNION ALL SELECT m.account_id, m.community_id FROM community_moderators m JOIN mine ON m.community_id = mine.g)
	WHERE id <> ?1 GROUP BY id),
people(id) AS (
	SELECT id FROM accounts WHERE domain = '' AND discoverable = 1
	UNION SELECT r.account_id FROM communities c JOIN follows r ON r.target_account_id = c.account_id WHERE ` + qShowsMembers + `
	UNION SELECT s.id FROM shared s JOIN accounts x ON x.id = s.id WHERE x.discoverable = 1)
SELECT ` + accountColumnsA + `,
	(a.organisation <> '' AND a.organisation = ?2 COLLATE NOCASE) AS same_org,
	(a.organisation <> '' AND a.organisation = ?2 COLLATE NOCASE AND a.department <> '' AND a.department = ?3 COLLATE NOCASE) AS same_dept,
	coalesce(s.n, 0) AS shared_groups
FROM people p JOIN accounts a ON a.id = p.id
LEFT JOIN shared s ON s.id = a.id
LEFT JOIN account_stats st ON st.account_id = a.id
WHERE a.id <> ?1 AND a.suspended_at = 0 AND a.actor_type = 'Person'
AND NOT EXISTS (SELECT 1 FROM account_moderation m WHERE m.account_id = a.id AND m.limited_at <> 0)
AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ?1 AND f.target_account_id = a.id)
AND NOT EXISTS (SELECT 1 FROM follow_requests fr WHERE fr.account_id = ?1 AND fr.target_account_id = a.id)
AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ?1 AND b.target_account_id = a.id) OR (b.account_id = a.id AND b.target_account_id = ?1))
AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ?1 AND mu.target_account_id = a.id)
AND NOT EXISTS (SELECT 1 FROM user_domain_blocks d WHERE d.account_id = ?1 AND d.domain = a.domain)
AND NOT EXISTS (SELECT 1 FROM domain_blocks nd WHERE a.domain <> '' AND nd.domain = a.domain AND nd.severity <> 'noop')
AND NOT EXISTS (SELECT 1 FROM suggestion_dismissals x WHERE x.account_id = ?1 AND x.target_id = a.id)
ORDER BY same_dept DESC, same_org DESC, min(coalesce(s.n, 0), 5) DESC, coalesce(st.followers_count, 0) DESC, a.id DESC
LIMIT ?4`

// Suggestions are up to limit people viewer might follow, best first
// (qSuggestions); org and dept are the viewer's organisation and
// department.
func (q queries) Suggestions(ctx context.Context, viewer ID, org, dept string, limit int) ([]Suggestion, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (Suggestion, error) {
		var s Suggestion
		var sameOrg, sameDept int
		a, err := scanAccount(r, &sameOrg, &sameDept, &s.SharedGroups)
		s.Account, s.SameOrganisation, s.SameDepartment = a, sameOrg != 0, sameDept != 0
		return s, err
	}, qSuggestions, viewer, org, dept, limit)
	if err != nil {
		return nil, fmt.Errorf("suggestions for %s: %w", viewer, err)
	}
	return out, nil
}

// DismissSuggestion stops suggesting target to member.
func (tx *Tx) DismissSuggestion(ctx context.Context, member, target ID) error {
	_, err := tx.exec(ctx, "dismiss suggestion", `INSERT INTO suggestion_dismissals (account_id, target_id, created_at)
VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, member, target, millis(tx.now))
	return err
}
