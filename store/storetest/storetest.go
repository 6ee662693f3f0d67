// Package storetest gives tests a real, isolated PostgreSQL store: a fresh schema
// per test, migrated, dropped when the test ends. It fails (never skips) when
// PostgreSQL cannot be reached. Use it from tests only.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/store"
)

// URL is the tests' PostgreSQL (TEST_DATABASE_URL); each test works in a schema of
// its own there.
func URL() string { return testkit.DatabaseURL() }

// New returns a migrated store in a schema of its own, with a random master key.
// The store is closed and the schema dropped when the test ends.
func New(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	s, _ := NewSchema(t, opts...)
	return s
}

// NewSchema is New that also returns the schema name, for tests that look at tables.
func NewSchema(t testing.TB, opts ...store.Option) (*store.Store, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema := "t_" + randomHex(8)
	sealer, err := store.NewSealer(randomBytes(store.MasterKeySize))
	if err != nil {
		t.Fatalf("storetest: sealer: %v", err)
	}
	// No fsync per commit: a test database need not survive a crash, and the
	// migration's DDL commits dominate a test's run time otherwise.
	opts = append([]store.Option{store.WithSealer(sealer), store.WithConnParam("synchronous_commit", "off")}, opts...)
	opts = append(opts, store.WithSchema(schema))
	s, err := store.Open(ctx, URL(), opts...)
	if err != nil {
		t.Fatalf("storetest: PostgreSQL is required for this test: %v", err)
	}
	t.Cleanup(func() { dropSchema(t, schema) })
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate schema %s: %v", schema, err)
	}
	return s, schema
}

func dropSchema(t testing.TB, schema string) {
	if err := testkit.Exec("DROP SCHEMA IF EXISTS " + pgx.Identifier{schema}.Sanitize() + " CASCADE"); err != nil {
		t.Errorf("storetest: drop schema %s: %v", schema, err)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
