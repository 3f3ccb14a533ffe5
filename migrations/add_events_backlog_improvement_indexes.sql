-- revision: add_events_backlog_indexes
-- down_revision: add_check_constraints, add_covering_indexes_pagination, add_gpu_stats_recorded_at_brin, add_partial_indexes_boolean
-- message: Add indexes for events table backlog improvements

-- migrate:upgrade
CREATE INDEX idx_events_risk_level_started_at ON events (risk_level, started_at);
CREATE INDEX idx_events_export_covering ON events
    (started_at, id, ended_at, risk_level, risk_score, camera_id, object_types, summary);
CREATE INDEX idx_events_unreviewed ON events (id) WHERE reviewed = false;

-- migrate:downgrade
DROP INDEX idx_events_unreviewed;
DROP INDEX idx_events_export_covering;
DROP INDEX idx_events_risk_level_started_at;
