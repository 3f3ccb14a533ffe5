-- revision: add_row_version_pv
-- down_revision: 6b206d6591cb
-- message: Add row_version column to prompt_versions table for optimistic locking
-- data_loss: the downgrade drops prompt_versions.row_version, so the row version counters are lost

-- migrate:upgrade
-- Existing rows start at version 1; afterwards the application supplies the value, so the
-- default is removed again.
ALTER TABLE prompt_versions ADD COLUMN row_version integer NOT NULL DEFAULT 1;
ALTER TABLE prompt_versions ALTER COLUMN row_version DROP DEFAULT;

-- migrate:downgrade
ALTER TABLE prompt_versions DROP COLUMN row_version;
