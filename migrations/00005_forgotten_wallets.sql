-- +goose Up

-- A wallet a user deletes is moved here with its sealed secret rather than erased: funds
-- that reach its address after the check that it was empty (a deposit in flight, a late
-- sale) stay recoverable, by restoring it, until the retention prunes it.
CREATE TABLE forgotten_wallets (
    public_key   text PRIMARY KEY,
    user_id      text        NOT NULL,
    label        text        NOT NULL DEFAULT '',
    kind         text        NOT NULL,
    secret       bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    forgotten_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX forgotten_wallets_forgotten_idx ON forgotten_wallets (forgotten_at);

-- +goose Down
DROP TABLE forgotten_wallets;
