-- +goose Up

-- Retention (Store.PruneEvents) deletes job_events by age. Events are appended in time
-- order, so a BRIN index finds the old ones at a few pages' cost instead of a second
-- B-tree as large as the table's primary key.
CREATE INDEX job_events_created_brin ON job_events USING brin (created_at);

-- +goose Down
DROP INDEX job_events_created_brin;
