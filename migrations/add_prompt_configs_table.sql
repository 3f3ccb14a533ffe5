-- revision: add_prompt_configs
-- down_revision: d4cdaa821492
-- message: Add prompt_configs table for database-backed prompt configuration storage

-- migrate:upgrade
CREATE TABLE prompt_configs (
    id serial NOT NULL,
    model varchar(50) NOT NULL,
    system_prompt text NOT NULL,
    temperature double precision NOT NULL DEFAULT '0.7',
    max_tokens integer NOT NULL DEFAULT 2048,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_prompt_configs_model ON prompt_configs (model);
CREATE INDEX idx_prompt_configs_updated_at ON prompt_configs (updated_at);

-- migrate:downgrade
DROP INDEX idx_prompt_configs_updated_at;
DROP INDEX idx_prompt_configs_model;
DROP TABLE prompt_configs;
