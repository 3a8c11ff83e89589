package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Sentinel errors. Callers classify with errors.Is.
var (
	ErrNotFound  = errors.New("storage: not found")
	ErrDuplicate = errors.New("storage: already exists")
	// ErrFull: a collection that is read whole holds as much as it may
	// (a glossary: MaxGlossaryTerms).
	ErrFull = errors.New("storage: full")
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the node's database. Reads use a pool of reader connections;
// writes go through InTx on the single writer connection.
type Store struct {
	queries
	read  *sql.DB
	write *sql.DB
	stmts *stmtCache // the queries run on read
	// writeStmts are the writer's prepared statements.
	writeStmts *writeStmts
	// Now is the clock; tests replace it.
	Now func() time.Time
	// ObserveTx, when set before the store is used, is told how long each
	// committed write transaction took from begin to commit: kind "tx"
	// for InTx, "batch" for a group of InBatch callers.
	ObserveTx func(kind string, took time.Duration)

	idMu   sync.Mutex
	lastID ID

	ckpt          *checkpointer  // copies the write-ahead log back (checkpoint.go)
	batch         batcher        // callers of InBatch
	accounts      accountCache   // accounts as pages show them
	termNames     termNamesCache // each community's glossary terms, as pages link them
	communities   communityCache // community rows by Group account
	rosters       rosterCache    // communities' members as their pages show them
	directory     peopleIndexes  // the directory's index (people_index.go)
	memberIndexes peopleIndexes  // communities' member indexes
	push          pushPresence   // whether any push subscription exists
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries holds the read methods, shared by Store (reader pool) and Tx
// (inside a write transaction).
type queries struct{ q querier }

// Open opens (creating if needed) the SQLite database at path and applies
// pending migrations. Use ":memory:"-free paths: tests use t.TempDir().
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	if err := migrateOnce(ctx, path); err != nil {
		return nil, err
	}
	write, err := openDB(path, true)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := openDB(path, false)
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	ckptDB, err := openDB(path, true)
	if err != nil {
		read.Close()
		write.Close()
		return nil, err
	}
	ckptDB.SetMaxOpenConns(1)
	ckptDB.SetMaxIdleConns(1)
	s := &Store{read: read, write: write, Now: time.Now, ckpt: newCheckpointer(ckptDB)}
	s.rosters.tallies.Max, s.rosters.lists.Max, s.directory.Max, s.memberIndexes.Max = rosterTallies, rosterLists, 1, memberIndexes
	s.stmts = &stmtCache{db: read, stmts: map[string]*sql.Stmt{}}
	s.queries = queries{q: s.stmts}
	s.writeStmts = &writeStmts{db: write, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
	return s, nil
}

// stmtCache is the reader pool, each distinct query compiled once per
// connection and kept: SQLite (compiled to Go) takes longer to compile a
// timeline page's queries than to run them.
type stmtCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// maxStmts bounds the cache: queries built with a number of placeholders
// (placeholders(n)) have many texts, and past this they are compiled
// each time, as before.
const maxStmts = 1000

func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= maxStmts
	c.mu.RUnlock()
	if ok || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the caller runs the query itself, and reports its error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if other, ok := c.stmts[query]; ok { // prepared meanwhile by another request
		st.Close()
		return other
	}
	c.stmts[query] = st
	return st
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if p := c.pinned(ctx); p != nil { // OneReader
		return p.QueryContext(ctx, query, args...)
	}
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if p := c.pinned(ctx); p != nil { // OneReader
		return p.QueryRowContext(ctx, query, args...)
	}
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// ExecContext is not cached: the readers only read.
func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, query, args...)
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// writeStmts are the writer's prepared statements, used inside
// transactions (Tx.StmtContext finds the statement already prepared on the
// writer's one connection). Preparing needs that connection, which a
// transaction holds: so a query first seen inside one runs unprepared,
// and is prepared by prepare when the transaction has ended.
type writeStmts struct {
	db      *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
}

// get returns the prepared statement for query, or nil (and notes query,
// to be prepared) if there is none yet.
func (c *writeStmts) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts)+len(c.pending) < maxStmts {
		c.pending[query] = true
	}
	return nil
}

// prepare prepares the queries noted since it last ran. It waits for the
// writer's connection: never call it inside a transaction, and never
// hold mu while waiting.
func (c *writeStmts) prepare() {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.db.PrepareContext(context.Background(), q)
		if err != nil {
			continue // the query reports its own error when it runs
		}
		c.mu.Lock()
		if _, ok := c.stmts[q]; ok {
			st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *writeStmts) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// txStmts runs a transaction's statements, prepared ones when there are.
type txStmts struct {
	tx    *sql.Tx
	stmts *writeStmts
	// detach runs statements without their context's cancellation (group
	// transactions: see InBatch).
	detach bool
	// writes, if not nil, counts the statements run that may write: all
	// but SELECTs (a batch caller's, see runBatch).
	writes *int
}

// count notes a statement that may write.
func (t txStmts) count(query string) {
	if t.writes != nil && !isSelect(query) {
		*t.writes++
	}
}

// isSelect reports whether query is a SELECT, which writes nothing.
func isSelect(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

func (t txStmts) context(ctx context.Context) context.Context {
	if t.detach {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.count(query)
	ctx = t.context(ctx)
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.count(query)
	ctx = t.context(ctx)
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.count(query)
	ctx = t.context(ctx)
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// readerMmap is how much of the database file each reader maps (address
// space, not memory: untouched pages cost nothing, touched ones are the
// OS's page cache, reclaimable). It asks for more than any file and
// SQLite lowers it to its own limit (2 GiB in modernc.org/sqlite): a
// file larger than the map has its tail read with pread into each
// connection's cache instead, so at 1 GiB a 1.2 GB database served its
// newest pages (the first page of a timeline) one way and older ones
// (a deep page) another.
const readerMmap = 1 << 40

func openDB(path string, writer bool) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"foreign_keys(1)",
		"temp_store(MEMORY)",
		"cache_size(-16000)",
	} {
		q.Add("_pragma", p)
	}
	if writer {
		// Take the write lock when the transaction begins, not at its
		// first write, so two writers never deadlock on upgrade.
		q.Set("_txlock", "immediate")
		// The checkpointer copies the log back (checkpoint.go); the
		// writer's own checkpoint is only a backstop.
		q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(writerCheckpointPages)+")")
		// A log the backstop let grow is cut back to this once copied.
		q.Add("_pragma", "journal_size_limit("+strconv.Itoa(walSizeLimit)+")")
	} else {
		q.Add("_pragma", "query_only(1)")
		// Readers map the file instead of copying each page they read
		// with pread into their own cache: the OS page cache is shared by
		// every reader, and a cold timeline page costs no system call.
		q.Add("_pragma", "mmap_size("+strconv.Itoa(readerMmap)+")")
	}
	dsn := "file:" + path + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// Close stops the checkpointer and closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.stmts.close(), s.writeStmts.close(), s.ckpt.close(), s.read.Close(), s.write.Close())
}

// Tx is one write transaction. Its read methods see its own writes.
type Tx struct {
	queries
	tx          txStmts
	store       *Store
	now         time.Time
	afterCommit []func()
	ends        []func() // run once the transaction has ended, either way
	// communitiesHeld: the transaction wrote community rows
	// (holdCommunities).
	communitiesHeld bool
}

// onEnd schedules fn to run once the transaction has ended, committed or
// rolled back (for a batch member: once the whole batch has).
func (tx *Tx) onEnd(fn func()) { tx.ends = append(tx.ends, fn) }

func (tx *Tx) end() {
	for _, fn := range tx.ends {
		fn()
	}
	tx.ends = nil
}

// AfterCommit schedules fn to run once the transaction has committed (and
// never if it rolls back): the place to announce what it changed.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// Now is the time the transaction began, by the store's clock: every row
// it writes carries the same timestamp.
func (tx *Tx) Now() time.Time { return tx.now }

// NewID returns a fresh time-ordered ID.
func (tx *Tx) NewID() ID { return tx.store.NewID(tx.now) }

// InTx runs fn in one write transaction, committing if it returns nil and
// rolling back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	began := time.Now()
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Queries first seen in this transaction are prepared once it ends,
	// when the writer's one connection is free again.
	defer s.writeStmts.prepare()
	ts := txStmts{tx: sqlTx, stmts: s.writeStmts}
	tx := &Tx{queries: queries{q: ts}, tx: ts, store: s, now: s.Now()}
	// Rolled back on every way out but commit, a panic in fn included:
	// an open transaction would hold the one writer connection for good.
	// Deferred after prepare, so it runs first: prepare needs the writer.
	// The transaction's end hooks run once it has ended either way (after
	// Commit, Rollback is a no-op and the hooks have run already).
	defer func() {
		_ = sqlTx.Rollback()
		tx.end()
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := indexPendingSearch(ctx, ts); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.end()
	s.observeTx("tx", began)
	for _, fn := range tx.afterCommit {
		fn()
	}
	return nil
}

// observeTx is told of each committed write transaction: it tells
// ObserveTx, and the checkpointer that the log has grown.
func (s *Store) observeTx(kind string, began time.Time) {
	s.ckpt.committed()
	if s.ObserveTx != nil {
		s.ObserveTx(kind, time.Since(began))
	}
}

// ID is a 64-bit time-ordered identifier: milliseconds since the Unix
// epoch in the high 48 bits, a sequence in the low 16, the shape of
// Mastodon's snowflake IDs that some apps insist on.
type ID int64

// String is the decimal form the client API uses.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// ParseID parses a decimal ID; it returns ErrNotFound for anything else so
// a malformed ID in a URL reads as "no such thing".
func ParseID(s string) (ID, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrNotFound
	}
	return ID(n), nil
}

// IDAt is the smallest ID that could be made at t; useful as a bound.
func IDAt(t time.Time) ID { return ID(t.UnixMilli() << 16) }

// Time is when the ID was made.
func (id ID) Time() time.Time { return time.UnixMilli(int64(id) >> 16).UTC() }

// NewID returns an ID for time t, strictly greater than any ID this store
// made before. Its low 16 bits are random, and IDs made in the same
// millisecond step up by a random amount: an ID seen by anyone must not
// tell how many others were made before or after it (issue 10: sampled
// IDs bracketed an upload to a few thousand guesses).
func (s *Store) NewID(t time.Time) ID {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	id := IDAt(t) | ID(randBits(16))
	if id <= s.lastID {
		id = s.lastID + 1 + ID(randBits(idStepBits))
	}
	s.lastID = id
	return id
}

// idStepBits bounds the random step between IDs made in one millisecond:
// up to 1024, 512 on average, so a burst of a hundred IDs in one
// millisecond still fits in it.
const idStepBits = 10

// randBits returns n (at most 32) random bits from crypto/rand, which
// never fails.
func randBits(n uint) uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:]) >> (32 - n)
}

// migrateOnce applies pending migrations on a connection of their own,
// closed when they are done: a new database runs every migration, and
// what SQLite allocates for them (the whole file in its page cache, the
// schema parsed again after each change) would otherwise stay with the
// writer for as long as the node runs.
func migrateOnce(ctx context.Context, path string) error {
	db, err := openDB(path, true)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("migrate: close: %w", err)
	}
	return nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %s", base)
		}
		var done int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&done); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if done > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		// What it changed is searchable as it commits (from 0049 on: before,
		// statuses were indexed as they were written).
		var noted bool
		err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'statuses_fts_pending')`).Scan(&noted)
		if err == nil && noted {
			err = indexPendingSearch(ctx, tx)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	return nil
}

// millis and fromMillis convert times to the INTEGER columns; zero time is 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func nullID(id ID) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
// isDBError reports whether err came from SQLite.
func isDBError(err error) bool {
	var coder interface{ Code() int }
	return errors.As(err, &coder)
}

func isUnique(err error) bool {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return coder.Code() == 2067 || coder.Code() == 1555
	}
	return false
}

// queryAll runs query and scans each row it returns with scan, keeping
// their order; no rows give a nil slice. Its errors are bare: callers
// wrap them with their step.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// exec runs one write statement, wrapping its error with what it does.
func (tx *Tx) exec(ctx context.Context, what, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return res, nil
}
