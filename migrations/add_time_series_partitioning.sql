-- revision: add_time_series_partitioning
-- down_revision: add_event_detections_junction
-- message: Add time-series partitioning for high-volume tables
-- repair: a populated table is converted through the same steps as an empty one (rows copied by column name, sequence kept), so both paths end in the same catalog; the original copied positionally through *_partitioned tables with a new *_partitioned_id_seq
-- repair: each table's id sequence is kept (re-owned by the new table) instead of being dropped and recreated, so ids are never reused
-- repair: the downgrade restores the previous catalog exactly (plain tables, original sequences and primary keys, column types and order, all indexes, CHECKs, the events trigger and the foreign keys into and out of these tables); the original rebuilt only part of it
-- data_loss: the downgrade drops detections.media_type, duration, video_codec, video_width, video_height and events.deleted_at (columns that do not exist before this revision)
-- data_loss: the downgrade turns logs.extra and audit_logs.details back from jsonb into json; the original JSON text (whitespace, key order, duplicate keys) is not restored

-- migrate:upgrade
-- detections, events, logs, gpu_stats and audit_logs become RANGE-partitioned tables, with one
-- partition per month (current UTC month and the next two) and a DEFAULT partition each.
-- A table that is already partitioned is left alone. Existing rows are copied over by column name.
DO $$
DECLARE
    spec record;
    rel regclass;
    newrel regclass;
    seqrel regclass;
    old_name text;
    iddef text;
    m0 timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
    mon timestamp;
    k int;
    n int;
    r record;
    stmt text;
    cols text;
    sel text;
BEGIN
    FOR spec IN
        SELECT * FROM (VALUES
            (1, 'detections', 'detected_at',
             $c$camera_id varchar NOT NULL,
                file_path varchar NOT NULL,
                file_type varchar,
                detected_at timestamp with time zone NOT NULL,
                object_type varchar,
                confidence double precision,
                bbox_x integer,
                bbox_y integer,
                bbox_width integer,
                bbox_height integer,
                thumbnail_path varchar,
                media_type varchar DEFAULT 'image',
                duration double precision,
                video_codec varchar,
                video_width integer,
                video_height integer,
                enrichment_data jsonb$c$,
             ARRAY['CREATE INDEX idx_detections_camera_id ON detections (camera_id)',
                   'CREATE INDEX idx_detections_detected_at ON detections (detected_at)',
                   'CREATE INDEX idx_detections_camera_time ON detections (camera_id, detected_at)']),
            (2, 'events', 'started_at',
             $c$batch_id varchar NOT NULL,
                camera_id varchar NOT NULL,
                started_at timestamp with time zone NOT NULL,
                ended_at timestamp with time zone,
                risk_score integer,
                risk_level varchar,
                summary text,
                reasoning text,
                llm_prompt text,
                detection_ids text,
                reviewed boolean NOT NULL DEFAULT false,
                notes text,
                is_fast_path boolean NOT NULL DEFAULT false,
                object_types text,
                clip_path varchar,
                search_vector tsvector,
                deleted_at timestamp with time zone$c$,
             ARRAY['CREATE INDEX idx_events_camera_id ON events (camera_id)',
                   'CREATE INDEX idx_events_started_at ON events (started_at)']),
            (3, 'logs', 'timestamp',
             $c$"timestamp" timestamp with time zone NOT NULL DEFAULT now(),
                level varchar(10) NOT NULL,
                component varchar(50) NOT NULL,
                message text NOT NULL,
                camera_id varchar(100),
                event_id integer,
                request_id varchar(36),
                detection_id integer,
                duration_ms integer,
                extra jsonb,
                source varchar(10) NOT NULL DEFAULT 'backend',
                user_agent text$c$,
             ARRAY['CREATE INDEX idx_logs_timestamp ON logs ("timestamp")',
                   'CREATE INDEX idx_logs_level ON logs (level)']),
            (4, 'gpu_stats', 'recorded_at',
             $c$recorded_at timestamp with time zone NOT NULL,
                gpu_name varchar(255),
                gpu_utilization double precision,
                memory_used integer,
                memory_total integer,
                temperature double precision,
                power_usage double precision,
                inference_fps double precision$c$,
             ARRAY['CREATE INDEX idx_gpu_stats_recorded_at ON gpu_stats (recorded_at)']),
            (5, 'audit_logs', 'timestamp',
             $c$"timestamp" timestamp with time zone NOT NULL,
                action varchar(50) NOT NULL,
                resource_type varchar(50) NOT NULL,
                resource_id varchar(255),
                actor varchar(100) NOT NULL,
                ip_address varchar(45),
                user_agent text,
                details jsonb,
                status varchar(20) NOT NULL DEFAULT 'success'$c$,
             ARRAY['CREATE INDEX idx_audit_logs_timestamp ON audit_logs ("timestamp")',
                   'CREATE INDEX idx_audit_logs_action ON audit_logs (action)',
                   'CREATE INDEX idx_audit_logs_resource_type ON audit_logs (resource_type)',
                   'CREATE INDEX idx_audit_logs_actor ON audit_logs (actor)'])
        ) AS v(ord, tbl, part_key, coldefs, idxs)
        ORDER BY ord
    LOOP
        rel := to_regclass(quote_ident(spec.tbl));
        IF rel IS NOT NULL AND (SELECT relkind FROM pg_class WHERE oid = rel) = 'p' THEN
            CONTINUE;  -- already partitioned
        END IF;

        -- Keep the id sequence: detach it so that it survives the old table.
        seqrel := NULL;
        IF rel IS NOT NULL THEN
            seqrel := pg_get_serial_sequence(rel::text, 'id')::regclass;
        END IF;
        IF seqrel IS NOT NULL THEN
            EXECUTE format('ALTER SEQUENCE %s OWNED BY NONE', seqrel);
            iddef := format('integer NOT NULL DEFAULT nextval(%L::regclass)', seqrel::text);
        ELSE
            iddef := 'serial';
        END IF;

        -- Move the old table aside (with its indexes, whose names the new table reuses).
        old_name := NULL;
        IF rel IS NOT NULL THEN
            old_name := spec.tbl || '_mig28_old';
            EXECUTE format('ALTER TABLE %s RENAME TO %I', rel, old_name);
            n := 0;
            FOR r IN SELECT indexrelid::regclass AS idx FROM pg_index WHERE indrelid = rel ORDER BY indexrelid LOOP
                n := n + 1;
                EXECUTE format('ALTER INDEX %s RENAME TO %I', r.idx, old_name || '_i' || n);
            END LOOP;
        END IF;

        -- The partitioned table, its monthly partitions and its indexes.
        EXECUTE format('CREATE TABLE %I (id %s, %s, CONSTRAINT %I PRIMARY KEY (id, %I)) PARTITION BY RANGE (%I)',
                       spec.tbl, iddef, spec.coldefs, spec.tbl || '_pkey', spec.part_key, spec.part_key);
        newrel := to_regclass(quote_ident(spec.tbl));
        FOR k IN 0..2 LOOP
            mon := m0 + make_interval(months => k);
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                           spec.tbl || to_char(mon, '"_y"YYYY"m"MM'), spec.tbl,
                           mon AT TIME ZONE 'UTC',
                           (mon + interval '1 month') AT TIME ZONE 'UTC');
        END LOOP;
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', spec.tbl || '_default', spec.tbl);
        FOREACH stmt IN ARRAY spec.idxs LOOP
            EXECUTE stmt;
        END LOOP;
        IF seqrel IS NOT NULL THEN
            EXECUTE format('ALTER SEQUENCE %s OWNED BY %I.id', seqrel, spec.tbl);
        END IF;

        IF old_name IS NOT NULL THEN
            -- Copy the rows by column name (a column the new table lacks cannot be kept).
            FOR r IN
                SELECT o.attname FROM pg_attribute o
                WHERE o.attrelid = rel AND o.attnum > 0 AND NOT o.attisdropped
                  AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                                  WHERE a.attrelid = newrel AND a.attname = o.attname AND NOT a.attisdropped)
            LOOP
                RAISE WARNING 'add_time_series_partitioning: column %.% is not kept', spec.tbl, r.attname;
            END LOOP;
            SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
                   string_agg(CASE WHEN o.atttypid = a.atttypid AND o.atttypmod = a.atttypmod
                                   THEN format('o.%I', a.attname)
                                   ELSE format('o.%I::%s', a.attname, format_type(a.atttypid, a.atttypmod)) END,
                              ', ' ORDER BY a.attnum)
              INTO cols, sel
              FROM pg_attribute a
              JOIN pg_attribute o ON o.attrelid = rel AND o.attname = a.attname AND o.attnum > 0 AND NOT o.attisdropped
             WHERE a.attrelid = newrel AND a.attnum > 0 AND NOT a.attisdropped;
            EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I AS o', spec.tbl, cols, sel, old_name);

            -- Keep the table privileges.
            FOR r IN
                SELECT x.grantee, x.privilege_type, x.is_grantable
                FROM pg_class c, aclexplode(c.relacl) AS x
                WHERE c.oid = rel AND x.grantee <> (SELECT relowner FROM pg_class WHERE oid = newrel)
            LOOP
                EXECUTE format('GRANT %s ON %I TO %s%s', r.privilege_type, spec.tbl,
                               CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END,
                               CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
            END LOOP;

            -- Like the original, drop the old table with everything that depends on it (the foreign
            -- keys of alerts, event_audits and event_detections, the events trigger, ...).
            EXECUTE format('DROP TABLE %I CASCADE', old_name);
        END IF;
    END LOOP;
END
$$;

-- migrate:downgrade
-- Each partitioned table becomes the plain table it was before this revision, rows included.
-- Rows written meanwhile that break the restored CHECKs, primary keys (id alone) or foreign keys
-- (to cameras; from alerts, event_audits, event_detections) make the downgrade fail: nothing is deleted.
DO $$
DECLARE
    spec record;
    rel regclass;
    newrel regclass;
    seqrel regclass;
    old_name text;
    iddef text;
    trgm_schema name;
    extras text[];
    n int;
    r record;
    stmt text;
    cols text;
    sel text;
    done text[] := '{}';
BEGIN
    SELECT ns.nspname INTO trgm_schema
      FROM pg_opclass o
      JOIN pg_am am ON am.oid = o.opcmethod
      JOIN pg_namespace ns ON ns.oid = o.opcnamespace
     WHERE o.opcname = 'gin_trgm_ops' AND am.amname = 'gin'
     ORDER BY (ns.nspname = current_schema()) DESC, ns.nspname
     LIMIT 1;

    FOR spec IN
        SELECT * FROM (VALUES
            (1, 'detections',
             $c$camera_id varchar NOT NULL,
                file_path varchar NOT NULL,
                file_type varchar,
                detected_at timestamp with time zone NOT NULL,
                object_type varchar,
                confidence double precision,
                bbox_x integer,
                bbox_y integer,
                bbox_width integer,
                bbox_height integer,
                thumbnail_path varchar,
                enrichment_data jsonb,
                CONSTRAINT detections_pkey PRIMARY KEY (id),
                CONSTRAINT detections_camera_id_fkey FOREIGN KEY (camera_id)
                    REFERENCES cameras (id) ON DELETE CASCADE,
                CONSTRAINT ck_detections_confidence_range
                    CHECK (confidence IS NULL OR (confidence >= 0.0 AND confidence <= 1.0))$c$,
             ARRAY['CREATE INDEX idx_detections_camera_id ON detections (camera_id)',
                   'CREATE INDEX idx_detections_detected_at ON detections (detected_at)',
                   'CREATE INDEX idx_detections_camera_time ON detections (camera_id, detected_at)',
                   'CREATE INDEX idx_detections_enrichment_data ON detections USING gin (enrichment_data)',
                   'CREATE INDEX idx_detections_camera_object_type ON detections (camera_id, object_type)',
                   'CREATE INDEX idx_detections_camera_time_type ON detections (camera_id, detected_at, object_type)',
                   'CREATE INDEX idx_detections_pagination_covering ON detections (camera_id, detected_at) INCLUDE (id, object_type, confidence)']),
            (2, 'events',
             $c$batch_id varchar NOT NULL,
                camera_id varchar NOT NULL,
                started_at timestamp with time zone NOT NULL,
                ended_at timestamp with time zone,
                risk_score integer,
                risk_level varchar,
                summary text,
                reasoning text,
                detection_ids text,
                reviewed boolean NOT NULL,
                notes text,
                is_fast_path boolean NOT NULL,
                object_types text,
                search_vector tsvector,
                clip_path varchar,
                llm_prompt text,
                CONSTRAINT events_pkey PRIMARY KEY (id),
                CONSTRAINT events_camera_id_fkey FOREIGN KEY (camera_id)
                    REFERENCES cameras (id) ON DELETE CASCADE,
                CONSTRAINT ck_events_risk_level
                    CHECK (risk_level IS NULL OR risk_level IN ('low', 'medium', 'high', 'critical')),
                CONSTRAINT ck_events_risk_score_range
                    CHECK (risk_score IS NULL OR (risk_score >= 0 AND risk_score <= 100)),
                CONSTRAINT ck_events_time_order
                    CHECK (ended_at IS NULL OR ended_at >= started_at)$c$,
             ARRAY['CREATE INDEX idx_events_started_at ON events (started_at)',
                   'CREATE INDEX idx_events_camera_id ON events (camera_id)',
                   'CREATE INDEX idx_events_risk_score ON events (risk_score)',
                   'CREATE INDEX idx_events_reviewed ON events (reviewed)',
                   'CREATE INDEX idx_events_batch_id ON events (batch_id)',
                   'CREATE INDEX idx_events_search_vector ON events USING gin (search_vector)',
                   'CREATE INDEX idx_events_reviewed_false ON events (reviewed) WHERE reviewed = false',
                   'CREATE INDEX idx_events_is_fast_path_true ON events (is_fast_path) WHERE is_fast_path = true',
                   'CREATE INDEX idx_events_camera_started ON events (camera_id, started_at)',
                   'CREATE INDEX idx_events_camera_time_reviewed ON events (camera_id, started_at, reviewed)',
                   'CREATE INDEX idx_events_pagination_covering ON events (camera_id, started_at) INCLUDE (id, risk_score, risk_level, summary, reviewed)',
                   'CREATE INDEX idx_events_risk_level_started_at ON events (risk_level, started_at)',
                   'CREATE INDEX idx_events_export_covering ON events (started_at, id, ended_at, risk_level, risk_score, camera_id, object_types, summary)',
                   'CREATE INDEX idx_events_unreviewed ON events (id) WHERE reviewed = false']),
            (3, 'logs',
             $c$"timestamp" timestamp with time zone NOT NULL DEFAULT now(),
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
                CONSTRAINT logs_pkey PRIMARY KEY (id),
                CONSTRAINT ck_logs_level
                    CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')),
                CONSTRAINT ck_logs_source CHECK (source IN ('backend', 'frontend'))$c$,
             ARRAY['CREATE INDEX idx_logs_timestamp ON logs ("timestamp")',
                   'CREATE INDEX idx_logs_camera_id ON logs (camera_id)',
                   'CREATE INDEX idx_logs_level ON logs (level)',
                   'CREATE INDEX idx_logs_component ON logs (component)',
                   'CREATE INDEX idx_logs_source ON logs (source)',
                   'CREATE INDEX idx_logs_time_level_component ON logs ("timestamp", level, component)',
                   'CREATE INDEX idx_logs_time_level ON logs ("timestamp", level)',
                   'CREATE INDEX idx_logs_pagination_covering ON logs ("timestamp") INCLUDE (id, level, component, camera_id)']),
            (4, 'gpu_stats',
             $c$recorded_at timestamp with time zone NOT NULL,
                gpu_name varchar(255),
                gpu_utilization double precision,
                memory_used integer,
                memory_total integer,
                temperature double precision,
                power_usage double precision,
                inference_fps double precision,
                CONSTRAINT gpu_stats_pkey PRIMARY KEY (id)$c$,
             ARRAY['CREATE INDEX ix_gpu_stats_recorded_at_brin ON gpu_stats USING brin (recorded_at)']),
            (5, 'audit_logs',
             $c$"timestamp" timestamp with time zone NOT NULL,
                action varchar(50) NOT NULL,
                resource_type varchar(50) NOT NULL,
                resource_id varchar(255),
                actor varchar(100) NOT NULL,
                ip_address varchar(45),
                user_agent text,
                details json,
                status varchar(20) NOT NULL,
                CONSTRAINT audit_logs_pkey PRIMARY KEY (id),
                CONSTRAINT ck_audit_logs_status CHECK (status IN ('success', 'failure'))$c$,
             ARRAY['CREATE INDEX idx_audit_logs_timestamp ON audit_logs ("timestamp")',
                   'CREATE INDEX idx_audit_logs_action ON audit_logs (action)',
                   'CREATE INDEX idx_audit_logs_resource_type ON audit_logs (resource_type)',
                   'CREATE INDEX idx_audit_logs_actor ON audit_logs (actor)',
                   'CREATE INDEX idx_audit_logs_resource ON audit_logs (resource_type, resource_id)',
                   'CREATE INDEX idx_audit_logs_status ON audit_logs (status)'])
        ) AS v(ord, tbl, body, idxs)
        ORDER BY ord
    LOOP
        rel := to_regclass(quote_ident(spec.tbl));
        IF rel IS NULL OR (SELECT relkind FROM pg_class WHERE oid = rel) <> 'p' THEN
            CONTINUE;  -- not partitioned: nothing to undo
        END IF;

        -- Indexes that other revisions put on the partitioned table meanwhile are carried over.
        SELECT coalesce(array_agg(replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') ORDER BY i.indexrelid), '{}')
          INTO extras
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = rel
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = rel)
           AND ic.relname NOT IN (SELECT substring(s FROM '^CREATE INDEX (\S+) ') FROM unnest(spec.idxs) AS s)
           AND ic.relname NOT IN ('idx_events_object_types_trgm', 'idx_gpu_stats_recorded_at');

        seqrel := pg_get_serial_sequence(rel::text, 'id')::regclass;
        IF seqrel IS NOT NULL THEN
            EXECUTE format('ALTER SEQUENCE %s OWNED BY NONE', seqrel);
            iddef := format('integer NOT NULL DEFAULT nextval(%L::regclass)', seqrel::text);
        ELSE
            iddef := 'serial';
        END IF;

        old_name := spec.tbl || '_mig28_part';
        EXECUTE format('ALTER TABLE %s RENAME TO %I', rel, old_name);
        n := 0;
        FOR r IN SELECT indexrelid::regclass AS idx FROM pg_index WHERE indrelid = rel ORDER BY indexrelid LOOP
            n := n + 1;
            EXECUTE format('ALTER INDEX %s RENAME TO %I', r.idx, old_name || '_i' || n);
        END LOOP;

        EXECUTE format('CREATE TABLE %I (id %s, %s)', spec.tbl, iddef, spec.body);
        newrel := to_regclass(quote_ident(spec.tbl));
        IF seqrel IS NOT NULL THEN
            EXECUTE format('ALTER SEQUENCE %s OWNED BY %I.id', seqrel, spec.tbl);
        END IF;

        -- Rows back, by column name.
        SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
               string_agg(CASE WHEN o.atttypid = a.atttypid AND o.atttypmod = a.atttypmod
                               THEN format('o.%I', a.attname)
                               ELSE format('o.%I::%s', a.attname, format_type(a.atttypid, a.atttypmod)) END,
                          ', ' ORDER BY a.attnum)
          INTO cols, sel
          FROM pg_attribute a
          JOIN pg_attribute o ON o.attrelid = rel AND o.attname = a.attname AND o.attnum > 0 AND NOT o.attisdropped
         WHERE a.attrelid = newrel AND a.attnum > 0 AND NOT a.attisdropped;
        EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I AS o', spec.tbl, cols, sel, old_name);

        FOR r IN
            SELECT x.grantee, x.privilege_type, x.is_grantable
            FROM pg_class c, aclexplode(c.relacl) AS x
            WHERE c.oid = rel AND x.grantee <> (SELECT relowner FROM pg_class WHERE oid = newrel)
        LOOP
            EXECUTE format('GRANT %s ON %I TO %s%s', r.privilege_type, spec.tbl,
                           CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END,
                           CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;

        -- The partitioned table goes with its partitions (no CASCADE: nothing may depend on it).
        EXECUTE format('DROP TABLE %I', old_name);

        FOREACH stmt IN ARRAY spec.idxs || extras LOOP
            EXECUTE stmt;
        END LOOP;

        IF spec.tbl = 'events' THEN
            IF trgm_schema IS NOT NULL THEN
                EXECUTE format('CREATE INDEX idx_events_object_types_trgm ON events USING gin (object_types %I.gin_trgm_ops)',
                               trgm_schema);
            END IF;
            IF to_regprocedure('events_search_vector_update()') IS NOT NULL THEN
                CREATE TRIGGER events_search_vector_trigger
                    BEFORE INSERT OR UPDATE ON events
                    FOR EACH ROW EXECUTE FUNCTION events_search_vector_update();
            END IF;
        END IF;
        done := done || spec.tbl;
    END LOOP;

    -- Foreign keys into events and detections, which the upgrade dropped.
    FOR r IN
        SELECT * FROM (VALUES
            ('alerts', 'fk_alerts_event_id', 'events',
             'FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE'),
            ('event_audits', 'event_audits_event_id_fkey', 'events',
             'FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE'),
            ('event_detections', 'event_detections_event_id_fkey', 'events',
             'FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE'),
            ('event_detections', 'event_detections_detection_id_fkey', 'detections',
             'FOREIGN KEY (detection_id) REFERENCES detections (id) ON DELETE CASCADE')
        ) AS f(tbl, conname, target, def)
    LOOP
        IF r.target = ANY (done)
           AND to_regclass(quote_ident(r.tbl)) IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM pg_constraint
                           WHERE conrelid = to_regclass(quote_ident(r.tbl)) AND conname = r.conname) THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', r.tbl, r.conname, r.def);
        END IF;
    END LOOP;
END
$$;
