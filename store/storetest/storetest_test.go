package storetest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestSchemaIsolatedAndDropped(t *testing.T) {
	var schemas [2]string
	t.Run("a", func(t *testing.T) {
		s, schema := storetest.NewSchema(t)
		schemas[0] = schema
		if _, err := s.CreateWallet(t.Context(), "u", "", "user", nil); err == nil {
			t.Fatal("nil secret accepted")
		}
		must(t, s.Ping(t.Context()))
	})
	t.Run("b", func(t *testing.T) {
		_, schemas[1] = storetest.NewSchema(t)
	})
	if schemas[0] == schemas[1] || schemas[0] == "" {
		t.Fatalf("schemas = %v", schemas)
	}
	conn, err := pgx.Connect(context.Background(), storetest.URL())
	must(t, err)
	defer conn.Close(context.Background())
	var n int
	must(t, conn.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_namespace WHERE nspname = ANY($1)`, schemas[:]).Scan(&n))
	if n != 0 {
		t.Fatalf("%d test schemas left behind", n)
	}
}

// fatalTB records Fatalf instead of stopping the goroutine, to observe the helper.
type fatalTB struct {
	testing.TB
	msg string
}

type stopped struct{}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func (f *fatalTB) Skipf(string, ...any) { f.msg = "skipped"; panic(stopped{}) }

func TestNewFailsWhenPostgresIsUnreachable(t *testing.T) {
	t.Setenv("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:1/nitro_test?sslmode=disable&connect_timeout=2")
	f := &fatalTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != (stopped{}) {
				panic(r)
			}
		}()
		storetest.New(f)
	}()
	if f.msg == "" || f.msg == "skipped" {
		t.Fatalf("New did not fail the test: %q", f.msg)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
