-- revision: add_prompt_version_uq
-- down_revision: add_alerts_rules
-- message: Add unique constraint to prompt_versions table
-- depends_on: add_prompt_versions
-- repair: depends_on add_prompt_versions added (parents unchanged): the constraint is on prompt_versions, which add_prompt_versions creates; without it a downgrade to add_event_audits unapplies add_prompt_versions (dropping the table and this constraint) but leaves this revision recorded as applied, and an upgrade from base to this revision would run it before the table exists

-- migrate:upgrade
ALTER TABLE prompt_versions
    ADD CONSTRAINT uq_prompt_version_model_version UNIQUE (model, version);

-- migrate:downgrade
ALTER TABLE prompt_versions DROP CONSTRAINT uq_prompt_version_model_version;
