package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EmailDomainBlock is an email domain the node takes no sign-up from.
type EmailDomainBlock struct {
	ID        ID
	Domain    string // lower case; covers its subdomains
	CreatedAt time.Time
	CreatedBy ID // 0: the command line
}

const emailDomainBlockColumns = `id, domain, created_at, created_by`

func scanEmailDomainBlock(r scanner) (EmailDomainBlock, error) {
	var b EmailDomainBlock
	var created int64
	err := r.Scan(&b.ID, &b.Domain, &created, &b.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return EmailDomainBlock{}, ErrNotFound
	}
	if err != nil {
		return EmailDomainBlock{}, fmt.Errorf("email domain block: %w", err)
	}
	b.CreatedAt = fromMillis(created)
	return b, nil
}

// InsertEmailDomainBlock stores b; ErrDuplicate when its domain is
// blocked already.
func (tx *Tx) InsertEmailDomainBlock(ctx context.Context, b *EmailDomainBlock) error {
	if b.ID == 0 {
		b.ID = tx.NewID()
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = tx.now
	}
	return tx.insertListed(ctx, "block email domain "+b.Domain, `INSERT INTO email_domain_blocks (`+emailDomainBlockColumns+`) VALUES (?,?,?,?)`,
		b.ID, b.Domain, millis(b.CreatedAt), b.CreatedBy)
}

// DeleteEmailDomainBlock removes block id; ErrNotFound if there is none.
func (tx *Tx) DeleteEmailDomainBlock(ctx context.Context, id ID) error {
	return tx.execListed(ctx, "unblock email domain", `DELETE FROM email_domain_blocks WHERE id = ?`, id)
}

// EmailDomainBlockByID returns block id, or ErrNotFound.
func (q queries) EmailDomainBlockByID(ctx context.Context, id ID) (EmailDomainBlock, error) {
	return scanEmailDomainBlock(q.q.QueryRowContext(ctx, `SELECT `+emailDomainBlockColumns+` FROM email_domain_blocks WHERE id = ?`, id))
}

// EmailDomainBlocks lists a page of the blocks, newest first.
func (q queries) EmailDomainBlocks(ctx context.Context, p Page) ([]EmailDomainBlock, error) {
	out, err := listedPage(ctx, q.q, scanEmailDomainBlock, `SELECT `+emailDomainBlockColumns+` FROM email_domain_blocks`, p, p.limit())
	if err != nil {
		return nil, fmt.Errorf("email domain blocks: %w", err)
	}
	return out, nil
}

// EmailDomainBlocked reports whether the domain of an address, or a
// domain above it, is blocked: one lookup per label.
func (q queries) EmailDomainBlocked(ctx context.Context, domain string) (bool, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	var names []any
	for d := domain; d != ""; {
		names = append(names, d)
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			break
		}
		d = d[dot+1:]
	}
	if len(names) == 0 {
		return false, nil
	}
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM email_domain_blocks WHERE domain IN (`+placeholders(len(names))+`)`, names...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("email domain blocked %s: %w", domain, err)
	}
	return n > 0, nil
}
