-- revision: add_user_feedback_calibration
-- down_revision: drop_detection_ids_column
-- message: Add user feedback and calibration tables
-- data_loss: the downgrade drops event_feedback and user_calibration with all their rows

-- migrate:upgrade
-- event_feedback.event_id has no foreign key: events is partitioned (primary key (id, started_at))
CREATE TABLE event_feedback (
    id serial NOT NULL,
    event_id integer NOT NULL,
    feedback_type varchar NOT NULL,
    notes text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT event_feedback_pkey PRIMARY KEY (id),
    CONSTRAINT uq_event_feedback_event_id UNIQUE (event_id),
    CONSTRAINT ck_event_feedback_type CHECK (feedback_type IN ('false_positive', 'missed_detection'))
);
CREATE INDEX idx_event_feedback_event_id ON event_feedback (event_id);
CREATE INDEX idx_event_feedback_type ON event_feedback (feedback_type);
CREATE INDEX idx_event_feedback_created_at ON event_feedback (created_at);

CREATE TABLE user_calibration (
    id serial NOT NULL,
    user_id varchar NOT NULL,
    low_threshold integer NOT NULL DEFAULT 30,
    medium_threshold integer NOT NULL DEFAULT 60,
    high_threshold integer NOT NULL DEFAULT 85,
    decay_factor double precision NOT NULL DEFAULT '0.1',
    false_positive_count integer NOT NULL DEFAULT 0,
    missed_detection_count integer NOT NULL DEFAULT 0,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT user_calibration_pkey PRIMARY KEY (id),
    CONSTRAINT uq_user_calibration_user_id UNIQUE (user_id),
    CONSTRAINT ck_user_calibration_low_range CHECK (low_threshold >= 0 AND low_threshold <= 100),
    CONSTRAINT ck_user_calibration_medium_range CHECK (medium_threshold >= 0 AND medium_threshold <= 100),
    CONSTRAINT ck_user_calibration_high_range CHECK (high_threshold >= 0 AND high_threshold <= 100),
    CONSTRAINT ck_user_calibration_threshold_order
        CHECK (low_threshold < medium_threshold AND medium_threshold < high_threshold),
    CONSTRAINT ck_user_calibration_decay_range CHECK (decay_factor >= 0.0 AND decay_factor <= 1.0),
    CONSTRAINT ck_user_calibration_fp_count CHECK (false_positive_count >= 0),
    CONSTRAINT ck_user_calibration_md_count CHECK (missed_detection_count >= 0)
);
CREATE INDEX idx_user_calibration_user_id ON user_calibration (user_id);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_user_calibration_user_id;
DROP INDEX IF EXISTS idx_event_feedback_created_at;
DROP INDEX IF EXISTS idx_event_feedback_type;
DROP INDEX IF EXISTS idx_event_feedback_event_id;
DROP TABLE user_calibration;
DROP TABLE event_feedback;
