-- revision: d4cdaa821492
-- down_revision: add_object_types_gin_trgm, add_prompt_versions
-- message: merge heads

-- migrate:upgrade

-- migrate:downgrade
