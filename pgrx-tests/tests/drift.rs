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
