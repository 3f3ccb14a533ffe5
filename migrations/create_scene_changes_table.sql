-- revision: create_scene_changes_table
-- down_revision: d896ab921049
-- message: Create scene_changes table
-- repair: the enum type scene_change_type_enum is created once, then used by the table (the original issued CREATE TYPE a second time through the table creation and failed with "type already exists")

-- migrate:upgrade
-- The enum is created only when it does not exist yet (the original created it check-first).
DO $$
BEGIN
    IF to_regtype('scene_change_type_enum') IS NULL THEN
        CREATE TYPE scene_change_type_enum AS ENUM (
            'view_blocked', 'angle_changed', 'view_tampered', 'unknown');
    END IF;
END
$$;

CREATE TABLE scene_changes (
    id               serial PRIMARY KEY,
    camera_id        varchar NOT NULL,
    detected_at      timestamptz NOT NULL DEFAULT now(),
    change_type      scene_change_type_enum NOT NULL DEFAULT 'unknown',
    similarity_score double precision NOT NULL,
    acknowledged     boolean NOT NULL DEFAULT false,
    acknowledged_at  timestamptz,
    file_path        varchar,
    CONSTRAINT fk_scene_changes_camera_id FOREIGN KEY (camera_id)
        REFERENCES cameras (id) ON DELETE CASCADE,
    CONSTRAINT ck_scene_changes_similarity_range
        CHECK (similarity_score >= 0.0 AND similarity_score <= 1.0)
);

CREATE INDEX idx_scene_changes_camera_id ON scene_changes (camera_id);
CREATE INDEX idx_scene_changes_detected_at ON scene_changes (detected_at);
CREATE INDEX idx_scene_changes_acknowledged ON scene_changes (acknowledged);
CREATE INDEX idx_scene_changes_camera_acknowledged ON scene_changes (camera_id, acknowledged);
-- BRIN suits the append-only, time-ordered detected_at column.
CREATE INDEX ix_scene_changes_detected_at_brin ON scene_changes USING brin (detected_at);
-- Partial index for the dashboard's "unacknowledged" queries.
CREATE INDEX idx_scene_changes_acknowledged_false ON scene_changes (acknowledged)
    WHERE acknowledged = false;

-- migrate:downgrade
DROP INDEX idx_scene_changes_acknowledged_false;
DROP INDEX ix_scene_changes_detected_at_brin;
DROP INDEX idx_scene_changes_camera_acknowledged;
DROP INDEX idx_scene_changes_acknowledged;
DROP INDEX idx_scene_changes_detected_at;
DROP INDEX idx_scene_changes_camera_id;
-- The serial sequence scene_changes_id_seq goes with the table.
DROP TABLE scene_changes;
DROP TYPE IF EXISTS scene_change_type_enum;
