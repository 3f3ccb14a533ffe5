-- Seed for the populated-database benchmark: run on a database at revision add_event_audits.
-- Row counts come from psql variables (defaults: the sizes the issue asks for):
--   psql -v detections=1000000 -v events=100000 -f bench/seed.sql
-- Every row satisfies the CHECK constraints later revisions add, so the whole chain runs.
-- Timestamps spread over the last 120 days, so the partitioning step (#28) routes rows into
-- the monthly partitions and the DEFAULT partition alike.
\if :{?detections} \else \set detections 1000000 \endif
\if :{?events} \else \set events 100000 \endif
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SELECT setseed(0.42) \g /dev/null

-- 16 cameras, plus 2 duplicates by name and 1 by folder that #13 (add_camera_unique_constraints)
-- removes (their rows cascade away with them, as in production)
INSERT INTO cameras (id, name, folder_path, status, created_at, last_seen_at)
SELECT 'cam_' || g, 'Camera ' || g, '/export/foscam/cam_' || g,
       (ARRAY['online', 'online', 'online', 'offline', 'error', 'unknown'])[1 + g % 6],
       now() - interval '400 days' + g * interval '1 hour', now() - g * interval '1 minute'
  FROM generate_series(1, 16) g;
INSERT INTO cameras (id, name, folder_path, status, created_at, last_seen_at) VALUES
  ('cam_dup_1', 'Camera 1', '/export/foscam/cam_dup_1', 'offline', now() - interval '10 days', NULL),
  ('cam_dup_2', 'Camera 2', '/export/foscam/cam_dup_2', 'offline', now() - interval '9 days', NULL),
  ('cam_dup_3', 'Camera dup 3', '/export/foscam/cam_3', 'offline', now() - interval '8 days', NULL);

-- detections: camera, file, object type, confidence and a bounding box
INSERT INTO detections (camera_id, file_path, file_type, detected_at, object_type, confidence,
                        bbox_x, bbox_y, bbox_width, bbox_height, thumbnail_path)
SELECT 'cam_' || (1 + g % 16),
       '/export/foscam/cam_' || (1 + g % 16) || '/' || g || '.jpg', 'image/jpeg',
       now() - interval '120 days' + (g::double precision / :detections) * interval '120 days',
       (ARRAY['person', 'car', 'truck', 'dog', 'cat', 'bicycle', 'motorcycle', 'bird', 'package'])[1 + (g * 7) % 9],
       round((0.3 + random() * 0.7)::numeric, 4)::double precision,
       (random() * 1600)::int, (random() * 900)::int, 20 + (random() * 300)::int, 20 + (random() * 400)::int,
       '/data/thumbnails/' || g || '_thumb.jpg'
  FROM generate_series(1, :detections) g;

-- events: each lists 4 of the 10 detections of its time slot (detection_ids as a JSON array text,
-- as the application wrote it; 1 in 20 in the legacy comma-separated form), so 40% of the
-- detections belong to an event
INSERT INTO events (batch_id, camera_id, started_at, ended_at, risk_score, risk_level, summary,
                    reasoning, detection_ids, reviewed, notes, is_fast_path, object_types,
                    clip_path, llm_prompt)
SELECT 'batch_' || md5(g::text),
       'cam_' || (1 + ((g - 1) * 10 + 1) % 16),
       now() - interval '120 days' + (g::double precision / :events) * interval '120 days',
       now() - interval '120 days' + (g::double precision / :events) * interval '120 days' + (30 + g % 300) * interval '1 second',
       g % 101,
       (ARRAY['low', 'low', 'medium', 'high', 'critical'])[1 + g % 5],
       (ARRAY['Person walking up the driveway', 'Car parked in front of the garage',
              'Dog crossing the back yard', 'Delivery driver left a package at the door',
              'Unknown person near the side gate at night'])[1 + g % 5],
       'Risk assessed from ' || (5 + g % 10) || ' detections; time of day and zone considered.',
       CASE WHEN g % 20 = 0
            THEN (SELECT string_agg(d::text, ',') FROM generate_series((g - 1) * 10 + 1, (g - 1) * 10 + 4) d)
            ELSE (SELECT '[' || string_agg(d::text, ', ') || ']' FROM generate_series((g - 1) * 10 + 1, (g - 1) * 10 + 4) d)
       END,
       g % 3 = 0,
       CASE WHEN g % 7 = 0 THEN 'checked by owner' END,
       g % 11 = 0,
       (ARRAY['person', 'car', 'dog', 'person,package', 'person,car'])[1 + g % 5],
       CASE WHEN g % 4 = 0 THEN '/data/clips/' || g || '.mp4' END,
       CASE WHEN g % 2 = 0 THEN 'Analyze these detections and assess the risk level.' END
  FROM generate_series(1, :events) g;

INSERT INTO alert_rules (id, name, description, enabled, severity, risk_threshold, object_types,
                         camera_ids, min_confidence, dedup_key_template, cooldown_seconds, channels,
                         created_at, updated_at)
SELECT gen_random_uuid(), 'rule ' || g, 'synthetic rule ' || g, g % 4 <> 0,
       (ARRAY['low', 'medium', 'high', 'critical'])[1 + g % 4]::alert_severity, 20 + g * 3,
       '["person", "car"]'::json, ('["cam_' || (1 + g % 16) || '"]')::json, 0.5, '{camera_id}:{rule_id}',
       300, '["push"]'::json, now() - interval '200 days', now() - interval '1 day'
  FROM generate_series(1, 20) g;

INSERT INTO alerts (id, event_id, rule_id, severity, status, created_at, updated_at, delivered_at,
                    channels, dedup_key, metadata)
SELECT gen_random_uuid(), 1 + (g * 5) % :events,
       (SELECT id FROM alert_rules ORDER BY name OFFSET g % 20 LIMIT 1),
       (ARRAY['low', 'medium', 'high', 'critical'])[1 + g % 4]::alert_severity,
       (ARRAY['pending', 'delivered', 'acknowledged', 'dismissed'])[1 + g % 4]::alert_status,
       now() - interval '120 days' + g * interval '8 minutes', now() - interval '120 days' + g * interval '8 minutes',
       CASE WHEN g % 4 <> 0 THEN now() - interval '120 days' + g * interval '8 minutes' END,
       '["push"]'::json, 'cam_' || (1 + g % 16) || ':' || (g % 20), '{"source": "bench"}'::json
  FROM generate_series(1, 20000) g;

INSERT INTO zones (id, camera_id, name, zone_type, coordinates, shape, color, enabled, priority,
                   created_at, updated_at)
SELECT 'zone_' || g, 'cam_' || (1 + g % 16), 'Zone ' || g,
       (enum_range(NULL::zone_type_enum))[1 + g % 3],
       '[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]'::jsonb,
       (enum_range(NULL::zone_shape_enum))[1 + g % 2],
       '#3B82F6', true, g % 5, now() - interval '100 days', now()
  FROM generate_series(1, 40) g;

INSERT INTO audit_logs ("timestamp", action, resource_type, resource_id, actor, ip_address,
                        user_agent, details, status)
SELECT now() - interval '120 days' + g * interval '200 seconds',
       (ARRAY['event_reviewed', 'camera_updated', 'settings_changed', 'login'])[1 + g % 4],
       (ARRAY['event', 'camera', 'settings', 'session'])[1 + g % 4], (g % 5000)::text,
       'user_' || (g % 5), '192.168.1.' || (g % 250), 'Mozilla/5.0 (X11; Linux x86_64)',
       ('{"n": ' || g || '}')::json, CASE WHEN g % 50 = 0 THEN 'failure' ELSE 'success' END
  FROM generate_series(1, 50000) g;

INSERT INTO activity_baselines (camera_id, hour, day_of_week, avg_count, sample_count, last_updated)
SELECT 'cam_' || c, h, d, random() * 20, 10 + (random() * 100)::int, now()
  FROM generate_series(1, 16) c, generate_series(0, 23) h, generate_series(0, 6) d;

INSERT INTO class_baselines (camera_id, detection_class, hour, frequency, sample_count, last_updated)
SELECT 'cam_' || c, k, h, random(), 10 + (random() * 100)::int, now()
  FROM generate_series(1, 16) c, unnest(ARRAY['person', 'car', 'dog', 'cat', 'package']) k,
       generate_series(0, 23) h;

INSERT INTO gpu_stats (recorded_at, gpu_name, gpu_utilization, memory_used, memory_total,
                       temperature, power_usage, inference_fps)
SELECT now() - interval '120 days' + g * interval '104 seconds', 'NVIDIA RTX A5500',
       random() * 100, 4000 + (random() * 12000)::int, 24576, 40 + random() * 40,
       80 + random() * 150, 10 + random() * 20
  FROM generate_series(1, 100000) g;

INSERT INTO logs ("timestamp", level, component, message, camera_id, event_id, request_id,
                  detection_id, duration_ms, extra, source, user_agent)
SELECT now() - interval '120 days' + g * interval '52 seconds',
       (ARRAY['DEBUG', 'INFO', 'INFO', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'])[1 + g % 7],
       (ARRAY['detector', 'analyzer', 'api', 'websocket', 'file_watcher'])[1 + g % 5],
       'Processed batch ' || g || ' in ' || (g % 900) || ' ms',
       'cam_' || (1 + g % 16), 1 + g % :events, md5(g::text)::uuid::text,
       1 + g % :detections, g % 900, ('{"attempt": ' || (g % 3) || '}')::json,
       CASE WHEN g % 10 = 0 THEN 'frontend' ELSE 'backend' END, NULL
  FROM generate_series(1, 100000) g;

INSERT INTO api_keys (key_hash, name, created_at, is_active)
SELECT md5('key' || g) || md5('salt' || g), 'key ' || g, now() - interval '300 days', g % 2 = 0
  FROM generate_series(1, 10) g;

INSERT INTO event_audits (event_id, audited_at, has_rtdetr, has_florence, has_clip,
                          prompt_length, prompt_token_estimate, enrichment_utilization,
                          context_usage_score, reasoning_coherence_score, risk_justification_score,
                          consistency_score, overall_quality_score)
SELECT g * 2, now() - interval '100 days' + g * interval '2 minutes', true, g % 2 = 0, g % 3 = 0,
       1200 + g % 800, 300 + g % 200, round(random()::numeric, 3)::double precision,
       1 + random() * 4, 1 + random() * 4, 1 + random() * 4, 1 + random() * 4, 1 + random() * 4
  FROM generate_series(1, least(50000, :events / 2)) g;
