-- revision: add_notification_preferences
-- down_revision: add_detections_obj_type_time_idx
-- message: Add notification preferences tables
-- data_loss: the downgrade drops notification_preferences, camera_notification_settings and quiet_hours_periods with all their rows

-- migrate:upgrade
CREATE TABLE notification_preferences (
    id serial NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    sound varchar NOT NULL DEFAULT 'default',
    risk_filters varchar[] NOT NULL DEFAULT ARRAY['critical', 'high', 'medium']::varchar[],
    CONSTRAINT notification_preferences_pkey PRIMARY KEY (id),
    CONSTRAINT ck_notification_preferences_singleton CHECK (id = 1),
    CONSTRAINT ck_notification_preferences_sound
        CHECK (sound IN ('none', 'default', 'alert', 'chime', 'urgent'))
);

CREATE TABLE camera_notification_settings (
    id uuid NOT NULL,
    camera_id varchar NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    risk_threshold integer NOT NULL DEFAULT 0,
    CONSTRAINT camera_notification_settings_pkey PRIMARY KEY (id),
    CONSTRAINT ck_camera_notification_settings_risk_threshold
        CHECK (risk_threshold >= 0 AND risk_threshold <= 100),
    CONSTRAINT camera_notification_settings_camera_id_fkey FOREIGN KEY (camera_id)
        REFERENCES cameras (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX idx_camera_notification_settings_camera_id
    ON camera_notification_settings (camera_id);

CREATE TABLE quiet_hours_periods (
    id uuid NOT NULL,
    label varchar NOT NULL,
    start_time time NOT NULL,
    end_time time NOT NULL,
    days varchar[] NOT NULL
        DEFAULT ARRAY['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']::varchar[],
    CONSTRAINT quiet_hours_periods_pkey PRIMARY KEY (id),
    CONSTRAINT ck_quiet_hours_periods_time_range CHECK (start_time < end_time)
);
CREATE INDEX idx_quiet_hours_periods_start_end ON quiet_hours_periods (start_time, end_time);

-- the singleton row of global preferences
INSERT INTO notification_preferences (id, enabled, sound, risk_filters)
VALUES (1, true, 'default', ARRAY['critical', 'high', 'medium']::varchar[]);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_quiet_hours_periods_start_end;
DROP TABLE quiet_hours_periods;
DROP INDEX idx_camera_notification_settings_camera_id;
DROP TABLE camera_notification_settings;
DROP TABLE notification_preferences;
