//! The chain on a database that holds rows: the DATA steps of the migrations (camera
//! de-duplication #13, the event_detections backfill #27, the #28 partitioning rebuild, the
//! search-vector and label backfills #02/#39/#52, the feedback rewrite #43, the seeded
//! notification_preferences row #32) do to real rows what the spec says, and the way back down
//! keeps what the downgrades document they keep.
//!
//! Rows are written at stops on the way up: at the root revision (naive timestamps, before
//! any search vector exists), at `fix_datetime_tz` (just before #09), at `add_event_audits`
//! (just before #13), at `add_enrichment_data` (to give detections enrichment data before #39)
//! and at `add_job_transitions` (feedback tables exist, #43 not applied yet). Then head, a few
//! writes at head, and back down (to `add_snooze_until_column`, `d4cdaa821492`, then base).

use security_migrate_e2e::*;

/// First column of the first row, as text.
fn one(c: &mut Client, sql: &str) -> String {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get::<_, String>(0)
}

/// First column of every row, as text.
fn col(c: &mut Client, sql: &str) -> Vec<String> {
    c.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

fn flag(c: &mut Client, sql: &str) -> bool {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get::<_, bool>(0)
}

fn exec(c: &mut Client, sql: &str) {
    c.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{e:?}\nwhile running:\n{sql}"));
}

fn upgrade(c: &mut Client, target: &str) -> String {
    c.query_one("SELECT migrate_upgrade($1)", &[&target])
        .unwrap_or_else(|e| panic!("migrate_upgrade({target}) on a populated database: {e:?}"))
        .get(0)
}

fn downgrade(c: &mut Client, target: &str) -> String {
    c.query_one("SELECT migrate_downgrade($1)", &[&target])
        .unwrap_or_else(|e| panic!("migrate_downgrade({target}) on a populated database: {e:?}"))
        .get(0)
}

fn current(c: &mut Client) -> Vec<String> {
    col(c, "SELECT r FROM migrate_current() AS r ORDER BY r")
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Cameras kept by #13: per name, then per folder_path, the earliest created_at, then the lowest id.
const SURVIVING_CAMERAS: [&str; 6] = [
    "back",
    "front_1",
    "garage_old",
    "porch_z",
    "side_a",
    "yard_1",
];

/// The detections rows a user sees: id|camera|object type|confidence|detected_at.
const SURVIVING_DETECTIONS: [&str; 8] = [
    "1|front_1|person|0.9|2024-01-01 09:00:00+00",
    "2|front_1|car|0.8|2024-01-01 09:01:00+00",
    "3|yard_1|dog|0.7|2024-01-03 09:00:00+00",
    "5|garage_old|car|0.95|2024-01-05 10:00:00+00",
    "7|back|person|0.5|2024-02-01 22:00:00+00",
    "8|porch_z|bicycle|0.65|2024-01-09 10:00:00+00",
    "10|side_a|package|0.85|2024-01-09 10:01:00+00",
    "11|back|-|-|2024-02-01 22:01:00+00",
];

const DETECTIONS_DUMP: &str = "SELECT concat_ws('|', id, camera_id, coalesce(object_type, '-'), \
     coalesce(confidence::text, '-'), detected_at::text) FROM detections ORDER BY id";

/// Every column of events that existed before #28 rebuilt the table (detection_ids aside):
/// the original #28 copied rows positionally into a table with another column order, so
/// each value is checked in its own column.
const EVENTS_DUMP: &str = "SELECT concat_ws('|', id, batch_id, camera_id, started_at::text, \
     coalesce(ended_at::text, '-'), coalesce(risk_score::text, '-'), coalesce(risk_level, '-'), \
     coalesce(summary, '-'), coalesce(reasoning, '-'), reviewed::text, coalesce(notes, '-'), is_fast_path::text, \
     coalesce(object_types, '-'), coalesce(clip_path, '-'), coalesce(llm_prompt, '-')) \
     FROM events WHERE id <= 11 ORDER BY id";

const SURVIVING_EVENTS: [&str; 10] = [
    "1|b1|front_1|2024-01-01 09:00:00+00|2024-01-01 09:05:00+00|40|medium|Courier delivered a parcel|Known uniform|false|-|false|-|-|-",
    "2|b2|yard_1|2024-01-03 09:00:00+00|-|10|low|Dog wandering|Family pet|true|checked by owner|false|-|-|-",
    "3|b3|back|2024-02-01 22:00:00+00|2024-02-01 22:10:00+00|75|high|Raccoon near trash bins|Nocturnal animal|false|-|true|-|-|-",
    "4|b4|garage_old|2024-01-04 10:00:00+00|-|-|-|Garage door opened|-|false|-|false|-|-|-",
    "5|b5|side_a|2024-01-06 10:00:00+00|-|5|low|Wind moved the gate|-|false|-|false|-|-|-",
    "6|b6|porch_z|2024-01-08 10:00:00+00|-|-|-|Shadow on porch|-|false|-|false|-|-|-",
    "8|b8|garage_old|2024-01-05 10:00:00+00|-|30|low|Red sedan parked|-|false|-|false|-|-|-",
    "9|b9|porch_z|2024-01-09 10:00:00+00|-|55|medium|Cyclist dropped package|-|false|-|false|-|-|-",
    "10|b10|front_1|2024-01-10 10:00:00+00|-|20|low|Person lingered|-|false|-|false|-|-|-",
    "11|b11|back|2024-02-02 07:00:00+00|2024-02-02 07:01:00+00|60|medium|Mail carrier at gate|Uniformed worker|true|ok|true|person|/clips/11.mp4|Describe the scene",
];

/// Which events a plain-language search finds: ids whose search_vector matches.
fn events_matching(c: &mut Client, words: &str) -> Vec<String> {
    c.query(
        "SELECT id::text AS id_text FROM events WHERE search_vector @@ plainto_tsquery('english', $1) ORDER BY id",
        &[&words],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn detections_matching(c: &mut Client, words: &str) -> Vec<String> {
    c.query(
        "SELECT id::text AS id_text FROM detections WHERE search_vector @@ plainto_tsquery('english', $1) ORDER BY id",
        &[&words],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn logs_matching(c: &mut Client, tsquery: &str) -> Vec<String> {
    c.query(
        "SELECT id::text AS id_text FROM logs WHERE search_vector @@ to_tsquery('english', $1) ORDER BY id",
        &[&tsquery],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// The catalog (no row counts) equals the reference head snapshot's catalog.
fn assert_same_catalog_as_head_without_data(db: &TestDb) {
    let dir = std::env::temp_dir();
    let actual = dir.join(format!("{}.nodata.snapshot", db.name));
    let expected = dir.join(format!("{}.head-nodata.snapshot", db.name));
    let st = std::process::Command::new(shared_dir().join("tools/catalog-snapshot"))
        .arg(&db.url)
        .arg(&actual)
        .arg("--no-data")
        .status()
        .expect("run catalog-snapshot");
    assert!(st.success(), "catalog-snapshot --no-data failed");
    let head = std::fs::read_to_string(snapshot_path("53")).unwrap();
    let kept: String = head
        .lines()
        .filter(|l| !l.starts_with("data "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&expected, kept).unwrap();
    let out = std::process::Command::new(shared_dir().join("tools/catalog-compare"))
        .arg(&expected)
        .arg(&actual)
        .output()
        .expect("run catalog-compare");
    assert!(
        out.status.success(),
        "the populated database's head catalog differs from the reference head catalog:\n{}",
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let _ = std::fs::remove_file(&actual);
    let _ = std::fs::remove_file(&expected);
}

#[test]
fn populated_database_goes_to_head_with_its_data_migrated_and_back_to_base() {
    let db = TestDb::new("populated");
    let mut c = db.client();

    // ---------------------------------------------------------------------------------
    // Stop 1: the initial schema (timestamps are still naive; no search_vector column yet).
    // ---------------------------------------------------------------------------------
    let out = upgrade(&mut c, "968b0dff6a9b");
    assert_eq!(out, "upgraded public: base -> 968b0dff6a9b (1 step)");
    exec(
        &mut c,
        "INSERT INTO cameras (id, name, folder_path, status, created_at, last_seen_at) VALUES
            ('front_1',    'Front Door',  '/cams/front',     'online',  '2024-01-01 08:00', '2024-03-01 12:00'),
            ('front_2',    'Front Door',  '/cams/front_new', 'online',  '2024-01-02 08:00', NULL),
            -- a tie on created_at by name: the lower id (yard_1) is kept, whatever the insert order
            ('yard_2',     'Backyard',    '/cams/yard_b',    'offline', '2024-01-03 08:00', NULL),
            ('yard_1',     'Backyard',    '/cams/yard_a',    'online',  '2024-01-03 08:00', NULL),
            -- a duplicate by folder_path only: the older one (garage_old) is kept
            ('garage_new', 'Garage',      '/cams/garage',    'online',  '2024-01-05 08:00', NULL),
            ('garage_old', 'Old Garage',  '/cams/garage',    'offline', '2024-01-04 08:00', NULL),
            -- a tie on created_at by folder_path: the lower id (side_a) is kept
            ('side_b',     'Side Gate B', '/cams/side',      'online',  '2024-01-06 08:00', NULL),
            ('side_a',     'Side Gate A', '/cams/side',      'online',  '2024-01-06 08:00', NULL),
            -- name pass first: porch_x loses to porch_y ('Porch'); then the folder pass removes
            -- porch_y, which loses to porch_z on '/cams/porch_yz'. (A folder-first order would
            -- have kept porch_x.)
            ('porch_x',    'Porch',       '/cams/porch',     'online',  '2024-01-10 08:00', NULL),
            ('porch_y',    'Porch',       '/cams/porch_yz',  'online',  '2024-01-09 08:00', NULL),
            ('porch_z',    'Porch Zoom',  '/cams/porch_yz',  'online',  '2024-01-08 08:00', NULL),
            ('back',       'Back Door',   '/cams/back',      'online',  '2024-02-01 08:00', NULL);

         INSERT INTO detections (id, camera_id, file_path, file_type, detected_at, object_type, confidence,
                                 bbox_x, bbox_y, bbox_width, bbox_height, thumbnail_path) VALUES
            (1,  'front_1',    '/img/1.jpg',  'image/jpeg', '2024-01-01 09:00', 'person',  0.9,  10, 20, 30, 40, '/thumb/1.jpg'),
            (2,  'front_1',    '/img/2.jpg',  'image/jpeg', '2024-01-01 09:01', 'car',     0.8,  NULL, NULL, NULL, NULL, NULL),
            (3,  'yard_1',     '/img/3.jpg',  'image/jpeg', '2024-01-03 09:00', 'dog',     0.7,  NULL, NULL, NULL, NULL, NULL),
            (4,  'yard_2',     '/img/4.jpg',  'image/jpeg', '2024-01-03 09:01', 'cat',     0.6,  NULL, NULL, NULL, NULL, NULL),
            (5,  'garage_old', '/img/5.jpg',  'image/jpeg', '2024-01-05 10:00', 'car',     0.95, NULL, NULL, NULL, NULL, NULL),
            (6,  'garage_new', '/img/6.jpg',  'image/jpeg', '2024-01-05 10:01', 'person',  0.55, NULL, NULL, NULL, NULL, NULL),
            (7,  'back',       '/img/7.jpg',  'image/jpeg', '2024-02-01 22:00', 'person',  0.5,  NULL, NULL, NULL, NULL, NULL),
            (8,  'porch_z',    '/img/8.jpg',  'image/jpeg', '2024-01-09 10:00', 'bicycle', 0.65, NULL, NULL, NULL, NULL, NULL),
            (9,  'porch_x',    '/img/9.jpg',  'image/jpeg', '2024-01-10 10:00', 'person',  0.4,  NULL, NULL, NULL, NULL, NULL),
            (10, 'side_a',     '/img/10.jpg', 'image/jpeg', '2024-01-09 10:01', 'package', 0.85, NULL, NULL, NULL, NULL, NULL),
            (11, 'back',       '/img/11.jpg', NULL,         '2024-02-01 22:01', NULL,      NULL, NULL, NULL, NULL, NULL, NULL);
         SELECT setval('detections_id_seq', 11);

         INSERT INTO events (id, batch_id, camera_id, started_at, ended_at, risk_score, risk_level,
                             summary, reasoning, detection_ids, reviewed, notes, is_fast_path) VALUES
            (1,  'b1',  'front_1',    '2024-01-01 09:00', '2024-01-01 09:05', 40, 'medium',
                 'Courier delivered a parcel', 'Known uniform', '[1, 2]', false, NULL, false),
            -- CSV form; detection 4 goes away with camera yard_2
            (2,  'b2',  'yard_1',     '2024-01-03 09:00', NULL, 10, 'low',
                 'Dog wandering', 'Family pet', '3,4', true, 'checked by owner', false),
            -- CSV with spaces and an id (999) that no detection has
            (3,  'b3',  'back',       '2024-02-01 22:00', '2024-02-01 22:10', 75, 'high',
                 'Raccoon near trash bins', 'Nocturnal animal', '7, 11 ,999', false, NULL, true),
            (4,  'b4',  'garage_old', '2024-01-04 10:00', NULL, NULL, NULL,
                 'Garage door opened', NULL, '', false, NULL, false),
            (5,  'b5',  'side_a',     '2024-01-06 10:00', NULL, 5, 'low',
                 'Wind moved the gate', NULL, NULL, false, NULL, false),
            (6,  'b6',  'porch_z',    '2024-01-08 10:00', NULL, NULL, NULL,
                 'Shadow on porch', NULL, '[]', false, NULL, false),
            -- on a camera that #13 deletes: the event goes with it (ON DELETE CASCADE)
            (7,  'b7',  'front_2',    '2024-01-02 10:00', NULL, 90, 'critical',
                 'Duplicate camera event', NULL, '[1]', false, NULL, false),
            -- JSON with a repeated id, a non-numeric token and a detection (6) of a deleted camera
            (8,  'b8',  'garage_old', '2024-01-05 10:00', NULL, 30, 'low',
                 'Red sedan parked', NULL, '[5, 5, \"x\", 6]', false, NULL, false),
            (9,  'b9',  'porch_z',    '2024-01-09 10:00', NULL, 55, 'medium',
                 'Cyclist dropped package', NULL, '[8,10]', false, NULL, false),
            -- CSV with a non-numeric token
            (10, 'b10', 'front_1',    '2024-01-10 10:00', NULL, 20, 'low',
                 'Person lingered', NULL, '1,x', false, NULL, false);
         SELECT setval('events_id_seq', 10);

         INSERT INTO logs (id, \"timestamp\", level, component, message, camera_id, event_id, request_id,
                           detection_id, duration_ms, extra, source, user_agent) VALUES
            (1, '2024-01-01 00:00', 'INFO',    'detector', 'Pipeline started warmup', 'front_1', NULL, 'req-1',
                NULL, 120, '{\"gpu\": 0}', 'backend', NULL),
            (2, '2024-01-02 00:00', 'ERROR',   'uploader', 'Disk quota exceeded', NULL, 1, NULL,
                2, NULL, NULL, 'frontend', 'Mozilla/5.0'),
            (3, '2024-01-03 00:00', 'WARNING', 'camera',   'Camera front_2 went offline', 'front_2', NULL, NULL,
                NULL, NULL, '{\"retries\": 3}', 'backend', NULL);
         SELECT setval('logs_id_seq', 3);

         INSERT INTO gpu_stats (id, recorded_at, gpu_name, gpu_utilization, memory_used, memory_total,
                                temperature, power_usage, inference_fps) VALUES
            (1, '2024-01-01 00:00', 'RTX A5000', 55.5, 1024, 24576, 61.0, 120.5, 14.2),
            (2, '2024-01-01 00:01', 'RTX A5000', 60.0, 2048, 24576, 63.5, 130.0, 15.0);
         SELECT setval('gpu_stats_id_seq', 2);",
    );

    // ---------------------------------------------------------------------------------
    // Stop 1b: fix_datetime_tz (#08), just before #09 (fix_search_vector_backfill).
    // ---------------------------------------------------------------------------------
    upgrade(&mut c, "fix_datetime_tz");
    assert_eq!(
        col(
            &mut c,
            "SELECT id::text AS id_text FROM events WHERE search_vector IS NULL ORDER BY id"
        ),
        Vec::<String>::new(),
        "#02 backfilled events.search_vector for every event that existed before it"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT created_at::text FROM cameras WHERE id = 'front_1'"
        ),
        "2024-01-01 08:00:00+00",
        "#08 turned the naive cameras.created_at into timestamptz read as UTC"
    );
    // An event whose vector was never computed: a write with triggers off (as pg_restore
    // --disable-triggers or a replica does) leaves it NULL. #09 is there to fill such rows.
    exec(
        &mut c,
        "SET session_replication_role = replica;
         UPDATE events SET search_vector = NULL WHERE id = 4;
         RESET session_replication_role;",
    );
    assert_eq!(
        events_matching(&mut c, "garage door opened"),
        Vec::<String>::new()
    );

    // ---------------------------------------------------------------------------------
    // Stop 2: add_event_audits, the last revision before #13 (add_camera_unique_constraints).
    // ---------------------------------------------------------------------------------
    upgrade(&mut c, "add_event_audits");
    assert_eq!(current(&mut c), ["add_event_audits"]);
    assert_eq!(
        events_matching(&mut c, "garage door opened"),
        ["4"],
        "#09 backfilled the NULL search_vector of event 4 (summary + camera name 'Old Garage')"
    );
    // The events trigger of #02 is live here: this event gets its vector on INSERT.
    let id: i32 = c
        .query_one(
            "INSERT INTO events (batch_id, camera_id, started_at, ended_at, risk_score, risk_level, summary,
                                 reasoning, detection_ids, reviewed, notes, is_fast_path, object_types,
                                 clip_path, llm_prompt)
             VALUES ('b11', 'back', '2024-02-02 07:00+00', '2024-02-02 07:01+00', 60, 'medium',
                     'Mail carrier at gate', 'Uniformed worker', '7', true, 'ok', true, 'person',
                     '/clips/11.mp4', 'Describe the scene')
             RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        id, 11,
        "events_id_seq continues after the rows written at the root revision"
    );
    exec(
        &mut c,
        "INSERT INTO alert_rules (id, name, description, enabled, severity, risk_threshold, cooldown_seconds,
                                  created_at, updated_at) VALUES
            ('11111111-1111-1111-1111-111111111111', 'Night intruder', 'after dark', true, 'high', 70, 300,
             '2024-01-01 00:00+00', '2024-01-01 00:00+00');
         INSERT INTO alerts (id, event_id, rule_id, severity, status, created_at, updated_at, delivered_at,
                             dedup_key, metadata) VALUES
            ('a0000000-0000-0000-0000-000000000001', 1, '11111111-1111-1111-1111-111111111111', 'medium',
             'delivered', '2024-01-01 09:06+00', '2024-01-01 09:07+00', '2024-01-01 09:07+00', 'front_1:night', NULL),
            -- on event 7, which #13 removes with camera front_2
            ('a0000000-0000-0000-0000-000000000002', 7, '11111111-1111-1111-1111-111111111111', 'critical',
             'pending', '2024-01-02 10:01+00', '2024-01-02 10:01+00', NULL, 'front_2:night', NULL),
            ('a0000000-0000-0000-0000-000000000003', 3, NULL, 'high',
             'acknowledged', '2024-02-01 22:11+00', '2024-02-01 22:12+00', NULL, 'back:none', '{\"note\": \"raccoon\"}');
         INSERT INTO audit_logs (\"timestamp\", action, resource_type, resource_id, actor, ip_address,
                                 user_agent, details, status) VALUES
            ('2024-01-05 12:00+00', 'update', 'camera', 'front_1', 'admin', '10.0.0.1', 'curl/8',
             '{\"field\": \"name\", \"new\": \"Front Door\"}', 'success'),
            ('2024-01-06 12:00+00', 'delete', 'event', '7', 'system', NULL, NULL, NULL, 'failure');
         -- a row dated next month: once #28 has partitioned gpu_stats it belongs in a monthly
         -- partition, not in gpu_stats_default (one month ahead stays inside the three months
         -- #28 creates even if a month boundary passes before #28 runs)
         INSERT INTO gpu_stats (recorded_at, gpu_name, gpu_utilization)
         VALUES ((date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month 1 day') AT TIME ZONE 'UTC',
                 'RTX A5000', 70.25);",
    );

    // ---------------------------------------------------------------------------------
    // #13 on its own: the duplicate cameras go, with everything that cascades from them.
    // ---------------------------------------------------------------------------------
    upgrade(&mut c, "add_camera_unique_constraints");
    assert_eq!(
        col(&mut c, "SELECT id FROM cameras ORDER BY id"),
        strs(&SURVIVING_CAMERAS),
        "#13 keeps per name then per folder_path the earliest created_at, ties to the lowest id"
    );
    assert_eq!(
        col(&mut c, "SELECT id::text AS id_text FROM detections ORDER BY id"),
        strs(&["1", "2", "3", "5", "7", "8", "10", "11"]),
        "the detections of the deleted cameras (4 yard_2, 6 garage_new, 9 porch_x) went by ON DELETE CASCADE"
    );
    assert_eq!(
        col(&mut c, "SELECT id::text AS id_text FROM events ORDER BY id"),
        strs(&["1", "2", "3", "4", "5", "6", "8", "9", "10", "11"]),
        "event 7 of the deleted camera front_2 went by ON DELETE CASCADE"
    );
    assert_eq!(
        col(&mut c, "SELECT dedup_key FROM alerts ORDER BY id"),
        strs(&["front_1:night", "back:none"]),
        "the alert of event 7 went with its event (alerts.event_id ON DELETE CASCADE)"
    );

    // ---------------------------------------------------------------------------------
    // Stop 3: add_enrichment_data (#14) — give some detections enrichment data before #39.
    // ---------------------------------------------------------------------------------
    upgrade(&mut c, "add_enrichment_data");
    exec(
        &mut c,
        r#"UPDATE detections SET enrichment_data =
              '{"vehicle_classification": {"make": "Toyota", "model": "Corolla", "color": "silver"}}' WHERE id = 2;
           UPDATE detections SET enrichment_data =
              '{"pet_classification": {"breed": "Beagle", "species": "hound"}}' WHERE id = 3;
           UPDATE detections SET enrichment_data =
              '{"vehicle_classification": {"make": "Ford", "color": "crimson"}}' WHERE id = 5;
           UPDATE detections SET enrichment_data =
              '{"vehicle_classification": {"make": "bicycle"}}' WHERE id = 8;
           UPDATE detections SET enrichment_data = '{"weather": "rain"}' WHERE id = 10;"#,
    );

    // ---------------------------------------------------------------------------------
    // Stop 4: add_job_transitions (#42): feedback tables exist (#35), #43 not applied yet,
    // and neither is #52 (logs.search_vector), which is on another branch.
    // ---------------------------------------------------------------------------------
    upgrade(&mut c, "add_job_transitions");
    assert_eq!(current(&mut c), ["add_job_transitions"]);
    assert!(
        !flag(
            &mut c,
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'logs'::regclass AND attname = 'search_vector')"
        ),
        "add_job_transitions does not depend on #52, so logs has no search_vector yet"
    );
    exec(
        &mut c,
        "INSERT INTO event_feedback (event_id, feedback_type, notes) VALUES
            (1, 'false_positive',   'Courier is expected'),
            (3, 'missed_detection', 'Raccoon should be high'),
            (9, 'missed_detection', NULL);
         INSERT INTO user_calibration (user_id, low_threshold, medium_threshold, high_threshold,
                                       false_positive_count, missed_detection_count) VALUES
            ('alice', 30, 60, 85, 2, 5),
            ('bob',   20, 50, 80, 0, 0);
         INSERT INTO logs (\"timestamp\", level, component, message, source)
         VALUES ('2024-01-04 00:00+00', 'DEBUG', 'scheduler', 'Nightly cleanup finished', 'backend');",
    );
    // A detection written after #39: its trigger fills labels and search_vector on INSERT.
    let det12: i32 = c
        .query_one(
            r#"INSERT INTO detections (camera_id, file_path, detected_at, object_type, confidence, enrichment_data)
               VALUES ('side_a', '/img/12.jpg', '2024-01-09 11:00+00', 'car', 0.75,
                       '{"vehicle_classification": {"make": "Honda", "model": "Civic", "color": "blue"}}')
               RETURNING id"#,
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        det12, 12,
        "detections_id_seq survived the #28 rebuild: no id is reused"
    );

    // ---------------------------------------------------------------------------------
    // Head.
    // ---------------------------------------------------------------------------------
    let out = upgrade(&mut c, "merge_search_and_trust");
    assert!(
        out.starts_with("upgraded public: ") && out.contains("-> merge_search_and_trust"),
        "{out}"
    );
    assert_eq!(current(&mut c), ["merge_search_and_trust"]);
    // The catalog is the reference head catalog although every table held rows on the way
    // (#28 took its populated path): the oracle's snapshot without its row counts.
    assert_same_catalog_as_head_without_data(&db);

    // cameras: the survivors of #13, with their values (and #38's deleted_at left NULL)
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', id, name, folder_path, status, created_at::text, coalesce(last_seen_at::text, '-'),
                              coalesce(deleted_at::text, '-'))
               FROM cameras ORDER BY id"
        ),
        strs(&[
            "back|Back Door|/cams/back|online|2024-02-01 08:00:00+00|-|-",
            "front_1|Front Door|/cams/front|online|2024-01-01 08:00:00+00|2024-03-01 12:00:00+00|-",
            "garage_old|Old Garage|/cams/garage|offline|2024-01-04 08:00:00+00|-|-",
            "porch_z|Porch Zoom|/cams/porch_yz|online|2024-01-08 08:00:00+00|-|-",
            "side_a|Side Gate A|/cams/side|online|2024-01-06 08:00:00+00|-|-",
            "yard_1|Backyard|/cams/yard_a|online|2024-01-03 08:00:00+00|-|-",
        ]),
        "at head the cameras are exactly the survivors of #13, values unchanged"
    );

    // detections: every surviving row, in its own columns, across the #28 rebuild
    let mut want_det = strs(&SURVIVING_DETECTIONS);
    want_det.push("12|side_a|car|0.75|2024-01-09 11:00:00+00".into());
    assert_eq!(
        col(&mut c, DETECTIONS_DUMP),
        want_det,
        "detections rows survive #28 with their values"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT concat_ws('|', file_path, file_type, bbox_x, bbox_y, bbox_width, bbox_height, thumbnail_path,
                              media_type, (enrichment_data IS NULL)::text) FROM detections WHERE id = 1"
        ),
        "/img/1.jpg|image/jpeg|10|20|30|40|/thumb/1.jpg|image|true",
        "detection 1 keeps its file and bbox columns; media_type (new in #28) takes its default"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT enrichment_data->'vehicle_classification'->>'model' FROM detections WHERE id = 2"
        ),
        "Corolla",
        "enrichment_data survives #28 in its own column"
    );
    assert!(
        flag(
            &mut c,
            "SELECT tableoid = 'detections_default'::regclass FROM detections WHERE id = 1"
        ),
        "2024 detections live in the DEFAULT partition after #28"
    );

    // detections.labels (#39): distinct object type, vehicle make and model, pet breed
    let labels = |c: &mut Client, id: i32| -> Option<Vec<String>> {
        let v: Option<String> = c
            .query_one(
                "SELECT (SELECT string_agg(x, ',' ORDER BY x COLLATE \"C\") FROM jsonb_array_elements_text(labels) x)
                   FROM detections WHERE id = $1",
                &[&id],
            )
            .unwrap()
            .get(0);
        v.map(|s| s.split(',').map(str::to_owned).collect())
    };
    assert_eq!(
        labels(&mut c, 1),
        Some(strs(&["person"])),
        "labels of a plain detection = its object type"
    );
    assert_eq!(
        labels(&mut c, 2),
        Some(strs(&["Corolla", "Toyota", "car"])),
        "labels of detection 2 = object type + vehicle make + model"
    );
    assert_eq!(
        labels(&mut c, 3),
        Some(strs(&["Beagle", "dog"])),
        "labels of detection 3 = object type + pet breed (species is search text only)"
    );
    assert_eq!(
        labels(&mut c, 5),
        Some(strs(&["Ford", "car"])),
        "labels of detection 5: a vehicle without a model adds only its make"
    );
    assert_eq!(
        labels(&mut c, 8),
        Some(strs(&["bicycle"])),
        "labels are distinct: make 'bicycle' and object type 'bicycle' give one label"
    );
    assert_eq!(
        labels(&mut c, 10),
        Some(strs(&["package"])),
        "enrichment data without vehicle/pet keys adds no label"
    );
    assert_eq!(
        labels(&mut c, 11),
        None,
        "a detection with no object type and no enrichment has labels NULL"
    );
    assert_eq!(
        labels(&mut c, 12),
        Some(strs(&["Civic", "Honda", "car"])),
        "the #39 trigger labels a detection inserted after #39"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*)::text FROM detections WHERE search_vector IS NULL"
        ),
        "0",
        "#39 backfilled detections.search_vector for every row"
    );
    // search_vector (#39): object type, camera name, vehicle make/model/colour, pet breed/species.
    // The spec's second backfill UPDATE lists only make and breed, but the row trigger created
    // just before it fires on that UPDATE and recomputes the full text, so model, colour and
    // species are searchable too.
    assert_eq!(
        detections_matching(&mut c, "toyota"),
        ["2"],
        "vehicle make is searchable"
    );
    assert_eq!(
        detections_matching(&mut c, "corolla"),
        ["2"],
        "vehicle model is searchable"
    );
    assert_eq!(
        detections_matching(&mut c, "silver"),
        ["2"],
        "vehicle colour is searchable"
    );
    assert_eq!(
        detections_matching(&mut c, "crimson"),
        ["5"],
        "vehicle colour is searchable"
    );
    assert_eq!(
        detections_matching(&mut c, "beagle"),
        ["3"],
        "pet breed is searchable"
    );
    assert_eq!(
        detections_matching(&mut c, "hound"),
        ["3"],
        "pet species is searchable"
    );
    assert_eq!(
        detections_matching(&mut c, "backyard"),
        ["3"],
        "the camera name (yard_1 'Backyard') is in the detection's vector"
    );
    assert_eq!(
        detections_matching(&mut c, "back door"),
        ["7", "11"],
        "camera name of 'back'; detection 11 has only that"
    );
    assert_eq!(
        detections_matching(&mut c, "person"),
        ["1", "7"],
        "object type is searchable"
    );
    assert_eq!(
        detections_matching(&mut c, "civic blue"),
        ["12"],
        "the #39 trigger fills the vector of a detection inserted later"
    );
    assert_eq!(
        detections_matching(&mut c, "rain"),
        Vec::<String>::new(),
        "other enrichment keys are not searchable"
    );

    // events: every surviving row in its own columns (the original #28 copied positionally
    // into a table of another column order; a shifted column would show up here)
    assert_eq!(
        col(&mut c, EVENTS_DUMP),
        strs(&SURVIVING_EVENTS),
        "events rows survive #13 (except event 7) and the #28 rebuild with every value in place"
    );
    assert!(
        !flag(
            &mut c,
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'events'::regclass
                              AND attname = 'detection_ids' AND NOT attisdropped)"
        ),
        "#34 dropped events.detection_ids"
    );

    // event_detections (#27): exactly the parsed ids that name existing detections
    assert_eq!(
        col(
            &mut c,
            "SELECT event_id || ':' || detection_id FROM event_detections ORDER BY event_id, detection_id"
        ),
        strs(&[
            "1:1", "1:2", // '[1, 2]'
            "2:3", // '3,4': detection 4 went with camera yard_2
            "3:7", "3:11", // '7, 11 ,999': 999 has no detection
            "8:5", // '[5, 5, "x", 6]': one link for 5, no 'x', 6 went with garage_new
            "9:8", "9:10", // '[8,10]'
            "10:1", // '1,x'
            "11:7", // '7'
        ]),
        "event_detections holds the parsed detection_ids that exist in detections (events 4 '', 5 NULL, 6 '[]' have none)"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*)::text FROM event_detections ed JOIN events e ON e.id = ed.event_id
              WHERE ed.created_at IS DISTINCT FROM e.started_at"
        ),
        "0",
        "event_detections.created_at = the event's started_at"
    );

    // events.search_vector (#02 backfill, #02 trigger at stop 2), carried over by #28
    assert_eq!(
        events_matching(&mut c, "raccoon"),
        ["3"],
        "summary words are searchable"
    );
    assert_eq!(
        events_matching(&mut c, "nocturnal"),
        ["3"],
        "reasoning words are searchable"
    );
    assert_eq!(
        events_matching(&mut c, "backyard"),
        ["2"],
        "the camera name of the event (yard_1 'Backyard') is searchable"
    );
    assert_eq!(
        events_matching(&mut c, "zoom"),
        ["6", "9"],
        "camera name 'Porch Zoom' is in the vector of both porch_z events"
    );
    assert_eq!(
        events_matching(&mut c, "mail carrier person"),
        ["11"],
        "an event inserted at stop 2 got summary + object_types through the #02 trigger"
    );

    // alerts: survivors with their values; version_id (#46) filled with 1
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', id, event_id, coalesce(rule_id::text, '-'), severity, status, dedup_key,
                              coalesce(metadata::text, '-'), version_id)
               FROM alerts ORDER BY id"
        ),
        strs(&[
            "a0000000-0000-0000-0000-000000000001|1|11111111-1111-1111-1111-111111111111|medium|delivered|front_1:night|-|1",
            "a0000000-0000-0000-0000-000000000003|3|-|high|acknowledged|back:none|{\"note\": \"raccoon\"}|1",
        ]),
        "alerts survive to head (minus the one of event 7) and get version_id 1"
    );
    assert_eq!(
        one(&mut c, "SELECT name FROM alert_rules"),
        "Night intruder"
    );

    // logs: survive #28 (extra becomes jsonb) and #52 backfills a weighted vector
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', id, \"timestamp\"::text, level, component, message, coalesce(camera_id, '-'),
                              coalesce(event_id::text, '-'), coalesce(request_id, '-'),
                              coalesce(detection_id::text, '-'), coalesce(duration_ms::text, '-'),
                              coalesce(extra::text, '-'), source, coalesce(user_agent, '-'))
               FROM logs ORDER BY id"
        ),
        strs(&[
            "1|2024-01-01 00:00:00+00|INFO|detector|Pipeline started warmup|front_1|-|req-1|-|120|{\"gpu\": 0}|backend|-",
            "2|2024-01-02 00:00:00+00|ERROR|uploader|Disk quota exceeded|-|1|-|2|-|-|frontend|Mozilla/5.0",
            "3|2024-01-03 00:00:00+00|WARNING|camera|Camera front_2 went offline|front_2|-|-|-|-|{\"retries\": 3}|backend|-",
            "4|2024-01-04 00:00:00+00|DEBUG|scheduler|Nightly cleanup finished|-|-|-|-|-|-|backend|-",
        ]),
        "logs rows survive #28 with their values (logs has no FK: the log of camera front_2 stays)"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*)::text FROM logs WHERE search_vector IS DISTINCT FROM
                    setweight(to_tsvector('english', coalesce(message, '')), 'A')
                 || setweight(to_tsvector('english', coalesce(component, '')), 'B')
                 || setweight(to_tsvector('english', coalesce(level, '')), 'C')"
        ),
        "0",
        "#52 backfilled every log's search_vector: message weight A, component B, level C"
    );
    assert_eq!(
        logs_matching(&mut c, "quota:A"),
        ["2"],
        "message words carry weight A"
    );
    assert_eq!(
        logs_matching(&mut c, "uploader:B"),
        ["2"],
        "component carries weight B"
    );
    assert_eq!(
        logs_matching(&mut c, "uploader:A"),
        Vec::<String>::new(),
        "component is not weight A"
    );
    assert_eq!(
        logs_matching(&mut c, "warning:C"),
        ["3"],
        "level carries weight C"
    );
    assert_eq!(
        logs_matching(&mut c, "cleanup"),
        ["4"],
        "a log written between #28 and #52 is backfilled too"
    );

    // gpu_stats and audit_logs across #28
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', id, recorded_at::text, gpu_name, gpu_utilization, memory_used, memory_total,
                              temperature, power_usage, inference_fps)
               FROM gpu_stats WHERE id <= 2 ORDER BY id"
        ),
        strs(&[
            "1|2024-01-01 00:00:00+00|RTX A5000|55.5|1024|24576|61|120.5|14.2",
            "2|2024-01-01 00:01:00+00|RTX A5000|60|2048|24576|63.5|130|15",
        ]),
        "gpu_stats rows survive #28 with their values"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT tableoid::regclass::text || '|' || gpu_utilization FROM gpu_stats WHERE id = 3"
        ),
        one(
            &mut c,
            "SELECT 'gpu_stats' || to_char(recorded_at AT TIME ZONE 'UTC', '\"_y\"YYYY\"m\"MM') || '|70.25'
               FROM gpu_stats WHERE id = 3"
        ),
        "a row of next month was routed by #28 into its monthly partition, not into gpu_stats_default"
    );
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', id, \"timestamp\"::text, action, resource_type, coalesce(resource_id, '-'), actor,
                              coalesce(ip_address, '-'), coalesce(user_agent, '-'),
                              coalesce(details->>'new', '-'), pg_typeof(details)::text, status)
               FROM audit_logs ORDER BY id"
        ),
        strs(&[
            "1|2024-01-05 12:00:00+00|update|camera|front_1|admin|10.0.0.1|curl/8|Front Door|jsonb|success",
            "2|2024-01-06 12:00:00+00|delete|event|7|system|-|-|-|jsonb|failure",
        ]),
        "audit_logs rows survive #28 (details now jsonb) with their values"
    );

    // #43: feedback value renamed, counter copied
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', event_id, feedback_type, coalesce(notes, '-'), coalesce(expected_severity, '-'))
               FROM event_feedback ORDER BY event_id"
        ),
        strs(&[
            "1|false_positive|Courier is expected|-",
            "3|missed_threat|Raccoon should be high|-",
            "9|missed_threat|-|-",
        ]),
        "#43 turned 'missed_detection' feedback into 'missed_threat' and left the rest alone"
    );
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', user_id, low_threshold, medium_threshold, high_threshold, false_positive_count,
                              correct_count, missed_threat_count, severity_wrong_count)
               FROM user_calibration ORDER BY user_id"
        ),
        strs(&["alice|30|60|85|2|0|5|0", "bob|20|50|80|0|0|0|0"]),
        "#43 copied missed_detection_count into missed_threat_count; the new counters start at 0"
    );
    assert!(
        !flag(
            &mut c,
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'user_calibration'::regclass
                              AND attname = 'missed_detection_count' AND NOT attisdropped)"
        ),
        "#43 dropped user_calibration.missed_detection_count"
    );

    // #32: the seeded singleton row
    assert_eq!(
        col(
            &mut c,
            "SELECT concat_ws('|', id, enabled::text, sound, risk_filters::text) FROM notification_preferences"
        ),
        strs(&["1|true|default|{critical,high,medium}"]),
        "notification_preferences holds the one row #32 seeds"
    );

    // ---------------------------------------------------------------------------------
    // Writing at head.
    // ---------------------------------------------------------------------------------
    // #28 dropped the old events table with CASCADE, which took events_search_vector_trigger
    // with it, and nothing re-creates it (the reference head snapshot has no trigger on
    // events; the function events_search_vector_update() is left without one). So a new event
    // gets no search vector at head: that is the real chain's side effect, asserted as such.
    assert!(
        !flag(
            &mut c,
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal)"
        ),
        "at head events has no trigger (#28 dropped it)"
    );
    assert!(
        flag(
            &mut c,
            "SELECT to_regprocedure('events_search_vector_update()') IS NOT NULL"
        ),
        "the events trigger function outlives its trigger"
    );
    let row = c
        .query_one(
            "INSERT INTO events (batch_id, camera_id, started_at, summary, reviewed, is_fast_path)
             VALUES ('b12', 'back', '2024-02-03 08:00+00', 'Heron landed by the pond', false, false)
             RETURNING id, search_vector IS NULL",
            &[],
        )
        .unwrap();
    let new_event: i32 = row.get(0);
    assert_eq!(
        new_event, 12,
        "events_id_seq survived #28: a new event gets the next id, none is reused"
    );
    assert!(
        row.get::<_, bool>(1),
        "with no trigger on events at head, a new event's search_vector stays NULL"
    );
    assert_eq!(events_matching(&mut c, "heron"), Vec::<String>::new());
    // detections and logs do have their triggers at head (#39, #52 came after #28)
    exec(
        &mut c,
        "INSERT INTO logs (\"timestamp\", level, component, message, source)
         VALUES ('2024-01-05 00:00+00', 'CRITICAL', 'watchdog', 'Heartbeat lost', 'backend')",
    );
    assert_eq!(
        logs_matching(&mut c, "heartbeat:A & watchdog:B & critical:C"),
        ["5"],
        "the #52 trigger fills the vector of a log inserted at head"
    );
    exec(
        &mut c,
        "INSERT INTO event_feedback (event_id, feedback_type, expected_severity) VALUES
            (4, 'correct', NULL), (5, 'severity_wrong', 'high');
         UPDATE user_calibration SET missed_threat_count = 6, correct_count = 1 WHERE user_id = 'alice';",
    );

    // ---------------------------------------------------------------------------------
    // Down to add_snooze_until_column, the parent of #42 and #43: #43's lossy reverse.
    // Like Alembic, a downgrade to a revision unapplies only what descends from it, so #52
    // (1c42824dcb07, on the branch from add_deleted_at_soft_delete) stays applied.
    // ---------------------------------------------------------------------------------
    downgrade(&mut c, "add_snooze_until_column");
    assert_eq!(
        current(&mut c),
        ["1c42824dcb07", "add_snooze_until_column"],
        "after the downgrade the database stands on add_snooze_until_column and the #52 branch"
    );
    assert_eq!(
        col(
            &mut c,
            "SELECT event_id || '|' || feedback_type FROM event_feedback ORDER BY event_id"
        ),
        strs(&["1|false_positive", "3|missed_detection", "9|missed_detection"]),
        "#43's downgrade writes 'missed_threat' back as 'missed_detection' and deletes the 'correct'/'severity_wrong' rows (documented data loss)"
    );
    assert_eq!(
        col(
            &mut c,
            "SELECT user_id || '|' || false_positive_count || '|' || missed_detection_count
               FROM user_calibration ORDER BY user_id"
        ),
        strs(&["alice|2|6", "bob|0|0"]),
        "#43's downgrade copies missed_threat_count back into missed_detection_count"
    );

    // ---------------------------------------------------------------------------------
    // Down to d4cdaa821492 (#16): through #34, #28 and #27 in reverse; #13 and #14 stay.
    // (#20 add_prompt_version_uq stays applied here: it depends on #12, which stays. The
    // downgrade to add_event_audits, which does unapply #20 with #12, is tested in api.rs.)
    // ---------------------------------------------------------------------------------
    downgrade(&mut c, "d4cdaa821492");
    assert_eq!(current(&mut c), ["add_prompt_version_uq", "d4cdaa821492"]);
    assert_eq!(
        col(&mut c, "SELECT id FROM cameras ORDER BY id"),
        strs(&SURVIVING_CAMERAS),
        "back at d4cdaa821492 the cameras are the survivors of #13"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT string_agg(id || ':' || coalesce(enrichment_data->'vehicle_classification'->>'make',
                                                     enrichment_data->'pet_classification'->>'breed', '-'), ' ' ORDER BY id)
               FROM detections WHERE enrichment_data IS NOT NULL"
        ),
        "2:Toyota 3:Beagle 5:Ford 8:bicycle 10:- 12:Honda",
        "detections.enrichment_data (#14, still applied) comes back out of the partitioned table"
    );
    assert!(
        !flag(
            &mut c,
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'detections'::regclass
                              AND attname IN ('labels', 'search_vector') AND NOT attisdropped)"
        ),
        "#39's downgrade dropped detections.labels and search_vector"
    );
    assert_eq!(
        col(&mut c, DETECTIONS_DUMP),
        strs(&SURVIVING_DETECTIONS)
            .into_iter()
            .chain(["12|side_a|car|0.75|2024-01-09 11:00:00+00".to_string()])
            .collect::<Vec<_>>(),
        "detections come back out of the partitioned table with their values"
    );
    assert_eq!(
        col(&mut c, EVENTS_DUMP),
        strs(&SURVIVING_EVENTS),
        "events come back out of the partitioned table with every value in its column"
    );
    assert_eq!(
        col(
            &mut c,
            "SELECT id || '|' || coalesce(detection_ids, 'NULL') FROM events ORDER BY id"
        ),
        strs(&[
            "1|[1, 2]",
            "2|[3]",
            "3|[7, 11]",
            "4|NULL",
            "5|NULL",
            "6|NULL",
            "8|[5]",
            "9|[8, 10]",
            "10|[1]",
            "11|[7]",
            "12|NULL",
        ]),
        "#34's downgrade rebuilds detection_ids from event_detections as JSON arrays (CSV text, missing ids and '' / '[]' are not restored: documented)"
    );
    assert_eq!(
        events_matching(&mut c, "raccoon"),
        ["3"],
        "events.search_vector values survive the round trip"
    );
    assert!(
        flag(
            &mut c,
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'events'::regclass
                              AND tgname = 'events_search_vector_trigger')"
        ),
        "#28's downgrade puts events_search_vector_trigger back"
    );
    exec(&mut c, "UPDATE events SET summary = summary WHERE id = 12");
    assert_eq!(
        events_matching(&mut c, "heron"),
        ["12"],
        "with the trigger back, an UPDATE fills the vector of the event written at head"
    );
    assert!(
        flag(
            &mut c,
            "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'alerts'::regclass AND conname = 'fk_alerts_event_id')"
        ),
        "#28's downgrade restores the foreign key alerts -> events"
    );
    assert_eq!(
        col(&mut c, "SELECT dedup_key FROM alerts ORDER BY id"),
        strs(&["front_1:night", "back:none"]),
        "alerts are still there"
    );
    assert_eq!(
        col(
            &mut c,
            "SELECT id || '|' || level || '|' || message || '|' || coalesce(extra->>'gpu', '-') || '|' || pg_typeof(extra)
               FROM logs ORDER BY id"
        ),
        strs(&[
            "1|INFO|Pipeline started warmup|0|json",
            "2|ERROR|Disk quota exceeded|-|json",
            "3|WARNING|Camera front_2 went offline|-|json",
            "4|DEBUG|Nightly cleanup finished|-|json",
            "5|CRITICAL|Heartbeat lost|-|json",
        ]),
        "logs come back as a plain table (extra json again) with every row"
    );
    assert_eq!(
        one(&mut c, "SELECT count(*)::text FROM gpu_stats"),
        "3",
        "gpu_stats rows are all back"
    );
    assert_eq!(
        col(
            &mut c,
            "SELECT id || '|' || action || '|' || coalesce(details->>'field', '-') FROM audit_logs ORDER BY id"
        ),
        strs(&["1|update|name", "2|delete|-"]),
        "audit_logs rows are back (details json again)"
    );
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*)::text FROM pg_class WHERE relname IN ('event_detections', 'event_feedback',
                    'user_calibration', 'notification_preferences') AND relnamespace = 'public'::regnamespace"
        ),
        "0",
        "the tables of later revisions are gone"
    );

    // ---------------------------------------------------------------------------------
    // All the way down.
    // ---------------------------------------------------------------------------------
    let out = downgrade(&mut c, "base");
    assert_eq!(
        out, "downgraded public: add_prompt_version_uq, d4cdaa821492 -> base (17 steps)",
        "the populated database goes down to base in one call"
    );
    assert_eq!(current(&mut c), Vec::<String>::new());
    assert_eq!(
        col(
            &mut c,
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') ORDER BY 1"
        ),
        ["alembic_version"],
        "at base only the (empty) alembic_version table is left"
    );
}
