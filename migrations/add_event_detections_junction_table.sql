-- revision: add_event_detections_junction
-- down_revision: add_events_backlog_indexes
-- message: Add event_detections junction table for Event-Detection normalization
-- data_loss: the downgrade drops the event_detections table with all its rows; links that exist only there (not in events.detection_ids) are lost

-- migrate:upgrade
CREATE TABLE event_detections (
    event_id integer NOT NULL,
    detection_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT event_detections_pkey PRIMARY KEY (event_id, detection_id),
    CONSTRAINT event_detections_event_id_fkey FOREIGN KEY (event_id)
        REFERENCES events (id) ON DELETE CASCADE,
    CONSTRAINT event_detections_detection_id_fkey FOREIGN KEY (detection_id)
        REFERENCES detections (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_event_detections_event_id ON event_detections (event_id);
CREATE INDEX IF NOT EXISTS idx_event_detections_detection_id ON event_detections (detection_id);
CREATE INDEX IF NOT EXISTS idx_event_detections_created_at ON event_detections (created_at);

-- Move the links held in events.detection_ids (a JSON array text such as '[1, 2, 3]', or the
-- legacy comma-separated form '1,2,3') into the junction table. Only tokens made of digits
-- that name an existing detection are kept.
INSERT INTO event_detections (event_id, detection_id, created_at)
SELECT DISTINCT e.id, det.id, e.started_at
FROM events e
CROSS JOIN LATERAL unnest(
    CASE
        WHEN e.detection_ids ~ '^\s*\[' AND e.detection_ids ~ '\]\s*$'
            THEN ARRAY(SELECT jsonb_array_elements_text(e.detection_ids::jsonb))
        ELSE string_to_array(replace(e.detection_ids, ' ', ''), ',')
    END
) AS t(tok)
JOIN detections det
  ON det.id = CASE WHEN t.tok ~ '^[0-9]{1,18}$' THEN t.tok::bigint END
WHERE e.detection_ids IS NOT NULL
  AND e.detection_ids <> ''
  AND e.detection_ids <> '[]'
ON CONFLICT (event_id, detection_id) DO NOTHING;

-- migrate:downgrade
DROP INDEX IF EXISTS idx_event_detections_created_at;
DROP INDEX IF EXISTS idx_event_detections_detection_id;
DROP INDEX IF EXISTS idx_event_detections_event_id;
DROP TABLE event_detections;
