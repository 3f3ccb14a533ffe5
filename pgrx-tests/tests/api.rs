//! The SQL API through a real client: results, branches and merges, transactions, errors and
//! their SQLSTATEs, privileges, search_path, and concurrent runners.

use std::sync::{Arc, Barrier};

use security_migrate_e2e::*;

fn current(c: &mut Client) -> Vec<String> {
    c.query("SELECT * FROM migrate_current()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn call(c: &mut Client, sql: &str) -> String {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0)
}

#[test]
fn upgrade_reports_where_it_stands_and_a_second_upgrade_is_a_no_op() {
    let db = TestDb::new("noop");
    let mut c = db.client();
    assert!(current(&mut c).is_empty(), "a new database is at base");
    assert_eq!(
        call(&mut c, "SELECT migrate_upgrade()"),
        "upgraded public: base -> repair_partitioned_tables (54 steps)"
    );
    assert_eq!(
        call(&mut c, "SELECT migrate_upgrade('head')"),
        "already at repair_partitioned_tables: nothing to do"
    );
    assert_eq!(current(&mut c), ["repair_partitioned_tables"]);
    let log: i64 = c
        .query_one("SELECT count(*) FROM security_migrate.run_log WHERE direction = 'upgrade' AND checksum ~ '^[0-9a-f]{64}$'", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        log, 54,
        "one run-log row with a checksum per applied revision"
    );
}

#[test]
fn notices_follow_alembics_running_upgrade_lines() {
    let db = TestDb::new("notice");
    let notices = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = notices.clone();
    let mut config: postgres::Config = db.url.parse().unwrap();
    config.notice_callback(move |n| sink.lock().unwrap().push(n.message().to_owned()));
    let mut c = config.connect(NoTls).unwrap();
    c.query_one("SELECT migrate_upgrade('add_alerts_rules')", &[])
        .unwrap();
    let got = notices.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[0].starts_with("Running upgrade  -> 968b0dff6a9b, "),
        "{got:?}"
    );
    assert!(
        got[1].starts_with("Running upgrade 968b0dff6a9b -> 20251228_fts, "),
        "{got:?}"
    );
    assert!(
        got[2].starts_with("Running upgrade 20251228_fts -> add_alerts_rules, "),
        "{got:?}"
    );
}

#[test]
fn branches_applied_apart_then_merged_and_unmerged() {
    let db = TestDb::new("branches");
    let mut c = db.client();
    call(&mut c, "SELECT migrate_upgrade('add_prompt_versions')");
    call(
        &mut c,
        "SELECT migrate_upgrade('add_object_types_gin_trgm')",
    );
    let mut cur = current(&mut c);
    cur.sort();
    assert_eq!(
        cur,
        ["add_object_types_gin_trgm", "add_prompt_versions"],
        "two heads applied apart"
    );
    let e = c
        .query_one("SELECT migrate_downgrade('-1')", &[])
        .unwrap_err();
    assert_eq!(sqlstate(&e), "22023", "-1 from two heads is ambiguous");
    assert!(message(&e).1.unwrap().contains("@-1"));
    assert_eq!(
        call(&mut c, "SELECT migrate_upgrade('d4cdaa821492')"),
        "upgraded public: add_object_types_gin_trgm, add_prompt_versions -> d4cdaa821492 (1 step)"
    );
    assert_eq!(current(&mut c), ["d4cdaa821492"]);
    // -1 from a merge is ambiguous in Alembic too; <rev>@-1 unapplies the merge alone
    let e = c
        .query_one("SELECT migrate_downgrade('-1')", &[])
        .unwrap_err();
    assert_eq!(sqlstate(&e), "22023");
    assert!(
        message(&e).0.contains("ambiguous walk"),
        "{:?}",
        message(&e)
    );
    call(&mut c, "SELECT migrate_downgrade('d4cdaa821492@-1')");
    let mut cur = current(&mut c);
    cur.sort();
    assert_eq!(cur, ["add_object_types_gin_trgm", "add_prompt_versions"]);
    // a revision something applied depends on cannot be unapplied alone
    let e = c
        .query_one("SELECT migrate_downgrade('add_event_audits@-1')", &[])
        .unwrap_err();
    assert_eq!(sqlstate(&e), "22023");
    assert!(message(&e).0.contains("depend"), "{:?}", message(&e));
    // downgrading to the branch point removes both branches
    call(&mut c, "SELECT migrate_downgrade('add_event_audits')");
    assert_eq!(current(&mut c), ["add_event_audits"]);
    assert_eq!(
        call(&mut c, "SELECT migrate_downgrade('-2')"),
        "downgraded public: add_event_audits -> fix_search_vector_backfill (2 steps)"
    );
}

#[test]
fn a_revision_that_depends_on_an_unapplied_one_goes_with_it() {
    // add_prompt_version_uq's parent is add_alerts_rules, but its constraint is on the table
    // add_prompt_versions creates: its header declares depends_on, so a downgrade below
    // add_prompt_versions unapplies it too (real Alembic, without the dependency, left it
    // recorded and then failed on the way down to base)
    let db = TestDb::new("depends");
    let mut c = db.client();
    call(&mut c, "SELECT migrate_upgrade('head')");
    call(&mut c, "SELECT migrate_downgrade('add_event_audits')");
    assert_eq!(current(&mut c), ["add_event_audits"]);
    let gone: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 'prompt_versions'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(gone, 0);
    call(&mut c, "SELECT migrate_downgrade('base')");
    assert!(current(&mut c).is_empty());
    // and an upgrade straight to it brings what it depends on first
    let plan: Vec<String> = c
        .query(
            "SELECT revision FROM migrate_plan('add_prompt_version_uq')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        plan.iter().position(|r| r == "add_prompt_versions")
            < plan.iter().position(|r| r == "add_prompt_version_uq")
    );
    call(&mut c, "SELECT migrate_upgrade('add_prompt_version_uq')");
    assert_eq!(current(&mut c), ["add_prompt_version_uq"]);
}

#[test]
fn relative_and_prefix_specs() {
    let db = TestDb::new("relative");
    let mut c = db.client();
    call(&mut c, "SELECT migrate_upgrade('+2')");
    assert_eq!(current(&mut c), ["20251228_fts"]);
    call(&mut c, "SELECT migrate_upgrade('968b+2')");
    assert_eq!(current(&mut c), ["add_alerts_rules"]);
    let e = c
        .query_one("SELECT migrate_upgrade('+1')", &[])
        .unwrap_err();
    assert!(
        message(&e)
            .0
            .contains("branches into add_prompt_version_uq, add_zones_001"),
        "{e:?}"
    );
    call(&mut c, "SELECT migrate_upgrade('add_zones_001')");
    call(&mut c, "SELECT migrate_downgrade('-1')");
    assert_eq!(current(&mut c), ["add_alerts_rules"]);
    call(&mut c, "SELECT migrate_upgrade('add_zones')");
    assert_eq!(current(&mut c), ["add_zones_001"], "unique prefix");
    call(&mut c, "SELECT migrate_downgrade('base')");
    assert!(current(&mut c).is_empty());
}

#[test]
fn the_callers_rollback_leaves_nothing_behind() {
    let db = TestDb::new("rollback");
    let mut c = db.client();
    let mut tx = c.transaction().unwrap();
    tx.query_one("SELECT migrate_upgrade('head')", &[]).unwrap();
    let inside: Vec<String> = tx
        .query("SELECT * FROM migrate_current()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        inside,
        ["repair_partitioned_tables"],
        "visible inside the transaction"
    );
    tx.rollback().unwrap();
    db.compare_with(&snapshot_path("00"), false)
        .unwrap_or_else(|d| panic!("ROLLBACK left something:\n{d}"));
    let schemas: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'security_migrate'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(schemas, 0, "not even the bookkeeping schema");
}

#[test]
fn a_failing_revision_leaves_the_database_at_its_prior_revision() {
    let db = TestDb::new("fail");
    let mut c = db.client();
    call(&mut c, "SELECT migrate_upgrade('add_alerts_rules')");
    let before = std::env::temp_dir().join(format!("{}.before", db.name));
    // a conflicting object: revision add_zones_001 creates table zones
    c.batch_execute("CREATE TABLE zones (id int)").unwrap();
    db.snapshot(&before);
    let e = c
        .query_one("SELECT migrate_upgrade('head')", &[])
        .unwrap_err();
    assert_eq!(
        sqlstate(&e),
        "42P07",
        "PostgreSQL's own SQLSTATE (duplicate_table)"
    );
    let (msg, _) = message(&e);
    assert!(
        msg.starts_with(
            "upgrade of revision add_zones_001 failed: relation \"zones\" already exists"
        ),
        "{msg}"
    );
    let detail = e.as_db_error().unwrap().detail().unwrap().to_owned();
    assert!(
        detail.contains("CREATE TABLE zones"),
        "DETAIL names the statement: {detail}"
    );
    assert_eq!(current(&mut c), ["add_alerts_rules"]);
    db.compare_with(&before, false)
        .unwrap_or_else(|d| panic!("the failed run changed the catalog:\n{d}"));
    let log: i64 = c
        .query_one("SELECT count(*) FROM security_migrate.run_log", &[])
        .unwrap()
        .get(0);
    assert_eq!(log, 3, "only the three earlier revisions are logged");
}

#[test]
fn errors_carry_fitting_sqlstates_and_change_nothing() {
    let db = TestDb::new("errors");
    let mut c = db.client();
    call(&mut c, "SELECT migrate_upgrade('add_zones_001')");
    let cases: &[(&str, &str, &str)] = &[
        ("SELECT migrate_upgrade(NULL)", "22004", "must not be NULL"),
        (
            "SELECT migrate_downgrade(NULL)",
            "22004",
            "must not be NULL",
        ),
        ("SELECT migrate_stamp(NULL)", "22004", "must not be NULL"),
        ("SELECT migrate_upgrade('')", "22023", "empty revision spec"),
        (
            "SELECT migrate_upgrade('nope_nope')",
            "42704",
            "no revision or branch label 'nope_nope'",
        ),
        (
            "SELECT migrate_upgrade('add_')",
            "22023",
            "matches 37 revisions",
        ),
        ("SELECT migrate_upgrade('ab')", "42704", "no revision"),
        (
            "SELECT migrate_upgrade('x''; DROP TABLE zones; --')",
            "22023",
            "which no revision spec uses",
        ),
        (
            "SELECT migrate_upgrade('968b0dff6a9b')",
            "22023",
            "below where the database is",
        ),
        ("SELECT migrate_downgrade('head')", "22023", "not applied"),
        ("SELECT migrate_downgrade('-9')", "22023", "goes past base"),
        (
            "SELECT migrate_upgrade('repair_partitioned_tables+1')",
            "22023",
            "goes past the head",
        ),
        (
            "SELECT migrate_upgrade('+99')",
            "22023",
            "ambiguous walk: add_event_audits branches into",
        ),
        (
            "SELECT migrate_upgrade('-1')",
            "22023",
            "use migrate_downgrade",
        ),
        (
            "SELECT migrate_downgrade('+1')",
            "22023",
            "use migrate_upgrade",
        ),
        ("SELECT migrate_history('head')", "22023", "has no ':'"),
        (
            "SELECT * FROM migrate_show('zzzzzz')",
            "42704",
            "no revision",
        ),
    ];
    for (sql, state, text) in cases {
        let e = c.query_one(*sql, &[]).unwrap_err();
        assert_eq!(sqlstate(&e), *state, "{sql}: {e:?}");
        assert!(message(&e).0.contains(text), "{sql}: {:?}", message(&e));
    }
    let e = c
        .query_one("SELECT migrate_upgrade('add_')", &[])
        .unwrap_err();
    assert!(
        message(&e)
            .1
            .unwrap()
            .starts_with("candidates: add_4_feedback_types, "),
        "ambiguous prefix lists candidates"
    );
    assert_eq!(current(&mut c), ["add_zones_001"], "nothing changed");
    // a version table the graph cannot explain
    c.batch_execute("INSERT INTO alembic_version VALUES ('not_ours')")
        .unwrap();
    let e = c
        .query_one("SELECT migrate_upgrade('head')", &[])
        .unwrap_err();
    assert_eq!(sqlstate(&e), "55000");
    assert!(message(&e).1.unwrap().contains("migrate_stamp"));
    c.batch_execute("DELETE FROM alembic_version WHERE version_num = 'not_ours'")
        .unwrap();
    // REPEATABLE READ would hide a concurrent runner's commit: refused
    let mut tx = c
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .unwrap();
    let e = tx
        .query_one("SELECT migrate_upgrade('head')", &[])
        .unwrap_err();
    assert_eq!(sqlstate(&e), "0A000");
}

#[test]
fn history_heads_branches_show_plan() {
    let db = TestDb::new("read");
    let mut c = db.client();
    call(&mut c, "SELECT migrate_upgrade('add_zones_001')");
    let rows = c
        .query("SELECT revision, down_revisions, is_head, is_merge, is_branch_point, applied, is_current FROM migrate_history()", &[])
        .unwrap();
    assert_eq!(rows.len(), 54);
    assert_eq!(rows[0].get::<_, String>(0), "repair_partitioned_tables");
    assert!(
        rows[0].get::<_, bool>(2) && !rows[0].get::<_, bool>(3),
        "the head, not a merge"
    );
    assert_eq!(rows[1].get::<_, String>(0), "merge_search_and_trust");
    assert!(
        !rows[1].get::<_, bool>(2) && rows[1].get::<_, bool>(3),
        "a merge, no longer the head"
    );
    let last = rows.last().unwrap();
    assert_eq!(last.get::<_, String>(0), "968b0dff6a9b");
    assert!(last.get::<_, Vec<String>>(1).is_empty() && last.get::<_, bool>(5));
    let applied: Vec<String> = rows
        .iter()
        .filter(|r| r.get::<_, bool>(5))
        .map(|r| r.get(0))
        .collect();
    assert_eq!(applied.len(), 4);
    let range: Vec<String> = c
        .query(
            "SELECT revision FROM migrate_history('20251228_fts:add_zones_001')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(range, ["add_zones_001", "add_alerts_rules", "20251228_fts"]);
    let heads: Vec<String> = c
        .query("SELECT * FROM migrate_heads()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(heads, ["repair_partitioned_tables"]);
    let branches: i64 = c
        .query_one("SELECT count(*) FROM migrate_branches()", &[])
        .unwrap()
        .get(0);
    assert_eq!(branches, 10);
    let show = c
        .query_one("SELECT revision, down_revisions, children, repairs, data_loss, upgrade_sql FROM migrate_show('add_camera_unique_constraints')", &[])
        .unwrap();
    assert_eq!(show.get::<_, Vec<String>>(1), ["add_event_audits"]);
    assert_eq!(show.get::<_, Vec<String>>(2), ["add_enrichment_data"]);
    assert!(
        !show.get::<_, Vec<String>>(4).is_empty(),
        "says what its downgrade cannot bring back"
    );
    assert!(show.get::<_, String>(5).contains("idx_cameras_name_unique"));
    let zones = c
        .query_one("SELECT repairs FROM migrate_show('add_zones_001')", &[])
        .unwrap();
    assert!(
        !zones.get::<_, Vec<String>>(0).is_empty(),
        "repairs are shown"
    );
    let plan = c
        .query(
            "SELECT step, direction, revision, version_sql FROM migrate_plan('add_baselines')",
            &[],
        )
        .unwrap();
    assert_eq!(plan.len(), 2);
    assert_eq!(plan[0].get::<_, String>(2), "add_audit_logs");
    assert!(plan[0]
        .get::<_, String>(3)
        .starts_with("UPDATE \"public\".alembic_version SET version_num = 'add_audit_logs'"));
    let down = c
        .query("SELECT direction FROM migrate_plan('base')", &[])
        .unwrap();
    assert_eq!(down.len(), 4);
    assert_eq!(down[0].get::<_, String>(0), "downgrade");
    assert_eq!(current(&mut c), ["add_zones_001"], "a plan changes nothing");
}

#[test]
fn migrations_land_in_the_target_schema_whatever_the_search_path_and_it_is_restored() {
    let db = TestDb::new("path");
    let mut c = db.client();
    c.batch_execute("CREATE SCHEMA other; SET search_path = other, public")
        .unwrap();
    call(&mut c, "SELECT migrate_upgrade('add_alerts_rules')");
    let path: String = c.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert_eq!(path, "other, public", "the caller's search_path is back");
    let in_public: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'alerts'",
            &[],
        )
        .unwrap()
        .get(0);
    let in_other: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'other'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!((in_public, in_other), (1, 0));
    // another schema, chosen with security_migrate.schema
    c.batch_execute("CREATE SCHEMA app; SET security_migrate.schema = 'app'")
        .unwrap();
    call(&mut c, "SELECT migrate_upgrade('968b0dff6a9b')");
    let app: Vec<String> = c
        .query("SELECT version_num::text FROM app.alembic_version", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(app, ["968b0dff6a9b"]);
    c.batch_execute("SET security_migrate.schema = 'missing'")
        .unwrap();
    let e = c
        .query_one("SELECT migrate_upgrade('head')", &[])
        .unwrap_err();
    assert_eq!(sqlstate(&e), "3F000");
}

#[test]
fn only_privileged_roles_may_change_the_schema() {
    let db = TestDb::new("privs");
    let mut admin = db.client();
    let role = format!("{}_reader", db.name);
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN"
        ))
        .unwrap();
    let url = db.url.replacen("postgres@", &format!("{role}@"), 1);
    let mut reader = Client::connect(&url, NoTls).unwrap();
    for f in [
        "migrate_upgrade('head')",
        "migrate_downgrade('base')",
        "migrate_stamp('head')",
    ] {
        let e = reader.query_one(&format!("SELECT {f}"), &[]).unwrap_err();
        assert_eq!(sqlstate(&e), "42501", "{f}");
        assert!(message(&e).0.contains("permission denied"), "{f}");
    }
    let n: i64 = reader
        .query_one("SELECT count(*) FROM migrate_history()", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 54, "read-only functions stay open");
    drop(reader);
    admin.batch_execute(&format!("DROP ROLE {role}")).unwrap();
}

#[test]
fn sixteen_sessions_upgrading_at_once_apply_each_revision_exactly_once() {
    let db = TestDb::new("race");
    let n = 16;
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let url = db.url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(&url, NoTls).unwrap();
                c.batch_execute("SET TimeZone = 'UTC'").unwrap();
                barrier.wait();
                c.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
                    .map(|r| r.get::<_, String>(0))
            })
        })
        .collect();
    let results: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().unwrap().expect("no session errors"))
        .collect();
    let ran = results.iter().filter(|r| r.starts_with("upgraded")).count();
    let waited = results
        .iter()
        .filter(|r| r.starts_with("already at merge_search_and_trust"))
        .count();
    assert_eq!((ran, waited), (1, n - 1), "{results:?}");
    let mut c = db.client();
    let per_rev: i64 = c
        .query_one("SELECT max(n) FROM (SELECT count(*) n FROM security_migrate.run_log GROUP BY revision) x", &[])
        .unwrap()
        .get(0);
    assert_eq!(per_rev, 1, "every revision applied once");
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
}
