-- revision: fix_search_vector_backfill
-- down_revision: fix_datetime_tz
-- message: Backfill NULL search_vector values for existing events

-- migrate:upgrade
-- Events that have a camera: summary, reasoning, object_types and the camera name.
UPDATE events AS ev
   SET search_vector = to_tsvector('english',
        coalesce(ev.summary, '') || ' ' ||
        coalesce(ev.reasoning, '') || ' ' ||
        coalesce(ev.object_types, '') || ' ' ||
        coalesce(cam.name, ''))
  FROM cameras AS cam
 WHERE cam.id = ev.camera_id
   AND ev.search_vector IS NULL;

-- Events whose camera does not exist: the same text without a camera name.
UPDATE events AS ev
   SET search_vector = to_tsvector('english',
        coalesce(ev.summary, '') || ' ' ||
        coalesce(ev.reasoning, '') || ' ' ||
        coalesce(ev.object_types, ''))
 WHERE ev.search_vector IS NULL
   AND NOT EXISTS (SELECT 1 FROM cameras AS cam WHERE cam.id = ev.camera_id);

-- migrate:downgrade
-- Nothing to undo: the backfilled vectors are what the trigger would compute anyway.
