-- revision: add_covering_indexes_pagination
-- down_revision: add_composite_indexes_filters
-- message: Add covering indexes for API pagination queries

-- migrate:upgrade
CREATE INDEX idx_events_pagination_covering ON events (camera_id, started_at)
    INCLUDE (id, risk_score, risk_level, summary, reviewed);
CREATE INDEX idx_detections_pagination_covering ON detections (camera_id, detected_at)
    INCLUDE (id, object_type, confidence);
CREATE INDEX idx_alerts_pagination_covering ON alerts (created_at)
    INCLUDE (id, event_id, severity, status);
CREATE INDEX idx_logs_pagination_covering ON logs ("timestamp")
    INCLUDE (id, level, component, camera_id);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_logs_pagination_covering;
DROP INDEX IF EXISTS idx_alerts_pagination_covering;
DROP INDEX IF EXISTS idx_detections_pagination_covering;
DROP INDEX IF EXISTS idx_events_pagination_covering;
