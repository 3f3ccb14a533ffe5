-- revision: add_clip_path
-- down_revision: add_baselines
-- message: Add clip_path column to events table

-- migrate:upgrade
ALTER TABLE events ADD COLUMN clip_path varchar;

-- migrate:downgrade
ALTER TABLE events DROP COLUMN clip_path;
