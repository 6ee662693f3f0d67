package store_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestCreateWalletAndSecret(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	key := keypair(t)
	w, err := s.CreateWallet(ctx, "u1", "dev", store.WalletUser, key)
	must(t, err)
	if want := solana.PrivateKey(key).PublicKey().String(); w.PublicKey != want {
		t.Fatalf("public key = %s; want %s", w.PublicKey, want)
	}
	if w.UserID != "u1" || w.Label != "dev" || w.Kind != store.WalletUser || w.CreatedAt.IsZero() {
		t.Fatalf("wallet = %+v", w)
	}
	got, err := s.WalletSecret(ctx, "u1", w.PublicKey)
	must(t, err)
	if string(got) != string(key) {
		t.Fatal("secret round trip differs")
	}
	owner, err := s.WalletOwner(ctx, w.PublicKey)
	if err != nil || owner != "u1" {
		t.Fatalf("owner = %q, %v", owner, err)
	}
	// Another user neither reads the secret nor learns that the wallet exists.
	_, err = s.WalletSecret(ctx, "u2", w.PublicKey)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.WalletSecret(ctx, "u1", "NoSuchWallet")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.WalletOwner(ctx, "NoSuchWallet")
	wantErr(t, err, store.ErrNotFound)
}

func TestCreateWalletTwice(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	key := keypair(t)
	w1, err := s.CreateWallet(ctx, "u1", "a", store.WalletUser, key)
	must(t, err)
	w2, err := s.CreateWallet(ctx, "u1", "b", store.WalletUser, key)
	must(t, err)
	if w2 != w1 {
		t.Fatalf("second registration = %+v; want the first %+v", w2, w1)
	}
	_, err = s.CreateWallet(ctx, "u2", "mine now", store.WalletUser, key)
	wantErr(t, err, store.ErrConflict)
}

func TestCreateWalletRefusesBadKeys(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	key := keypair(t)
	other := keypair(t)
	mismatched := append(append([]byte{}, key[:32]...), other[32:]...)
	for name, secret := range map[string][]byte{
		"short": key[:63], "seed only": key[:32], "mismatched halves": mismatched, "empty": nil,
	} {
		if _, err := s.CreateWallet(ctx, "u", "", store.WalletUser, secret); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			wantErr(t, err, store.ErrInvalidKey)
		}
	}
	if _, err := s.CreateWallet(ctx, "u", "", "hot", key); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestListWallets(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	var user []string
	for i := range 3 {
		w, err := s.CreateWallet(ctx, "u", fmt.Sprint("buyer", i), store.WalletUser, keypair(t))
		must(t, err)
		user = append(user, w.PublicKey)
	}
	_, err := s.CreateWallet(ctx, "u", "hop", store.WalletIntermediate, keypair(t))
	must(t, err)
	_, err = s.CreateWallet(ctx, "someone", "x", store.WalletUser, keypair(t))
	must(t, err)

	all, err := s.ListWallets(ctx, "u", "")
	must(t, err)
	users, err := s.ListWallets(ctx, "u", store.WalletUser)
	must(t, err)
	if len(all) != 4 || len(users) != 3 {
		t.Fatalf("all = %d, user kind = %d", len(all), len(users))
	}
	for _, w := range users {
		if w.Kind != store.WalletUser || w.UserID != "u" {
			t.Errorf("wallet = %+v", w)
		}
	}
	none, err := s.ListWallets(ctx, "nobody", "")
	if err != nil || len(none) != 0 {
		t.Fatalf("nobody's wallets = %v, %v", none, err)
	}
}

func TestWalletViewsHoldNoSecret(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	key := keypair(t)
	w, err := s.CreateWallet(ctx, "u", "dev", store.WalletUser, key)
	must(t, err)
	list, err := s.ListWallets(ctx, "u", "")
	must(t, err)
	b, err := json.Marshal(map[string]any{"created": w, "list": list})
	must(t, err)
	assertNoSecret(t, string(b)+fmt.Sprintf("%v %+v %#v", w, list, list), key)
}

func TestSealedWalletTamperAndMove(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	a, err := s.CreateWallet(ctx, "u", "a", store.WalletUser, keypair(t))
	must(t, err)
	b, err := s.CreateWallet(ctx, "u", "b", store.WalletUser, keypair(t))
	must(t, err)
	// The database never holds the plain secret.
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM wallets WHERE length(secret) = 64`)
	if err != nil || n != 0 {
		t.Fatalf("plain-sized secrets = %d, %v", n, err)
	}
	// One flipped bit of the ciphertext: refused.
	must(t, s.Exec(ctx, `UPDATE wallets SET secret = set_byte(secret, 20, get_byte(secret, 20) # 1) WHERE public_key = $1`, a.PublicKey))
	_, err = s.WalletSecret(ctx, "u", a.PublicKey)
	wantErr(t, err, store.ErrUnseal)
	// b's sealed secret copied into a's row: refused (bound to b's public key).
	must(t, s.Exec(ctx, `UPDATE wallets SET secret = (SELECT secret FROM wallets WHERE public_key = $2) WHERE public_key = $1`,
		a.PublicKey, b.PublicKey))
	_, err = s.WalletSecret(ctx, "u", a.PublicKey)
	wantErr(t, err, store.ErrUnseal)
	_, err = s.WalletSecret(ctx, "u", b.PublicKey)
	must(t, err)
}

func TestWalletWithoutMasterKey(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t, store.WithSealer(nil)), t.Context()
	if _, err := s.CreateWallet(ctx, "u", "", store.WalletUser, keypair(t)); err == nil {
		t.Fatal("secret stored without a master key")
	}
}
