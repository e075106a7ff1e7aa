// Package postgres implements qmstrack's stores with sqlx and lib/pq: one
// file per domain, SQL beside the method that runs it, each state change and
// its trail entry in one transaction. It also applies the migrations.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	neturl "net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Open connects to PostgreSQL and checks the connection. Every connection
// runs with jit=off (unless the URL sets jit itself): see withJITOff.
func Open(ctx context.Context, url string, maxConns int) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", withJITOff(url))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if maxConns > 0 {
		db.SetMaxOpenConns(maxConns)
		db.SetMaxIdleConns(maxConns)
	}
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// withJITOff adds jit=off to the connection's run-time parameters (lib/pq
// sends parameters it does not know itself to the server at connection
// start). The service's queries are short OLTP and index lookups: JIT
// compilation only pays off on long scans, and the planner starts it on
// cost estimates (jit_above_cost), which a query over a large table
// crosses even when it reads a few rows; measured on the NC scorecard at
// 100,000 NCs it took 793 of 1,096 ms. A URL that sets jit keeps its own.
func withJITOff(dsn string) string {
	if strings.Contains(dsn, "://") {
		u, err := neturl.Parse(dsn)
		if err != nil {
			return dsn
		}
		q := u.Query()
		if q.Get("jit") == "" && !strings.Contains(q.Get("options"), "jit") {
			q.Set("jit", "off")
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	if strings.Contains(dsn, "jit") {
		return dsn
	}
	return strings.TrimSpace(dsn + " jit=off")
}

// Migrate applies every pending migration embedded in the binary.
func Migrate(ctx context.Context, db *sqlx.DB) (int, error) {
	sub, err := fs.Sub(qmstrack.Migrations, "migrations")
	if err != nil {
		return 0, err
	}
	// Out-of-order: capabilities number their migrations in ranges of their
	// own, so a database may meet a lower-numbered migration after a higher
	// one; each migration is still applied exactly once.
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise. Errors from the driver are translated to qms kinds.
func InTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return translate(err)
	}
	return translate(tx.Commit())
}

// translate maps driver errors to qms error kinds by SQLSTATE code, never by
// message text. Errors that already carry a kind pass through.
func translate(err error) error {
	if err == nil || qms.KindOf(err) != nil {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return qms.Wrap(qms.ErrNotFound, err, "not found")
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return qms.Wrap(qms.ErrConflict, err, "already exists")
		case "23503": // foreign_key_violation
			return qms.Wrap(qms.ErrInvalid, err, "refers to something that does not exist")
		case "23514", "22001", "22P02", "23502": // check, string too long, invalid text, not null
			return qms.Wrap(qms.ErrInvalid, err, "invalid value")
		case "40001", "40P01", "55P03": // serialization failure, deadlock, lock not available
			return qms.Wrap(qms.ErrConflict, err, "a concurrent change got there first; try again")
		case "QY001": // a write into a closed QMS year (migration 00077's guards)
			return qms.Wrap(qms.ErrState, err, "this belongs to a closed QMS year, whose reports are read-only")
		}
	}
	return err
}

// notFound turns sql.ErrNoRows into an ErrNotFound with a message naming what.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return qms.Errorf(qms.ErrNotFound, format, args...)
	}
	return translate(err)
}

// Ping checks the database for readiness.
func Ping(ctx context.Context, db *sqlx.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// SetOfficeTimeZone records the office's time zone (QMS_TIMEZONE) for the
// database's own date arithmetic: the dossier statistics triggers bucket
// by day in it (office_time_zone()). It reports whether the zone changed.
func SetOfficeTimeZone(ctx context.Context, db *sqlx.DB, zone string) (bool, error) {
	const q = `UPDATE office_settings SET time_zone = $1 WHERE id AND time_zone <> $1`
	if _, err := time.LoadLocation(zone); err != nil {
		return false, fmt.Errorf("time zone %q: %w", zone, err)
	}
	res, err := db.ExecContext(ctx, q, zone)
	if err != nil {
		return false, translate(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
