-- +goose Up

-- One row per asynq task. The row may be created by the HTTP API (queued), by the
-- worker when a task enqueued elsewhere starts, or by the progress writer when events
-- arrive first. payload never holds secrets: wallets are named by public key.
CREATE TABLE jobs (
    id              text PRIMARY KEY,
    type            text        NOT NULL DEFAULT '',
    user_id         text        NOT NULL DEFAULT '',
    user_chat_id    bigint      NOT NULL DEFAULT 0,
    queue           text        NOT NULL DEFAULT '',
    state           text        NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'running', 'retrying', 'completed', 'failed')),
    token_address   text        NOT NULL DEFAULT '',
    payload         jsonb       NOT NULL DEFAULT '{}',
    attempt         integer     NOT NULL DEFAULT 0,
    max_retry       integer     NOT NULL DEFAULT 0,
    result          jsonb,
    error           text        NOT NULL DEFAULT '',
    latest_progress jsonb,
    latest_seq      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    ended_at        timestamptz
);
-- Snapshot on subscribe: a user's recent jobs, every user's recent jobs (admin), and
-- jobs still running whatever their age.
CREATE INDEX jobs_user_updated_idx ON jobs (user_id, updated_at DESC);
CREATE INDEX jobs_updated_idx ON jobs (updated_at DESC);
CREATE INDEX jobs_active_idx ON jobs (user_id, updated_at DESC) WHERE state IN ('running', 'retrying');
CREATE INDEX jobs_token_idx ON jobs (token_address) WHERE token_address <> '';

-- Every progress event as emitted. No foreign key: events may be written before the
-- job row, and the writer creates a minimal row in the same statement.
CREATE TABLE job_events (
    job_id     text        NOT NULL,
    seq        bigint      NOT NULL,
    name       text        NOT NULL,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq)
);

-- One row per token launch. state is progress.LaunchState; mint_secret is sealed
-- (AES-256-GCM, associated data = token_address).
CREATE TABLE launches (
    token_address text PRIMARY KEY,
    user_id       text        NOT NULL,
    platform      text        NOT NULL,
    name          text        NOT NULL DEFAULT '',
    symbol        text        NOT NULL DEFAULT '',
    metadata_uri  text        NOT NULL DEFAULT '',
    job_id        text        NOT NULL DEFAULT '',
    state         jsonb       NOT NULL,
    mint_secret   bytea,
    result        jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX launches_user_created_idx ON launches (user_id, created_at DESC);
CREATE INDEX launches_user_updated_idx ON launches (user_id, updated_at DESC);
CREATE INDEX launches_updated_idx ON launches (updated_at DESC);

-- Registered wallets; secret is sealed (associated data = public_key).
CREATE TABLE wallets (
    public_key text PRIMARY KEY,
    user_id    text        NOT NULL,
    label      text        NOT NULL DEFAULT '',
    kind       text        NOT NULL CHECK (kind IN ('user', 'intermediate', 'mint')),
    secret     bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wallets_user_idx ON wallets (user_id, kind);

-- Every transaction is journaled before it is sent, so a retried job settles it
-- instead of sending a second one.
CREATE TABLE tx_journal (
    id                bigserial PRIMARY KEY,
    job_id            text        NOT NULL,
    step_key          text        NOT NULL,
    attempt           integer     NOT NULL DEFAULT 0,
    signature         text        NOT NULL UNIQUE,
    signed_tx         bytea       NOT NULL,
    blockhash         text        NOT NULL DEFAULT '',
    last_valid_height bigint      NOT NULL DEFAULT 0,
    state             text        NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sent', 'confirmed', 'failed', 'expired')),
    error             text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tx_journal_job_state_idx ON tx_journal (job_id, state);
CREATE INDEX tx_journal_job_step_idx ON tx_journal (job_id, step_key);

-- The output of each finished step of a job, so a retried run resumes after it.
CREATE TABLE job_checkpoints (
    job_id     text        NOT NULL,
    step_key   text        NOT NULL,
    data       jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, step_key)
);

-- +goose Down
DROP TABLE job_checkpoints;
DROP TABLE tx_journal;
DROP TABLE wallets;
DROP TABLE launches;
DROP TABLE job_events;
DROP TABLE jobs;
