-- revision: add_partial_indexes_boolean
-- down_revision: add_alerts_dedup_indexes
-- message: Add partial indexes for boolean filter columns

-- migrate:upgrade
CREATE INDEX idx_events_reviewed_false ON events (reviewed) WHERE reviewed = false;
CREATE INDEX idx_events_is_fast_path_true ON events (is_fast_path) WHERE is_fast_path = true;
CREATE INDEX idx_zones_enabled_true ON zones (enabled) WHERE enabled = true;
CREATE INDEX idx_alert_rules_enabled_true ON alert_rules (enabled) WHERE enabled = true;
CREATE INDEX idx_api_keys_is_active_true ON api_keys (is_active) WHERE is_active = true;
CREATE INDEX idx_prompt_versions_is_active_true ON prompt_versions (is_active) WHERE is_active = true;

-- migrate:downgrade
DROP INDEX idx_prompt_versions_is_active_true;
DROP INDEX idx_api_keys_is_active_true;
DROP INDEX idx_alert_rules_enabled_true;
DROP INDEX idx_zones_enabled_true;
DROP INDEX idx_events_is_fast_path_true;
DROP INDEX idx_events_reviewed_false;
