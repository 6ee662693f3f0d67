package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestImportWalletsAllOrNothing(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	var items []store.WalletImport
	for i := range store.MaxWalletImport {
		items = append(items, store.WalletImport{Label: fmt.Sprint("w", i), Secret: keypair(t)})
	}
	ws, err := s.ImportWallets(ctx, "u", items)
	must(t, err)
	if len(ws) != store.MaxWalletImport {
		t.Fatalf("imported %d", len(ws))
	}
	for i, w := range ws {
		if w.Label != items[i].Label || w.UserID != "u" || w.Kind != store.WalletUser {
			t.Fatalf("wallet %d = %+v (order or fields differ)", i, w)
		}
		got, err := s.WalletSecret(ctx, "u", w.PublicKey)
		must(t, err)
		if string(got) != string(items[i].Secret) {
			t.Fatalf("wallet %d: secret round trip differs", i)
		}
	}
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM wallets WHERE length(secret) = 64`)
	if err != nil || n != 0 {
		t.Fatalf("plain-sized secrets = %d, %v", n, err)
	}

	// One already registered key (index 2) refuses the whole batch.
	fresh := []store.WalletImport{{Secret: keypair(t)}, {Secret: keypair(t)}, {Secret: items[7].Secret}}
	_, err = s.ImportWallets(ctx, "other", fresh)
	wantIndex(t, err, store.ErrConflict, 2)
	// A key given twice (index 1 repeats index 0).
	k := keypair(t)
	_, err = s.ImportWallets(ctx, "u", []store.WalletImport{{Secret: k}, {Secret: k}})
	wantIndex(t, err, store.ErrConflict, 1)
	// A bad keypair at index 1.
	_, err = s.ImportWallets(ctx, "u", []store.WalletImport{{Secret: keypair(t)}, {Secret: k[:40]}})
	wantIndex(t, err, store.ErrInvalidKey, 1)
	// Too many.
	if _, err := s.ImportWallets(ctx, "u", append(items, items[0])); err == nil {
		t.Fatal("101 wallets accepted")
	}
	total, err := s.QueryInt(ctx, `SELECT count(*) FROM wallets`)
	must(t, err)
	if total != store.MaxWalletImport {
		t.Fatalf("%d wallets stored after refused imports; want %d", total, store.MaxWalletImport)
	}
}

func wantIndex(t *testing.T, err, target error, index int) {
	t.Helper()
	wantErr(t, err, target)
	var ie *store.ImportError
	if !errors.As(err, &ie) || ie.Index != index {
		t.Fatalf("err = %v; want an ImportError at index %d", err, index)
	}
}

func TestRenameAndDeleteWallet(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	w, err := s.CreateWallet(ctx, "u", "old", store.WalletUser, keypair(t))
	must(t, err)
	hop, err := s.CreateWallet(ctx, "u", "hop", store.WalletIntermediate, keypair(t))
	must(t, err)

	got, err := s.RenameWallet(ctx, "u", w.PublicKey, "new")
	must(t, err)
	if got.Label != "new" || got.PublicKey != w.PublicKey {
		t.Fatalf("renamed = %+v", got)
	}
	// Another user's wallet, a missing one and a mixer wallet are not found.
	_, err = s.RenameWallet(ctx, "u2", w.PublicKey, "x")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.RenameWallet(ctx, "u", hop.PublicKey, "x")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetUserWallet(ctx, "u2", w.PublicKey)
	wantErr(t, err, store.ErrNotFound)

	wantErr(t, s.DeleteWallet(ctx, "u2", w.PublicKey), store.ErrNotFound)
	wantErr(t, s.DeleteWallet(ctx, "u", hop.PublicKey), store.ErrNotFound)
	must(t, s.DeleteWallet(ctx, "u", w.PublicKey))
	wantErr(t, s.DeleteWallet(ctx, "u", w.PublicKey), store.ErrNotFound)
	_, err = s.WalletSecret(ctx, "u", w.PublicKey)
	wantErr(t, err, store.ErrNotFound)
}
