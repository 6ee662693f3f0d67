-- +goose Up

-- A running job's row is rewritten by every worker_progress batch. Leaving room on each
-- page lets those updates stay on the page (HOT, no new entry in any of the five
-- indexes), as long as no indexed column changes: store.persistSQL refreshes
-- updated_at at most once a second for that reason.
ALTER TABLE jobs SET (fillfactor = 70);

-- +goose Down
ALTER TABLE jobs RESET (fillfactor);
