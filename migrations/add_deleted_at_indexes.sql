-- revision: add_deleted_at_indexes
-- down_revision: fix_camera_tz_idem
-- message: Add partial indexes on deleted_at columns for soft-delete queries

-- migrate:upgrade
-- Partial indexes over the soft-deleted rows (complement of idx_cameras_active and
-- idx_events_active). events is partitioned, so each partition gets its own index too.
CREATE INDEX ix_cameras_deleted_at ON cameras (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX ix_events_deleted_at ON events (deleted_at) WHERE deleted_at IS NOT NULL;

-- migrate:downgrade
DROP INDEX IF EXISTS ix_events_deleted_at;
DROP INDEX IF EXISTS ix_cameras_deleted_at;
