package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Launch is one token launch. MintSecret is only read by RegisterLaunch; the store
// never fills it on the way out (see MintSecret).
type Launch struct {
	TokenAddress string           `json:"tokenAddress"`
	UserID       string           `json:"userId"`
	Platform     wire.Platform    `json:"platform"`
	Name         string           `json:"name"`
	Symbol       string           `json:"symbol"`
	MetadataURI  string           `json:"metadataUri"`
	JobID        string           `json:"jobId"`
	Mixing       bool             `json:"mixing"`
	MintSecret   Secret           `json:"-"`
	State        wire.LaunchState `json:"state"`
	Result       json.RawMessage  `json:"result,omitempty"`
	CreatedAt    time.Time        `json:"createdAt"`
	UpdatedAt    time.Time        `json:"updatedAt"`
}

// RegisterLaunch records a launch with a fresh LaunchState and its sealed mint secret
// (optional; when given it must be the keypair of TokenAddress). Registering again for
// the same user is a no-op that only fills a blank metadata URI, job id or mint
// secret, so a retried job is safe; another user's token is ErrConflict.
func (s *Store) RegisterLaunch(ctx context.Context, l Launch) error {
	sealed, err := s.sealMint(l)
	if err != nil {
		return fmt.Errorf("register launch %s: %w", l.TokenAddress, err)
	}
	st := wire.NewLaunchState(l.TokenAddress, l.Platform, l.UserID, l.Name, l.Symbol, l.Mixing)
	state, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("register launch %s: %w", l.TokenAddress, err)
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO launches AS l (token_address, user_id, platform, name, symbol, metadata_uri, job_id, state, mint_secret)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (token_address) DO UPDATE SET
			metadata_uri = CASE WHEN l.metadata_uri = '' THEN EXCLUDED.metadata_uri ELSE l.metadata_uri END,
			job_id = CASE WHEN l.job_id = '' THEN EXCLUDED.job_id ELSE l.job_id END,
			mint_secret = COALESCE(l.mint_secret, EXCLUDED.mint_secret)
		WHERE l.user_id = EXCLUDED.user_id`,
		l.TokenAddress, l.UserID, l.Platform, l.Name, l.Symbol, l.MetadataURI, l.JobID, state, sealed)
	if err != nil {
		return fmt.Errorf("register launch %s: %w", l.TokenAddress, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("register launch %s: token belongs to another user: %w", l.TokenAddress, ErrConflict)
	}
	return nil
}

func (s *Store) sealMint(l Launch) ([]byte, error) {
	if l.MintSecret == nil {
		return nil, nil
	}
	pub, err := publicKeyOf(l.MintSecret)
	if err != nil {
		return nil, fmt.Errorf("mint secret: %w", err)
	}
	if pub != l.TokenAddress {
		return nil, fmt.Errorf("mint secret is not the keypair of the token address: %w", ErrInvalidKey)
	}
	return s.seal(l.MintSecret, l.TokenAddress)
}

// LoadLaunch returns the launch's state and its version (progress.LaunchLoader): the
// progress hub reads it when a run of its process first reports on the launch, and
// writes every change back through Persist. An unregistered token is
// wire.ErrUnknownLaunch (and ErrNotFound).
func (s *Store) LoadLaunch(ctx context.Context, token string) (wire.LaunchRow, error) {
	row := wire.LaunchRow{TokenAddress: token}
	err := s.pool.QueryRow(ctx, `SELECT state, state_version FROM launches WHERE token_address = $1`, token).
		Scan(&row.State, &row.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return row, fmt.Errorf("load launch %s: %w (%w)", token, wire.ErrUnknownLaunch, ErrNotFound)
	}
	if err != nil {
		return row, fmt.Errorf("load launch %s: %w", token, err)
	}
	return row, nil
}

const launchColumns = `token_address, user_id, platform, name, symbol, metadata_uri, job_id, state, result, created_at, updated_at`

func scanLaunch(row pgx.CollectableRow) (Launch, error) {
	var l Launch
	err := row.Scan(&l.TokenAddress, &l.UserID, &l.Platform, &l.Name, &l.Symbol, &l.MetadataURI, &l.JobID,
		&l.State, &l.Result, &l.CreatedAt, &l.UpdatedAt)
	l.Mixing = l.State.Mixing
	return l, err
}

// GetLaunch returns the launch of token, without its secret.
func (s *Store) GetLaunch(ctx context.Context, token string) (Launch, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+launchColumns+` FROM launches WHERE token_address = $1`, token)
	l, err := pgx.CollectExactlyOneRow(rows, scanLaunch)
	if err != nil {
		return Launch{}, notFound(err, "get launch "+token)
	}
	return l, nil
}

// ListUserLaunches returns up to limit of the user's launches, newest first.
func (s *Store) ListUserLaunches(ctx context.Context, userID string, limit int) ([]Launch, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+launchColumns+` FROM launches
		WHERE user_id = $1 ORDER BY created_at DESC, token_address LIMIT $2`, userID, limit)
	ls, err := pgx.CollectRows(rows, scanLaunch)
	if err != nil {
		return nil, fmt.Errorf("launches of user %s: %w", userID, err)
	}
	return ls, nil
}

// SetLaunchResult stores the launch job's result (signatures, amounts).
func (s *Store) SetLaunchResult(ctx context.Context, token string, result json.RawMessage) error {
	return s.execOne(ctx, "set result of launch "+token,
		`UPDATE launches SET result = $2, updated_at = now() WHERE token_address = $1`, token, result)
}

// SetMetadataURI records where the token's metadata JSON was uploaded.
func (s *Store) SetMetadataURI(ctx context.Context, token, uri string) error {
	return s.execOne(ctx, "set metadata uri of launch "+token,
		`UPDATE launches SET metadata_uri = $2, updated_at = now() WHERE token_address = $1`, token, uri)
}

// MintSecret returns the launch's mint keypair (64 bytes), for the job that creates
// the token. ErrNotFound if the launch or its secret is missing.
func (s *Store) MintSecret(ctx context.Context, token string) ([]byte, error) {
	var sealed []byte
	err := s.pool.QueryRow(ctx, `SELECT mint_secret FROM launches WHERE token_address = $1`, token).Scan(&sealed)
	if err != nil {
		return nil, notFound(err, "mint secret of "+token)
	}
	if sealed == nil {
		return nil, fmt.Errorf("mint secret of %s: %w", token, ErrNotFound)
	}
	plain, err := s.open(sealed, token)
	if err != nil {
		return nil, fmt.Errorf("mint secret of %s: %w", token, err)
	}
	return plain, nil
}

// LaunchOwner returns the user a launch belongs to (ErrNotFound when unknown).
func (s *Store) LaunchOwner(ctx context.Context, token string) (string, error) {
	l, err := s.GetLaunch(ctx, token)
	if err != nil {
		return "", err
	}
	return l.UserID, nil
}
