package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ProposalFile is a file a member here added to a proposal to a community
// on another node, held here until the proposal is decided: that node
// fetches it at this node's address for Token.
type ProposalFile struct {
	ID          ID
	ProposalID  ID
	Token       string // 128 random bits, hex: its address
	StorageName string // under the artefact file folder
	Name        string
	MediaType   string
	Size        int64
	SHA256      string // hex
	CreatedAt   time.Time
}

const proposalFileColumns = `id, proposal_id, token, storage_name, name, media_type, size, sha256, created_at`

func scanProposalFile(r scanner) (ProposalFile, error) {
	var f ProposalFile
	var created int64
	err := r.Scan(&f.ID, &f.ProposalID, &f.Token, &f.StorageName, &f.Name, &f.MediaType, &f.Size, &f.SHA256, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ProposalFile{}, ErrNotFound
	}
	if err != nil {
		return ProposalFile{}, fmt.Errorf("proposal file: %w", err)
	}
	f.CreatedAt = fromMillis(created)
	return f, nil
}

// InsertProposalFile records a held file of proposal f.ProposalID.
func (tx *Tx) InsertProposalFile(ctx context.Context, f *ProposalFile) error {
	if f.ID == 0 {
		f.ID = tx.NewID()
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = tx.now
	}
	_, err := tx.exec(ctx, "hold proposal file "+f.Name, `INSERT INTO proposal_files (`+proposalFileColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		f.ID, f.ProposalID, f.Token, f.StorageName, f.Name, f.MediaType, f.Size, f.SHA256, millis(f.CreatedAt))
	return err
}

// ProposalFileByToken is the held file at token, with the proposal it
// belongs to; ErrNotFound when none is held there.
func (q queries) ProposalFileByToken(ctx context.Context, token string) (ProposalFile, Proposal, error) {
	f, err := scanProposalFile(q.q.QueryRowContext(ctx, `SELECT `+proposalFileColumns+` FROM proposal_files WHERE token = ?`, token))
	if err != nil {
		return ProposalFile{}, Proposal{}, err
	}
	p, err := q.ProposalByID(ctx, f.ProposalID)
	if err != nil {
		return ProposalFile{}, Proposal{}, fmt.Errorf("proposal of file %s: %w", f.Name, err)
	}
	return f, p, nil
}

// ProposalFilesOf lists the files held for proposal id, in the order
// they were added.
func (q queries) ProposalFilesOf(ctx context.Context, id ID) ([]ProposalFile, error) {
	out, err := queryAll(ctx, q.q, scanProposalFile, `SELECT `+proposalFileColumns+` FROM proposal_files WHERE proposal_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("files of proposal %s: %w", id, err)
	}
	return out, nil
}

// ReleaseProposalFiles forgets the held files of proposals decided before
// decidedBefore and of those still pending made before sentBefore (their
// community never answered), at most limit; it returns their storage
// names, for the caller to remove once the transaction commits.
func (tx *Tx) ReleaseProposalFiles(ctx context.Context, decidedBefore, sentBefore time.Time, limit int) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `DELETE FROM proposal_files WHERE id IN (
SELECT f.id FROM proposal_files f JOIN proposals p ON p.id = f.proposal_id
WHERE (p.state <> 'pending' AND p.decided_at < ?) OR (p.state = 'pending' AND p.created_at < ?) LIMIT ?)
RETURNING storage_name`, millis(decidedBefore), millis(sentBefore), limit)
	if err != nil {
		return nil, fmt.Errorf("release proposal files: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("release proposal files: %w", err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// ProposalFetch is a proposal to a community hosted here, as received,
// that waits while the files it carries are fetched from the member's
// node.
type ProposalFetch struct {
	ID         ID
	ActorID    ID
	ActivityID string
	Body       []byte // the activity as received
	Attempts   int
	NextAt     time.Time
	LastError  string
	CreatedAt  time.Time
}

const proposalFetchColumns = `id, actor_id, activity_id, body, attempts, next_at, last_error, created_at`

func scanProposalFetch(r scanner) (ProposalFetch, error) {
	var f ProposalFetch
	var next, created int64
	err := r.Scan(&f.ID, &f.ActorID, &f.ActivityID, &f.Body, &f.Attempts, &next, &f.LastError, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ProposalFetch{}, ErrNotFound
	}
	if err != nil {
		return ProposalFetch{}, fmt.Errorf("proposal fetch: %w", err)
	}
	f.NextAt, f.CreatedAt = fromMillis(next), fromMillis(created)
	return f, nil
}

// QueueProposalFetch keeps f to fetch its files from now; a proposal
// queued already (the same activity delivered twice) is left as it is.
func (tx *Tx) QueueProposalFetch(ctx context.Context, f *ProposalFetch) error {
	if f.ID == 0 {
		f.ID = tx.NewID()
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = tx.now
	}
	if f.NextAt.IsZero() {
		f.NextAt = tx.now
	}
	_, err := tx.exec(ctx, "queue proposal fetch", `INSERT INTO proposal_fetches (`+proposalFetchColumns+`) VALUES (?,?,?,?,?,?,?,?)
ON CONFLICT (activity_id) DO NOTHING`,
		f.ID, f.ActorID, f.ActivityID, f.Body, f.Attempts, millis(f.NextAt), f.LastError, millis(f.CreatedAt))
	return err
}

// DueProposalFetches lists up to limit queued proposals due by now,
// oldest due first.
func (q queries) DueProposalFetches(ctx context.Context, now time.Time, limit int) ([]ProposalFetch, error) {
	out, err := queryAll(ctx, q.q, scanProposalFetch, `SELECT `+proposalFetchColumns+` FROM proposal_fetches
WHERE next_at <= ? ORDER BY next_at, id LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due proposal fetches: %w", err)
	}
	return out, nil
}

// RetryProposalFetch records a failed attempt at fetch id and when to try
// again.
func (tx *Tx) RetryProposalFetch(ctx context.Context, id ID, next time.Time, lastError string) error {
	res, err := tx.exec(ctx, "retry proposal fetch", `UPDATE proposal_fetches SET attempts = attempts + 1, next_at = ?, last_error = ?
WHERE id = ?`, millis(next), lastError, id)
	if err != nil {
		return err
	}
	return mustAffect(res, "retry proposal fetch")
}

// DoneProposalFetch forgets fetch id: its proposal was applied or refused.
func (tx *Tx) DoneProposalFetch(ctx context.Context, id ID) error {
	_, err := tx.exec(ctx, "finish proposal fetch", `DELETE FROM proposal_fetches WHERE id = ?`, id)
	return err
}
