-- revision: fix_datetime_tz
-- down_revision: add_clip_path
-- message: Fix DateTime columns to use timezone=True

-- migrate:upgrade
-- Naive values are taken to be UTC.
ALTER TABLE cameras
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN last_seen_at TYPE timestamptz USING last_seen_at AT TIME ZONE 'UTC';
ALTER TABLE gpu_stats
    ALTER COLUMN recorded_at TYPE timestamptz USING recorded_at AT TIME ZONE 'UTC';
ALTER TABLE logs
    ALTER COLUMN "timestamp" TYPE timestamptz USING "timestamp" AT TIME ZONE 'UTC';
ALTER TABLE detections
    ALTER COLUMN detected_at TYPE timestamptz USING detected_at AT TIME ZONE 'UTC';
ALTER TABLE events
    ALTER COLUMN started_at TYPE timestamptz USING started_at AT TIME ZONE 'UTC',
    ALTER COLUMN ended_at TYPE timestamptz USING ended_at AT TIME ZONE 'UTC';
ALTER TABLE alert_rules
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
ALTER TABLE alerts
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN delivered_at TYPE timestamptz USING delivered_at AT TIME ZONE 'UTC';
ALTER TABLE zones
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';

-- migrate:downgrade
-- Back to naive UTC wall-clock values (the exact inverse of the upgrade, whatever
-- the session TimeZone is).
ALTER TABLE zones
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC';
ALTER TABLE alerts
    ALTER COLUMN delivered_at TYPE timestamp USING delivered_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC';
ALTER TABLE alert_rules
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC';
ALTER TABLE events
    ALTER COLUMN ended_at TYPE timestamp USING ended_at AT TIME ZONE 'UTC',
    ALTER COLUMN started_at TYPE timestamp USING started_at AT TIME ZONE 'UTC';
ALTER TABLE detections
    ALTER COLUMN detected_at TYPE timestamp USING detected_at AT TIME ZONE 'UTC';
ALTER TABLE logs
    ALTER COLUMN "timestamp" TYPE timestamp USING "timestamp" AT TIME ZONE 'UTC';
ALTER TABLE gpu_stats
    ALTER COLUMN recorded_at TYPE timestamp USING recorded_at AT TIME ZONE 'UTC';
ALTER TABLE cameras
    ALTER COLUMN last_seen_at TYPE timestamp USING last_seen_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC';
