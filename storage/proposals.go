package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// What a proposal is about (Proposal.Kind).
const (
	ProposalArtefact = "artefact"
	ProposalTerm     = "term"
	ProposalEvent    = "event"
)

// What a proposal does (Proposal.Action).
const (
	ProposalCreate  = "create"
	ProposalUpdate  = "update"
	ProposalRestore = "restore" // an update to an earlier version's content
	ProposalCancel  = "cancel"  // an event's cancellation
)

// Where a proposal stands (Proposal.State).
const (
	ProposalPending  = "pending"
	ProposalAccepted = "accepted"
	ProposalRefused  = "refused"
)

// NotifyProposalRefused tells a member that a community on another node
// refused their proposal (Notification.ProposalID names it).
const NotifyProposalRefused = "proposal_refused"

// Proposal is a change a member of this node sent a community hosted on
// another node, and what became of it.
type Proposal struct {
	ID          ID
	ActivityURI string // the Create or Update sent
	AccountID   ID     // the member
	CommunityID ID     // the Group
	Kind        string // Proposal{Artefact,Term,Event}
	Action      string // Proposal{Create,Update,Restore,Cancel}
	ObjectURI   string // the item changed; a new item's once accepted
	Title       string // the item's title, term or name as proposed
	State       string // Proposal{Pending,Accepted,Refused}
	Reason      string // a refusal's reason, as the Group gave it
	CreatedAt   time.Time
	DecidedAt   time.Time // zero while pending
}

const proposalColumns = `id, activity_uri, account_id, community_id, kind, action, object_uri, title, state, reason,
created_at, decided_at`

func scanProposal(row scanner) (Proposal, error) {
	var p Proposal
	var created, decided int64
	err := row.Scan(&p.ID, &p.ActivityURI, &p.AccountID, &p.CommunityID, &p.Kind, &p.Action, &p.ObjectURI, &p.Title,
		&p.State, &p.Reason, &created, &decided)
	if errors.Is(err, sql.ErrNoRows) {
		return Proposal{}, ErrNotFound
	}
	if err != nil {
		return Proposal{}, fmt.Errorf("proposal: %w", err)
	}
	p.CreatedAt, p.DecidedAt = fromMillis(created), fromMillis(decided)
	return p, nil
}

// InsertProposal stores a proposal as sent: pending.
func (tx *Tx) InsertProposal(ctx context.Context, p *Proposal) error {
	if p.ID == 0 {
		p.ID = tx.NewID()
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = tx.now
	}
	p.State, p.Reason, p.DecidedAt = ProposalPending, "", time.Time{}
	_, err := tx.exec(ctx, "insert proposal", `INSERT INTO proposals (`+proposalColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,0)`,
		p.ID, p.ActivityURI, p.AccountID, p.CommunityID, p.Kind, p.Action, p.ObjectURI, p.Title, p.State, p.Reason,
		millis(p.CreatedAt))
	return err
}

// DecideProposal records the Group's answer to a pending proposal:
// accepted, with the item it made or changed (objectURI; "" keeps the one
// stored), or refused, with the reason. A proposal answered already is
// left as it is, and ErrNotFound returned: the first answer stands.
func (tx *Tx) DecideProposal(ctx context.Context, id ID, state, objectURI, reason string) (Proposal, error) {
	p, err := scanProposal(tx.tx.QueryRowContext(ctx, `UPDATE proposals
SET state = ?, object_uri = CASE WHEN ? = '' THEN object_uri ELSE ? END, reason = ?, decided_at = ?
WHERE id = ? AND state = 'pending' RETURNING `+proposalColumns, state, objectURI, objectURI, reason, millis(tx.now), id))
	if err != nil {
		return Proposal{}, fmt.Errorf("decide proposal %s: %w", id, err)
	}
	return p, nil
}

// ProposalByActivity is the proposal sent as the activity uri.
func (q queries) ProposalByActivity(ctx context.Context, uri string) (Proposal, error) {
	return scanProposal(q.q.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM proposals WHERE activity_uri = ?`, uri))
}

// ProposalByID is one proposal.
func (q queries) ProposalByID(ctx context.Context, id ID) (Proposal, error) {
	return scanProposal(q.q.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM proposals WHERE id = ?`, id))
}

// Proposals lists a member's proposals, newest first, a page at a time;
// state narrows them to one state ("" for all).
func (q queries) Proposals(ctx context.Context, account ID, state string, p Page) ([]Proposal, error) {
	cond, args, order := p.where("id")
	out, err := queryAll(ctx, q.q, scanProposal, `SELECT `+proposalColumns+` FROM proposals
WHERE account_id = ? AND (? = '' OR state = ?) AND `+cond+` ORDER BY `+order+` LIMIT ?`,
		append(append([]any{account, state, state}, args...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("proposals of %s: %w", account, err)
	}
	if p.MinID != 0 && p.MaxID == 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}
