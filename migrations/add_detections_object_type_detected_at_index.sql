-- revision: add_detections_obj_type_time_idx
-- down_revision: 00c8a000b44f
-- message: Add composite index on detections(object_type, detected_at)

-- migrate:upgrade
CREATE INDEX ix_detections_object_type_detected_at ON detections (object_type, detected_at);

-- migrate:downgrade
DROP INDEX IF EXISTS ix_detections_object_type_detected_at;
