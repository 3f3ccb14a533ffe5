//! Bad input, through a real client: a corpus of malformed, unknown, NULL, hostile and
//! wrong-direction arguments to every function that takes one, run against a database at an
//! intermediate revision and against one at base; and version tables the graph cannot explain.
//! Every case must be an ERROR with a fitting SQLSTATE (never XX000, never a lost connection),
//! a message a person understands, and must change nothing.

use postgres::types::ToSql;
use security_migrate_e2e::*;

/// SQLSTATEs a bad argument or an unexplainable state may give (README, "Errors").
const ALLOWED: &[&str] = &["22004", "22023", "42704", "55000", "0A000", "3F000"];

/// Words of which a helpful message has at least one, when it does not quote the input.
const HELPFUL: &[&str] = &[
    "revision",
    "spec",
    "range",
    "step",
    "NULL",
    "base",
    "head",
    "applied",
    "ambiguous",
    "prefix",
    "branch",
    "walk",
    "depend",
    "alembic_version",
    "transaction",
    "schema",
    "parameter",
];

/// Fragments that only an internal failure shows a user.
const INTERNAL: &[&str] = &[
    "SPI failed",
    "panicked",
    "unwrap()",
    "Option::",
    "Result::",
    "pgrx_pg_sys",
    "RUST_BACKTRACE",
    "stack backtrace",
    "internal error",
];

const UNKNOWN: &[&str] = &["42704"];
const INVALID: &[&str] = &["22023"];
const NULLS: &[&str] = &["22004"];
const BAD_STATE: &[&str] = &["55000"];

/// Functions that take a revision spec (or a history range).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Func {
    Upgrade,
    Downgrade,
    Stamp,
    Show,
    Plan,
    /// `migrate_sql(spec)`, from base.
    SqlTarget,
    /// `migrate_sql('head', spec)`.
    SqlFrom,
    History,
    /// `migrate_effects(revision)`: ids and prefixes only
    Effects,
}

/// Every position that takes a revision spec.
const SPEC_POSITIONS: [Func; 7] = [
    Func::Upgrade,
    Func::Downgrade,
    Func::Stamp,
    Func::Show,
    Func::Plan,
    Func::SqlTarget,
    Func::SqlFrom,
];

impl Func {
    fn sql(self) -> &'static str {
        match self {
            Func::Upgrade => "SELECT migrate_upgrade($1::text)",
            Func::Downgrade => "SELECT migrate_downgrade($1::text)",
            Func::Stamp => "SELECT migrate_stamp($1::text)",
            Func::Show => "SELECT * FROM migrate_show($1::text)",
            Func::Plan => "SELECT * FROM migrate_plan($1::text)",
            Func::SqlTarget => "SELECT migrate_sql($1::text)",
            Func::SqlFrom => "SELECT migrate_sql('head', $1::text)",
            Func::History => "SELECT * FROM migrate_history($1::text)",
            Func::Effects => "SELECT * FROM migrate_effects($1::text)",
        }
    }
}

/// One bad call: the statement, its parameters, the SQLSTATEs that fit, and optionally a
/// fragment the message or hint must contain.
struct Case {
    sql: String,
    args: Vec<Option<String>>,
    codes: &'static [&'static str],
    needle: Option<&'static str>,
}

impl Case {
    fn call(
        f: Func,
        arg: &str,
        codes: &'static [&'static str],
        needle: Option<&'static str>,
    ) -> Case {
        Case {
            sql: f.sql().to_owned(),
            args: vec![Some(arg.to_owned())],
            codes,
            needle,
        }
    }

    fn raw(
        sql: &str,
        args: &[Option<&str>],
        codes: &'static [&'static str],
        needle: Option<&'static str>,
    ) -> Case {
        Case {
            sql: sql.to_owned(),
            args: args.iter().map(|a| a.map(str::to_owned)).collect(),
            codes,
            needle,
        }
    }

    fn label(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| match a {
                None => "NULL".to_owned(),
                Some(s) if s.chars().count() > 48 => {
                    let head: String = s.chars().take(16).collect();
                    format!("{head:?}… ({} bytes)", s.len())
                }
                Some(s) => format!("{s:?}"),
            })
            .collect();
        format!("{} with [{}]", self.sql, args.join(", "))
    }
}

/// Specs no function may accept anywhere: syntax errors, hostile text, and walks that leave
/// the graph whatever the database's position. SQLSTATE 22023 (malformed / not reachable).
fn malformed_specs() -> Vec<String> {
    let mut v: Vec<String> = [
        // empty and whitespace
        "",
        " ",
        "\t",
        "\n",
        "\r\n",
        "   \t  ",
        // '@' misuse
        "@",
        "a@@b",
        "@head",
        "head@",
        "968b@head@head",
        "-1@-1",
        "head@-0",
        "base@-1",
        "heads@head",
        "current@head",
        "968b0dff6a9b@-x",
        "968b0dff6a9b@+0",
        // relative-step syntax
        "+",
        "-",
        "-0",
        "+0",
        "a+-1",
        "968b0dff6a9b+-1",
        "+-1",
        "--1",
        "++1",
        "+1.5",
        "-1e3",
        "+ 1",
        "+0x10",
        "+99999999999999999999999",
        "-99999999999999999999999",
        "-18446744073709551616",
        // unicode
        "é",
        "ß",
        "🔥",
        "héad",
        "ｈｅａｄ",
        "+²",
        "-٣",
        "+１",
        "head\u{200b}",
        "\u{feff}head",
        "968b0dff6a9b\u{301}",
        // control characters (NUL cannot be in a text value)
        "\u{1}",
        "\u{7f}",
        "\u{1b}[31mhead",
        "head\u{8}\u{8}\u{8}\u{8}base",
        // injection attempts and quoting
        "x'; DROP TABLE cameras; --",
        "'); DROP TABLE alembic_version; --",
        "head'; DELETE FROM alembic_version; --",
        "$$",
        "$$; DROP TABLE cameras; $$",
        "'",
        "''",
        "\"",
        "\"head\"",
        "\\",
        "head\\",
        "head; SELECT 1",
        "1 OR 1=1",
        "$1",
        "%",
        "add_%",
        "*",
        ".*",
        "<rev>@-1",
        "head head",
        "head,base",
        "(head)",
        // ':' belongs to history ranges only
        ":",
        "a:b",
        "base:head",
        // walks off the graph from any position
        "repair_partitioned_tables+1",
        "head+1",
        "heads+1",
        "968b0dff6a9b-2",
        "968b0dff6a9b-3",
        "add_zones_001-99",
        "add_zones_001@-99",
        "+99",
        "-99",
        "+4294967296",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(10_000));
    v.push("é".repeat(5_000));
    v.push("head".repeat(2_500));
    v
}

/// Names that are well formed but name nothing in this graph. SQLSTATE 42704.
fn unknown_specs() -> Vec<String> {
    [
        // prefixes of length 1-3 of real ids
        "9",
        "96",
        "968",
        "a",
        "ad",
        "add",
        "2",
        "20",
        "202",
        "1c4",
        // ids of another project
        "ae1027a6acf",
        "head_of_other",
        "1975ea83b712",
        "other_project@head",
        "ae1027a6acf@head",
        // near misses
        "HEAD",
        "Head",
        "BASE",
        "NULL",
        "null",
        "968B0DFF6A9B",
        "968b0dff6a9c",
        "968b0dff6a9b0",
        "add_zones_002",
        "zzzz",
        "____",
        "0000",
        "merge_search_and_trust_x",
        "zzzz+1",
        "zzzz-1",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "9999999999999999999999999999999999999999+1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Prefixes that match several revisions: 22023 with the candidates in the HINT.
const AMBIGUOUS: &[&str] = &["add_", "add_a", "add_p", "fix_", "add_d"];

/// The cases whose outcome does not depend on where the database is.
fn stateless_corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    for spec in malformed_specs() {
        for f in SPEC_POSITIONS {
            cases.push(Case::call(f, &spec, INVALID, None));
        }
        // migrate_effects takes only an id or a prefix: anything else names no revision
        cases.push(Case::call(Func::Effects, &spec, &["22023", "42704"], None));
    }
    for spec in unknown_specs() {
        for f in SPEC_POSITIONS.iter().chain(&[Func::Effects]) {
            cases.push(Case::call(*f, &spec, UNKNOWN, Some("no revision")));
        }
    }
    for spec in AMBIGUOUS {
        for f in SPEC_POSITIONS.iter().chain(&[Func::Effects]) {
            cases.push(Case::call(*f, spec, INVALID, Some("matches")));
        }
    }
    // an unknown revision behind '@-1': unknown, or refused as a step in the wrong direction
    for f in SPEC_POSITIONS.iter().chain(&[Func::Effects]) {
        cases.push(Case::call(*f, "zzzz@-1", &["42704", "22023"], None));
    }
    // NULL for every argument that is one
    for (sql, args) in [
        ("SELECT migrate_upgrade($1::text)", vec![None]),
        ("SELECT migrate_upgrade(NULL)", vec![]),
        ("SELECT migrate_downgrade($1::text)", vec![None]),
        ("SELECT migrate_downgrade(NULL)", vec![]),
        ("SELECT migrate_stamp($1::text)", vec![None]),
        ("SELECT migrate_stamp(NULL)", vec![]),
        ("SELECT * FROM migrate_show($1::text)", vec![None]),
        ("SELECT * FROM migrate_plan($1::text)", vec![None]),
        ("SELECT migrate_sql($1::text)", vec![None]),
        ("SELECT migrate_sql($1::text, $2::text)", vec![None, None]),
        (
            "SELECT migrate_sql($1::text, $2::text)",
            vec![None, Some("968b0dff6a9b")],
        ),
        (
            "SELECT migrate_sql($1::text, $2::text)",
            vec![None, Some("zzzz")],
        ),
        ("SELECT migrate_sql(NULL, NULL)", vec![]),
        ("SELECT migrate_upgrade(NULL::varchar)", vec![]),
    ] {
        cases.push(Case::raw(sql, &args, NULLS, Some("must not be NULL")));
    }
    // history ranges
    let mut ranges: Vec<String> = [
        "head",
        "base",
        "968b0dff6a9b",
        "a:b:c",
        "968b:add_zones_001:x",
        "::",
        ":::",
        "base:head:",
        ":base:head",
        "zzzz:",
        ":zzzz",
        "9:",
        ":96",
        "968:head",
        "ae1027a6acf:",
        ":head_of_other",
        "HEAD:",
        ":BASE",
        "add_:",
        ":add_",
        "merge_search_and_trust:968b0dff6a9b",
        "add_zones_001:968b0dff6a9b",
        "head:base",
        "heads:968b0dff6a9b",
        "add_prompt_versions:add_zones_001",
        "-99:",
        ":+99",
        "repair_partitioned_tables+1:",
        ":968b0dff6a9b-2",
        "x'; DROP TABLE cameras; --:",
        ":x'; DROP TABLE cameras; --",
        "$$:$$",
        "é:",
        ":🔥",
        "\u{1}:",
        "head :base",
        "NULL:",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // an empty range is an error like every other empty spec (NULL means the whole history)
    ranges.push(String::new());
    ranges.push(" ".into());
    ranges.push(format!("{}:", "x".repeat(10_000)));
    ranges.push(format!(":{}", "z".repeat(10_000)));
    for m in malformed_specs() {
        if !m.contains(':') && !m.trim().is_empty() && m.len() < 100 {
            ranges.push(format!("{m}:head"));
            ranges.push(format!("base:{m}"));
        }
    }
    for r in ranges {
        let codes: &'static [&'static str] = &["22023", "42704"];
        cases.push(Case::call(Func::History, &r, codes, None));
    }
    // migrate_sql's from_revision with a bad target
    for (t, from) in [
        ("head", "repair_partitioned_tables+1"),
        ("", "head"),
        ("zzzz", "head"),
        ("head", "zzzz"),
        ("head", ""),
        ("968", "9"),
        ("x'; DROP TABLE cameras; --", "head"),
    ] {
        cases.push(Case::raw(
            "SELECT migrate_sql($1::text, $2::text)",
            &[Some(t), Some(from)],
            &["22023", "42704"],
            None,
        ));
    }
    cases
}

/// Where a corpus database stands.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Position {
    /// at add_zones_001 (04), a linear point after a branch point
    Mid,
    /// nothing applied
    Base,
}

/// Cases that are wrong because of where the database is: steps past base or head from
/// there, and targets in the wrong direction.
fn positional_corpus(at: Position) -> Vec<Case> {
    use Func::*;
    let mut cases = Vec::new();
    let mut add = |f: Func, spec: &str, needle: Option<&'static str>| {
        cases.push(Case::call(f, spec, INVALID, needle))
    };
    match at {
        Position::Mid => {
            // upgrade to an applied ancestor, or downward
            for spec in [
                "968b0dff6a9b",
                "20251228_fts",
                "add_alerts_rules",
                "968b",
                "2025",
                "base",
                "base+1",
                "968b+2",
                "current-1",
            ] {
                add(Upgrade, spec, Some("below where the database is"));
            }
            add(Upgrade, "-1", Some("migrate_downgrade"));
            add(Upgrade, "-4", None);
            add(Upgrade, "-5", None);
            add(Upgrade, "add_zones_001@-1", Some("migrate_downgrade"));
            add(Upgrade, "add_zones_001@-9", None);
            add(Upgrade, "+54", None);
            // downgrade to something not applied, or upward
            for spec in [
                "head",
                "heads",
                "merge_search_and_trust",
                "add_audit_logs",
                "add_baselines-1",
                "add_prompt_version_uq",
                "add_prompt_versions",
                "1c42824dcb07",
                "d4cdaa821492",
                "add_zones_001+1",
            ] {
                add(Downgrade, spec, Some("not applied"));
            }
            add(Downgrade, "+1", Some("migrate_upgrade"));
            add(Downgrade, "current+1", None);
            add(Downgrade, "-5", Some("past base"));
            add(Downgrade, "add_zones_001@-5", Some("past base"));
            add(Downgrade, "add_audit_logs@-1", Some("not applied"));
            add(Downgrade, "merge_search_and_trust@-1", Some("not applied"));
            add(Downgrade, "968b0dff6a9b@-1", Some("depend"));
            add(Downgrade, "20251228_fts@-1", Some("depend"));
            add(Downgrade, "add_alerts_rules@-1", Some("depend"));
            // stamp, show, plan: relative walks off the graph from here
            for f in [Stamp, Show, Plan] {
                add(f, "-5", Some("past base"));
                add(f, "current-5", Some("past base"));
                add(f, "add_zones_001@-5", Some("past base"));
            }
            add(Show, "base", Some("exactly one"));
            add(Plan, "968b0dff6a9b@-1", Some("depend"));
            add(Plan, "add_audit_logs@-1", Some("not applied"));
            // history ranges that are reversed from here
            for r in [
                "current:968b0dff6a9b",
                "current:base",
                "add_zones_001:add_alerts_rules",
                "current-5:",
                ":current+99",
            ] {
                cases.push(Case::call(History, r, INVALID, None));
            }
        }
        Position::Base => {
            add(Upgrade, "-1", Some("migrate_downgrade"));
            add(Upgrade, "968b0dff6a9b@-1", None);
            add(Upgrade, "current-1", None);
            for spec in [
                "head",
                "heads",
                "968b0dff6a9b",
                "968b",
                "add_zones_001",
                "merge_search_and_trust",
                "1c42824dcb07",
                "base+1",
                "current+1",
            ] {
                add(Downgrade, spec, Some("not applied"));
            }
            add(Downgrade, "+1", Some("migrate_upgrade"));
            add(Downgrade, "-1", None);
            add(Downgrade, "968b0dff6a9b@-1", Some("not applied"));
            add(Downgrade, "add_zones_001@-1", Some("not applied"));
            for f in [Stamp, Show, Plan] {
                add(f, "-1", None);
                add(f, "current-1", None);
            }
            add(Show, "current", Some("exactly one"));
            add(Show, "base", Some("exactly one"));
            add(Plan, "968b0dff6a9b@-1", None);
            for r in ["current-1:", ":current-1", "current-1:head"] {
                cases.push(Case::call(History, r, INVALID, None));
            }
        }
    }
    cases
}

/// What must not change when a call fails.
#[derive(Debug, PartialEq)]
struct Fingerprint {
    /// migrate_current(), or the SQLSTATE it failed with
    current: Result<Vec<String>, String>,
    /// alembic_version's rows whatever its shape, rows in security_migrate.run_log (both
    /// NULL when the table does not exist), a digest of the catalog (relations and their
    /// column counts, types, constraints, functions, schemas, extensions), the advisory locks
    /// this session still holds, and its search_path and lock_timeout
    state: Vec<Option<String>>,
}

impl Fingerprint {
    fn run_log(&self) -> Option<i64> {
        self.state[1].as_ref().map(|n| n.parse().unwrap())
    }
    fn catalog(&self) -> &str {
        self.state[2].as_deref().unwrap()
    }
}

const FINGERPRINT: &str = "\
SELECT CASE WHEN to_regclass('public.alembic_version') IS NOT NULL THEN
         (xpath('/row/v/text()', query_to_xml(
            'SELECT coalesce(string_agg(to_jsonb(a)::text, '' | '' ORDER BY to_jsonb(a)::text), ''(empty)'') AS v
               FROM public.alembic_version a', false, true, '')))[1]::text END,
       CASE WHEN to_regclass('security_migrate.run_log') IS NOT NULL THEN
         (xpath('/row/n/text()', query_to_xml(
            'SELECT count(*) AS n FROM security_migrate.run_log', false, true, '')))[1]::text END,
       (SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
          SELECT 'rel ' || n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relnatts AS x
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname IN ('public', 'security_migrate')
          UNION ALL
          SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public'
          UNION ALL
          SELECT 'con ' || co.conname FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
           WHERE n.nspname = 'public'
          UNION ALL
          SELECT 'proc ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public'
          UNION ALL
          SELECT 'ns ' || nspname FROM pg_namespace
          UNION ALL
          SELECT 'ext ' || extname FROM pg_extension) s),
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())::text,
       current_setting('search_path'),
       current_setting('lock_timeout')";

fn fingerprint(c: &mut Client) -> Fingerprint {
    let current = c
        .query("SELECT * FROM migrate_current()", &[])
        .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
        .map_err(|e| sqlstate(&e));
    let row = c.query_one(FINGERPRINT, &[]).unwrap();
    Fingerprint {
        current,
        state: (0..row.len()).map(|i| row.get(i)).collect(),
    }
}

/// Does the error read like something a person can act on? Returns what is wrong with it.
fn judge_error(
    e: &postgres::Error,
    input: Option<&str>,
    codes: &[&str],
    needle: Option<&str>,
) -> Vec<String> {
    let mut bad = Vec::new();
    let state = sqlstate(e);
    if state == "XX000" {
        bad.push("internal error XX000".to_owned());
    }
    if !codes.contains(&state.as_str()) {
        bad.push(format!("SQLSTATE {state}, expected one of {codes:?}"));
    }
    let Some(db) = e.as_db_error() else {
        bad.push(format!("not a server error: {e}"));
        return bad;
    };
    let msg = db.message();
    let hint = db.hint().unwrap_or("");
    let detail = db.detail().unwrap_or("");
    if msg.trim().is_empty() {
        bad.push("empty message".to_owned());
    }
    if msg.len() > 600 {
        bad.push(format!(
            "message of {} bytes (echoes the input?)",
            msg.len()
        ));
    }
    if hint.len() > 4000 || detail.len() > 4000 {
        bad.push("HINT or DETAIL over 4000 bytes".to_owned());
    }
    for part in [msg, hint, detail] {
        if let Some(f) = INTERNAL.iter().find(|f| part.contains(*f)) {
            bad.push(format!("shows internals ({f:?})"));
        }
    }
    let quotes_input = input.is_some_and(|i| {
        let i = i.trim();
        !i.is_empty() && i.len() <= 64 && msg.contains(i)
    });
    if !quotes_input && !HELPFUL.iter().any(|w| msg.contains(w)) {
        bad.push("message neither quotes the input nor says what is wrong".to_owned());
    }
    if input.is_none() && state == "22004" && !msg.contains("NULL") {
        bad.push("a NULL error that does not say NULL".to_owned());
    }
    if let Some(n) = needle {
        if !msg.contains(n) && !hint.contains(n) {
            bad.push(format!("neither message nor hint contains {n:?}"));
        }
    }
    if !bad.is_empty() {
        bad.push(format!("message {msg:?}, hint {hint:?}"));
    }
    bad
}

/// Put the database back where `before` says it was, after a case wrongly changed it: by
/// migrations when the catalog moved, by a stamp when only alembic_version did.
fn restore(db: &TestDb, before: &Fingerprint) {
    let mut c = db.client();
    let Ok(target) = &before.current else { return };
    if fingerprint(&mut c).catalog() == before.catalog() {
        let spec = target.first().cloned().unwrap_or_else(|| "base".to_owned());
        let _ = c.query("SELECT migrate_stamp($1::text)", &[&spec]);
    } else if target.is_empty() {
        let _ = c.query("SELECT migrate_downgrade('base')", &[]);
    } else if c
        .query("SELECT migrate_downgrade($1::text)", &[&target[0]])
        .is_err()
    {
        let _ = c.query("SELECT migrate_upgrade($1::text)", &[&target[0]]);
    }
}

/// A connection, waiting (bounded) for the server to accept one again after a crash.
fn reconnect(db: &TestDb) -> Client {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match Client::connect(&db.url, NoTls) {
            Ok(c) => return c,
            Err(e) if std::time::Instant::now() > deadline => panic!("server gone: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
        }
    }
}

/// Run every case on one connection; returns the problems found, one line each.
fn run_corpus(db: &TestDb, cases: &[Case]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut c = db.client();
    // the state after one case is the state before the next
    let mut before = fingerprint(&mut c);
    for case in cases {
        let params: Vec<&(dyn ToSql + Sync)> =
            case.args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        let result = c.query(case.sql.as_str(), &params);
        if c.is_closed() || c.simple_query("SELECT 1").is_err() {
            problems.push(format!(
                "{}: connection lost ({:?})",
                case.label(),
                result.err()
            ));
            c = reconnect(db);
            before = fingerprint(&mut c);
            continue;
        }
        match &result {
            Ok(rows) => problems.push(format!(
                "{}: accepted ({} rows{})",
                case.label(),
                rows.len(),
                rows.first()
                    .and_then(|r| r.try_get::<_, String>(0).ok())
                    .map(|s| format!(", first: {:?}", s.chars().take(120).collect::<String>()))
                    .unwrap_or_default()
            )),
            Err(e) => {
                let input = case.args.last().and_then(|a| a.as_deref());
                let bad = judge_error(e, input, case.codes, case.needle);
                if !bad.is_empty() {
                    problems.push(format!("{}: {}", case.label(), bad.join("; ")));
                }
            }
        }
        let after = fingerprint(&mut c);
        if after != before {
            problems.push(format!(
                "{}: changed the database: before {before:?}, after {after:?}",
                case.label()
            ));
            restore(db, &before);
            before = fingerprint(&mut c);
        } else {
            before = after;
        }
    }
    problems
}

fn report(what: &str, total: usize, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s) in {total} cases:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_corpus_is_large_and_covers_every_function() {
    let stateless = stateless_corpus();
    assert!(
        stateless.len() >= 200,
        "the position-independent corpus shrank to {} cases",
        stateless.len()
    );
    for at in [Position::Mid, Position::Base] {
        let all = stateless.len() + positional_corpus(at).len();
        assert!(all >= 200, "{at:?}: {all} cases");
    }
    for f in [
        "migrate_upgrade",
        "migrate_downgrade",
        "migrate_stamp",
        "migrate_show",
        "migrate_plan",
        "migrate_sql",
        "migrate_history",
        "migrate_effects",
    ] {
        let n = stateless.iter().filter(|c| c.sql.contains(f)).count();
        assert!(n >= 100, "{f} gets only {n} bad inputs");
    }
    assert!(
        stateless.iter().any(|c| c.args.iter().any(|a| a.is_none())),
        "NULL arguments are in the corpus"
    );
    eprintln!(
        "bad-input corpus: {} position-independent cases, +{} at add_zones_001, +{} at base",
        stateless.len(),
        positional_corpus(Position::Mid).len(),
        positional_corpus(Position::Base).len()
    );
}

#[test]
fn every_bad_input_at_an_intermediate_revision_is_a_clean_error_that_changes_nothing() {
    let db = TestDb::new("bad_mid");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap();
    db.compare_with(&snapshot_path("04"), false)
        .unwrap_or_else(|d| panic!("not at 04 before the corpus:\n{d}"));
    let before = fingerprint(&mut c);
    assert_eq!(before.current, Ok(vec!["add_zones_001".to_owned()]));
    assert_eq!(before.run_log(), Some(4));
    let mut cases = stateless_corpus();
    cases.extend(positional_corpus(Position::Mid));
    let n = cases.len();
    assert!(n >= 200, "{n} cases");
    let mut problems = run_corpus(&db, &cases);
    let after = fingerprint(&mut c);
    if before != after {
        problems.push(format!(
            "the corpus as a whole changed the database: {before:?} -> {after:?}"
        ));
    }
    if let Err(d) = db.compare_with(&snapshot_path("04"), false) {
        problems.push(format!("the catalog changed under the corpus:\n{d}"));
    }
    eprintln!("{n} bad inputs at add_zones_001");
    report("at add_zones_001", n, &problems);
}

#[test]
fn every_bad_input_at_base_is_a_clean_error_that_changes_nothing() {
    let db = TestDb::new("bad_base");
    let mut c = db.client();
    let before = fingerprint(&mut c);
    assert_eq!(before.current, Ok(vec![]));
    assert_eq!(
        (&before.state[0], before.run_log()),
        (&None, None),
        "a new database has neither alembic_version nor the run log"
    );
    let mut cases = stateless_corpus();
    cases.extend(positional_corpus(Position::Base));
    let n = cases.len();
    assert!(n >= 200, "{n} cases");
    let mut problems = run_corpus(&db, &cases);
    let after = fingerprint(&mut c);
    if before != after {
        problems.push(format!(
            "the corpus as a whole changed the database: {before:?} -> {after:?}"
        ));
    }
    if let Err(d) = db.compare_with(&snapshot_path("00"), false) {
        problems.push(format!("a failed call left something behind at base:\n{d}"));
    }
    eprintln!("{n} bad inputs at base");
    report("at base", n, &problems);
}

/// alembic_version contents the graph cannot explain (the catalog stays at add_zones_001).
const CORRUPT_STATES: &[(&str, &[&str])] = &[
    ("an unknown revision", &["not_ours"]),
    ("a revision of another project", &["ae1027a6acf"]),
    ("a prefix instead of an id", &["968b"]),
    ("an empty string", &[""]),
    ("an id in upper case", &["ADD_ZONES_001"]),
    ("an id with a leading space", &[" add_zones_001"]),
    ("an id with a trailing space", &["add_zones_001 "]),
    ("a keyword", &["head"]),
    ("a quote-bearing value", &["x'; DROP TABLE cameras; --"]),
    (
        "a valid head and an unknown row",
        &["add_zones_001", "not_ours"],
    ),
    (
        "an ancestor and its child on one line",
        &["add_alerts_rules", "add_zones_001"],
    ),
    (
        "base revision and the head",
        &["968b0dff6a9b", "merge_search_and_trust"],
    ),
    (
        "three revisions of one line",
        &["968b0dff6a9b", "20251228_fts", "add_alerts_rules"],
    ),
    (
        "two branch heads and their branch point",
        &[
            "add_object_types_gin_trgm",
            "add_prompt_versions",
            "add_event_audits",
        ],
    ),
    (
        "a merge and one of its parents",
        &["d4cdaa821492", "add_prompt_versions"],
    ),
    (
        "a depends_on target beside its dependant",
        &["add_prompt_version_uq", "add_prompt_versions"],
    ),
];

/// Calls that must refuse an unexplainable version table with 55000.
const STATE_READERS: &[&str] = &[
    "SELECT migrate_upgrade('head')",
    "SELECT migrate_upgrade()",
    "SELECT migrate_upgrade('+1')",
    "SELECT migrate_upgrade('add_audit_logs')",
    "SELECT migrate_upgrade('heads')",
    "SELECT migrate_downgrade('base')",
    "SELECT migrate_downgrade('-1')",
    "SELECT migrate_downgrade('968b0dff6a9b')",
    "SELECT migrate_downgrade('add_zones_001@-1')",
    "SELECT * FROM migrate_history()",
    "SELECT * FROM migrate_history('base:head')",
    "SELECT * FROM migrate_history('current:')",
    "SELECT * FROM migrate_plan()",
    "SELECT * FROM migrate_plan('head')",
    "SELECT * FROM migrate_plan('base')",
    "SELECT * FROM migrate_plan('-1')",
    "SELECT * FROM migrate_show('current')",
    "SELECT * FROM migrate_status()",
    "SELECT * FROM migrate_verify()",
    "SELECT * FROM migrate_lint()",
];

/// Stamps relative to where the database is: meaningless when that is unknown.
const RELATIVE_STAMPS: &[&str] = &[
    "current",
    "+1",
    "-1",
    "current+1",
    "current-1",
    "968b0dff6a9b@+2",
    "add_zones_001@-1",
];

fn set_version_rows(c: &mut Client, rows: &[&str]) {
    let mut tx = c.transaction().unwrap();
    tx.execute("DELETE FROM alembic_version", &[]).unwrap();
    for r in rows {
        tx.execute("INSERT INTO alembic_version VALUES ($1)", &[r])
            .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn a_version_table_the_graph_cannot_explain_is_55000_until_a_stamp_repairs_it() {
    let db = TestDb::new("bad_state");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap();
    let mut problems = Vec::new();
    let mut count = 0;
    for (what, rows) in CORRUPT_STATES {
        set_version_rows(&mut c, rows);
        let before = fingerprint(&mut c);
        let mut sorted: Vec<String> = rows.iter().map(|s| s.to_string()).collect();
        sorted.sort();
        // the raw rows stay visible for diagnosis (or a 55000 names them)
        match &before.current {
            Ok(cur) if *cur == sorted => {}
            Err(state) if state == "55000" => {}
            other => problems.push(format!(
                "{what}: migrate_current() gave {other:?}, expected the rows {sorted:?}"
            )),
        }
        for sql in STATE_READERS {
            count += 1;
            match c.query(*sql, &[]) {
                Ok(r) => problems.push(format!("{what}: {sql} accepted ({} rows)", r.len())),
                Err(e) => {
                    let mut bad = judge_error(&e, None, BAD_STATE, None);
                    let (_, hint) = message(&e);
                    if !hint.as_deref().unwrap_or("").contains("migrate_stamp") {
                        bad.push(format!("HINT {hint:?} does not mention migrate_stamp"));
                    }
                    if !bad.is_empty() {
                        problems.push(format!("{what}: {sql}: {}", bad.join("; ")));
                    }
                }
            }
            if c.is_closed() {
                problems.push(format!("{what}: {sql}: connection lost"));
                c = reconnect(&db);
            }
        }
        // bad arguments to the repair itself change nothing either
        for (sql, arg, codes) in [
            ("SELECT migrate_stamp($1::text)", Some("zzzz"), UNKNOWN),
            ("SELECT migrate_stamp($1::text)", Some("968"), UNKNOWN),
            ("SELECT migrate_stamp($1::text)", Some(""), INVALID),
            ("SELECT migrate_stamp($1::text)", Some("a@@b"), INVALID),
            ("SELECT migrate_stamp($1::text)", None, NULLS),
            (
                "SELECT migrate_stamp($1::text)",
                Some("repair_partitioned_tables+1"),
                INVALID,
            ),
        ] {
            count += 1;
            match c.query(sql, &[&arg]) {
                Ok(_) => problems.push(format!("{what}: stamp {arg:?} accepted")),
                Err(e) => {
                    let bad = judge_error(&e, arg, codes, None);
                    if !bad.is_empty() {
                        problems.push(format!("{what}: stamp {arg:?}: {}", bad.join("; ")));
                    }
                }
            }
        }
        let after = fingerprint(&mut c);
        if after != before {
            problems.push(format!(
                "{what}: refused calls changed the database: {before:?} -> {after:?}"
            ));
        }
        // migrate_stamp('<valid revision>') repairs it
        count += 1;
        match c.query_one("SELECT migrate_stamp('add_zones_001')", &[]) {
            Err(e) => problems.push(format!(
                "{what}: migrate_stamp('add_zones_001') failed: {} {:?}",
                sqlstate(&e),
                message(&e)
            )),
            Ok(r) => {
                let out: String = r.get(0);
                if !out.ends_with("-> add_zones_001") {
                    problems.push(format!("{what}: stamp said {out:?}"));
                }
                let fixed = fingerprint(&mut c);
                if fixed.current != Ok(vec!["add_zones_001".to_owned()]) {
                    problems.push(format!("{what}: after the stamp {:?}", fixed.current));
                }
                if fixed.run_log() != before.run_log().map(|n| n + 1) {
                    problems.push(format!(
                        "{what}: the stamp logged {:?} rows, expected one more than {:?}",
                        fixed.run_log(),
                        before.run_log()
                    ));
                }
                for sql in [
                    "SELECT * FROM migrate_plan('head')",
                    "SELECT * FROM migrate_history()",
                    "SELECT * FROM migrate_history('current:')",
                ] {
                    if let Err(e) = c.query(sql, &[]) {
                        problems.push(format!(
                            "{what}: after the stamp {sql} still fails: {} {:?}",
                            sqlstate(&e),
                            message(&e)
                        ));
                    }
                }
            }
        }
    }
    // once repaired, the chain runs on from where it really is
    let out: String = c
        .query_one("SELECT migrate_upgrade('add_baselines')", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        out,
        "upgraded public: add_zones_001 -> add_baselines (2 steps)"
    );
    db.compare_with(&snapshot_path("06"), false)
        .unwrap_or_else(|d| panic!("{d}"));
    eprintln!("{} corrupt states, {count} calls", CORRUPT_STATES.len());
    report("unexplainable alembic_version", count, &problems);
}

#[test]
fn a_relative_stamp_on_an_unexplainable_version_table_is_refused_not_resolved_from_base() {
    let db = TestDb::new("bad_relstamp");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap();
    let mut problems = Vec::new();
    let mut count = 0;
    for (what, rows) in [
        ("an unknown revision", &["not_ours"][..]),
        (
            "an ancestor and its child",
            &["add_alerts_rules", "add_zones_001"][..],
        ),
    ] {
        for spec in RELATIVE_STAMPS {
            set_version_rows(&mut c, rows);
            let before = fingerprint(&mut c);
            count += 1;
            match c.query_one("SELECT migrate_stamp($1::text)", &[spec]) {
                Ok(r) => problems.push(format!(
                    "{what}: migrate_stamp({spec:?}) resolved against an unknown position: {:?}",
                    r.get::<_, String>(0)
                )),
                Err(e) => {
                    let bad = judge_error(&e, Some(spec), BAD_STATE, None);
                    if !bad.is_empty() {
                        problems.push(format!(
                            "{what}: migrate_stamp({spec:?}): {}",
                            bad.join("; ")
                        ));
                    }
                }
            }
            let after = fingerprint(&mut c);
            if after != before {
                problems.push(format!(
                    "{what}: migrate_stamp({spec:?}) changed alembic_version: {:?} -> {:?}",
                    before.state[0], after.state[0]
                ));
            }
        }
    }
    report(
        "relative stamps on an unexplainable table",
        count,
        &problems,
    );
}

#[test]
fn a_version_table_of_the_wrong_shape_is_reported_cleanly() {
    let db = TestDb::new("bad_shape");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap();
    let mut problems = Vec::new();
    let mut count = 0;
    for (what, setup) in [
        (
            "a NULL row (table recreated without its primary key)",
            "DROP TABLE alembic_version; \
             CREATE TABLE alembic_version (version_num varchar(32)); \
             INSERT INTO alembic_version VALUES ('add_zones_001'), (NULL)",
        ),
        (
            "a duplicate row (table recreated without its primary key)",
            "DROP TABLE alembic_version; \
             CREATE TABLE alembic_version (version_num varchar(32)); \
             INSERT INTO alembic_version VALUES ('add_zones_001'), ('add_zones_001')",
        ),
        (
            "no version_num column",
            "DROP TABLE alembic_version; CREATE TABLE alembic_version (id int); \
             INSERT INTO alembic_version VALUES (4)",
        ),
    ] {
        c.batch_execute(setup).unwrap();
        let before = fingerprint(&mut c);
        for sql in STATE_READERS
            .iter()
            .chain(&["SELECT * FROM migrate_current()"])
        {
            count += 1;
            // each call in a transaction rolled back, so a wrongly accepted one cannot cascade
            c.batch_execute("BEGIN").unwrap();
            let result = c.query(*sql, &[]);
            let _ = c.batch_execute("ROLLBACK");
            match result {
                // the raw rows may be shown for diagnosis when they can be read at all
                Ok(_) if sql.contains("migrate_current") && !what.starts_with("no version_num") => {
                }
                Ok(r) => problems.push(format!("{what}: {sql} accepted ({} rows)", r.len())),
                Err(e) => {
                    let bad = judge_error(&e, None, BAD_STATE, None);
                    if !bad.is_empty() {
                        let detail = e
                            .as_db_error()
                            .and_then(|d| d.detail())
                            .unwrap_or("")
                            .lines()
                            .take(2)
                            .collect::<Vec<_>>()
                            .join(" / ");
                        problems.push(format!(
                            "{what}: {sql}: {}; DETAIL starts {detail:?}",
                            bad.join("; ")
                        ));
                    }
                }
            }
            if c.is_closed() {
                problems.push(format!("{what}: {sql}: connection lost"));
                c = reconnect(&db);
            }
            let after = fingerprint(&mut c);
            if after != before {
                problems.push(format!("{what}: {sql} changed the database"));
            }
        }
        c.batch_execute(
            "DROP TABLE alembic_version; \
             CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, \
                 CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)); \
             INSERT INTO alembic_version VALUES ('add_zones_001')",
        )
        .unwrap();
    }
    report("version table of the wrong shape", count, &problems);
}

#[test]
fn a_session_the_extension_cannot_run_in_gets_a_fitting_error_and_nothing_changes() {
    let db = TestDb::new("bad_env");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap();
    c.batch_execute("CREATE SCHEMA app").unwrap();
    let mut problems = Vec::new();
    let mut count = 0;
    let mutating = [
        "SELECT migrate_upgrade('head')",
        "SELECT migrate_downgrade('base')",
        "SELECT migrate_stamp('head')",
    ];
    let all = [
        "SELECT migrate_upgrade('head')",
        "SELECT migrate_downgrade('base')",
        "SELECT migrate_stamp('head')",
        "SELECT * FROM migrate_current()",
        "SELECT * FROM migrate_history()",
        "SELECT * FROM migrate_plan('head')",
        "SELECT * FROM migrate_show('current')",
        "SELECT migrate_sql('head')",
        "SELECT * FROM migrate_status()",
        "SELECT * FROM migrate_verify()",
        "SELECT * FROM migrate_lint()",
    ];
    let mut envs: Vec<(String, &str, Vec<&str>, &'static [&'static str])> = Vec::new();
    for level in ["REPEATABLE READ", "SERIALIZABLE"] {
        envs.push((
            format!("BEGIN ISOLATION LEVEL {level}"),
            "READ COMMITTED",
            mutating.to_vec(),
            &["0A000"],
        ));
    }
    envs.push((
        "BEGIN READ ONLY".into(),
        "read-only",
        mutating.to_vec(),
        &["25006", "0A000"],
    ));
    for schema in [
        "missing",
        "x\"; DROP TABLE cameras; --",
        "App",
        "é🔥",
        &"s".repeat(200),
    ] {
        envs.push((
            format!(
                "BEGIN; SET LOCAL security_migrate.schema = '{}'",
                schema.replace('\'', "''")
            ),
            "does not exist",
            all.to_vec(),
            &["3F000"],
        ));
    }
    for timeout in ["banana", "-5", "1 fortnight"] {
        envs.push((
            format!("BEGIN; SET LOCAL security_migrate.lock_timeout = '{timeout}'"),
            "lock_timeout",
            mutating.to_vec(),
            &["22023"],
        ));
    }
    for (setup, needle, calls, codes) in &envs {
        for sql in calls {
            count += 1;
            let before = fingerprint(&mut c);
            c.batch_execute(setup).unwrap();
            let r = c.query(*sql, &[]);
            c.batch_execute("ROLLBACK").unwrap();
            match r {
                Ok(_) => problems.push(format!("{setup}: {sql} accepted")),
                Err(e) => {
                    let mut bad = judge_error(&e, None, codes, Some(needle));
                    if let Some(d) = e.as_db_error().and_then(|d| d.detail()) {
                        if d.contains("pgrx") || d.contains(" 0: ") {
                            bad.push(format!(
                                "DETAIL is a Rust backtrace: {:?}",
                                d.lines().take(2).collect::<Vec<_>>()
                            ));
                        }
                    }
                    if !bad.is_empty() {
                        problems.push(format!("{setup}: {sql}: {}", bad.join("; ")));
                    }
                }
            }
            let after = fingerprint(&mut c);
            if after != before {
                problems.push(format!("{setup}: {sql} changed the database"));
            }
        }
    }
    assert_eq!(
        fingerprint(&mut c).current,
        Ok(vec!["add_zones_001".to_owned()])
    );
    report("sessions the extension cannot run in", count, &problems);
}

#[test]
fn migrate_sql_from_current_is_not_silently_a_script_from_base() {
    // migrate_sql reads nothing from the database, so 'current' (and steps relative to it)
    // cannot mean the database's revision there: refuse it, or really start from the current
    // revision. Either way the script must not re-run what the database already has.
    let db = TestDb::new("bad_sqlfrom");
    let mut c = db.client();
    c.query_one("SELECT migrate_upgrade('add_zones_001')", &[])
        .unwrap();
    let applied = [
        "968b0dff6a9b",
        "20251228_fts",
        "add_alerts_rules",
        "add_zones_001",
    ];
    let mut problems = Vec::new();
    let cases = [
        ("968b0dff6a9b", "current"),
        ("add_baselines", "current"),
        ("head", "current"),
        ("head", "current+1"),
        ("add_baselines", "+1"),
    ];
    for (target, from) in cases {
        match c.query_one("SELECT migrate_sql($1::text, $2::text)", &[&target, &from]) {
            Err(e) => {
                let bad = judge_error(&e, Some(from), ALLOWED, None);
                if !bad.is_empty() {
                    problems.push(format!(
                        "migrate_sql({target:?}, {from:?}): {}",
                        bad.join("; ")
                    ));
                }
            }
            Ok(r) => {
                let script: String = r.get(0);
                let rerun: Vec<&str> = applied
                    .iter()
                    .copied()
                    .filter(|id| {
                        script.lines().any(|l| {
                            l.starts_with("-- Running upgrade ") && l.contains(&format!("-> {id},"))
                        })
                    })
                    .collect();
                if !rerun.is_empty() {
                    problems.push(format!(
                        "migrate_sql({target:?}, {from:?}) at add_zones_001 gave a script that applies {rerun:?} again (resolved from base)"
                    ));
                }
            }
        }
    }
    report(
        "migrate_sql from a current-relative revision",
        cases.len(),
        &problems,
    );
}
