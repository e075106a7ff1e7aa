package postgres

import (
	"database/sql"

	"github.com/lib/pq"
)

var sqlTxOptionsRepeatableRead = sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

// pqArray adapts a string slice to a PostgreSQL text[] parameter.
func pqArray(s []string) any { return pq.Array(s) }
