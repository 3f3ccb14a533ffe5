-- revision: fix_camera_tz_idem
-- down_revision: 6b206d6591cb
-- message: Fix Camera model timezone columns to TIMESTAMPTZ (idempotent)
-- repair: the downgrade changes nothing; the original turned cameras.created_at, last_seen_at and deleted_at into timestamp without time zone although on this chain they were already timestamptz before this revision (fix_datetime_tz, add_deleted_at_soft_delete) and the upgrade left them alone, so the original downgrade did not give back the previous catalog
-- repair: the upgrade looks the columns up in the cameras table that search_path resolves (the original matched information_schema on table and column name in any schema)

-- migrate:upgrade
-- Convert to timestamptz only the cameras columns that are still timestamp without time
-- zone; the stored wall-clock values are taken as UTC. On a database built by this chain all
-- three are timestamptz already, and nothing happens.
DO $$
DECLARE
    col text;
BEGIN
    FOREACH col IN ARRAY ARRAY['created_at', 'last_seen_at', 'deleted_at'] LOOP
        IF EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = 'cameras'::regclass
                      AND a.attname = col
                      AND NOT a.attisdropped
                      AND a.atttypid = 'timestamp without time zone'::regtype) THEN
            EXECUTE format(
                'ALTER TABLE cameras ALTER COLUMN %I TYPE timestamptz USING %I AT TIME ZONE %L',
                col, col, 'UTC');
        END IF;
    END LOOP;
END
$$;

-- migrate:downgrade
-- Nothing to undo. On any database that this chain built, the upgrade found the three
-- columns already timestamptz and changed nothing, so the state before it is the state after
-- it. Turning them into timestamp without time zone here (as the original did) would not give
-- back the previous catalog and would drop the time zone of the stored instants.
