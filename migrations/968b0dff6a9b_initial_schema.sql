-- revision: 968b0dff6a9b
-- down_revision:
-- message: Initial schema

-- migrate:upgrade
CREATE TABLE api_keys (
    id serial NOT NULL,
    key_hash varchar(64) NOT NULL,
    name varchar(100) NOT NULL,
    created_at timestamptz NOT NULL,
    is_active boolean NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_api_keys_key_hash ON api_keys (key_hash);

CREATE TABLE cameras (
    id varchar NOT NULL,
    name varchar NOT NULL,
    folder_path varchar NOT NULL,
    status varchar NOT NULL,
    created_at timestamp NOT NULL,
    last_seen_at timestamp,
    PRIMARY KEY (id)
);

CREATE TABLE gpu_stats (
    id serial NOT NULL,
    recorded_at timestamp NOT NULL,
    gpu_name varchar(255),
    gpu_utilization double precision,
    memory_used integer,
    memory_total integer,
    temperature double precision,
    power_usage double precision,
    inference_fps double precision,
    PRIMARY KEY (id)
);
CREATE INDEX idx_gpu_stats_recorded_at ON gpu_stats (recorded_at);

CREATE TABLE logs (
    id serial NOT NULL,
    "timestamp" timestamp NOT NULL DEFAULT now(),
    level varchar(10) NOT NULL,
    component varchar(50) NOT NULL,
    message text NOT NULL,
    camera_id varchar(100),
    event_id integer,
    request_id varchar(36),
    detection_id integer,
    duration_ms integer,
    extra json,
    source varchar(10) NOT NULL,
    user_agent text,
    PRIMARY KEY (id)
);
CREATE INDEX idx_logs_camera_id ON logs (camera_id);
CREATE INDEX idx_logs_component ON logs (component);
CREATE INDEX idx_logs_level ON logs (level);
CREATE INDEX idx_logs_source ON logs (source);
CREATE INDEX idx_logs_timestamp ON logs ("timestamp");

CREATE TABLE detections (
    id serial NOT NULL,
    camera_id varchar NOT NULL,
    file_path varchar NOT NULL,
    file_type varchar,
    detected_at timestamp NOT NULL,
    object_type varchar,
    confidence double precision,
    bbox_x integer,
    bbox_y integer,
    bbox_width integer,
    bbox_height integer,
    thumbnail_path varchar,
    PRIMARY KEY (id),
    FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
);
CREATE INDEX idx_detections_camera_id ON detections (camera_id);
CREATE INDEX idx_detections_camera_time ON detections (camera_id, detected_at);
CREATE INDEX idx_detections_detected_at ON detections (detected_at);

CREATE TABLE events (
    id serial NOT NULL,
    batch_id varchar NOT NULL,
    camera_id varchar NOT NULL,
    started_at timestamp NOT NULL,
    ended_at timestamp,
    risk_score integer,
    risk_level varchar,
    summary text,
    reasoning text,
    detection_ids text,
    reviewed boolean NOT NULL,
    notes text,
    is_fast_path boolean NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
);
CREATE INDEX idx_events_batch_id ON events (batch_id);
CREATE INDEX idx_events_camera_id ON events (camera_id);
CREATE INDEX idx_events_reviewed ON events (reviewed);
CREATE INDEX idx_events_risk_score ON events (risk_score);
CREATE INDEX idx_events_started_at ON events (started_at);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_events_started_at;
DROP INDEX IF EXISTS idx_events_risk_score;
DROP INDEX IF EXISTS idx_events_reviewed;
DROP INDEX IF EXISTS idx_events_camera_id;
DROP INDEX IF EXISTS idx_events_batch_id;
DROP TABLE events;
DROP INDEX IF EXISTS idx_detections_detected_at;
DROP INDEX IF EXISTS idx_detections_camera_time;
DROP INDEX IF EXISTS idx_detections_camera_id;
DROP TABLE detections;
DROP INDEX IF EXISTS idx_logs_timestamp;
DROP INDEX IF EXISTS idx_logs_source;
DROP INDEX IF EXISTS idx_logs_level;
DROP INDEX IF EXISTS idx_logs_component;
DROP INDEX IF EXISTS idx_logs_camera_id;
DROP TABLE logs;
DROP INDEX IF EXISTS idx_gpu_stats_recorded_at;
DROP TABLE gpu_stats;
DROP TABLE cameras;
DROP INDEX ix_api_keys_key_hash;
DROP TABLE api_keys;
