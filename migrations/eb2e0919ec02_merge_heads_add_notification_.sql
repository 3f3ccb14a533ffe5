-- revision: eb2e0919ec02
-- down_revision: add_notification_preferences, add_prompt_version_uq
-- message: merge heads add_notification_preferences and add_prompt_version_uq

-- migrate:upgrade

-- migrate:downgrade
