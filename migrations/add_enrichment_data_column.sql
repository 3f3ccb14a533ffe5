-- revision: add_enrichment_data
-- down_revision: add_camera_unique_constraints
-- message: Add enrichment_data JSONB column to detections table

-- migrate:upgrade
ALTER TABLE detections ADD COLUMN enrichment_data jsonb;
CREATE INDEX idx_detections_enrichment_data ON detections USING gin (enrichment_data);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_detections_enrichment_data;
ALTER TABLE detections DROP COLUMN enrichment_data;
