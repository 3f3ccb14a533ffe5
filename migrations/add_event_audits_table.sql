-- revision: add_event_audits
-- down_revision: add_llm_prompt
-- message: Add event_audits table for AI pipeline performance tracking

-- migrate:upgrade
CREATE TABLE event_audits (
    id serial NOT NULL,
    event_id integer NOT NULL,
    audited_at timestamptz NOT NULL,
    has_rtdetr boolean NOT NULL DEFAULT false,
    has_florence boolean NOT NULL DEFAULT false,
    has_clip boolean NOT NULL DEFAULT false,
    has_violence boolean NOT NULL DEFAULT false,
    has_clothing boolean NOT NULL DEFAULT false,
    has_vehicle boolean NOT NULL DEFAULT false,
    has_pet boolean NOT NULL DEFAULT false,
    has_weather boolean NOT NULL DEFAULT false,
    has_image_quality boolean NOT NULL DEFAULT false,
    has_zones boolean NOT NULL DEFAULT false,
    has_baseline boolean NOT NULL DEFAULT false,
    has_cross_camera boolean NOT NULL DEFAULT false,
    prompt_length integer NOT NULL DEFAULT 0,
    prompt_token_estimate integer NOT NULL DEFAULT 0,
    enrichment_utilization double precision NOT NULL DEFAULT '0.0',
    context_usage_score double precision,
    reasoning_coherence_score double precision,
    risk_justification_score double precision,
    consistency_score double precision,
    overall_quality_score double precision,
    consistency_risk_score integer,
    consistency_diff integer,
    self_eval_critique text,
    self_eval_prompt text,
    self_eval_response text,
    missing_context text,
    confusing_sections text,
    unused_data text,
    format_suggestions text,
    model_gaps text,
    PRIMARY KEY (id),
    FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE,
    UNIQUE (event_id)
);
CREATE INDEX idx_event_audits_event_id ON event_audits (event_id);
CREATE INDEX idx_event_audits_audited_at ON event_audits (audited_at);
CREATE INDEX idx_event_audits_overall_score ON event_audits (overall_quality_score);

-- migrate:downgrade
DROP INDEX idx_event_audits_overall_score;
DROP INDEX idx_event_audits_audited_at;
DROP INDEX idx_event_audits_event_id;
DROP TABLE event_audits;
