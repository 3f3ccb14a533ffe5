//! The oracle walk: the extension, driven one revision at a time through chain.md's order,
//! gives exactly the catalog real Alembic gave after every step, and every downgrade gives
//! back the catalog of the step before.

use security_migrate_e2e::*;

#[test]
fn oracle_walk_up_then_back_down_matches_every_snapshot() {
    let db = TestDb::new("walk");
    let mut c = db.client();
    let order = chain_order();
    assert_eq!(order.len(), 53);
    db.compare_with(&snapshot_path("00"), false)
        .unwrap_or_else(|d| panic!("base differs before any step:\n{d}"));
    for (nn, id) in &order {
        let out: String = c
            .query_one("SELECT migrate_upgrade($1)", &[id])
            .unwrap_or_else(|e| panic!("upgrade to {nn} {id}: {e:?}"))
            .get(0);
        assert!(
            out.contains("(1 step)"),
            "{nn} {id} applied exactly one revision: {out}"
        );
        db.compare_with(&snapshot_path(nn), false)
            .unwrap_or_else(|d| panic!("after upgrade {nn} {id}, first differing lines:\n{d}"));
    }
    for (i, (nn, id)) in order.iter().enumerate().rev() {
        let out: String = c
            .query_one("SELECT migrate_downgrade($1)", &[&format!("{id}@-1")])
            .unwrap_or_else(|e| panic!("downgrade {id}@-1: {e:?}"))
            .get(0);
        assert!(
            out.contains("(1 step)"),
            "{id}@-1 unapplied exactly one revision: {out}"
        );
        let prev = if i == 0 {
            "00".to_owned()
        } else {
            order[i - 1].0.clone()
        };
        let expected = snapshot_path(&prev);
        if i == 0 {
            // at base an empty alembic_version table remains; the spec accepts that
            let rows: i64 = c
                .query_one("SELECT count(*) FROM alembic_version", &[])
                .unwrap()
                .get(0);
            assert_eq!(rows, 0);
            c.batch_execute("DROP TABLE alembic_version").unwrap();
        }
        db.compare_with(&expected, true)
            .unwrap_or_else(|d| panic!("after downgrade of {nn} {id}, expected snapshot {prev}; first differing lines:\n{d}"));
    }
}

#[test]
fn base_to_head_in_one_call_then_back_to_base_leaves_only_an_empty_alembic_version() {
    let db = TestDb::new("onecall");
    let mut c = db.client();
    let out: String = c
        .query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        out,
        "upgraded public: base -> merge_search_and_trust (53 steps)"
    );
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("head differs:\n{d}"));
    let out: String = c
        .query_one("SELECT migrate_downgrade('base')", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        out,
        "downgraded public: merge_search_and_trust -> base (53 steps)"
    );
    let tables: Vec<String> = c
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["alembic_version"]);
    let rows: i64 = c
        .query_one("SELECT count(*) FROM alembic_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    let types: i64 = c
        .query_one("SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'", &[])
        .unwrap()
        .get(0);
    assert_eq!(types, 0, "no enum type left behind");
}

#[test]
fn adoption_stamp_an_intermediate_revision_then_continue_to_head() {
    for (nn, id) in [
        ("16", "d4cdaa821492"),
        ("28", "add_time_series_partitioning"),
        ("40", "add_entity_model"),
    ] {
        let db = TestDb::new("adopt");
        let mut c = db.client();
        c.query_one("SELECT migrate_upgrade($1)", &[&id]).unwrap();
        // forget everything the extension knew: as if another tool had built the schema
        c.batch_execute("DROP TABLE alembic_version; DROP SCHEMA security_migrate CASCADE")
            .unwrap();
        let out: String = c
            .query_one("SELECT migrate_stamp($1)", &[&id])
            .unwrap()
            .get(0);
        assert!(
            out.ends_with(&format!("base -> {id}")) || out.contains(id),
            "{out}"
        );
        let current: Vec<String> = c
            .query("SELECT * FROM migrate_current()", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(current.contains(&id.to_string()), "{nn}: {current:?}");
        c.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
            .unwrap();
        db.compare_with(&snapshot_path("53"), false)
            .unwrap_or_else(|d| panic!("adopted at {nn} {id}, head differs:\n{d}"));
    }
}

#[test]
fn a_database_alembic_left_at_both_real_heads_is_adopted_and_merged() {
    let db = TestDb::new("twoheads");
    let mut c = db.client();
    // build the schema of step 52 (both real heads applied), then stamp as Alembic left it
    for (_, id) in chain_order().iter().take(52) {
        c.query_one("SELECT migrate_upgrade($1)", &[id]).unwrap();
    }
    c.batch_execute(
        "DELETE FROM alembic_version; \
         INSERT INTO alembic_version VALUES ('add_trust_status_to_entities'), ('1c42824dcb07'); \
         DROP SCHEMA security_migrate CASCADE",
    )
    .unwrap();
    let plan: Vec<String> = c
        .query(
            "SELECT revision FROM migrate_plan('merge_search_and_trust')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(plan, ["merge_search_and_trust"]);
    let out: String = c
        .query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap()
        .get(0);
    assert_eq!(out, "upgraded public: 1c42824dcb07, add_trust_status_to_entities -> merge_search_and_trust (1 step)");
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn the_offline_script_builds_the_same_head_through_psql() {
    let source = TestDb::new("offline_src");
    let script: String = source.one("SELECT migrate_sql('merge_search_and_trust')");
    assert!(script.starts_with("-- generated by security_migrate"));
    assert!(script.contains("-- Running upgrade  -> 968b0dff6a9b, "));
    let target = TestDb::empty("offline_dst");
    let path = std::env::temp_dir().join(format!("{}.sql", target.name));
    std::fs::write(&path, &script).unwrap();
    let st = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &target.url, "-f"])
        .arg(&path)
        .env(
            "PGOPTIONS",
            "-c TimeZone=UTC -c client_min_messages=warning",
        )
        .status()
        .unwrap();
    assert!(st.success());
    target
        .compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
    // and the downgrade script from head back to base empties it again
    let down: String = source
        .client()
        .query_one("SELECT migrate_sql('base', 'merge_search_and_trust')", &[])
        .unwrap()
        .get(0);
    assert!(down.contains(
        "-- Running downgrade merge_search_and_trust -> add_trust_status_to_entities, 1c42824dcb07"
    ));
    std::fs::write(&path, &down).unwrap();
    let st = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &target.url, "-f"])
        .arg(&path)
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .status()
        .unwrap();
    assert!(st.success());
    let rows: i64 = target
        .client()
        .query_one("SELECT count(*) FROM alembic_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
}
