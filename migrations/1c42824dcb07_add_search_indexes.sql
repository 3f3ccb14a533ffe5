-- revision: 1c42824dcb07
-- down_revision: add_deleted_at_soft_delete
-- message: Add TSVECTOR indexes for full-text search

-- migrate:upgrade
-- Normally already installed by add_object_types_gin_trgm. Never dropped by a downgrade.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- logs: weighted full-text search vector (message A, component B, level C).
ALTER TABLE logs ADD COLUMN search_vector tsvector;

CREATE OR REPLACE FUNCTION logs_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.search_vector :=
           setweight(to_tsvector('english', coalesce(NEW.message, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.component, '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.level, '')), 'C');
    RETURN NEW;
END
$fn$;

CREATE TRIGGER logs_search_vector_trigger
    BEFORE INSERT OR UPDATE ON logs
    FOR EACH ROW EXECUTE FUNCTION logs_search_vector_update();

-- Backfill the rows that have no vector yet (the trigger computes the same value).
UPDATE logs
   SET search_vector =
           setweight(to_tsvector('english', coalesce(message, '')), 'A')
        || setweight(to_tsvector('english', coalesce(component, '')), 'B')
        || setweight(to_tsvector('english', coalesce(level, '')), 'C')
 WHERE search_vector IS NULL;

-- Built after the backfill.
CREATE INDEX idx_logs_search_vector ON logs USING gin (search_vector);

-- detections: trigram index for LIKE/ILIKE on object_type, only where the gin_trgm_ops
-- operator class really exists (CREATE EXTENSION may be unavailable on some builds). The
-- operator class is named with its schema, so pg_trgm need not be on search_path.
DO $$
DECLARE
    opc_schema name;
BEGIN
    SELECT n.nspname INTO opc_schema
      FROM pg_opclass o
      JOIN pg_am am ON am.oid = o.opcmethod
      JOIN pg_namespace n ON n.oid = o.opcnamespace
     WHERE o.opcname = 'gin_trgm_ops' AND am.amname = 'gin'
     ORDER BY pg_opclass_is_visible(o.oid) DESC, n.nspname
     LIMIT 1;
    IF opc_schema IS NOT NULL THEN
        EXECUTE format(
            'CREATE INDEX idx_detections_object_type_trgm ON detections USING gin (object_type %I.gin_trgm_ops)',
            opc_schema);
    END IF;
END
$$;

-- migrate:downgrade
DO $$
BEGIN
    IF to_regclass('idx_detections_object_type_trgm') IS NOT NULL THEN
        DROP INDEX idx_detections_object_type_trgm;
    END IF;
END
$$;
DROP INDEX idx_logs_search_vector;
DROP TRIGGER IF EXISTS logs_search_vector_trigger ON logs;
DROP FUNCTION IF EXISTS logs_search_vector_update();
ALTER TABLE logs DROP COLUMN search_vector;
