-- revision: add_entity_model
-- down_revision: add_detection_search_vector
-- message: Add entity model for re-identification tracking
-- repair: no foreign key fk_entities_primary_detection_id to detections(id): detections is partitioned since add_time_series_partitioning and its primary key is (id, detected_at), so no unique constraint covers id alone and PostgreSQL rejected the original's foreign key; the column primary_detection_id stays
-- data_loss: the downgrade drops the entities table and all its rows

-- migrate:upgrade
CREATE TABLE entities (
    id                   uuid PRIMARY KEY,
    entity_type          varchar(20) NOT NULL DEFAULT 'person',
    embedding_vector     jsonb,
    first_seen_at        timestamptz NOT NULL DEFAULT now(),
    last_seen_at         timestamptz NOT NULL DEFAULT now(),
    detection_count      integer NOT NULL DEFAULT 0,
    entity_metadata      jsonb,
    primary_detection_id integer,
    CONSTRAINT ck_entities_entity_type
        CHECK (entity_type IN ('person', 'vehicle', 'animal', 'package', 'other')),
    CONSTRAINT ck_entities_detection_count CHECK (detection_count >= 0)
);

CREATE INDEX idx_entities_entity_type ON entities (entity_type);
CREATE INDEX idx_entities_first_seen_at ON entities (first_seen_at);
CREATE INDEX idx_entities_last_seen_at ON entities (last_seen_at);
CREATE INDEX idx_entities_type_last_seen ON entities (entity_type, last_seen_at);
CREATE INDEX ix_entities_entity_metadata_gin ON entities USING gin (entity_metadata jsonb_path_ops);

-- migrate:downgrade
DROP INDEX ix_entities_entity_metadata_gin;
DROP INDEX idx_entities_type_last_seen;
DROP INDEX idx_entities_last_seen_at;
DROP INDEX idx_entities_first_seen_at;
DROP INDEX idx_entities_entity_type;
DROP TABLE entities;
