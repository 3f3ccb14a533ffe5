//! Harness for the end-to-end suite: a fresh database per test on the server named by
//! `SM_ADMIN_URL` (scripts/test.sh starts one), real `postgres` client connections, and the
//! oracle's catalog-snapshot tools from ../shared/tools.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use postgres::{Client, NoTls};

/// The admin URL of the test server.
pub fn admin_url() -> String {
    std::env::var("SM_ADMIN_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5444/postgres".into())
}

/// `../shared` beside the repository (or `$SHARED_DIR`).
pub fn shared_dir() -> PathBuf {
    std::env::var("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// Chain order of chain.md: (NN, revision id).
pub fn chain_order() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(shared_dir().join("spec/chain.md")).expect("read chain.md");
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            if cells.len() > 3
                && cells[1].len() == 2
                && cells[1].chars().all(|c| c.is_ascii_digit())
            {
                Some((cells[1].to_owned(), cells[2].trim_matches('`').to_owned()))
            } else {
                None
            }
        })
        .collect()
}

/// Path of the oracle snapshot for step NN (00 = base).
pub fn snapshot_path(nn: &str) -> PathBuf {
    let dir = shared_dir().join("spec/snapshots");
    let prefix = format!("{nn}-");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .unwrap_or_else(|| panic!("no snapshot {nn} in {}", dir.display()))
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database of its own for one test, with the extension created; dropped at the end.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A new empty database `sm_<tag>_<pid>_<n>` with `CREATE EXTENSION security_migrate`.
    pub fn new(tag: &str) -> TestDb {
        let db = Self::empty(tag);
        db.client()
            .batch_execute("CREATE EXTENSION security_migrate")
            .unwrap();
        db
    }

    /// A new empty database without the extension.
    pub fn empty(tag: &str) -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("sm_{tag}_{}_{n}", std::process::id());
        let admin = admin_url();
        let mut c =
            Client::connect(&admin, NoTls).expect("connect to the test server (SM_ADMIN_URL)");
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_owned();
        TestDb {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// A new connection to this database, with TimeZone=UTC like the oracle's runs.
    pub fn client(&self) -> Client {
        let mut c = Client::connect(&self.url, NoTls).expect("connect");
        c.batch_execute("SET TimeZone = 'UTC'").unwrap();
        c
    }

    /// Run `sql` and return the first column of the first row as text.
    pub fn one(&self, sql: &str) -> String {
        self.client()
            .query_one(sql, &[])
            .unwrap()
            .get::<_, String>(0)
    }

    /// Take a catalog snapshot with the oracle's own tool.
    pub fn snapshot(&self, out: &Path) {
        let tool = shared_dir().join("tools/catalog-snapshot");
        let st = Command::new(tool)
            .arg(&self.url)
            .arg(out)
            .status()
            .expect("run catalog-snapshot");
        assert!(st.success(), "catalog-snapshot failed for {}", self.name);
    }

    /// Compare this database with an oracle snapshot; Err holds the first differing lines.
    pub fn compare_with(&self, expected: &Path, tolerate_pg_trgm: bool) -> Result<(), String> {
        let actual = std::env::temp_dir().join(format!("{}.snapshot", self.name));
        self.snapshot(&actual);
        if tolerate_pg_trgm
            && !std::fs::read_to_string(expected)
                .unwrap()
                .contains("\nextension pg_trgm ")
        {
            // the chain created pg_trgm; a downgrade may leave it installed (spec README)
            let text = std::fs::read_to_string(&actual).unwrap();
            let kept: String = text
                .lines()
                .filter(|l| !l.starts_with("extension pg_trgm "))
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(&actual, kept).unwrap();
        }
        let out = Command::new(shared_dir().join("tools/catalog-compare"))
            .arg(expected)
            .arg(&actual)
            .output()
            .expect("run catalog-compare");
        if out.status.success() {
            Ok(())
        } else {
            let diff = String::from_utf8_lossy(&out.stdout);
            Err(diff.lines().take(40).collect::<Vec<_>>().join("\n"))
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return; // keep the database for a look
        }
        if let Ok(mut c) = Client::connect(&admin_url(), NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The SQLSTATE of a failed call, e.g. "22023".
pub fn sqlstate(e: &postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_owned())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

/// Message and hint of a failed call.
pub fn message(e: &postgres::Error) -> (String, Option<String>) {
    match e.as_db_error() {
        Some(d) => (d.message().to_owned(), d.hint().map(str::to_owned)),
        None => (e.to_string(), None),
    }
}

/// Rows in the run log (0 before it exists).
pub fn run_log_rows(c: &mut Client) -> i64 {
    let exists: bool = c
        .query_one(
            "SELECT to_regclass('security_migrate.run_log') IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    if !exists {
        return 0;
    }
    c.query_one("SELECT count(*) FROM security_migrate.run_log", &[])
        .unwrap()
        .get(0)
}

/// Wait (polling, bounded to 30 s) until a backend of this database running a query that
/// contains `query_part` waits on a lock; returns its pid.
pub fn wait_until_blocked(c: &mut Client, query_part: &str) -> i32 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let row = c
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                  AND pid <> pg_backend_pid() AND strpos(query, $1) > 0 AND wait_event_type = 'Lock'",
                &[&query_part],
            )
            .unwrap();
        if let Some(r) = row {
            return r.get(0);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no backend running {query_part:?} ever blocked"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
