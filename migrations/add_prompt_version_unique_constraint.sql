-- revision: add_prompt_version_uq
-- down_revision: add_alerts_rules
-- message: Add unique constraint to prompt_versions table

-- migrate:upgrade
ALTER TABLE prompt_versions
    ADD CONSTRAINT uq_prompt_version_model_version UNIQUE (model, version);

-- migrate:downgrade
ALTER TABLE prompt_versions DROP CONSTRAINT uq_prompt_version_model_version;
