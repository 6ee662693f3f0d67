package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/mr-tron/base58"
)

// WalletKind is wallets.kind.
type WalletKind string

// The kinds of wallet the store keeps.
const (
	WalletUser         WalletKind = "user"         // registered by its owner (dev, funding, buyers)
	WalletIntermediate WalletKind = "intermediate" // created by the mixer between hops
	WalletMint         WalletKind = "mint"         // a reserved mint keypair
)

// Valid reports whether k is a known kind.
func (k WalletKind) Valid() bool {
	return k == WalletUser || k == WalletIntermediate || k == WalletMint
}

// ErrInvalidKey is returned for a secret that is not a 64-byte Solana keypair
// (32-byte seed followed by its public key).
var ErrInvalidKey = errors.New("invalid ed25519 keypair")

// Wallet is a registered wallet. It has no secret field, by design.
type Wallet struct {
	PublicKey string     `json:"publicKey"`
	UserID    string     `json:"userId"`
	Label     string     `json:"label"`
	Kind      WalletKind `json:"kind"`
	CreatedAt time.Time  `json:"createdAt"`
}

// publicKeyOf checks that secret is seed||pub with pub derived from seed and returns
// pub in base58.
func publicKeyOf(secret []byte) (string, error) {
	if len(secret) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("%w: want %d bytes, got %d", ErrInvalidKey, ed25519.PrivateKeySize, len(secret))
	}
	derived := ed25519.NewKeyFromSeed(secret[:ed25519.SeedSize]).Public().(ed25519.PublicKey)
	if !bytes.Equal(derived, secret[ed25519.SeedSize:]) {
		return "", fmt.Errorf("%w: public half does not match the seed", ErrInvalidKey)
	}
	return base58.Encode(derived), nil
}

// CreateWallet registers a keypair for userID and seals its secret. Registering the
// same keypair again for the same user returns the existing wallet; for another user
// it is ErrConflict.
func (s *Store) CreateWallet(ctx context.Context, userID, label string, kind WalletKind, secret []byte) (Wallet, error) {
	if !kind.Valid() {
		return Wallet{}, fmt.Errorf("create wallet: unknown kind %q", kind)
	}
	pub, err := publicKeyOf(secret)
	if err != nil {
		return Wallet{}, fmt.Errorf("create wallet: %w", err)
	}
	sealed, err := s.seal(secret, pub)
	if err != nil {
		return Wallet{}, fmt.Errorf("create wallet %s: %w", pub, err)
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO wallets (public_key, user_id, label, kind, secret) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (public_key) DO NOTHING`, pub, userID, label, kind, sealed)
	if err != nil {
		return Wallet{}, fmt.Errorf("create wallet %s: %w", pub, err)
	}
	w, err := readWallet(ctx, s.pool, pub)
	if err != nil {
		return Wallet{}, fmt.Errorf("create wallet: %w", err)
	}
	if w.UserID != userID {
		return Wallet{}, fmt.Errorf("create wallet %s: registered to another user: %w", pub, ErrConflict)
	}
	return w, nil
}

const walletColumns = `public_key, user_id, label, kind, created_at`

// readWallet reads a wallet through q: the pool, or a transaction that changed it.
func readWallet(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, pub string) (Wallet, error) {
	rows, _ := q.Query(ctx, `SELECT `+walletColumns+` FROM wallets WHERE public_key = $1`, pub)
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Wallet])
	if err != nil {
		return Wallet{}, notFound(err, "wallet "+pub)
	}
	return w, nil
}

// ListWallets returns the user's wallets of kind ("" = every kind), oldest first.
func (s *Store) ListWallets(ctx context.Context, userID string, kind WalletKind) ([]Wallet, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+walletColumns+` FROM wallets
		WHERE user_id = $1 AND ($2 = '' OR kind = $2) ORDER BY created_at, public_key`, userID, string(kind))
	ws, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Wallet])
	if err != nil {
		return nil, fmt.Errorf("wallets of user %s: %w", userID, err)
	}
	return ws, nil
}

// WalletOwner returns the user a wallet is registered to (ErrNotFound if none).
func (s *Store) WalletOwner(ctx context.Context, pub string) (string, error) {
	var owner string
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM wallets WHERE public_key = $1`, pub).Scan(&owner)
	if err != nil {
		return "", notFound(err, "owner of wallet "+pub)
	}
	return owner, nil
}

// WalletSecret returns the 64-byte secret of pub if userID owns it. A wallet of
// another user is ErrNotFound, like a missing one, so callers cannot probe ownership.
func (s *Store) WalletSecret(ctx context.Context, userID, pub string) ([]byte, error) {
	var sealed []byte
	err := s.pool.QueryRow(ctx, `SELECT secret FROM wallets WHERE public_key = $1 AND user_id = $2`,
		pub, userID).Scan(&sealed)
	if err != nil {
		return nil, notFound(err, "secret of wallet "+pub)
	}
	plain, err := s.open(sealed, pub)
	if err != nil {
		return nil, fmt.Errorf("secret of wallet %s: %w", pub, err)
	}
	return plain, nil
}

// MaxWalletImport bounds one ImportWallets call (and POST /api/wallets/import).
const MaxWalletImport = 100

// WalletImport is one keypair of a bulk import.
type WalletImport struct {
	Label  string
	Secret []byte // 64-byte keypair; sealed like CreateWallet's, never kept in plain
}

// ImportError names the item of a bulk import that was refused: Index is its position
// in the request. It wraps ErrInvalidKey or ErrConflict.
type ImportError struct {
	Index int
	Err   error
}

func (e *ImportError) Error() string { return fmt.Sprintf("wallet %d: %v", e.Index, e.Err) }

// Unwrap returns the cause.
func (e *ImportError) Unwrap() error { return e.Err }

// ImportWallets registers up to MaxWalletImport keypairs for userID in one
// transaction: all of them or none. A keypair given twice, or already registered
// (to this or another user), is an *ImportError wrapping ErrConflict; a bad keypair
// one wrapping ErrInvalidKey. Unlike CreateWallet, a repeat is refused rather than
// answered with the existing wallet, so a caller learns exactly which item exists.
func (s *Store) ImportWallets(ctx context.Context, userID string, items []WalletImport) ([]Wallet, error) {
	if len(items) == 0 || len(items) > MaxWalletImport {
		return nil, fmt.Errorf("import wallets: %d items, want 1..%d", len(items), MaxWalletImport)
	}
	pubs := make([]string, len(items))
	sealed := make([][]byte, len(items))
	seen := make(map[string]int, len(items))
	for i, it := range items {
		pub, err := publicKeyOf(it.Secret)
		if err != nil {
			return nil, &ImportError{Index: i, Err: err}
		}
		if j, dup := seen[pub]; dup {
			return nil, &ImportError{Index: i, Err: fmt.Errorf("same keypair as wallet %d: %w", j, ErrConflict)}
		}
		seen[pub] = i
		if sealed[i], err = s.seal(it.Secret, pub); err != nil {
			return nil, fmt.Errorf("import wallets: %w", err)
		}
		pubs[i] = pub
	}
	var out []Wallet
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var taken []string
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(public_key), '{}') FROM wallets WHERE public_key = ANY($1)`,
			pubs).Scan(&taken); err != nil {
			return err
		}
		if len(taken) > 0 {
			return &ImportError{Index: firstIndex(pubs, taken), Err: fmt.Errorf("already registered: %w", ErrConflict)}
		}
		labels, kinds := make([]string, len(items)), make([]string, len(items))
		for i, it := range items {
			labels[i], kinds[i] = it.Label, string(WalletUser)
		}
		rows, _ := tx.Query(ctx, `
			INSERT INTO wallets (public_key, user_id, label, kind, secret)
			SELECT p, $2, l, k, s FROM unnest($1::text[], $3::text[], $4::text[], $5::bytea[]) WITH ORDINALITY AS t(p, l, k, s, n)
			ORDER BY n
			RETURNING `+walletColumns, pubs, userID, labels, kinds, sealed)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Wallet])
		return err
	})
	var ie *ImportError
	switch {
	case errors.As(err, &ie):
		return nil, err
	case isCode(err, "23505"): // a concurrent registration of one of the keys
		return nil, fmt.Errorf("import wallets: %w: %w", ErrConflict, err)
	case err != nil:
		return nil, fmt.Errorf("import wallets: %w", err)
	}
	return orderLike(out, pubs), nil
}

// firstIndex is the lowest index in pubs of any key in taken.
func firstIndex(pubs, taken []string) int {
	set := make(map[string]bool, len(taken))
	for _, t := range taken {
		set[t] = true
	}
	for i, p := range pubs {
		if set[p] {
			return i
		}
	}
	return 0
}

// orderLike returns ws in the order of pubs (RETURNING does not promise one).
func orderLike(ws []Wallet, pubs []string) []Wallet {
	by := make(map[string]Wallet, len(ws))
	for _, w := range ws {
		by[w.PublicKey] = w
	}
	out := make([]Wallet, 0, len(pubs))
	for _, p := range pubs {
		out = append(out, by[p])
	}
	return out
}

// RenameWallet sets the label of a user wallet that userID owns; a wallet of another
// user is ErrNotFound, like a missing one.
func (s *Store) RenameWallet(ctx context.Context, userID, pub, label string) (Wallet, error) {
	rows, _ := s.pool.Query(ctx, `UPDATE wallets SET label = $3 WHERE public_key = $1 AND user_id = $2 AND kind = 'user'
		RETURNING `+walletColumns, pub, userID, label)
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Wallet])
	if err != nil {
		return Wallet{}, notFound(err, "wallet "+pub)
	}
	return w, nil
}

// GetUserWallet returns a wallet that userID owns (ErrNotFound otherwise).
func (s *Store) GetUserWallet(ctx context.Context, userID, pub string) (Wallet, error) {
	w, err := readWallet(ctx, s.pool, pub)
	if err != nil {
		return Wallet{}, err
	}
	if w.UserID != userID {
		return Wallet{}, fmt.Errorf("wallet %s: %w", pub, ErrNotFound)
	}
	return w, nil
}

// DeleteWallet takes a user wallet that userID owns off the user's wallets: listed,
// used and sealed no more, but kept in forgotten_wallets, secret included, so that
// funds reaching it after the caller checked it empty are not lost with the key.
// RestoreWallet brings it back; PruneForgottenWallets erases it for good.
func (s *Store) DeleteWallet(ctx context.Context, userID, pub string) error {
	tag, err := s.pool.Exec(ctx, `
		WITH gone AS (
			DELETE FROM wallets WHERE public_key = $1 AND user_id = $2 AND kind = 'user'
			RETURNING public_key, user_id, label, kind, secret, created_at)
		INSERT INTO forgotten_wallets (public_key, user_id, label, kind, secret, created_at)
		SELECT * FROM gone
		ON CONFLICT (public_key) DO UPDATE SET user_id = EXCLUDED.user_id, label = EXCLUDED.label,
			secret = EXCLUDED.secret, created_at = EXCLUDED.created_at, forgotten_at = now()`, pub, userID)
	if err != nil {
		return fmt.Errorf("delete wallet %s: %w", pub, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete wallet %s: %w", pub, ErrNotFound)
	}
	return nil
}

// RestoreWallet registers again a wallet that userID deleted and returns it. A wallet
// of the user's that is registered already (restored before, or imported again) is
// returned as it is, so a retried restore succeeds; one registered by another user is
// ErrConflict; a key the user never had, or one pruned since, is ErrNotFound.
func (s *Store) RestoreWallet(ctx context.Context, userID, pub string) (Wallet, error) {
	var w Wallet
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			WITH back AS (
				DELETE FROM forgotten_wallets WHERE public_key = $1 AND user_id = $2
				RETURNING public_key, user_id, label, kind, secret, created_at)
			INSERT INTO wallets (public_key, user_id, label, kind, secret, created_at)
			SELECT * FROM back
			ON CONFLICT (public_key) DO NOTHING`, pub, userID); err != nil {
			return err
		}
		got, err := readWallet(ctx, tx, pub)
		switch {
		case err != nil:
			return err
		case got.UserID != userID || got.Kind != WalletUser:
			return ErrConflict // rolled back: the deleted copy stays the user's
		}
		w = got
		return nil
	})
	if err != nil {
		return Wallet{}, fmt.Errorf("restore wallet %s: %w", pub, err)
	}
	return w, nil
}

// PruneForgottenWallets erases, secret included, the wallets deleted before before and
// returns how many.
func (s *Store) PruneForgottenWallets(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM forgotten_wallets WHERE forgotten_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("prune wallets forgotten before %s: %w", before.Format(time.RFC3339), err)
	}
	return tag.RowsAffected(), nil
}
