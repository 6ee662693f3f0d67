package store_test

import (
	"context"
	"log"
	"os"

	"github.com/nitro-runtime/nitro/store"
)

// Open, migrate and close: what `nitro migrate` does.
func ExampleOpen() {
	ctx := context.Background()
	key, err := store.ParseMasterKey(os.Getenv("NITRO_MASTER_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		log.Fatal(err)
	}
	s, err := store.Open(ctx, os.Getenv("DATABASE_URL"), store.WithSealer(sealer))
	if err != nil {
		log.Fatal(err) // names DATABASE_URL and how to fix it, never the password
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
}
