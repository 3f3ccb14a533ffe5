-- revision: add_gpu_stats_recorded_at_brin
-- down_revision: add_detections_camera_object_idx
-- message: Add BRIN index on gpu_stats.recorded_at for time-series optimization

-- migrate:upgrade
DROP INDEX idx_gpu_stats_recorded_at;
CREATE INDEX ix_gpu_stats_recorded_at_brin ON gpu_stats USING brin (recorded_at);

-- migrate:downgrade
DROP INDEX ix_gpu_stats_recorded_at_brin;
CREATE INDEX idx_gpu_stats_recorded_at ON gpu_stats (recorded_at);
