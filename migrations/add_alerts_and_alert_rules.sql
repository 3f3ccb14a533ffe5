-- revision: add_alerts_rules
-- down_revision: 20251228_fts
-- message: Add alerts and alert_rules tables

-- migrate:upgrade
CREATE TYPE alert_severity AS ENUM ('low', 'medium', 'high', 'critical');
CREATE TYPE alert_status AS ENUM ('pending', 'delivered', 'acknowledged', 'dismissed');

CREATE TABLE alert_rules (
    id uuid NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    enabled boolean NOT NULL,
    severity alert_severity NOT NULL DEFAULT 'medium',
    risk_threshold integer,
    object_types json,
    camera_ids json,
    zone_ids json,
    min_confidence double precision,
    schedule json,
    conditions json,
    dedup_key_template varchar(255) NOT NULL DEFAULT '{camera_id}:{rule_id}',
    cooldown_seconds integer NOT NULL,
    channels json,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX idx_alert_rules_name ON alert_rules (name);
CREATE INDEX idx_alert_rules_enabled ON alert_rules (enabled);
CREATE INDEX idx_alert_rules_severity ON alert_rules (severity);

CREATE TABLE alerts (
    id uuid NOT NULL,
    event_id integer NOT NULL,
    rule_id uuid,
    severity alert_severity NOT NULL DEFAULT 'medium',
    status alert_status NOT NULL DEFAULT 'pending',
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    delivered_at timestamp,
    channels json,
    dedup_key varchar(255) NOT NULL,
    metadata json,
    PRIMARY KEY (id),
    CONSTRAINT fk_alerts_event_id FOREIGN KEY (event_id)
        REFERENCES events (id) ON DELETE CASCADE,
    CONSTRAINT fk_alerts_rule_id FOREIGN KEY (rule_id)
        REFERENCES alert_rules (id) ON DELETE SET NULL
);
CREATE INDEX idx_alerts_event_id ON alerts (event_id);
CREATE INDEX idx_alerts_rule_id ON alerts (rule_id);
CREATE INDEX idx_alerts_severity ON alerts (severity);
CREATE INDEX idx_alerts_status ON alerts (status);
CREATE INDEX idx_alerts_created_at ON alerts (created_at);
CREATE INDEX idx_alerts_dedup_key ON alerts (dedup_key);
CREATE INDEX idx_alerts_dedup_key_created_at ON alerts (dedup_key, created_at);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_alerts_dedup_key_created_at;
DROP INDEX IF EXISTS idx_alerts_dedup_key;
DROP INDEX IF EXISTS idx_alerts_created_at;
DROP INDEX IF EXISTS idx_alerts_status;
DROP INDEX IF EXISTS idx_alerts_severity;
DROP INDEX IF EXISTS idx_alerts_rule_id;
DROP INDEX IF EXISTS idx_alerts_event_id;
DROP TABLE alerts;
DROP INDEX IF EXISTS idx_alert_rules_severity;
DROP INDEX IF EXISTS idx_alert_rules_enabled;
DROP INDEX IF EXISTS idx_alert_rules_name;
DROP TABLE alert_rules;
DROP TYPE IF EXISTS alert_status;
DROP TYPE IF EXISTS alert_severity;
