-- revision: add_detection_search_vector
-- down_revision: add_deleted_at_soft_delete
-- message: Add full-text search vector to detections table

-- migrate:upgrade
ALTER TABLE detections ADD COLUMN search_vector tsvector;
ALTER TABLE detections ADD COLUMN labels jsonb;

-- Row trigger function: derives labels (distinct object type, vehicle make/model, pet breed)
-- and the English search vector (object type, camera name, vehicle make/model/colour,
-- pet breed/species) of a detection.
CREATE OR REPLACE FUNCTION detections_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    cam_name   text;
    extra_text text := '';
    tags       jsonb := '[]'::jsonb;
    vehicle    jsonb;
    pet        jsonb;
BEGIN
    -- Look the camera up in the schema of the table that fired the trigger, whatever the
    -- caller's search_path is: a cached static query when that schema comes first on the
    -- path (always so during a migration; it makes the backfill several times faster),
    -- dynamic SQL otherwise.
    IF TG_TABLE_SCHEMA = current_schema() THEN
        SELECT c.name INTO cam_name FROM cameras c WHERE c.id = NEW.camera_id;
    ELSE
        EXECUTE format('SELECT c.name FROM %I.cameras c WHERE c.id = $1', TG_TABLE_SCHEMA)
            INTO cam_name USING NEW.camera_id;
    END IF;

    IF NEW.enrichment_data IS NOT NULL THEN
        IF NEW.enrichment_data ? 'vehicle_classification' THEN
            vehicle := NEW.enrichment_data -> 'vehicle_classification';
            extra_text := extra_text
                || ' ' || coalesce(vehicle ->> 'make', '')
                || ' ' || coalesce(vehicle ->> 'model', '')
                || ' ' || coalesce(vehicle ->> 'color', '');
            IF vehicle ->> 'make' IS NOT NULL THEN
                tags := tags || jsonb_build_array(vehicle ->> 'make');
            END IF;
            IF vehicle ->> 'model' IS NOT NULL THEN
                tags := tags || jsonb_build_array(vehicle ->> 'model');
            END IF;
        END IF;
        IF NEW.enrichment_data ? 'pet_classification' THEN
            pet := NEW.enrichment_data -> 'pet_classification';
            extra_text := extra_text
                || ' ' || coalesce(pet ->> 'breed', '')
                || ' ' || coalesce(pet ->> 'species', '');
            IF pet ->> 'breed' IS NOT NULL THEN
                tags := tags || jsonb_build_array(pet ->> 'breed');
            END IF;
        END IF;
    END IF;

    IF NEW.object_type IS NOT NULL THEN
        tags := tags || jsonb_build_array(NEW.object_type);
    END IF;

    -- Distinct labels as a JSON array of strings; NULL when there is none.
    NEW.labels := (SELECT jsonb_agg(DISTINCT e.v) FROM jsonb_array_elements_text(tags) AS e(v));
    NEW.search_vector := to_tsvector('english',
        coalesce(NEW.object_type, '') || ' ' || coalesce(cam_name, '') || ' ' || extra_text);
    RETURN NEW;
END
$fn$;

CREATE TRIGGER detections_search_vector_trigger
    BEFORE INSERT OR UPDATE ON detections
    FOR EACH ROW EXECUTE FUNCTION detections_search_vector_update();

-- Backfill. The original ran two UPDATEs (labels, then search_vector for rows with a
-- camera); the BEFORE UPDATE trigger above recomputes both columns on every updated row, so
-- what they leave behind is the trigger's result for every row. One pass that touches every
-- row gives exactly that.
UPDATE detections SET labels = labels;

-- Built after the backfill.
CREATE INDEX idx_detections_search_vector ON detections USING gin (search_vector);
CREATE INDEX idx_detections_labels_gin ON detections USING gin (labels);

-- migrate:downgrade
DROP TRIGGER IF EXISTS detections_search_vector_trigger ON detections;
DROP FUNCTION IF EXISTS detections_search_vector_update();
DROP INDEX idx_detections_search_vector;
DROP INDEX idx_detections_labels_gin;
ALTER TABLE detections DROP COLUMN search_vector;
ALTER TABLE detections DROP COLUMN labels;
