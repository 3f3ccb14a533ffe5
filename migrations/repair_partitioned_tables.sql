-- revision: repair_partitioned_tables
-- down_revision: merge_search_and_trust
-- message: Recreate the triggers, CHECK constraints, indexes and foreign keys that add_time_series_partitioning dropped with CASCADE
-- repair: new revision (not in the original chain). add_time_series_partitioning rebuilt detections, events, logs, gpu_stats and audit_logs as RANGE-partitioned tables with DROP ... CASCADE; this recreates, under their original names and definitions, every object of snapshot 27 (just before it) on those five tables that is missing at merge_search_and_trust: trigger events_search_vector_trigger (events' search vectors are recomputed), 7 CHECK constraints, 26 indexes (as partitioned indexes on the parents; PostgreSQL adds one per partition) and the foreign keys detections_camera_id_fkey and events_camera_id_fkey to cameras
-- repair: NOT recreated, PostgreSQL cannot support them: fk_alerts_event_id (alerts.event_id -> events(id)), event_audits_event_id_fkey (event_audits.event_id -> events(id)), event_detections_event_id_fkey (event_detections.event_id -> events(id)), event_detections_detection_id_fkey (event_detections.detection_id -> detections(id)), all ON DELETE CASCADE. A foreign key into a partitioned table needs a unique key of the referenced table, and every unique key of a partitioned table must include the partition key: events is unique only on (id, started_at), detections only on (id, detected_at), and the referencing tables do not carry started_at / detected_at
-- repair: NOT recreated, same reason (a unique key of a partitioned table must include the partition key): the single-column primary keys PRIMARY KEY (id) audit_logs_pkey, detections_pkey, events_pkey, gpu_stats_pkey, logs_pkey; they stay PRIMARY KEY (id, time column) as add_time_series_partitioning made them, so id alone is unique only through its sequence, not by a constraint (the application must never insert an explicit id)
-- repair: the application must do instead: before inserting into alerts, event_audits or event_detections, check in the same transaction that the event (and detection) exists, locking it with SELECT ... FOR KEY SHARE so that it cannot be deleted concurrently; when deleting an event or a detection, or a camera (whose CASCADE still removes its events and detections), delete the dependent alerts, event_audits and event_detections rows itself in the same transaction; and sweep orphans periodically (DELETE ... WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = event_id)). A declarative alternative is a later schema change that adds the partition key column to the referencing tables and declares composite foreign keys to (id, started_at) / (id, detected_at)
-- repair: kept as they are at head (not part of the damage): idx_gpu_stats_recorded_at (btree, recreated by add_time_series_partitioning after add_gpu_stats_recorded_at_brin had dropped it) stays next to the restored BRIN ix_gpu_stats_recorded_at_brin; events.detection_ids stays dropped (drop_detection_ids_column); the indexes later revisions added (BRIN, jsonb_path_ops, trigram on detections, search vectors of detections and logs) are not duplicated
-- repair: on a database that holds rows written since add_time_series_partitioning, the upgrade fails (and changes nothing) if such rows violate a restored CHECK constraint or name a camera that does not exist; fix those rows first
-- accepted_loss: constraint alerts.fk_alerts_event_id
-- accepted_loss: constraint event_audits.event_audits_event_id_fkey
-- accepted_loss: constraint event_detections.event_detections_event_id_fkey
-- accepted_loss: constraint event_detections.event_detections_detection_id_fkey

-- migrate:upgrade
-- Objects restored here = (objects of snapshot 27 on detections, events, logs, gpu_stats,
-- audit_logs, or referencing them) minus (those present at head, snapshot 53) minus (those
-- PostgreSQL rejects on a partitioned table, listed in the header). Names and definitions
-- are the original ones (revisions 01, 02, 05, 14, 15, 19, 21-27).

-- CHECK constraints (#25 add_check_constraints). On a partitioned table a CHECK is
-- inherited by every partition.
ALTER TABLE events ADD CONSTRAINT ck_events_risk_level
    CHECK (risk_level IS NULL OR risk_level IN ('low', 'medium', 'high', 'critical'));
ALTER TABLE events ADD CONSTRAINT ck_events_risk_score_range
    CHECK (risk_score IS NULL OR (risk_score >= 0 AND risk_score <= 100));
ALTER TABLE events ADD CONSTRAINT ck_events_time_order
    CHECK (ended_at IS NULL OR ended_at >= started_at);
ALTER TABLE detections ADD CONSTRAINT ck_detections_confidence_range
    CHECK (confidence IS NULL OR (confidence >= 0.0 AND confidence <= 1.0));
ALTER TABLE logs ADD CONSTRAINT ck_logs_level
    CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'));
ALTER TABLE logs ADD CONSTRAINT ck_logs_source
    CHECK (source IN ('backend', 'frontend'));
ALTER TABLE audit_logs ADD CONSTRAINT ck_audit_logs_status
    CHECK (status IN ('success', 'failure'));

-- Foreign keys out of the partitioned tables into a plain table (#01): supported.
ALTER TABLE detections ADD CONSTRAINT detections_camera_id_fkey
    FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE;
ALTER TABLE events ADD CONSTRAINT events_camera_id_fkey
    FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE;

-- Full-text search trigger on events (#02). The function events_search_vector_update()
-- survived the CASCADE; a BEFORE ROW trigger on a partitioned table is cloned onto every
-- partition (and onto partitions created later).
CREATE TRIGGER events_search_vector_trigger
    BEFORE INSERT OR UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_search_vector_update();

-- Events written since the partitioning revision have no (or a stale) search vector: the
-- trigger recomputes it on this UPDATE for every row.
UPDATE events SET search_vector = NULL;

-- Indexes, as partitioned indexes on the parents.
-- audit_logs (#05)
CREATE INDEX idx_audit_logs_resource ON audit_logs (resource_type, resource_id);
CREATE INDEX idx_audit_logs_status ON audit_logs (status);

-- detections (#14, #19, #22, #23)
CREATE INDEX idx_detections_enrichment_data ON detections USING gin (enrichment_data);
CREATE INDEX idx_detections_camera_object_type ON detections (camera_id, object_type);
CREATE INDEX idx_detections_camera_time_type ON detections (camera_id, detected_at, object_type);
CREATE INDEX idx_detections_pagination_covering ON detections (camera_id, detected_at)
    INCLUDE (id, object_type, confidence);

-- events (#01, #02, #21, #22, #23, #26)
CREATE INDEX idx_events_batch_id ON events (batch_id);
CREATE INDEX idx_events_reviewed ON events (reviewed);
CREATE INDEX idx_events_risk_score ON events (risk_score);
CREATE INDEX idx_events_search_vector ON events USING gin (search_vector);
CREATE INDEX idx_events_reviewed_false ON events (reviewed) WHERE reviewed = false;
CREATE INDEX idx_events_is_fast_path_true ON events (is_fast_path) WHERE is_fast_path = true;
CREATE INDEX idx_events_camera_started ON events (camera_id, started_at);
CREATE INDEX idx_events_camera_time_reviewed ON events (camera_id, started_at, reviewed);
CREATE INDEX idx_events_pagination_covering ON events (camera_id, started_at)
    INCLUDE (id, risk_score, risk_level, summary, reviewed);
CREATE INDEX idx_events_risk_level_started_at ON events (risk_level, started_at);
CREATE INDEX idx_events_export_covering ON events
    (started_at, id, ended_at, risk_level, risk_score, camera_id, object_types, summary);
CREATE INDEX idx_events_unreviewed ON events (id) WHERE reviewed = false;

-- events (#15): trigram index, only where the gin_trgm_ops operator class exists, as #15 did
-- (pg_trgm is installed by #15/#52 whenever the server has it).
DO $$
DECLARE
    opc_schema name;
BEGIN
    SELECT n.nspname INTO opc_schema
      FROM pg_opclass AS o
      JOIN pg_am AS am ON am.oid = o.opcmethod
      JOIN pg_namespace AS n ON n.oid = o.opcnamespace
     WHERE o.opcname = 'gin_trgm_ops' AND am.amname = 'gin'
     ORDER BY (n.nspname = current_schema()) DESC, n.nspname
     LIMIT 1;

    IF opc_schema IS NOT NULL THEN
        EXECUTE format(
            'CREATE INDEX idx_events_object_types_trgm ON events USING gin (object_types %I.gin_trgm_ops)',
            opc_schema);
    END IF;
END
$$;

-- logs (#01, #22, #23)
CREATE INDEX idx_logs_camera_id ON logs (camera_id);
CREATE INDEX idx_logs_component ON logs (component);
CREATE INDEX idx_logs_source ON logs (source);
CREATE INDEX idx_logs_time_level ON logs ("timestamp", level);
CREATE INDEX idx_logs_time_level_component ON logs ("timestamp", level, component);
CREATE INDEX idx_logs_pagination_covering ON logs ("timestamp")
    INCLUDE (id, level, component, camera_id);

-- gpu_stats (#24)
CREATE INDEX ix_gpu_stats_recorded_at_brin ON gpu_stats USING brin (recorded_at);

-- migrate:downgrade
-- Drops exactly what the upgrade added (dropping a partitioned index drops its partitions'
-- indexes; dropping the parent's trigger or constraint drops the partitions' clones). The
-- recomputed events.search_vector values stay: they are what the trigger would compute.
DROP INDEX ix_gpu_stats_recorded_at_brin;

DROP INDEX idx_logs_pagination_covering;
DROP INDEX idx_logs_time_level_component;
DROP INDEX idx_logs_time_level;
DROP INDEX idx_logs_source;
DROP INDEX idx_logs_component;
DROP INDEX idx_logs_camera_id;

DROP INDEX IF EXISTS idx_events_object_types_trgm;
DROP INDEX idx_events_unreviewed;
DROP INDEX idx_events_export_covering;
DROP INDEX idx_events_risk_level_started_at;
DROP INDEX idx_events_pagination_covering;
DROP INDEX idx_events_camera_time_reviewed;
DROP INDEX idx_events_camera_started;
DROP INDEX idx_events_is_fast_path_true;
DROP INDEX idx_events_reviewed_false;
DROP INDEX idx_events_search_vector;
DROP INDEX idx_events_risk_score;
DROP INDEX idx_events_reviewed;
DROP INDEX idx_events_batch_id;

DROP INDEX idx_detections_pagination_covering;
DROP INDEX idx_detections_camera_time_type;
DROP INDEX idx_detections_camera_object_type;
DROP INDEX idx_detections_enrichment_data;

DROP INDEX idx_audit_logs_status;
DROP INDEX idx_audit_logs_resource;

DROP TRIGGER events_search_vector_trigger ON events;

ALTER TABLE events DROP CONSTRAINT events_camera_id_fkey;
ALTER TABLE detections DROP CONSTRAINT detections_camera_id_fkey;

ALTER TABLE audit_logs DROP CONSTRAINT ck_audit_logs_status;
ALTER TABLE logs DROP CONSTRAINT ck_logs_source;
ALTER TABLE logs DROP CONSTRAINT ck_logs_level;
ALTER TABLE detections DROP CONSTRAINT ck_detections_confidence_range;
ALTER TABLE events DROP CONSTRAINT ck_events_time_order;
ALTER TABLE events DROP CONSTRAINT ck_events_risk_score_range;
ALTER TABLE events DROP CONSTRAINT ck_events_risk_level;
