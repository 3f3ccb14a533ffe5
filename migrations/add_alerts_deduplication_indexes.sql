-- revision: add_alerts_dedup_indexes
-- down_revision: add_prompt_configs
-- message: Add indexes on alerts table for deduplication performance

-- migrate:upgrade
CREATE INDEX idx_alerts_delivered_at ON alerts (delivered_at);
CREATE INDEX idx_alerts_event_rule_delivered ON alerts (event_id, rule_id, delivered_at);

-- migrate:downgrade
DROP INDEX idx_alerts_event_rule_delivered;
DROP INDEX idx_alerts_delivered_at;
