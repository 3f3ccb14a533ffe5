-- revision: add_baselines
-- down_revision: add_audit_logs
-- message: Add baseline tables for anomaly detection

-- migrate:upgrade
CREATE TABLE activity_baselines (
    id serial NOT NULL,
    camera_id varchar NOT NULL,
    hour integer NOT NULL,
    day_of_week integer NOT NULL,
    avg_count double precision NOT NULL DEFAULT '0.0',
    sample_count integer NOT NULL DEFAULT 0,
    last_updated timestamptz NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_activity_baselines_camera_id FOREIGN KEY (camera_id)
        REFERENCES cameras (id) ON DELETE CASCADE
);
ALTER TABLE activity_baselines
    ADD CONSTRAINT uq_activity_baseline_slot UNIQUE (camera_id, hour, day_of_week);
CREATE INDEX idx_activity_baseline_camera ON activity_baselines (camera_id);
CREATE INDEX idx_activity_baseline_slot ON activity_baselines (camera_id, hour, day_of_week);

CREATE TABLE class_baselines (
    id serial NOT NULL,
    camera_id varchar NOT NULL,
    detection_class varchar NOT NULL,
    hour integer NOT NULL,
    frequency double precision NOT NULL DEFAULT '0.0',
    sample_count integer NOT NULL DEFAULT 0,
    last_updated timestamptz NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_class_baselines_camera_id FOREIGN KEY (camera_id)
        REFERENCES cameras (id) ON DELETE CASCADE
);
ALTER TABLE class_baselines
    ADD CONSTRAINT uq_class_baseline_slot UNIQUE (camera_id, detection_class, hour);
CREATE INDEX idx_class_baseline_camera ON class_baselines (camera_id);
CREATE INDEX idx_class_baseline_class ON class_baselines (camera_id, detection_class);
CREATE INDEX idx_class_baseline_slot ON class_baselines (camera_id, detection_class, hour);

-- migrate:downgrade
DROP INDEX idx_class_baseline_slot;
DROP INDEX idx_class_baseline_class;
DROP INDEX idx_class_baseline_camera;
ALTER TABLE class_baselines DROP CONSTRAINT uq_class_baseline_slot;
DROP TABLE class_baselines;
DROP INDEX idx_activity_baseline_slot;
DROP INDEX idx_activity_baseline_camera;
ALTER TABLE activity_baselines DROP CONSTRAINT uq_activity_baseline_slot;
DROP TABLE activity_baselines;
