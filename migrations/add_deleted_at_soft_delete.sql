-- revision: add_deleted_at_soft_delete
-- down_revision: create_scene_changes_table
-- message: Add deleted_at columns for soft delete support
-- repair: events.deleted_at is neither added (upgrade) nor dropped (downgrade): add_time_series_partitioning already created it when it rebuilt events as a partitioned table, so the original ADD COLUMN failed with "column already exists"
-- data_loss: the downgrade drops cameras.deleted_at, so the soft-delete marks of cameras are lost

-- migrate:upgrade
ALTER TABLE cameras ADD COLUMN deleted_at timestamptz;

-- Partial indexes over the active (not soft-deleted) rows. events is partitioned, so
-- PostgreSQL also creates a matching index on every partition.
CREATE INDEX idx_cameras_active ON cameras (id) WHERE deleted_at IS NULL;
CREATE INDEX idx_events_active ON events (id, started_at) WHERE deleted_at IS NULL;

-- migrate:downgrade
DROP INDEX idx_events_active;
DROP INDEX idx_cameras_active;
ALTER TABLE cameras DROP COLUMN deleted_at;
