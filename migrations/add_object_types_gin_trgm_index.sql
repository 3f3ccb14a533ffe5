-- revision: add_object_types_gin_trgm
-- down_revision: add_enrichment_data
-- message: Add GIN trigram index on events.object_types for LIKE query performance

-- migrate:upgrade
DO $$
DECLARE
    opc_schema name;
BEGIN
    -- pg_trgm is installed when the server has it; without it the index is skipped.
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    END IF;

    -- Index only if the gin_trgm_ops operator class really exists (in any schema;
    -- prefer the current one).
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

-- migrate:downgrade
-- The pg_trgm extension is left installed (other objects may use it).
DROP INDEX IF EXISTS idx_events_object_types_trgm;
