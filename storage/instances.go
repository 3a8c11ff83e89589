package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Instance is what a remote node runs, as its NodeInfo said when it was
// last read. Software is NodeInfo's software.name in lower case; it is
// empty when the read failed (Failed), and then counts as unknown.
type Instance struct {
	Host      string // lower case, with the port if any
	Software  string
	Version   string
	Failed    bool
	FetchedAt time.Time
}

// Instances returns the recorded instances among hosts, by host; a host
// never read is absent.
func (q queries) Instances(ctx context.Context, hosts []string) (map[string]Instance, error) {
	out := make(map[string]Instance, len(hosts))
	if len(hosts) == 0 {
		return out, nil
	}
	arr, err := json.Marshal(hosts)
	if err != nil {
		return nil, fmt.Errorf("instances: %w", err)
	}
	list, err := queryAll(ctx, q.q, scanInstance, `SELECT `+instanceColumns+` FROM instances
WHERE host IN (SELECT value FROM json_each(?))`, string(arr))
	if err != nil {
		return nil, fmt.Errorf("instances: %w", err)
	}
	for _, in := range list {
		out[in.Host] = in
	}
	return out, nil
}

const instanceColumns = `host, software, version, failed, fetched_at`

func scanInstance(r scanner) (Instance, error) {
	var in Instance
	var fetched int64
	err := r.Scan(&in.Host, &in.Software, &in.Version, &in.Failed, &fetched)
	in.FetchedAt = fromMillis(fetched)
	return in, err
}

// ListInstances returns up to limit recorded instances whose host sorts
// after after ("" for the first), by host: the servers the node has read
// NodeInfo of.
func (q queries) ListInstances(ctx context.Context, after string, limit int) ([]Instance, error) {
	out, err := queryAll(ctx, q.q, scanInstance, `SELECT `+instanceColumns+` FROM instances WHERE host > ? ORDER BY host LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	return out, nil
}

// PutInstance records what in.Host runs, replacing what was recorded.
func (tx *Tx) PutInstance(ctx context.Context, in Instance) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO instances (host, software, version, failed, fetched_at) VALUES (?,?,?,?,?)
ON CONFLICT (host) DO UPDATE SET software = excluded.software, version = excluded.version,
failed = excluded.failed, fetched_at = excluded.fetched_at`,
		strings.ToLower(in.Host), strings.ToLower(in.Software), in.Version, boolInt(in.Failed), millis(in.FetchedAt))
	if err != nil {
		return fmt.Errorf("put instance %s: %w", in.Host, err)
	}
	return nil
}
