// Package migrations holds the numbered goose SQL migrations of the Nitro database,
// embedded so the binary migrates without files on disk. The store package runs them.
package migrations

import "embed"

// FS holds the migration files at its root (00001_init.sql, ...), ready for
// goose.NewProvider.
//
//go:embed *.sql
var FS embed.FS
