-- revision: 6b206d6591cb
-- down_revision: add_4_feedback_types, add_job_transitions
-- message: merge_add_4_feedback_types_and_job_transitions

-- migrate:upgrade

-- migrate:downgrade
