package postgres

import (
	"database/sql"

	"github.com/lib/pq"
)

var sqlTxOptionsRepeatableRead = sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

// pqArray adapts a string slice to a PostgreSQL text[] parameter.
func pqArray(s []string) any { return pq.Array(s) }

// isUUID reports whether s has the textual form of a UUID, so a malformed id
// from a URL becomes "not found" instead of a driver error.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
