-- revision: add_gin_brin_specialized_indexes
-- down_revision: add_gpu_stats_recorded_at_brin, add_partial_indexes_boolean
-- message: Add specialized indexes: GIN for JSONB and BRIN for time-series

-- migrate:upgrade
CREATE INDEX ix_detections_enrichment_data_gin ON detections USING gin (enrichment_data jsonb_path_ops);
CREATE INDEX ix_detections_detected_at_brin ON detections USING brin (detected_at);
CREATE INDEX ix_events_started_at_brin ON events USING brin (started_at);
CREATE INDEX ix_logs_timestamp_brin ON logs USING brin ("timestamp");
CREATE INDEX ix_audit_logs_timestamp_brin ON audit_logs USING brin ("timestamp");

-- migrate:downgrade
DROP INDEX IF EXISTS ix_audit_logs_timestamp_brin;
DROP INDEX IF EXISTS ix_logs_timestamp_brin;
DROP INDEX IF EXISTS ix_events_started_at_brin;
DROP INDEX IF EXISTS ix_detections_detected_at_brin;
DROP INDEX IF EXISTS ix_detections_enrichment_data_gin;
