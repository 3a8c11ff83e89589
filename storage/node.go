package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// SettingBaseURL is the node_settings key of the node's base URL
// ("https://council-a.example"): every local actor's id starts with it, so
// it is recorded on first start and never changes silently.
const SettingBaseURL = "base_url"

// NodeSetting returns the value stored under key, or ErrNotFound.
func (q queries) NodeSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := q.q.QueryRowContext(ctx, `SELECT value FROM node_settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("node setting %s: %w", key, err)
	}
	return v, nil
}

// SetNodeSetting stores value under key, replacing what was there.
func (tx *Tx) SetNodeSetting(ctx context.Context, key, value string) error {
	_, err := tx.exec(ctx, "set node setting "+key, `INSERT INTO node_settings (key, value) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// FirstLocalAccountURI is the id of the oldest local account, or
// ErrNotFound on a node with none: a database made before the base URL was
// recorded tells its origin this way.
func (q queries) FirstLocalAccountURI(ctx context.Context) (string, error) {
	var uri string
	err := q.q.QueryRowContext(ctx, `SELECT uri FROM accounts WHERE domain = '' ORDER BY id LIMIT 1`).Scan(&uri)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("first local account: %w", err)
	}
	return uri, nil
}

const qHasFederated = `SELECT
	EXISTS (SELECT 1 FROM accounts WHERE domain <> '')
	OR EXISTS (SELECT 1 FROM hosts)
	OR EXISTS (SELECT 1 FROM deliveries)
	OR EXISTS (SELECT 1 FROM processed_activities)
	OR EXISTS (SELECT 1 FROM inbox_items)`

// HasFederated reports whether the node has ever exchanged anything with
// another server: it knows a remote account, has queued or made a
// delivery, or has received an activity.
func (q queries) HasFederated(ctx context.Context) (bool, error) {
	var yes bool
	if err := q.q.QueryRowContext(ctx, qHasFederated).Scan(&yes); err != nil {
		return false, fmt.Errorf("has federated: %w", err)
	}
	return yes, nil
}

// RewriteURLPrefix replaces the origin from with to at the start of every
// URL in every text column of every table ("https://old.example/users/a"
// becomes "https://new.example/users/a"), and inside text that embeds such
// URLs (post HTML, stored activities). It is meant for a node that has
// never federated, where every URL under from is the node's own.
func (tx *Tx) RewriteURLPrefix(ctx context.Context, from, to string) error {
	from, to = strings.TrimSuffix(from, "/")+"/", strings.TrimSuffix(to, "/")+"/"
	tables, err := tx.textColumns(ctx)
	if err != nil {
		return err
	}
	for table, cols := range tables {
		for _, col := range cols {
			q := fmt.Sprintf(`UPDATE %q SET %q = replace(%q, ?, ?) WHERE instr(%q, ?) > 0`, table, col, col, col)
			if _, err := tx.exec(ctx, "rewrite "+table+"."+col, q, from, to, from); err != nil {
				return err
			}
		}
	}
	return nil
}

// textColumns lists the text columns of the database's ordinary tables,
// leaving out SQLite's own and the shadow tables of full-text indexes
// (their triggers keep them in step).
func (tx *Tx) textColumns(ctx context.Context) (map[string][]string, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT t.name, c.name FROM pragma_table_list AS t, pragma_table_info(t.name) AS c
WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite_%' AND upper(c.type) = 'TEXT'`)
	if err != nil {
		return nil, fmt.Errorf("list text columns: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, fmt.Errorf("list text columns: %w", err)
		}
		out[table] = append(out[table], col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list text columns: %w", err)
	}
	return out, nil
}

// QueueDepths is how many deliveries wait to be sent and how many
// received activities wait to be applied.
func (q queries) QueueDepths(ctx context.Context) (deliveries, inbox int, err error) {
	err = q.q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM inbox_items)`).Scan(&deliveries, &inbox)
	if err != nil {
		return 0, 0, fmt.Errorf("queue depths: %w", err)
	}
	return deliveries, inbox, nil
}
