-- revision: add_check_constraints
-- down_revision: add_alerts_dedup_indexes
-- message: Add CHECK constraints for enum-like columns and business rules

-- migrate:upgrade
ALTER TABLE cameras ADD CONSTRAINT ck_cameras_status
    CHECK (status IN ('online', 'offline', 'error', 'unknown'));
ALTER TABLE events ADD CONSTRAINT ck_events_risk_level
    CHECK (risk_level IS NULL OR risk_level IN ('low', 'medium', 'high', 'critical'));

-- detections.media_type only exists on some schemas (not on a fresh chain at this point)
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_attribute
        WHERE attrelid = to_regclass('detections') AND attname = 'media_type'
          AND attnum > 0 AND NOT attisdropped
    ) THEN
        ALTER TABLE detections ADD CONSTRAINT ck_detections_media_type
            CHECK (media_type IS NULL OR media_type IN ('image', 'video'));
    END IF;
END
$$;

ALTER TABLE logs ADD CONSTRAINT ck_logs_level
    CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'));
ALTER TABLE logs ADD CONSTRAINT ck_logs_source
    CHECK (source IN ('backend', 'frontend'));
ALTER TABLE audit_logs ADD CONSTRAINT ck_audit_logs_status
    CHECK (status IN ('success', 'failure'));
ALTER TABLE events ADD CONSTRAINT ck_events_risk_score_range
    CHECK (risk_score IS NULL OR (risk_score >= 0 AND risk_score <= 100));
ALTER TABLE events ADD CONSTRAINT ck_events_time_order
    CHECK (ended_at IS NULL OR ended_at >= started_at);
ALTER TABLE detections ADD CONSTRAINT ck_detections_confidence_range
    CHECK (confidence IS NULL OR (confidence >= 0.0 AND confidence <= 1.0));
ALTER TABLE activity_baselines ADD CONSTRAINT ck_activity_baselines_hour_range
    CHECK (hour >= 0 AND hour <= 23);
ALTER TABLE activity_baselines ADD CONSTRAINT ck_activity_baselines_dow_range
    CHECK (day_of_week >= 0 AND day_of_week <= 6);
ALTER TABLE class_baselines ADD CONSTRAINT ck_class_baselines_hour_range
    CHECK (hour >= 0 AND hour <= 23);
ALTER TABLE zones ADD CONSTRAINT ck_zones_priority_non_negative
    CHECK (priority >= 0);
ALTER TABLE zones ADD CONSTRAINT ck_zones_color_hex
    CHECK (color ~ '^#[0-9A-Fa-f]{6}$');
ALTER TABLE event_audits ADD CONSTRAINT ck_event_audits_context_score_range
    CHECK (context_usage_score IS NULL OR (context_usage_score >= 1.0 AND context_usage_score <= 5.0));
ALTER TABLE event_audits ADD CONSTRAINT ck_event_audits_reasoning_score_range
    CHECK (reasoning_coherence_score IS NULL OR (reasoning_coherence_score >= 1.0 AND reasoning_coherence_score <= 5.0));
ALTER TABLE event_audits ADD CONSTRAINT ck_event_audits_risk_justification_range
    CHECK (risk_justification_score IS NULL OR (risk_justification_score >= 1.0 AND risk_justification_score <= 5.0));
ALTER TABLE event_audits ADD CONSTRAINT ck_event_audits_consistency_score_range
    CHECK (consistency_score IS NULL OR (consistency_score >= 1.0 AND consistency_score <= 5.0));
ALTER TABLE event_audits ADD CONSTRAINT ck_event_audits_overall_score_range
    CHECK (overall_quality_score IS NULL OR (overall_quality_score >= 1.0 AND overall_quality_score <= 5.0));
ALTER TABLE event_audits ADD CONSTRAINT ck_event_audits_enrichment_range
    CHECK (enrichment_utilization >= 0.0 AND enrichment_utilization <= 1.0);
ALTER TABLE alert_rules ADD CONSTRAINT ck_alert_rules_risk_threshold_range
    CHECK (risk_threshold IS NULL OR (risk_threshold >= 0 AND risk_threshold <= 100));
ALTER TABLE alert_rules ADD CONSTRAINT ck_alert_rules_min_confidence_range
    CHECK (min_confidence IS NULL OR (min_confidence >= 0.0 AND min_confidence <= 1.0));
ALTER TABLE alert_rules ADD CONSTRAINT ck_alert_rules_cooldown_non_negative
    CHECK (cooldown_seconds >= 0);

-- migrate:downgrade
-- each constraint is dropped only if it is there (tables may have been rebuilt meanwhile)
ALTER TABLE alert_rules DROP CONSTRAINT IF EXISTS ck_alert_rules_cooldown_non_negative;
ALTER TABLE alert_rules DROP CONSTRAINT IF EXISTS ck_alert_rules_min_confidence_range;
ALTER TABLE alert_rules DROP CONSTRAINT IF EXISTS ck_alert_rules_risk_threshold_range;
ALTER TABLE event_audits DROP CONSTRAINT IF EXISTS ck_event_audits_enrichment_range;
ALTER TABLE event_audits DROP CONSTRAINT IF EXISTS ck_event_audits_overall_score_range;
ALTER TABLE event_audits DROP CONSTRAINT IF EXISTS ck_event_audits_consistency_score_range;
ALTER TABLE event_audits DROP CONSTRAINT IF EXISTS ck_event_audits_risk_justification_range;
ALTER TABLE event_audits DROP CONSTRAINT IF EXISTS ck_event_audits_reasoning_score_range;
ALTER TABLE event_audits DROP CONSTRAINT IF EXISTS ck_event_audits_context_score_range;
ALTER TABLE zones DROP CONSTRAINT IF EXISTS ck_zones_color_hex;
ALTER TABLE zones DROP CONSTRAINT IF EXISTS ck_zones_priority_non_negative;
ALTER TABLE class_baselines DROP CONSTRAINT IF EXISTS ck_class_baselines_hour_range;
ALTER TABLE activity_baselines DROP CONSTRAINT IF EXISTS ck_activity_baselines_dow_range;
ALTER TABLE activity_baselines DROP CONSTRAINT IF EXISTS ck_activity_baselines_hour_range;
ALTER TABLE detections DROP CONSTRAINT IF EXISTS ck_detections_confidence_range;
ALTER TABLE events DROP CONSTRAINT IF EXISTS ck_events_time_order;
ALTER TABLE events DROP CONSTRAINT IF EXISTS ck_events_risk_score_range;
ALTER TABLE audit_logs DROP CONSTRAINT IF EXISTS ck_audit_logs_status;
ALTER TABLE logs DROP CONSTRAINT IF EXISTS ck_logs_source;
ALTER TABLE logs DROP CONSTRAINT IF EXISTS ck_logs_level;
ALTER TABLE detections DROP CONSTRAINT IF EXISTS ck_detections_media_type;
ALTER TABLE events DROP CONSTRAINT IF EXISTS ck_events_risk_level;
ALTER TABLE cameras DROP CONSTRAINT IF EXISTS ck_cameras_status;
