package store_test

import (
	"context"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/migrations"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

// migrationFiles counts the embedded migrations.
func migrationFiles(t *testing.T) int64 {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("embedded migrations: %v, %v", files, err)
	}
	return int64(len(files))
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	t.Parallel()
	s := storetest.New(t) // already migrated once
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`)
	if want := migrationFiles(t); err != nil || n != want {
		t.Fatalf("applied migrations = %d, %v; want each of the %d once", n, err, want)
	}
	for _, table := range []string{"jobs", "job_events", "launches", "wallets", "tx_journal", "job_checkpoints"} {
		if _, err := s.QueryInt(ctx, `SELECT count(*) FROM `+table); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	schema := "t_conc_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	stores := make([]*store.Store, 3)
	for i := range stores {
		s, err := store.Open(ctx, storetest.URL(), store.WithSchema(schema))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		stores[i] = s
	}
	t.Cleanup(func() {
		_ = stores[0].Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		for _, s := range stores {
			s.Close()
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrate %d: %v", i, err)
		}
	}
	n, err := stores[0].QueryInt(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`)
	if want := migrationFiles(t); err != nil || n != want {
		t.Fatalf("applied migrations = %d, %v; want each of the %d exactly once", n, err, want)
	}
}

func TestOpenUnreachableNamesDatabaseURL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := store.Open(ctx, "postgres://nitro:hunter2secret@127.0.0.1:1/nitro?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("open of a closed port succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "DATABASE_URL") || !strings.Contains(msg, "127.0.0.1:1") {
		t.Errorf("error does not name DATABASE_URL and the address: %s", msg)
	}
	if strings.Contains(msg, "hunter2secret") {
		t.Errorf("error leaks the password: %s", msg)
	}
}

func TestOpenCreatesMissingDatabase(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	name := "nitro_create_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	u, err := url.Parse(storetest.URL())
	must(t, err)
	u.Path = "/" + name
	s, err := store.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open with a missing database: %v", err)
	}
	s.Close()
	admin, err := store.Open(ctx, storetest.URL())
	if err != nil {
		t.Fatalf("open admin: %v", err)
	}
	defer admin.Close()
	if err := admin.Exec(ctx, `DROP DATABASE `+name); err != nil {
		t.Fatalf("database %s was not created: %v", name, err)
	}
}

func TestOpenMissingDatabaseWithoutCreateRight(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	admin, err := store.Open(ctx, storetest.URL())
	must(t, err)
	t.Cleanup(admin.Close) // after the role is dropped (cleanups run last-in first-out)
	role := "nitro_nocreate_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	must(t, admin.Exec(ctx, `CREATE ROLE `+role+` LOGIN NOCREATEDB`))
	t.Cleanup(func() {
		if err := admin.Exec(context.Background(), `DROP ROLE `+role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})

	u, err := url.Parse(storetest.URL())
	must(t, err)
	u.User = url.User(role)
	u.Path = "/" + role + "_db"
	_, err = store.Open(ctx, u.String())
	if err == nil {
		t.Fatal("open succeeded without the right to create the database")
	}
	if !strings.Contains(err.Error(), "may not create it") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("err = %v", err)
	}
}
