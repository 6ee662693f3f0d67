-- +goose Up

-- launches.state is written by the progress hub's writers, in the background, from the
-- state a process holds while its runs report the launch's stages. Each change numbers
-- the state; a write that arrives after a later one (another writer, another process)
-- is skipped instead of taking the launch back.
ALTER TABLE launches ADD COLUMN state_version bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE launches DROP COLUMN state_version;
