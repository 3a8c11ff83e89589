// Package storage is copse's persistence: one Store over SQLite
// (modernc.org/sqlite, no cgo) with embedded migrations applied at open.
//
// Reads go through a pool of reader connections; every write goes through
// Store.InTx on the single writer connection, so a status, its feed rows,
// notifications and delivery jobs commit together or not at all, and
// "database is locked" never reaches a user. Only this package holds SQL.
package storage
