-- revision: add_detections_camera_object_idx
-- down_revision: add_alerts_dedup_indexes
-- message: Add composite index on detections for camera_id + object_type filtering

-- migrate:upgrade
CREATE INDEX idx_detections_camera_object_type ON detections (camera_id, object_type);

-- migrate:downgrade
DROP INDEX idx_detections_camera_object_type;
