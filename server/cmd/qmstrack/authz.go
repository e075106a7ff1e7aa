package main

import (
	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
)

func authzFor(db *sqlx.DB) (*authz.Enforcer, error) { return authz.New(db) }
