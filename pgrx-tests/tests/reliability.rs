//! What the runner survives: a failure injected at every revision of the chain, a lock held by
//! application traffic, look-alike objects on the caller's search_path, and a backend killed
//! in the middle of an upgrade.

use std::time::{Duration, Instant};

use security_migrate_e2e::*;

fn current(c: &mut Client) -> Vec<String> {
    let mut v: Vec<String> = c
        .query("SELECT * FROM migrate_current()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    v.sort();
    v
}

#[test]
fn a_failure_injected_at_every_revision_leaves_the_database_exactly_where_it_was() {
    let db = TestDb::new("inject");
    let mut c = db.client();
    c.batch_execute(
        "CREATE SCHEMA inject; \
         CREATE FUNCTION inject.fail() RETURNS trigger LANGUAGE plpgsql AS \
           $$BEGIN RAISE EXCEPTION 'injected failure' USING ERRCODE = 'P0001'; END$$",
    )
    .unwrap();
    // the version table exists once the first revision ran; inject from the first step on
    // by creating it up front exactly as the runner would
    c.batch_execute(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, \
         CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
    )
    .unwrap();
    let before = std::env::temp_dir().join(format!("{}.before", db.name));
    for (nn, id) in chain_order() {
        db.snapshot(&before);
        let rows_before = current(&mut c);
        let log_before = run_log_rows(&mut c);
        // every statement of the revision runs, then recording it in alembic_version fails
        c.batch_execute(
            "CREATE TRIGGER inject_fail BEFORE INSERT OR UPDATE OR DELETE ON alembic_version \
             FOR EACH STATEMENT EXECUTE FUNCTION inject.fail()",
        )
        .unwrap();
        let e = c
            .query_one("SELECT migrate_upgrade($1)", &[&id])
            .unwrap_err();
        assert_eq!(
            sqlstate(&e),
            "P0001",
            "{nn} {id}: PostgreSQL's own SQLSTATE"
        );
        let (msg, _) = message(&e);
        assert_eq!(
            msg,
            format!("upgrade of revision {id} failed: injected failure"),
            "{nn}"
        );
        let detail = e
            .as_db_error()
            .unwrap()
            .detail()
            .unwrap_or_default()
            .to_owned();
        assert!(
            detail.contains("alembic_version"),
            "{nn}: DETAIL names the statement: {detail}"
        );
        c.batch_execute("DROP TRIGGER inject_fail ON alembic_version")
            .unwrap();
        assert_eq!(
            current(&mut c),
            rows_before,
            "{nn} {id}: alembic_version unchanged"
        );
        assert_eq!(
            run_log_rows(&mut c),
            log_before,
            "{nn} {id}: no run-log row claims success"
        );
        db.compare_with(&before, false)
            .unwrap_or_else(|d| panic!("{nn} {id}: the failed upgrade changed the catalog:\n{d}"));
        c.query_one("SELECT migrate_upgrade($1)", &[&id]).unwrap();
    }
    assert_eq!(current(&mut c), ["merge_search_and_trust"]);
}

#[test]
fn a_failure_in_the_middle_of_a_revision_names_the_statement() {
    let db = TestDb::new("inject_ddl");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_alerts_rules')", &[])
        .unwrap();
    // fail at the third statement of the next revision (add_zones_001): its first index
    c.batch_execute(
        "CREATE SCHEMA inject; \
         CREATE FUNCTION inject.refuse() RETURNS event_trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE object_identity = 'public.idx_zones_camera_id') THEN \
             RAISE EXCEPTION 'third DDL refused' USING ERRCODE = '42501'; \
           END IF; \
         END $$; \
         CREATE EVENT TRIGGER inject_refuse ON ddl_command_end EXECUTE FUNCTION inject.refuse()",
    )
    .unwrap();
    let e = c
        .query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap_err();
    c.batch_execute("DROP EVENT TRIGGER inject_refuse").unwrap();
    assert_eq!(sqlstate(&e), "42501");
    let (msg, _) = message(&e);
    assert_eq!(
        msg,
        "upgrade of revision add_zones_001 failed: third DDL refused"
    );
    let detail = e.as_db_error().unwrap().detail().unwrap().to_owned();
    assert!(detail.starts_with("statement 3 of "), "{detail}");
    assert_eq!(current(&mut c), ["add_alerts_rules"]);
    let zones: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_type WHERE typname IN ('zone_type_enum', 'zone_shape_enum', 'zones')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        zones, 0,
        "the two statements that ran before it are rolled back too"
    );
}

#[test]
fn lock_timeout_stops_an_upgrade_that_waits_on_application_traffic() {
    let db = TestDb::new("locktimeout");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_alerts_rules')", &[])
        .unwrap();
    let log_before = run_log_rows(&mut c);
    // application traffic: an open transaction that wrote to cameras (ROW EXCLUSIVE)
    let mut app = db.client();
    let mut tx = app.transaction().unwrap();
    tx.batch_execute("INSERT INTO cameras (id, name, folder_path, status, created_at) VALUES ('cam', 'Cam', '/c', 'online', now())")
        .unwrap();
    c.batch_execute("SET security_migrate.lock_timeout = '200ms'")
        .unwrap();
    let started = Instant::now();
    let e = c
        .query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap_err();
    let waited = started.elapsed();
    assert_eq!(sqlstate(&e), "55P03", "lock_not_available: {e:?}");
    let (msg, hint) = message(&e);
    assert!(
        msg.starts_with(
            "upgrade of revision add_zones_001 failed: canceling statement due to lock timeout"
        ),
        "{msg}"
    );
    assert!(hint.unwrap().contains("security_migrate.lock_timeout"));
    assert!(
        waited < Duration::from_secs(5),
        "it gave up instead of queueing"
    );
    tx.rollback().unwrap();
    assert_eq!(current(&mut c), ["add_alerts_rules"]);
    assert_eq!(run_log_rows(&mut c), log_before);
    let lt: String = c.query_one("SHOW lock_timeout", &[]).unwrap().get(0);
    assert_eq!(lt, "0", "the caller's lock_timeout is untouched");
    // and the default is 10s, applied only while migrating
    c.batch_execute("RESET security_migrate.lock_timeout")
        .unwrap();
    c.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap();
    let lt: String = c.query_one("SHOW lock_timeout", &[]).unwrap().get(0);
    assert_eq!(lt, "0");
}

#[test]
fn look_alike_objects_on_the_callers_search_path_change_nothing() {
    let db = TestDb::new("lookalike");
    let mut c = db.client();
    let role = format!("{}_evil", db.name);
    c.batch_execute(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role}; CREATE SCHEMA evil AUTHORIZATION {role}; \
         SET ROLE {role}; \
         CREATE TABLE evil.cameras (id text); CREATE TABLE evil.alembic_version (version_num text); \
         INSERT INTO evil.alembic_version VALUES ('merge_search_and_trust'); \
         CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked now'; END$$; \
         CREATE FUNCTION evil.date_trunc(text, timestamp) RETURNS timestamp LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked date_trunc'; END$$; \
         CREATE FUNCTION evil.to_tsvector(text, text) RETURNS tsvector LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked to_tsvector'; END$$; \
         CREATE FUNCTION evil.coalesce(text, text) RETURNS text LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$; \
         CREATE FUNCTION evil.lower(character varying) RETURNS text LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked lower'; END$$; \
         CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked ='; END$$; \
         CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq); \
         RESET ROLE; SET search_path = evil, public"
    ))
    .unwrap();
    assert_eq!(
        c.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
            .unwrap()
            .get::<_, String>(0),
        "upgraded public: base -> merge_search_and_trust (53 steps)",
        "the look-alike alembic_version in evil is not read"
    );
    let evil_tables: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'evil'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        evil_tables, 2,
        "nothing landed in the caller's first schema"
    );
    c.batch_execute(&format!("DROP SCHEMA evil CASCADE; DROP ROLE {role}"))
        .unwrap();
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn a_backend_killed_mid_upgrade_leaves_the_prior_revision_and_the_next_run_completes() {
    let db = TestDb::new("kill");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_alerts_rules')", &[])
        .unwrap();
    let before = std::env::temp_dir().join(format!("{}.before", db.name));
    db.snapshot(&before);
    // hold the upgrade in the middle of the chain: application traffic locks cameras
    let mut app = db.client();
    let mut tx = app.transaction().unwrap();
    tx.batch_execute("INSERT INTO cameras (id, name, folder_path, status, created_at) VALUES ('cam', 'Cam', '/c', 'online', now())")
        .unwrap();
    let url = db.url.clone();
    let runner = std::thread::spawn(move || {
        let mut r = Client::connect(&url, NoTls).unwrap();
        r.batch_execute("SET TimeZone = 'UTC'; SET security_migrate.lock_timeout = '60s'")
            .unwrap();
        let pid: i32 = r.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
        (
            pid,
            r.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
                .map(|_| ()),
        )
    });
    let mut admin = db.client();
    // wait (bounded) until the runner is blocked on the lock, then kill it
    let pid = wait_until_blocked(&mut admin, "migrate_upgrade('merge_search_and_trust')");
    let killed: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap()
        .get(0);
    assert!(killed);
    let (runner_pid, result) = runner.join().unwrap();
    assert_eq!(runner_pid, pid);
    assert!(result.is_err(), "the killed session's call fails");
    tx.rollback().unwrap();
    assert_eq!(current(&mut admin), ["add_alerts_rules"]);
    db.compare_with(&before, false)
        .unwrap_or_else(|d| panic!("the killed run left changes:\n{d}"));
    admin
        .query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap();
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
}
