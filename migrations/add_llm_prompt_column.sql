-- revision: add_llm_prompt
-- down_revision: fix_search_vector_backfill
-- message: Add llm_prompt column to events table

-- migrate:upgrade
ALTER TABLE events ADD COLUMN llm_prompt text;

-- migrate:downgrade
ALTER TABLE events DROP COLUMN llm_prompt;
