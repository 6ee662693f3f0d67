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
	w, err := s.getWallet(ctx, pub)
	if err != nil {
		return Wallet{}, fmt.Errorf("create wallet: %w", err)
	}
	if w.UserID != userID {
		return Wallet{}, fmt.Errorf("create wallet %s: registered to another user: %w", pub, ErrConflict)
	}
	return w, nil
}

const walletColumns = `public_key, user_id, label, kind, created_at`

func (s *Store) getWallet(ctx context.Context, pub string) (Wallet, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+walletColumns+` FROM wallets WHERE public_key = $1`, pub)
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
