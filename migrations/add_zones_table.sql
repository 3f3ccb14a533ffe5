-- revision: add_zones_001
-- down_revision: add_alerts_rules
-- message: Add zones table for camera zone definitions
-- repair: the enum types zone_type_enum and zone_shape_enum are created exactly once and the zones table uses them (the original created them with checkfirst and then create_table issued CREATE TYPE a second time, so the revision failed with "type already exists")

-- migrate:upgrade
DO $$
BEGIN
    IF to_regtype('zone_type_enum') IS NULL THEN
        CREATE TYPE zone_type_enum AS ENUM ('entry_point', 'driveway', 'sidewalk', 'yard', 'other');
    END IF;
    IF to_regtype('zone_shape_enum') IS NULL THEN
        CREATE TYPE zone_shape_enum AS ENUM ('rectangle', 'polygon');
    END IF;
END
$$;

CREATE TABLE zones (
    id varchar NOT NULL,
    camera_id varchar NOT NULL,
    name varchar(255) NOT NULL,
    zone_type zone_type_enum NOT NULL,
    coordinates jsonb NOT NULL,
    shape zone_shape_enum NOT NULL,
    color varchar(7) NOT NULL,
    enabled boolean NOT NULL,
    priority integer NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
);
CREATE INDEX idx_zones_camera_id ON zones (camera_id);
CREATE INDEX idx_zones_enabled ON zones (enabled);
CREATE INDEX idx_zones_camera_enabled ON zones (camera_id, enabled);

-- migrate:downgrade
DROP INDEX idx_zones_camera_enabled;
DROP INDEX idx_zones_enabled;
DROP INDEX idx_zones_camera_id;
DROP TABLE zones;
DROP TYPE IF EXISTS zone_shape_enum;
DROP TYPE IF EXISTS zone_type_enum;
