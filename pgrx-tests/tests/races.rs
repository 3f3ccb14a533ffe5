//! Races through real connections, each run many times: upgrades, downgrades and stamps
//! released at the same moment by a barrier, with a reader polling all the while. After every
//! round: each call succeeded or failed with a clear error (never XX000, never a deadlock,
//! never a lost connection), the database is in a state the graph explains, the run log
//! accounts for exactly what the successful calls reported, and where only migrations ran the
//! catalog is the oracle's for where the database ended. And: readers never wait for a running
//! or uncommitted upgrade and never see a half-applied state.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use security_migrate_e2e::*;

/// Rounds per kind of race.
const ROUNDS: usize = 12;
/// A round that takes longer than this is hung (a whole chain takes well under a second).
const ROUND_TIMEOUT: Duration = Duration::from_secs(90);
/// Readers run with this statement_timeout: a read that waits for a runner fails with it.
const READER_TIMEOUT: &str = "5s";

const HEAD: &str = "merge_search_and_trust";
const ENTITY: &str = "add_entity_model";

fn connect(url: &str) -> Client {
    let mut c = Client::connect(url, NoTls).expect("connect");
    c.batch_execute("SET TimeZone = 'UTC'").unwrap();
    c
}

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

/// Move the database to `target` with migrations (never a stamp). "head" means the oracle's
/// head, HEAD (the repair revision after it is not part of these races).
fn goto(c: &mut Client, target: &str) {
    let target = if target == "head" { HEAD } else { target };
    let dir: Option<String> = c
        .query("SELECT direction FROM migrate_plan($1::text)", &[&target])
        .unwrap_or_else(|e| panic!("plan to {target}: {e:?}"))
        .first()
        .map(|r| r.get(0));
    match dir.as_deref() {
        None => {}
        Some("upgrade") => {
            c.query_one("SELECT migrate_upgrade($1::text)", &[&target])
                .unwrap();
        }
        Some(_) => {
            c.query_one("SELECT migrate_downgrade($1::text)", &[&target])
                .unwrap();
        }
    }
    let want: Vec<String> = match target {
        "base" => vec![],
        "head" => vec![HEAD.to_owned()],
        t => vec![t.to_owned()],
    };
    if current(c) != want {
        // a downgrade to a revision keeps branches that do not descend from it (as in
        // Alembic): go by base
        c.query_one("SELECT migrate_downgrade('base')", &[])
            .unwrap();
        c.query_one("SELECT migrate_upgrade($1::text)", &[&target])
            .unwrap();
    }
    assert_eq!(current(c), want, "goto {target}");
}

/// How a call failed.
#[derive(Debug, Clone)]
struct Failure {
    sqlstate: String,
    message: String,
    /// the connection was gone afterwards
    lost: bool,
}

type Outcome = Result<String, Failure>;

/// What one round saw.
struct Round {
    /// (call, outcome) in the order the calls were given
    calls: Vec<(String, Outcome)>,
    /// every distinct migrate_current() the reader saw while the runners ran
    observed: BTreeSet<Vec<String>>,
    /// reads the reader made, and problems it met (errors, inconsistent or slow reads)
    reads: usize,
    reader_problems: Vec<String>,
    slowest_read: Duration,
}

impl Round {
    /// Log the round's calls and what the reader saw, and file its problems under `label`.
    fn record(
        &self,
        label: &str,
        cur: &[String],
        problems: Vec<String>,
        log: &mut Vec<String>,
        bad: &mut Vec<String>,
    ) {
        let calls: Vec<_> = self
            .calls
            .iter()
            .map(|(_, o)| {
                o.clone()
                    .map_err(|f| format!("{} {}", f.sqlstate, f.message))
            })
            .collect();
        log.push(format!(
            "{label}: {calls:?} -> {cur:?}; reader saw {:?} in {} reads (slowest {:?})",
            self.observed, self.reads, self.slowest_read
        ));
        bad.extend(problems.into_iter().map(|b| format!("{label}: {b}")));
    }
}

/// Server activity, for a message when something hangs.
fn activity(db: &TestDb) -> String {
    let mut admin = connect(&admin_url());
    admin
        .query(
            "SELECT a.pid, a.state, a.wait_event_type, a.wait_event, left(a.query, 80), \
                    coalesce((SELECT string_agg(l.locktype || ' ' || l.mode || CASE WHEN l.granted THEN '' ELSE ' (waiting)' END, ', ') \
                                FROM pg_locks l WHERE l.pid = a.pid), '') \
               FROM pg_stat_activity a WHERE a.datname = $1",
            &[&db.name],
        )
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "pid {} {:?} wait {:?}/{:?} query {:?} locks [{}]",
                r.get::<_, i32>(0),
                r.get::<_, Option<String>>(1),
                r.get::<_, Option<String>>(2),
                r.get::<_, Option<String>>(3),
                r.get::<_, Option<String>>(4),
                r.get::<_, String>(5)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run `calls` at the same moment, each in a fresh connection, released by one barrier, while
/// a reader (statement_timeout 5s) polls migrate_current() and migrate_history() in one
/// statement until every call has returned.
fn race(db: &TestDb, calls: &[&str]) -> Round {
    let n = calls.len();
    let barrier = Arc::new(Barrier::new(n + 1));
    let done = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    for (i, call) in calls.iter().enumerate() {
        let (url, barrier, tx, call) = (
            db.url.clone(),
            barrier.clone(),
            tx.clone(),
            call.to_string(),
        );
        std::thread::spawn(move || {
            let mut c = connect(&url);
            barrier.wait();
            let r = c.query_one(call.as_str(), &[]);
            let lost = c.is_closed() || c.simple_query("SELECT 1").is_err();
            let outcome = match r {
                Ok(row) => Ok(row.get::<_, String>(0)),
                Err(e) => Err(Failure {
                    sqlstate: sqlstate(&e),
                    message: message(&e).0,
                    lost,
                }),
            };
            let _ = tx.send((i, outcome));
        });
    }
    drop(tx);
    let observed = Arc::new(Mutex::new((
        BTreeSet::new(),
        0usize,
        Vec::<String>::new(),
        Duration::ZERO,
    )));
    let reader = {
        let (url, barrier, done, observed) = (
            db.url.clone(),
            barrier.clone(),
            done.clone(),
            observed.clone(),
        );
        std::thread::spawn(move || {
            let mut c = connect(&url);
            c.batch_execute(&format!("SET statement_timeout = '{READER_TIMEOUT}'"))
                .unwrap();
            barrier.wait();
            let deadline = Instant::now() + ROUND_TIMEOUT;
            loop {
                let last = done.load(Ordering::SeqCst);
                let t = Instant::now();
                // STABLE functions in one statement share its snapshot: both must agree
                let r = c.query_one(
                    "SELECT coalesce((SELECT array_agg(r ORDER BY r) FROM migrate_current() r), '{}'), \
                            coalesce((SELECT array_agg(revision ORDER BY revision) FROM migrate_history() WHERE is_current), '{}')",
                    &[],
                );
                let took = t.elapsed();
                let mut o = observed.lock().unwrap();
                o.1 += 1;
                match r {
                    Ok(row) => {
                        let cur: Vec<String> = row.get(0);
                        let hist: Vec<String> = row.get(1);
                        if cur != hist {
                            o.2.push(format!(
                                "migrate_current() {cur:?} but migrate_history() marks {hist:?} current in the same snapshot"
                            ));
                        }
                        o.0.insert(cur);
                    }
                    Err(e) => o.2.push(format!(
                        "a read failed after {took:?}: {} {:?}",
                        sqlstate(&e),
                        message(&e)
                    )),
                }
                // a read that waited for a runner hits statement_timeout and fails above
                o.3 = o.3.max(took);
                drop(o);
                if last || Instant::now() > deadline {
                    break;
                }
            }
        })
    };
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let deadline = Instant::now() + ROUND_TIMEOUT;
    for _ in 0..n {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, o)) => outcomes[i] = Some(o),
            Err(_) => {
                done.store(true, Ordering::SeqCst);
                panic!(
                    "round hung for {ROUND_TIMEOUT:?} (calls {calls:?}, returned {outcomes:?}):\n{}",
                    activity(db)
                );
            }
        }
    }
    done.store(true, Ordering::SeqCst);
    reader.join().expect("reader thread");
    let (observed, reads, reader_problems, slowest_read) = Arc::try_unwrap(observed)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    Round {
        calls: calls
            .iter()
            .map(|s| s.to_string())
            .zip(outcomes.into_iter().map(Option::unwrap))
            .collect(),
        observed,
        reads,
        reader_problems,
        slowest_read,
    }
}

/// Run-log rows a successful call's result says it wrote.
fn logged_by(out: &str) -> i64 {
    if out.starts_with("already at ") {
        return 0;
    }
    if let Some(rest) = out.strip_prefix("stamped ") {
        let to = rest.rsplit(" -> ").next().unwrap();
        return if to == "base" {
            0
        } else {
            to.split(", ").count() as i64
        };
    }
    let n = out
        .rsplit_once('(')
        .and_then(|(_, t)| t.split(' ').next())
        .and_then(|t| t.parse().ok());
    n.unwrap_or_else(|| panic!("cannot read a step count from {out:?}"))
}

/// Where a successful call says the database ended.
fn ended_at(out: &str) -> Vec<String> {
    let to = if let Some(rest) = out.strip_prefix("already at ") {
        rest.trim_end_matches(": nothing to do")
    } else {
        let tail = out.rsplit(" -> ").next().unwrap();
        tail.split(" (").next().unwrap()
    };
    if to == "base" {
        return vec![];
    }
    let mut v: Vec<String> = to.split(", ").map(str::to_owned).collect();
    v.sort();
    v
}

/// Universal judgement of the calls of a round; `acceptable` says which failures fit.
fn judge_calls(round: &Round, acceptable: &dyn Fn(&str, &Failure) -> bool) -> Vec<String> {
    let mut bad = Vec::new();
    for (call, outcome) in &round.calls {
        if let Err(f) = outcome {
            if f.sqlstate == "40P01" {
                bad.push(format!("DEADLOCK in {call}: {}", f.message));
            } else if f.sqlstate == "XX000" {
                bad.push(format!("internal error XX000 in {call}: {}", f.message));
            } else if f.lost || f.sqlstate.starts_with("no SQLSTATE") {
                bad.push(format!("connection lost in {call}: {f:?}"));
            } else if f.message.trim().is_empty() {
                bad.push(format!("empty message from {call}: {f:?}"));
            } else if !acceptable(call, f) {
                bad.push(format!(
                    "{call} failed unexpectedly: {} {}",
                    f.sqlstate, f.message
                ));
            }
        }
    }
    bad.extend(round.reader_problems.iter().cloned());
    bad
}

/// The database is in a state the graph explains; returns migrate_current().
fn judge_state(c: &mut Client, bad: &mut Vec<String>) -> Vec<String> {
    let cur = current(c);
    if let Err(e) = c.query("SELECT * FROM migrate_plan('merge_search_and_trust')", &[]) {
        bad.push(format!(
            "at {cur:?} migrate_plan('merge_search_and_trust') fails: {} {:?}",
            sqlstate(&e),
            message(&e)
        ));
    }
    match c.query(
        "SELECT revision FROM migrate_history() WHERE is_current ORDER BY 1",
        &[],
    ) {
        Ok(rows) => {
            let marked: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
            if marked != cur {
                bad.push(format!(
                    "history marks {marked:?} current, alembic_version holds {cur:?}"
                ));
            }
        }
        Err(e) => bad.push(format!(
            "at {cur:?} migrate_history() fails: {} {:?}",
            sqlstate(&e),
            message(&e)
        )),
    }
    cur
}

/// Where only migrations ran: each revision is applied as many times as it was unapplied,
/// plus once if it is applied now.
fn judge_run_log_balance(c: &mut Client, bad: &mut Vec<String>) {
    let applied: BTreeSet<String> = c
        .query("SELECT revision FROM migrate_history() WHERE applied", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let net: BTreeMap<String, i64> = c
        .query(
            "SELECT revision, sum(CASE direction WHEN 'upgrade' THEN 1 WHEN 'downgrade' THEN -1 ELSE 0 END)::bigint \
               FROM security_migrate.run_log GROUP BY revision",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (rev, n) in &net {
        let want = i64::from(applied.contains(rev));
        if *n != want {
            bad.push(format!(
                "run log: {rev} applied {n} times net, but it is {}applied",
                if want == 1 { "" } else { "not " }
            ));
        }
    }
    for rev in &applied {
        if !net.contains_key(rev) {
            bad.push(format!("run log: {rev} is applied but was never logged"));
        }
    }
}

/// Compare the catalog with the oracle's snapshot for `cur` (the chain.md step it names).
fn judge_catalog(db: &TestDb, c: &mut Client, cur: &[String], bad: &mut Vec<String>) {
    let nn = match cur {
        [] => "00".to_owned(),
        [one] => match chain_order().into_iter().find(|(_, id)| id == one) {
            Some((nn, _)) => nn,
            None => {
                bad.push(format!("ended at {one}, which chain.md does not list"));
                return;
            }
        },
        more => {
            bad.push(format!("ended at several heads {more:?}"));
            return;
        }
    };
    if cur.is_empty() {
        // base: the empty version table stays behind; the spec accepts that
        let rows: i64 = c
            .query_one("SELECT count(*) FROM alembic_version", &[])
            .unwrap()
            .get(0);
        if rows != 0 {
            bad.push(format!("at base alembic_version has {rows} rows"));
        }
        c.batch_execute("DROP TABLE alembic_version").unwrap();
    }
    if let Err(d) = db.compare_with(&snapshot_path(&nn), nn != "53") {
        bad.push(format!(
            "ended at {cur:?} but the catalog is not snapshot {nn}:\n{d}"
        ));
    }
}

fn fail_if_any(kind: &str, log: &[String], bad: &[String]) {
    eprintln!("{kind}:\n{}", log.join("\n"));
    assert!(
        bad.is_empty(),
        "{kind}: {} problem(s):\n{}\n\nrounds:\n{}",
        bad.len(),
        bad.join("\n"),
        log.join("\n")
    );
}

/// Starting points for the rounds: linear points, a merge, base and head.
const STARTS: &[&str] = &[
    ENTITY,
    "base",
    "head",
    "add_time_series_partitioning",
    "add_zones_001",
    "d4cdaa821492",
];

#[test]
fn upgrade_head_against_downgrade_base_ends_at_one_of_them_with_the_oracle_catalog() {
    let db = TestDb::new("race_updown");
    let mut c = db.client();
    let mut bad = Vec::new();
    let mut log = Vec::new();
    for round in 0..ROUNDS {
        let start = STARTS[round % STARTS.len()];
        goto(&mut c, start);
        let start_state = current(&mut c);
        let log_before = run_log_rows(&mut c);
        let calls = if round % 2 == 0 {
            vec![
                "SELECT migrate_upgrade('merge_search_and_trust')",
                "SELECT migrate_downgrade('base')",
            ]
        } else {
            vec![
                "SELECT migrate_upgrade('merge_search_and_trust')",
                "SELECT migrate_downgrade('base')",
                "SELECT migrate_upgrade('merge_search_and_trust')",
                "SELECT migrate_downgrade('base')",
            ]
        };
        let r = race(&db, &calls);
        // from any state both are valid: nothing may fail
        let mut round_bad = judge_calls(&r, &|_, _| false);
        let cur = judge_state(&mut c, &mut round_bad);
        let claimed: i64 = r
            .calls
            .iter()
            .filter_map(|(_, o)| o.as_ref().ok())
            .map(|o| logged_by(o))
            .sum();
        let logged = run_log_rows(&mut c) - log_before;
        if logged != claimed {
            round_bad.push(format!(
                "the calls reported {claimed} steps but the run log grew by {logged}"
            ));
        }
        if cur != [HEAD.to_owned()] && !cur.is_empty() {
            round_bad.push(format!("ended at {cur:?}, neither head nor base"));
        }
        let allowed: BTreeSet<Vec<String>> =
            [start_state.clone(), vec![HEAD.to_owned()], vec![]].into();
        for seen in &r.observed {
            if !allowed.contains(seen) {
                round_bad.push(format!("a reader saw {seen:?}, a state no call committed"));
            }
        }
        judge_run_log_balance(&mut c, &mut round_bad);
        judge_catalog(&db, &mut c, &cur, &mut round_bad);
        r.record(
            &format!("round {round} (from {start})"),
            &cur,
            round_bad,
            &mut log,
            &mut bad,
        );
    }
    fail_if_any("upgrade vs downgrade", &log, &bad);
}

#[test]
fn upgrade_head_downgrade_base_and_upgrade_to_entity_model_at_once_end_consistent() {
    let db = TestDb::new("race_three");
    let mut c = db.client();
    let mut bad = Vec::new();
    let mut log = Vec::new();
    let starts = ["base", "add_zones_001", ENTITY, "head"];
    for round in 0..ROUNDS {
        let start = starts[round % starts.len()];
        goto(&mut c, start);
        let start_state = current(&mut c);
        let log_before = run_log_rows(&mut c);
        let calls = [
            "SELECT migrate_upgrade('merge_search_and_trust')",
            "SELECT migrate_downgrade('base')",
            "SELECT migrate_upgrade('add_entity_model')",
        ];
        let r = race(&db, &calls);
        // only the upgrade to add_entity_model can be in the wrong direction, when it runs
        // after the one to head
        let mut round_bad = judge_calls(&r, &|call, f| {
            call.contains(ENTITY)
                && f.sqlstate == "22023"
                && f.message.contains("below where the database is")
        });
        let cur = judge_state(&mut c, &mut round_bad);
        let claimed: i64 = r
            .calls
            .iter()
            .filter_map(|(_, o)| o.as_ref().ok())
            .map(|o| logged_by(o))
            .sum();
        let logged = run_log_rows(&mut c) - log_before;
        if logged != claimed {
            round_bad.push(format!(
                "the calls reported {claimed} steps but the run log grew by {logged}"
            ));
        }
        let ends: BTreeSet<Vec<String>> =
            [vec![HEAD.to_owned()], vec![], vec![ENTITY.to_owned()]].into();
        for seen in &r.observed {
            if !ends.contains(seen) && *seen != start_state {
                round_bad.push(format!("a reader saw {seen:?}, a state no call committed"));
            }
        }
        if !ends.contains(&cur) {
            round_bad.push(format!("ended at {cur:?}, not head, base or {ENTITY}"));
        }
        judge_run_log_balance(&mut c, &mut round_bad);
        judge_catalog(&db, &mut c, &cur, &mut round_bad);
        r.record(
            &format!("round {round} (from {start})"),
            &cur,
            round_bad,
            &mut log,
            &mut bad,
        );
    }
    fail_if_any("three-way", &log, &bad);
}

#[test]
fn stamps_racing_upgrades_and_downgrades_leave_a_valid_state_and_clear_errors() {
    let stamps = [
        ENTITY,
        "head",
        "base",
        "add_zones_001",
        "add_time_series_partitioning",
        "heads",
    ];
    let starts = [ENTITY, "base", "head", "add_zones_001"];
    let mut bad = Vec::new();
    let mut log = Vec::new();
    for round in 0..ROUNDS {
        // a stamp can leave the catalog and alembic_version apart: a fresh database each round
        let db = TestDb::new("race_stamp");
        let mut c = db.client();
        let start = starts[round % starts.len()];
        let stamp = stamps[round % stamps.len()];
        goto(&mut c, start);
        let start_state = current(&mut c);
        let log_before = run_log_rows(&mut c);
        let stamp_call = format!("SELECT migrate_stamp('{stamp}')");
        let calls = [
            "SELECT migrate_upgrade('merge_search_and_trust')",
            "SELECT migrate_downgrade('base')",
            "SELECT migrate_upgrade('add_entity_model')",
            stamp_call.as_str(),
        ];
        let r = race(&db, &calls);
        // after a stamp, migrations may meet a catalog that is not where alembic_version says:
        // PostgreSQL's own error, naming the revision; or a target in the wrong direction
        let mut round_bad = judge_calls(&r, &|call, f| {
            let planner = f.sqlstate == "22023"
                && (f.message.contains("below where the database is")
                    || f.message.contains("not applied"));
            let migration = !call.contains("migrate_stamp")
                && !["55000", "55P03", "57014"].contains(&f.sqlstate.as_str())
                && (f.message.starts_with("upgrade of revision ")
                    || f.message.starts_with("downgrade of revision "));
            planner || migration
        });
        let cur = judge_state(&mut c, &mut round_bad);
        let claimed: i64 = r
            .calls
            .iter()
            .filter_map(|(_, o)| o.as_ref().ok())
            .map(|o| logged_by(o))
            .sum();
        let logged = run_log_rows(&mut c) - log_before;
        if logged != claimed {
            round_bad.push(format!(
                "the calls reported {claimed} run-log rows but the run log grew by {logged}"
            ));
        }
        // every state a reader saw, and the end, is one some call committed
        let mut committed: BTreeSet<Vec<String>> = [start_state.clone()].into();
        for (_, o) in &r.calls {
            if let Ok(out) = o {
                committed.insert(ended_at(out));
            }
        }
        for seen in &r.observed {
            if !committed.contains(seen) {
                round_bad.push(format!(
                    "a reader saw {seen:?}, which no call committed ({committed:?})"
                ));
            }
        }
        if !committed.contains(&cur) {
            round_bad.push(format!("ended at {cur:?}, which no call committed"));
        }
        r.record(
            &format!("round {round} (from {start}, stamp {stamp})"),
            &cur,
            round_bad,
            &mut log,
            &mut bad,
        );
    }
    fail_if_any("with stamps", &log, &bad);
}

/// A session that reads like a monitoring client: it refuses to wait.
fn reader(db: &TestDb) -> Client {
    let mut b = db.client();
    b.batch_execute(&format!("SET statement_timeout = '{READER_TIMEOUT}'"))
        .unwrap();
    b
}

/// What a reader sees: migrate_current(), the applied revisions by migrate_history(), the
/// number of steps migrate_plan('merge_search_and_trust') would take; and how long the three reads took.
fn read_all(b: &mut Client) -> ((Vec<String>, usize, usize), Duration) {
    let t = Instant::now();
    let cur = current(b);
    let applied = b
        .query("SELECT * FROM migrate_history() WHERE applied", &[])
        .unwrap_or_else(|e| panic!("migrate_history: {} {:?}", sqlstate(&e), message(&e)))
        .len();
    let plan = b
        .query("SELECT * FROM migrate_plan('merge_search_and_trust')", &[])
        .unwrap_or_else(|e| panic!("migrate_plan: {} {:?}", sqlstate(&e), message(&e)))
        .len();
    ((cur, applied, plan), t.elapsed())
}

#[test]
fn readers_see_the_old_state_at_once_while_an_upgrade_or_downgrade_is_uncommitted() {
    for (start, call, end) in [
        (
            "base",
            "SELECT migrate_upgrade('merge_search_and_trust')",
            vec![HEAD.to_owned()],
        ),
        (
            "add_zones_001",
            "SELECT migrate_upgrade('merge_search_and_trust')",
            vec![HEAD.to_owned()],
        ),
        ("head", "SELECT migrate_downgrade('base')", vec![]),
        (
            "head",
            "SELECT migrate_downgrade('add_zones_001')",
            vec!["add_zones_001".to_owned()],
        ),
    ] {
        for commit in [true, false] {
            let db = TestDb::new("readers");
            let mut a = db.client();
            goto(&mut a, start);
            let mut b = reader(&db);
            let (old, _) = read_all(&mut b);
            let a_pid: i32 = a.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
            a.batch_execute("BEGIN").unwrap();
            let out: String = a.query_one(call, &[]).unwrap().get(0);
            assert!(!out.starts_with("already"), "{out}");
            // A is done running but has not committed
            let state: String = b
                .query_one(
                    "SELECT state FROM pg_stat_activity WHERE pid = $1",
                    &[&a_pid],
                )
                .unwrap()
                .get(0);
            assert_eq!(state, "idle in transaction");
            for _ in 0..5 {
                let (seen, took) = read_all(&mut b);
                assert_eq!(
                    seen, old,
                    "from {start}, {call} uncommitted: a reader must see the old state"
                );
                assert!(
                    took < Duration::from_secs(4),
                    "reads waited {took:?} behind an uncommitted {call}"
                );
            }
            let (_, history_at_once) = {
                let t = Instant::now();
                let n = b
                    .query("SELECT * FROM migrate_history('base:head')", &[])
                    .unwrap()
                    .len();
                (n, t.elapsed())
            };
            assert!(history_at_once < Duration::from_secs(4));
            if commit {
                a.batch_execute("COMMIT").unwrap();
                let ((cur, applied, plan), _) = read_all(&mut b);
                assert_eq!(cur, end, "after COMMIT the reader sees the new state");
                if end == [HEAD.to_owned()] {
                    assert_eq!((applied, plan), (53, 0));
                    db.compare_with(&snapshot_path("53"), false)
                        .unwrap_or_else(|d| panic!("{d}"));
                }
            } else {
                a.batch_execute("ROLLBACK").unwrap();
                let (seen, _) = read_all(&mut b);
                assert_eq!(seen, old, "after ROLLBACK nothing changed");
            }
        }
    }
}

/// Poll (bounded) until `cond` holds; short sleeps between polls.
fn wait_until(what: &str, db: &TestDb, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what}:\n{}",
            activity(db)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn readers_do_not_wait_for_a_runner_stuck_mid_chain_nor_see_its_half_applied_steps() {
    let db = TestDb::new("midchain");
    let mut setup = db.client();
    goto(&mut setup, "add_zones_001");
    // C holds the table that add_baselines (step 2 from here) references
    let mut blocker = db.client();
    blocker
        .batch_execute("BEGIN; LOCK TABLE cameras IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let mut admin = db.client();
    let spawn_runner = |call: &'static str| {
        let url = db.url.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut c = connect(&url);
            let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
            tx.send(Ok(pid)).unwrap();
            let r = c
                .query_one(call, &[])
                .map(|r| r.get::<_, String>(0))
                .map_err(|e| format!("{} {:?}", sqlstate(&e), message(&e)));
            tx.send(Err(r)).unwrap();
        });
        let pid = match rx.recv().unwrap() {
            Ok(pid) => pid,
            Err(r) => panic!("{r:?}"),
        };
        (pid, rx)
    };
    let waiting_for_lock = |admin: &mut Client, pid: i32, locktype: &str| -> bool {
        admin
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted AND locktype = $2)",
                &[&pid, &locktype],
            )
            .unwrap()
            .get(0)
    };
    // A: applies add_audit_logs, then waits for cameras inside add_baselines
    let (a_pid, a_rx) = spawn_runner("SELECT migrate_upgrade('merge_search_and_trust')");
    wait_until("the runner waits for cameras", &db, || {
        waiting_for_lock(&mut admin, a_pid, "relation")
    });
    // D: a second runner queues on the runner lock
    let (d_pid, d_rx) = spawn_runner("SELECT migrate_upgrade('merge_search_and_trust')");
    wait_until("the second runner waits for the runner lock", &db, || {
        waiting_for_lock(&mut admin, d_pid, "advisory")
    });
    // B: readers answer at once with the state before A, never A's first step
    let mut b = reader(&db);
    for _ in 0..20 {
        let ((cur, applied, plan), took) = read_all(&mut b);
        assert_eq!(cur, ["add_zones_001"], "half-applied state visible");
        assert_eq!((applied, plan), (4, 49));
        assert!(took < Duration::from_secs(4), "reads waited {took:?}");
        let audit: bool = b
            .query_one("SELECT to_regclass('public.audit_logs') IS NULL", &[])
            .unwrap()
            .get(0);
        assert!(
            audit,
            "add_audit_logs' table visible before the runner commits"
        );
    }
    // both runners still where they were: the reads neither waited nor disturbed them
    assert!(waiting_for_lock(&mut admin, a_pid, "relation"));
    assert!(waiting_for_lock(&mut admin, d_pid, "advisory"));
    blocker.batch_execute("COMMIT").unwrap();
    let a_out = match a_rx.recv_timeout(ROUND_TIMEOUT).expect("runner A hung") {
        Err(r) => r,
        Ok(_) => unreachable!(),
    };
    let d_out = match d_rx.recv_timeout(ROUND_TIMEOUT).expect("runner D hung") {
        Err(r) => r,
        Ok(_) => unreachable!(),
    };
    assert_eq!(
        a_out.as_deref(),
        Ok("upgraded public: add_zones_001 -> merge_search_and_trust (49 steps)")
    );
    assert_eq!(
        d_out.as_deref(),
        Ok("already at merge_search_and_trust: nothing to do"),
        "the runner that waited reads the state after the lock"
    );
    let ((cur, applied, plan), _) = read_all(&mut b);
    assert_eq!((cur, applied, plan), (vec![HEAD.to_owned()], 53, 0));
    db.compare_with(&snapshot_path("53"), false)
        .unwrap_or_else(|d| panic!("{d}"));
}
