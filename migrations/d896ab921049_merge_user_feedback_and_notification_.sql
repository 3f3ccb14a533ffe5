-- revision: d896ab921049
-- down_revision: add_user_feedback_calibration, eb2e0919ec02
-- message: merge user feedback and notification preferences heads

-- migrate:upgrade

-- migrate:downgrade
