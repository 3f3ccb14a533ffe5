-- revision: add_4_feedback_types
-- down_revision: add_snooze_until_column
-- message: Add 4 feedback types to event_feedback and user_calibration
-- repair: the upgrade rewrites 'missed_detection' feedback to 'missed_threat' before it re-creates ck_event_feedback_type (the original re-created the CHECK first and so failed on a table holding 'missed_detection' rows); the downgrade likewise drops the 4-value CHECK before rewriting rows back; the catalog result is the same
-- repair: the downgrade puts user_calibration.missed_detection_count back at its original position (after false_positive_count, before created_at) by re-creating created_at and updated_at after it; the original re-added it as the last column
-- data_loss: the downgrade deletes event_feedback rows of type 'correct' or 'severity_wrong', which the old two-value CHECK does not allow
-- data_loss: the downgrade drops event_feedback.expected_severity and user_calibration.correct_count and severity_wrong_count
-- data_loss: after the downgrade every 'missed_threat' row reads 'missed_detection', and missed_detection_count takes the value of missed_threat_count

-- migrate:upgrade
-- event_feedback: four feedback types. Rewrite the old value first, so that the new CHECK
-- validates on a populated table.
ALTER TABLE event_feedback DROP CONSTRAINT ck_event_feedback_type;
UPDATE event_feedback SET feedback_type = 'missed_threat'
 WHERE feedback_type = 'missed_detection';
ALTER TABLE event_feedback ADD CONSTRAINT ck_event_feedback_type
    CHECK (feedback_type IN ('correct', 'false_positive', 'missed_threat', 'severity_wrong'));

ALTER TABLE event_feedback ADD COLUMN expected_severity varchar;
ALTER TABLE event_feedback ADD CONSTRAINT ck_event_feedback_expected_severity
    CHECK (expected_severity IS NULL OR expected_severity IN ('low', 'medium', 'high', 'critical'));

-- user_calibration: one counter per feedback type; missed_detection_count becomes
-- missed_threat_count.
ALTER TABLE user_calibration
    ADD COLUMN correct_count integer NOT NULL DEFAULT 0,
    ADD COLUMN missed_threat_count integer NOT NULL DEFAULT 0,
    ADD COLUMN severity_wrong_count integer NOT NULL DEFAULT 0;
ALTER TABLE user_calibration
    ADD CONSTRAINT ck_user_calibration_correct_count CHECK (correct_count >= 0),
    ADD CONSTRAINT ck_user_calibration_mt_count CHECK (missed_threat_count >= 0),
    ADD CONSTRAINT ck_user_calibration_sw_count CHECK (severity_wrong_count >= 0);

UPDATE user_calibration SET missed_threat_count = missed_detection_count;

ALTER TABLE user_calibration DROP CONSTRAINT ck_user_calibration_md_count;
ALTER TABLE user_calibration DROP COLUMN missed_detection_count;

-- migrate:downgrade
-- user_calibration: bring back missed_detection_count in its original place, between
-- false_positive_count and created_at. PostgreSQL only appends columns, so created_at and
-- updated_at are re-created after it (with their values, NOT NULL and defaults), and the
-- three newer counters are dropped. No index or constraint refers to the moved columns.
ALTER TABLE user_calibration
    ADD COLUMN missed_detection_count integer NOT NULL DEFAULT 0,
    ADD COLUMN created_at_moved timestamptz,
    ADD COLUMN updated_at_moved timestamptz;
UPDATE user_calibration
   SET missed_detection_count = missed_threat_count,
       created_at_moved = created_at,
       updated_at_moved = updated_at;
ALTER TABLE user_calibration
    DROP CONSTRAINT ck_user_calibration_sw_count,
    DROP CONSTRAINT ck_user_calibration_mt_count,
    DROP CONSTRAINT ck_user_calibration_correct_count,
    DROP COLUMN severity_wrong_count,
    DROP COLUMN missed_threat_count,
    DROP COLUMN correct_count,
    DROP COLUMN created_at,
    DROP COLUMN updated_at;
ALTER TABLE user_calibration RENAME COLUMN created_at_moved TO created_at;
ALTER TABLE user_calibration RENAME COLUMN updated_at_moved TO updated_at;
ALTER TABLE user_calibration
    ALTER COLUMN created_at SET DEFAULT now(),
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN updated_at SET DEFAULT now(),
    ALTER COLUMN updated_at SET NOT NULL,
    ADD CONSTRAINT ck_user_calibration_md_count CHECK (missed_detection_count >= 0);

-- event_feedback: back to two feedback types. The four-value CHECK goes first, so that the
-- rows can be rewritten to 'missed_detection'; the types the old CHECK does not know are
-- deleted.
ALTER TABLE event_feedback DROP CONSTRAINT ck_event_feedback_type;
UPDATE event_feedback SET feedback_type = 'missed_detection'
 WHERE feedback_type = 'missed_threat';
DELETE FROM event_feedback WHERE feedback_type IN ('correct', 'severity_wrong');

ALTER TABLE event_feedback DROP CONSTRAINT ck_event_feedback_expected_severity;
ALTER TABLE event_feedback DROP COLUMN expected_severity;

ALTER TABLE event_feedback ADD CONSTRAINT ck_event_feedback_type
    CHECK (feedback_type IN ('false_positive', 'missed_detection'));
