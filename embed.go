// Package qmstrack holds the files that are built into the qmstrack binary:
// the web assets, the database migrations and the Casbin policies. It exists
// at the module root because //go:embed cannot reach parent folders, and one
// self-contained binary is what Go users expect.
package qmstrack

import "embed"

// Assets holds templates/, css/, js/, img/ and i18n/.
//
//go:embed all:assets
var Assets embed.FS

// Migrations holds the goose SQL migrations, applied in file-name order.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Policies holds model.conf (the Casbin model) and policy.csv (role -> permission).
//
//go:embed policies
var Policies embed.FS
