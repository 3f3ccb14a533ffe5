-- revision: 20251228_fts
-- down_revision: 968b0dff6a9b
-- message: Add full-text search vector to events table

-- migrate:upgrade
ALTER TABLE events ADD COLUMN object_types text;
ALTER TABLE events ADD COLUMN search_vector tsvector;

-- Keeps events.search_vector in step with summary, reasoning, object_types and the
-- name of the event's camera. The cameras table is looked up in the schema of the
-- table that fired the trigger, so the function works whatever the search_path is.
CREATE OR REPLACE FUNCTION events_search_vector_update() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    cam_name text;
BEGIN
    -- a cached static query when the table's schema comes first on the search_path (always so
    -- during a migration), dynamic SQL otherwise
    IF TG_TABLE_SCHEMA = current_schema() THEN
        SELECT name INTO cam_name FROM cameras WHERE id = NEW.camera_id;
    ELSE
        EXECUTE format('SELECT name FROM %I.cameras WHERE id = $1', TG_TABLE_SCHEMA)
            INTO cam_name
            USING NEW.camera_id;
    END IF;
    NEW.search_vector := to_tsvector('english',
        coalesce(NEW.summary, '') || ' ' ||
        coalesce(NEW.reasoning, '') || ' ' ||
        coalesce(NEW.object_types, '') || ' ' ||
        coalesce(cam_name, ''));
    RETURN NEW;
END
$fn$;

CREATE TRIGGER events_search_vector_trigger
    BEFORE INSERT OR UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_search_vector_update();

-- Backfill existing rows (the trigger computes the same value on this UPDATE).
UPDATE events AS ev
   SET search_vector = to_tsvector('english',
        coalesce(ev.summary, '') || ' ' ||
        coalesce(ev.reasoning, '') || ' ' ||
        coalesce(ev.object_types, '') || ' ' ||
        coalesce(cam.name, ''))
  FROM cameras AS cam
 WHERE cam.id = ev.camera_id;

CREATE INDEX idx_events_search_vector ON events USING gin (search_vector);

-- migrate:downgrade
DROP TRIGGER IF EXISTS events_search_vector_trigger ON events;
DROP FUNCTION IF EXISTS events_search_vector_update();
DROP INDEX IF EXISTS idx_events_search_vector;
ALTER TABLE events DROP COLUMN search_vector;
ALTER TABLE events DROP COLUMN object_types;
