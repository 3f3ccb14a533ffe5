//! A crash in the middle of the chain: the postmaster stopped with `-m immediate` while an
//! upgrade runs. After recovery the database is at its prior revision and a new upgrade completes.
//! Restarts the server named by SM_ADMIN_URL through scripts/pg-cluster.sh, so it lives in a test
//! binary of its own (cargo runs test binaries one after another).

use std::process::Command;

use security_migrate_e2e::*;

fn port() -> String {
    let url = admin_url();
    let after_host = url.rsplit_once(':').expect("SM_ADMIN_URL has a port").1;
    after_host.split('/').next().unwrap().to_owned()
}

#[test]
fn an_immediate_shutdown_mid_upgrade_leaves_the_prior_revision_and_the_next_run_completes() {
    let db = TestDb::new("crash");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_alerts_rules')", &[])
        .unwrap();
    let before = std::env::temp_dir().join(format!("{}.before", db.name));
    db.snapshot(&before);
    // hold the upgrade in the middle of the chain behind application traffic
    let mut app = db.client();
    let mut tx = app.transaction().unwrap();
    tx.batch_execute("INSERT INTO cameras (id, name, folder_path, status, created_at) VALUES ('cam', 'Cam', '/c', 'online', now())")
        .unwrap();
    let url = db.url.clone();
    let runner = std::thread::spawn(move || {
        let mut r = Client::connect(&url, NoTls).unwrap();
        r.batch_execute("SET TimeZone = 'UTC'; SET security_migrate.lock_timeout = '60s'")
            .unwrap();
        r.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
            .map(|_| ())
    });
    wait_until_blocked(&mut c, "migrate_upgrade('merge_search_and_trust')");
    // the runner is mid-chain: revisions 04.. have run in its open transaction
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-cluster.sh");
    let st = Command::new("bash")
        .arg(&script)
        .args(["crash-restart", &port()])
        .status()
        .unwrap();
    assert!(st.success(), "crash-restart of the test server");
    assert!(
        runner.join().unwrap().is_err(),
        "the crashed session's call fails"
    );
    drop(tx);
    let mut c = db.client();
    let current: Vec<String> = c
        .query("SELECT * FROM migrate_current()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        current,
        ["add_alerts_rules"],
        "after recovery the database is at its prior revision"
    );
    db.compare_with(&before, false)
        .unwrap_or_else(|d| panic!("the crashed run left changes:\n{d}"));
    c.query_one("SELECT migrate_upgrade('merge_search_and_trust')", &[])
        .unwrap();
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
}
