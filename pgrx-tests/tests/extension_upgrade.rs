//! ALTER EXTENSION security_migrate UPDATE: install 0.1.0, migrate, update to the current
//! version, and find state, history and behaviour intact, and the same objects as a fresh install.

use security_migrate_e2e::*;

/// The extension's functions as (signature, result, comment, acl), sorted.
fn functions(c: &mut Client) -> Vec<(String, String, Option<String>, Option<String>)> {
    c.query(
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', \
                pg_get_function_result(p.oid), obj_description(p.oid, 'pg_proc'), p.proacl::text \
           FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e' \
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'security_migrate' ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

#[test]
fn updating_from_0_1_0_keeps_state_and_matches_a_fresh_install() {
    let fresh = TestDb::new("ext_fresh");
    let expected = functions(&mut fresh.client());
    let version: String =
        fresh.one("SELECT extversion FROM pg_extension WHERE extname = 'security_migrate'");
    assert_eq!(version, "0.2.0");
    assert!(
        expected.iter().all(|f| f.2.is_some()),
        "every function has a comment: {expected:#?}"
    );

    let db = TestDb::empty("ext_update");
    let mut c = db.client();
    c.batch_execute("CREATE EXTENSION security_migrate VERSION '0.1.0'")
        .unwrap();
    c.query_one("SELECT migrate_upgrade('add_entity_model')", &[])
        .unwrap();
    let old = functions(&mut c);
    assert_eq!(
        old.len(),
        expected.len() - 4,
        "0.1.0 lacks migrate_status, migrate_verify, migrate_lint and migrate_effects"
    );
    let e = c
        .query_one("SELECT * FROM migrate_status()", &[])
        .unwrap_err();
    assert_eq!(sqlstate(&e), "42883");
    c.batch_execute("ALTER EXTENSION security_migrate UPDATE")
        .unwrap();
    assert_eq!(
        db.one("SELECT extversion FROM pg_extension WHERE extname = 'security_migrate'"),
        "0.2.0"
    );
    assert_eq!(
        functions(&mut c),
        expected,
        "same functions, results, comments and privileges as a fresh install"
    );
    let current: Vec<String> = c
        .query("SELECT * FROM migrate_current()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(current, ["add_entity_model"], "state intact");
    let logged: i64 = c
        .query_one("SELECT count(*) FROM security_migrate.run_log", &[])
        .unwrap()
        .get(0);
    assert_eq!(logged, 40, "run log intact");
    let status: String = c
        .query_one("SELECT summary FROM migrate_status()", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        status,
        "14 revision(s) pending: SELECT migrate_upgrade('head')"
    );
    c.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap();
    let findings: i64 = c
        .query_one("SELECT count(*) FROM migrate_verify()", &[])
        .unwrap()
        .get(0);
    assert_eq!(findings, 0);
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
    // DROP EXTENSION and a reinstall lose nothing
    c.batch_execute("DROP EXTENSION security_migrate; CREATE EXTENSION security_migrate")
        .unwrap();
    let current: Vec<String> = c
        .query("SELECT * FROM migrate_current()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(current, ["merge_search_and_trust"]);
    let logged: i64 = c
        .query_one("SELECT count(*) FROM security_migrate.run_log", &[])
        .unwrap()
        .get(0);
    assert_eq!(logged, 53);
}
