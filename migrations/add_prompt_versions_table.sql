-- revision: add_prompt_versions
-- down_revision: add_event_audits
-- message: Add prompt_versions table for AI prompt configuration tracking

-- migrate:upgrade
CREATE TYPE aimodel AS ENUM ('nemotron', 'florence2', 'yolo_world', 'xclip', 'fashion_clip');

CREATE TABLE prompt_versions (
    id serial NOT NULL,
    model aimodel NOT NULL,
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    created_by varchar(255),
    config_json text NOT NULL,
    change_description text,
    is_active boolean NOT NULL DEFAULT false,
    PRIMARY KEY (id)
);
CREATE INDEX idx_prompt_versions_model ON prompt_versions (model);
CREATE INDEX idx_prompt_versions_model_version ON prompt_versions (model, version);
CREATE INDEX idx_prompt_versions_model_active ON prompt_versions (model, is_active);
CREATE INDEX idx_prompt_versions_created_at ON prompt_versions (created_at);

-- migrate:downgrade
DROP INDEX idx_prompt_versions_created_at;
DROP INDEX idx_prompt_versions_model_active;
DROP INDEX idx_prompt_versions_model_version;
DROP INDEX idx_prompt_versions_model;
DROP TABLE prompt_versions;
DROP TYPE IF EXISTS aimodel;
