-- revision: add_composite_indexes_filters
-- down_revision: add_detections_camera_object_idx
-- message: Add composite indexes for common filter combinations

-- migrate:upgrade
CREATE INDEX idx_events_camera_started ON events (camera_id, started_at);
CREATE INDEX idx_events_camera_time_reviewed ON events (camera_id, started_at, reviewed);
CREATE INDEX idx_detections_camera_time_type ON detections (camera_id, detected_at, object_type);
CREATE INDEX idx_alerts_status_created ON alerts (status, created_at);
CREATE INDEX idx_alerts_severity_created ON alerts (severity, created_at);
CREATE INDEX idx_logs_time_level_component ON logs ("timestamp", level, component);
CREATE INDEX idx_logs_time_level ON logs ("timestamp", level);

-- migrate:downgrade
DROP INDEX idx_logs_time_level;
DROP INDEX idx_logs_time_level_component;
DROP INDEX idx_alerts_severity_created;
DROP INDEX idx_alerts_status_created;
DROP INDEX idx_detections_camera_time_type;
DROP INDEX idx_events_camera_time_reviewed;
DROP INDEX idx_events_camera_started;
