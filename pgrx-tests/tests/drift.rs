//! migrate_verify(): tampering (checksums of applied SQL) and drift (the live schema against
//! the schema the applied revisions make), through a real client.

use security_migrate_e2e::*;

fn findings(c: &mut Client) -> Vec<(String, String, String)> {
    c.query("SELECT severity, kind, object FROM migrate_verify()", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[test]
fn a_database_the_extension_migrated_verifies_clean_at_head_and_on_branches() {
    for target in ["head", "add_entity_model", "d4cdaa821492"] {
        let db = TestDb::new("verify_clean");
        let mut c = db.client();
        c.query_one("SELECT migrate_upgrade($1)", &[&target])
            .unwrap();
        assert_eq!(findings(&mut c), vec![], "{target}: nothing to report");
    }
}

#[test]
fn drift_and_tampering_are_reported_with_what_to_fix() {
    let db = TestDb::new("verify_drift");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('head')", &[]).unwrap();
    c.batch_execute(
        "DROP INDEX idx_events_active; \
         ALTER TABLE zones ALTER COLUMN name TYPE text; \
         CREATE INDEX extra_zone_name ON zones (name); \
         UPDATE security_migrate.run_log SET checksum = repeat('0', 64) WHERE revision = 'add_zones_001'",
    )
    .unwrap();
    let f = findings(&mut c);
    let has = |sev: &str, kind: &str, obj: &str| {
        f.iter().any(|x| x.0 == sev && x.1 == kind && x.2 == obj)
    };
    assert!(has("error", "missing", "index idx_events_active"), "{f:#?}");
    assert!(has("error", "different", "column zones.name"), "{f:#?}");
    assert!(
        has("warning", "unexpected", "index extra_zone_name"),
        "{f:#?}"
    );
    assert!(
        has("error", "checksum_mismatch", "revision add_zones_001"),
        "{f:#?}"
    );
    assert_eq!(f[0].0, "error", "most severe first");
    let detail: String = c
        .query_one(
            "SELECT detail FROM migrate_verify() WHERE kind = 'checksum_mismatch'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        detail.contains("by postgres"),
        "says who applied it: {detail}"
    );
    // verification changes nothing
    let scratch: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'security_migrate_verify%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(scratch, 0);
    let path: String = c.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert_eq!(path, "\"$user\", public");
}

#[test]
fn a_database_adopted_from_alembic_has_no_checksums_and_says_so_gently() {
    let db = TestDb::new("verify_adopted");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap();
    c.batch_execute("DROP SCHEMA security_migrate CASCADE")
        .unwrap();
    let f = findings(&mut c);
    assert_eq!(f.len(), 4, "one note per applied revision: {f:#?}");
    assert!(
        f.iter().all(|x| x.0 == "info" && x.1 == "no_checksum"),
        "{f:#?}"
    );
}

#[test]
fn the_lint_reports_what_the_partitioning_rebuild_destroyed_and_effects_explain_it() {
    let db = TestDb::new("lint");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap();
    let rows: Vec<(String, String, String, Option<String>, String)> = c
        .query(
            "SELECT severity, kind, object, revision, suggested_fix FROM migrate_lint()",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let find = |kind: &str, obj: &str| rows.iter().find(|r| r.1 == kind && r.2 == obj);
    let trigger = find(
        "lost_by_rebuild",
        "trigger events.events_search_vector_trigger",
    )
    .expect("lost trigger");
    assert_eq!(trigger.3.as_deref(), Some("add_time_series_partitioning"));
    assert!(trigger.4.starts_with(
        "CREATE TRIGGER events_search_vector_trigger BEFORE INSERT OR UPDATE ON events"
    ));
    assert!(find(
        "orphan_trigger_function",
        "function events_search_vector_update()"
    )
    .is_some());
    assert!(find(
        "lost_by_rebuild",
        "constraint events.ck_events_risk_score_range"
    )
    .is_some());
    assert!(find("lost_by_rebuild", "index idx_events_unreviewed").is_some());
    let fk = find("lost_by_rebuild", "constraint alerts.fk_alerts_event_id").expect("lost FK");
    assert!(
        fk.4.contains("partitioned"),
        "the fix says why it cannot simply be re-added: {}",
        fk.4
    );
    // the same, from the lint's source: what add_time_series_partitioning did
    let lost: i64 = c
        .query_one("SELECT count(*) FROM migrate_effects('add_time_series_partitioning') WHERE action = 'lost'", &[])
        .unwrap()
        .get(0);
    let reported = rows.iter().filter(|r| r.1 == "lost_by_rebuild").count() as i64;
    assert!(
        lost >= reported && reported > 30,
        "{lost} lost, {reported} reported"
    );
    // the repair revision brings back everything PostgreSQL supports; the four foreign keys into
    // partitioned tables it cannot are accepted in its header: nothing left to report
    c.query_one("SELECT migrate_upgrade('head')", &[]).unwrap();
    let left: Vec<String> = c
        .query("SELECT kind || ' ' || object FROM migrate_lint()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        left,
        Vec::<String>::new(),
        "the lint is silent at the repaired head"
    );
    // a type changed by hand is reported as the history's type
    c.batch_execute("ALTER TABLE zones ALTER COLUMN color TYPE text")
        .unwrap();
    let fix: String = c
        .query_one("SELECT suggested_fix FROM migrate_lint() WHERE kind = 'column_type' AND object = 'column zones.color'", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        fix,
        "ALTER TABLE zones ALTER COLUMN color TYPE character varying(7);"
    );
}
