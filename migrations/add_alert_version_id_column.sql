-- revision: add_alert_version_id_column
-- down_revision: 6b206d6591cb
-- message: Add version_id column to alerts table for optimistic locking
-- data_loss: the downgrade drops alerts.version_id, so the version counters are lost

-- migrate:upgrade
ALTER TABLE alerts ADD COLUMN version_id integer NOT NULL DEFAULT 1;

-- migrate:downgrade
ALTER TABLE alerts DROP COLUMN version_id;
