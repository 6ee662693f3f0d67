package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

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
	if ws, err := s.ListWallets(ctx, "u", ""); err != nil || len(ws) != 1 || ws[0].PublicKey != hop.PublicKey {
		t.Fatalf("listed after delete: %+v, %v", ws, err)
	}
}

// TestRestoreWallet: a deleted wallet keeps its sealed secret until pruned, and only
// the user who deleted it gets it back.
func TestRestoreWallet(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	secret := keypair(t)
	w, err := s.CreateWallet(ctx, "u", "dev", store.WalletUser, secret)
	must(t, err)
	must(t, s.DeleteWallet(ctx, "u", w.PublicKey))

	_, err = s.RestoreWallet(ctx, "u2", w.PublicKey)
	wantErr(t, err, store.ErrNotFound)
	got, err := s.RestoreWallet(ctx, "u", w.PublicKey)
	must(t, err)
	if got.PublicKey != w.PublicKey || got.Label != "dev" || got.Kind != store.WalletUser || !got.CreatedAt.Equal(w.CreatedAt) {
		t.Fatalf("restored %+v; want %+v", got, w)
	}
	back, err := s.WalletSecret(ctx, "u", w.PublicKey)
	must(t, err)
	if string(back) != string(secret) {
		t.Fatal("restored secret differs")
	}
	// A retried restore answers the same wallet; nothing is left to restore twice.
	if again, err := s.RestoreWallet(ctx, "u", w.PublicKey); err != nil || again.PublicKey != w.PublicKey {
		t.Fatalf("retried restore: %+v, %v", again, err)
	}
	if n, err := s.QueryInt(ctx, `SELECT count(*) FROM forgotten_wallets`); err != nil || n != 0 {
		t.Fatalf("forgotten wallets after restore = %d, %v", n, err)
	}

	// Deleted, then imported by another user: the deleted copy stays the first user's.
	must(t, s.DeleteWallet(ctx, "u", w.PublicKey))
	_, err = s.ImportWallets(ctx, "u2", []store.WalletImport{{Secret: secret}})
	must(t, err)
	_, err = s.RestoreWallet(ctx, "u", w.PublicKey)
	wantErr(t, err, store.ErrConflict)
	if n, err := s.QueryInt(ctx, `SELECT count(*) FROM forgotten_wallets WHERE user_id = 'u'`); err != nil || n != 1 {
		t.Fatalf("deleted copy after a refused restore = %d, %v", n, err)
	}

	// Pruning erases what was deleted before the cut, secret included.
	other, err := s.CreateWallet(ctx, "u", "", store.WalletUser, keypair(t))
	must(t, err)
	must(t, s.DeleteWallet(ctx, "u", other.PublicKey))
	n, err := s.PruneForgottenWallets(ctx, time.Now().Add(-time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("pruned %d wallets deleted within the hour", n)
	}
	if n, err = s.PruneForgottenWallets(ctx, time.Now().Add(time.Minute)); err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want both deleted wallets", n, err)
	}
	_, err = s.RestoreWallet(ctx, "u", other.PublicKey)
	wantErr(t, err, store.ErrNotFound)
}
