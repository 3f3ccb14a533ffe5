//! The SQL functions. Each turns its arguments into core calls, runs SPI, and raises errors.

// pgrx reads the column names of a TableIterator from `name!` in the signature itself, so the
// row types cannot be type aliases.
#![allow(clippy::type_complexity)]

use pgrx::prelude::*;
use revision_planner::{
    history, offline_script, plan_auto, plan_downgrade, plan_upgrade, resolve_id, stamp,
    version_statements, Direction, Graph, Plan, Spec, State, VersionChange,
};

use crate::database::{begin_changes, end_changes, write_log, LogEntry, Target};
use crate::embedded::graph;
use crate::errors::{clean_pg_errors, or_raise, required, Result, UserError};
use crate::runner::run_plan;

fn parse_spec(text: Option<&str>, what: &str) -> Spec {
    or_raise(Spec::parse(required(text, what)))
}

fn describe(g: &Graph, rows: &[usize]) -> String {
    if rows.is_empty() {
        "base".into()
    } else {
        rows.iter().map(|&i| g.id(i)).collect::<Vec<_>>().join(", ")
    }
}

/// Plan and run a change under the runner lock; `make_plan` sees the state read after the lock.
fn change(make_plan: impl FnOnce(&Graph, &State) -> revision_planner::Result<Plan>) -> String {
    let g = graph();
    clean_pg_errors(|| {
        or_raise(Spi::connect_mut(|client| -> Result<String> {
            let target = Target::resolve()?;
            let saved = begin_changes(client, &target)?;
            let state = target.read_state(client, g)?;
            let plan = make_plan(g, &state)?;
            let n = run_plan(client, g, &target, &plan)?;
            end_changes(client, saved)?;
            let verb = match plan.direction {
                Direction::Upgrade => "upgraded",
                Direction::Downgrade => "downgraded",
            };
            Ok(if n == 0 {
                format!("already at {}: nothing to do", describe(g, &plan.to_rows))
            } else {
                format!(
                    "{verb} {}: {} -> {} ({n} step{})",
                    target.schema,
                    describe(g, &plan.from_rows),
                    describe(g, &plan.to_rows),
                    if n == 1 { "" } else { "s" }
                )
            })
        }))
    })
}

/// Apply every pending revision up to `target`, in dependency order, in the caller's transaction.
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_upgrade(target: default!(Option<&str>, "'head'")) -> String {
    let spec = parse_spec(target, "target");
    change(|g, s| plan_upgrade(g, s, &spec))
}

/// Unapply revisions down to `target` (`base`, a revision, `-N`, `<rev>@-1`).
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_downgrade(target: Option<&str>) -> String {
    let spec = parse_spec(target, "target");
    change(|g, s| plan_downgrade(g, s, &spec))
}

/// Record `target` as the database's revision without running any migration.
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_stamp(target: Option<&str>) -> String {
    let spec = parse_spec(target, "target");
    let g = graph();
    clean_pg_errors(|| {
        or_raise(Spi::connect_mut(|client| -> Result<String> {
            let target = Target::resolve()?;
            let saved = begin_changes(client, &target)?;
            let before = target.read_rows(client)?;
            // a stamp may repair a table the graph cannot explain, but only with an absolute target:
            // a relative one ('+1', 'current') would be computed from nothing
            let state = match State::from_rows(g, &before) {
                Ok(s) => s,
                Err(e) if spec.depends_on_current() => {
                    let mut u = crate::errors::UserError::from(e);
                    u.hint = Some("stamp an absolute revision (an id, 'head' or 'base') to repair alembic_version".into());
                    return Err(u);
                }
                Err(_) => State::base(g),
            };
            let after = stamp(g, &state, &spec)?;
            let after_ids: Vec<String> = after.rows.iter().map(|&i| g.id(i).to_owned()).collect();
            client.update(&format!("DELETE FROM {}", target.table), None, &[])?;
            let mut log = Vec::new();
            for id in &after_ids {
                for s in version_statements(&target.table, &VersionChange::Insert(id.clone())) {
                    client.update(&s, None, &[])?;
                }
                log.push(LogEntry {
                    revision: id.clone(),
                    direction: "stamp",
                    sql: None,
                    duration_ms: 0.0,
                });
            }
            write_log(client, &target, log)?;
            end_changes(client, saved)?;
            let show = |v: &[String]| {
                if v.is_empty() {
                    "base".to_owned()
                } else {
                    v.join(", ")
                }
            };
            Ok(format!(
                "stamped {}: {} -> {}",
                target.schema,
                show(&before),
                show(&after_ids)
            ))
        }))
    })
}

/// The revision(s) the database is at: one row per applied head, none at base.
#[pg_extern(stable, parallel_safe)]
fn migrate_current() -> SetOfIterator<'static, String> {
    let target = or_raise(Target::resolve());
    let rows = if target.has_version_table() {
        or_raise(Spi::connect(|client| target.read_rows(client)))
    } else {
        Vec::new()
    };
    SetOfIterator::new(rows)
}

/// The graph's heads.
#[pg_extern(stable, parallel_safe)]
fn migrate_heads() -> SetOfIterator<'static, String> {
    let g = graph();
    SetOfIterator::new(
        g.heads()
            .into_iter()
            .map(|i| g.id(i).to_owned())
            .collect::<Vec<_>>(),
    )
}

/// The graph's branch points (revisions with more than one child).
#[pg_extern(stable, parallel_safe)]
fn migrate_branches() -> SetOfIterator<'static, String> {
    let g = graph();
    SetOfIterator::new(
        (0..g.len())
            .filter(|&i| g.is_branch_point(i))
            .map(|i| g.id(i).to_owned())
            .collect::<Vec<_>>(),
    )
}

fn read_state_readonly(g: &Graph) -> State {
    or_raise(Spi::connect(|client| -> Result<State> {
        Target::resolve()?.read_state(client, g)
    }))
}

/// One row per revision, newest first like `alembic history`; `range` is `A:B`, `A:`, `:B`.
#[pg_extern(stable, parallel_safe)]
fn migrate_history(
    range: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(revision, String),
        name!(down_revisions, Vec<String>),
        name!(message, String),
        name!(is_head, bool),
        name!(is_merge, bool),
        name!(is_branch_point, bool),
        name!(applied, bool),
        name!(is_current, bool),
    ),
> {
    let g = graph();
    let state = read_state_readonly(g);
    let revs = or_raise(history(g, &state, range));
    TableIterator::new(
        revs.into_iter()
            .map(|i| {
                let r = g.rev(i);
                (
                    r.id.clone(),
                    r.down_revisions.clone(),
                    r.message.clone(),
                    g.is_head(i),
                    g.is_merge(i),
                    g.is_branch_point(i),
                    state.applied.contains(i),
                    state.rows.contains(&i),
                )
            })
            .collect::<Vec<_>>(),
    )
}

/// One revision in full: header, parents, children, and its upgrade and downgrade SQL.
#[pg_extern(stable, parallel_safe)]
fn migrate_show(
    revision: Option<&str>,
) -> TableIterator<
    'static,
    (
        name!(revision, String),
        name!(down_revisions, Vec<String>),
        name!(children, Vec<String>),
        name!(branch_labels, Vec<String>),
        name!(depends_on, Vec<String>),
        name!(message, String),
        name!(is_head, bool),
        name!(is_merge, bool),
        name!(is_branch_point, bool),
        name!(repairs, Vec<String>),
        name!(data_loss, Vec<String>),
        name!(upgrade_sql, String),
        name!(downgrade_sql, String),
        name!(file, String),
    ),
> {
    let g = graph();
    let text = required(revision, "revision");
    let i = match or_raise(Spec::parse(text)) {
        Spec::Rev { id, branch: None } => or_raise(resolve_id(g, &id)),
        spec => {
            let state = read_state_readonly(g);
            let points = or_raise(revision_planner::resolve_points(g, &state, &spec));
            match points.as_slice() {
                [one] => *one,
                _ => UserError::new(
                    PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                    format!("{text:?} does not name exactly one revision"),
                )
                .hint("pass one revision id, a unique prefix, or 'head'")
                .raise(),
            }
        }
    };
    let r = g.rev(i);
    let ids = |v: &[usize]| v.iter().map(|&c| g.id(c).to_owned()).collect::<Vec<_>>();
    TableIterator::once((
        r.id.clone(),
        r.down_revisions.clone(),
        ids(g.children(i)),
        r.branch_labels.clone(),
        r.depends_on.clone(),
        r.message.clone(),
        g.is_head(i),
        g.is_merge(i),
        g.is_branch_point(i),
        r.repairs.clone(),
        r.data_loss.clone(),
        r.upgrade_sql.clone(),
        r.downgrade_sql.clone(),
        r.source.clone(),
    ))
}

/// Dry run: the steps migrate_upgrade or migrate_downgrade would take to reach `target`.
#[pg_extern(stable, parallel_safe)]
fn migrate_plan(
    target: default!(Option<&str>, "'head'"),
) -> TableIterator<
    'static,
    (
        name!(step, i32),
        name!(direction, String),
        name!(revision, String),
        name!(message, String),
        name!(version_sql, String),
    ),
> {
    let spec = parse_spec(target, "target");
    let g = graph();
    let (plan, table) = or_raise(Spi::connect(|client| -> Result<(Plan, String)> {
        let t = Target::resolve()?;
        let state = t.read_state(client, g)?;
        Ok((plan_auto(g, &state, &spec)?, t.table))
    }));
    TableIterator::new(
        plan.steps
            .iter()
            .enumerate()
            .map(|(n, s)| {
                (
                    n as i32 + 1,
                    match s.direction {
                        Direction::Upgrade => "upgrade".to_owned(),
                        Direction::Downgrade => "downgrade".to_owned(),
                    },
                    g.id(s.revision).to_owned(),
                    g.rev(s.revision).message.clone(),
                    version_statements(&table, &s.version).join("; "),
                )
            })
            .collect::<Vec<_>>(),
    )
}

/// The offline script (Alembic's `--sql`) from `from_revision` (default base) to `target`.
/// Reads nothing from the database but the target schema's name.
#[pg_extern(stable, parallel_safe)]
fn migrate_sql(target: Option<&str>, from_revision: default!(Option<&str>, "NULL")) -> String {
    let spec = parse_spec(target, "target");
    let g = graph();
    let from = match from_revision {
        None => State::base(g),
        Some(f) => {
            let from_spec = or_raise(Spec::parse(f));
            // 'current' and steps relative to it mean where this database is
            let relative_to = if from_spec.depends_on_current() {
                read_state_readonly(g)
            } else {
                State::base(g)
            };
            let points = or_raise(revision_planner::resolve_points(
                g,
                &relative_to,
                &from_spec,
            ));
            let applied = g.ancestors(&points);
            let mut rows = g.heads_of(&applied);
            rows.sort_unstable();
            State { rows, applied }
        }
    };
    let plan = or_raise(plan_auto(g, &from, &spec));
    let schema = or_raise(Target::resolve()).schema;
    offline_script(g, &plan, &schema)
}

/// Tampering and drift: applied SQL whose checksum no longer matches the embedded SQL, and objects
/// the applied revisions should have made that the schema lacks, has in another shape, or has extra.
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_verify() -> TableIterator<
    'static,
    (
        name!(severity, String),
        name!(kind, String),
        name!(object, String),
        name!(detail, String),
    ),
> {
    TableIterator::new(clean_pg_errors(|| crate::verify::verify(graph())))
}

/// The damage class of a table rebuild: objects a rebuild or CASCADE removed that nothing
/// re-created, trigger functions no trigger uses, column types and objects that differ from what
/// the revision history makes. One row per finding with a suggested fix.
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_lint() -> TableIterator<
    'static,
    (
        name!(severity, String),
        name!(kind, String),
        name!(object, String),
        name!(revision, Option<String>),
        name!(detail, String),
        name!(suggested_fix, String),
    ),
> {
    TableIterator::new(clean_pg_errors(|| crate::lint::lint(graph())))
}

/// What each revision does to the catalog (objects created, dropped, and lost as a side effect
/// of a rebuild or CASCADE), found by replaying the whole graph in a rolled-back scratch schema.
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_effects(
    revision: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(revision, String),
        name!(action, String),
        name!(object, String),
        name!(definition, String),
    ),
> {
    let g = graph();
    let only = revision.map(|r| or_raise(resolve_id(g, r)));
    TableIterator::new(clean_pg_errors(|| crate::lint::effects(g, only)))
}

/// One-glance summary: where the database is, where head is, what is pending, the last run,
/// and whether applied SQL still matches the embedded SQL (full drift: migrate_verify()).
#[pg_extern(stable, parallel_unsafe)]
fn migrate_status() -> TableIterator<
    'static,
    (
        name!(current, Vec<String>),
        name!(head, Vec<String>),
        name!(pending, i32),
        name!(applied, i32),
        name!(last_run_at, Option<pgrx::datum::TimestampWithTimeZone>),
        name!(last_run_by, Option<String>),
        name!(last_run, Option<String>),
        name!(checksum_mismatches, i32),
        name!(summary, String),
    ),
> {
    let g = graph();
    let target = or_raise(Target::resolve());
    let (state, last, mismatches) = clean_pg_errors(|| {
        or_raise(Spi::connect(|client| -> Result<_> {
            let state = target.read_state(client, g)?;
            let has_log: bool = client
                .select(
                    "SELECT pg_catalog.to_regclass('security_migrate.run_log') IS NOT NULL",
                    Some(1),
                    &[],
                )?
                .first()
                .get(1)?
                .unwrap_or(false);
            let mut last = (None, None, None);
            if has_log {
                let row = client
                .select(
                    "SELECT finished_at, applied_by, direction || ' ' || revision FROM security_migrate.run_log \
                      WHERE target_schema = $1 ORDER BY id DESC LIMIT 1",
                    Some(1),
                    &[target.schema.clone().into()],
                )?
                .first();
                if !row.is_empty() {
                    last = (row.get(1)?, row.get(2)?, row.get(3)?);
                }
            }
            let mismatches = crate::verify::checksum_findings(client, g, &target, &state)?
                .iter()
                .filter(|f| f.1 == "checksum_mismatch")
                .count();
            Ok((state, last, mismatches))
        }))
    });
    let heads = g.heads();
    let mut pending = g.ancestors(&heads);
    pending.subtract(&state.applied);
    let ids = |v: &[usize]| v.iter().map(|&i| g.id(i).to_owned()).collect::<Vec<_>>();
    let summary = match (pending.count(), mismatches) {
        (0, 0) => "at head".to_owned(),
        (0, m) => format!("at head; {m} applied revision(s) changed since they ran: see migrate_verify()"),
        (p, 0) => format!("{p} revision(s) pending: SELECT migrate_upgrade('head')"),
        (p, m) => format!("{p} revision(s) pending; {m} applied revision(s) changed since they ran: see migrate_verify()"),
    };
    TableIterator::once((
        ids(&state.rows),
        ids(&heads),
        pending.count() as i32,
        state.applied.count() as i32,
        last.0,
        last.1,
        last.2,
        mismatches as i32,
        summary,
    ))
}

extension_sql!(
    r#"
REVOKE EXECUTE ON FUNCTION migrate_upgrade(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_downgrade(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_stamp(text) FROM PUBLIC;

COMMENT ON FUNCTION migrate_upgrade(text) IS
'Apply every pending revision up to target (default ''head''; also a revision id or unique prefix, heads, +N, <rev>+N, <label>@head) in Alembic''s order, inside the caller''s transaction. Returns where the database now stands and how many steps ran. Example: SELECT migrate_upgrade(''head'');';
COMMENT ON FUNCTION migrate_downgrade(text) IS
'Unapply revisions down to target: base, a revision, -N, <rev>-N, or <rev>@-1 (unapply exactly that revision, also a merge). All or nothing, in the caller''s transaction. Example: SELECT migrate_downgrade(''-1'');';
COMMENT ON FUNCTION migrate_stamp(text) IS
'Record target as the database''s revision without running any migration (adopt an existing schema, repair alembic_version). Example: SELECT migrate_stamp(''add_entity_model'');';
COMMENT ON FUNCTION migrate_current() IS
'The revision(s) the database is at: one row per applied head, none at base. Example: SELECT * FROM migrate_current();';
COMMENT ON FUNCTION migrate_heads() IS
'The heads of the embedded revision graph. Example: SELECT * FROM migrate_heads();';
COMMENT ON FUNCTION migrate_branches() IS
'The branch points of the embedded revision graph (revisions with several children). Example: SELECT * FROM migrate_branches();';
COMMENT ON FUNCTION migrate_history(text) IS
'One row per revision, newest first like alembic history: revision, down_revisions, message, is_head, is_merge, is_branch_point, applied, is_current. range: NULL (all), ''A:B'', ''A:'', '':B'', ''current:''. Example: SELECT revision, applied FROM migrate_history(''base:head'');';
COMMENT ON FUNCTION migrate_show(text) IS
'One revision in full: header, parents, children, repairs, data_loss (what its downgrade cannot bring back), upgrade and downgrade SQL. Example: SELECT * FROM migrate_show(''add_time_series_partitioning'');';
COMMENT ON FUNCTION migrate_plan(text) IS
'Dry run: the steps migrate_upgrade or migrate_downgrade would take to reach target (default ''head''), with their alembic_version statements. Changes nothing. Example: SELECT * FROM migrate_plan(''base'');';
COMMENT ON FUNCTION migrate_sql(text, text) IS
'The offline script (Alembic''s --sql) from from_revision (default base) to target, upgrade or downgrade, in one transaction, for review or for psql -1 -f elsewhere. Example: SELECT migrate_sql(''head'');';
COMMENT ON FUNCTION migrate_verify() IS
'Tampering and drift report: applied revisions whose SQL no longer matches the embedded SQL (checksums), and objects the applied revisions make that the schema lacks, has in another shape, or has extra (by replaying them into a rolled-back scratch schema). Columns: severity, kind, object, detail. Example: SELECT * FROM migrate_verify();';
COMMENT ON FUNCTION migrate_lint() IS
'Signs of the damage a table rebuild or CASCADE does: objects the revision history created that a later revision removed as a side effect and nothing re-created, trigger functions no trigger uses, column types and objects that differ from what the history makes. Columns: severity, kind, object, revision, detail, suggested_fix. Replays the history in a rolled-back scratch schema. Example: SELECT * FROM migrate_lint();';
COMMENT ON FUNCTION migrate_effects(text) IS
'What each revision does to the catalog: objects created, dropped, and lost as a side effect of a rebuild or CASCADE, found by replaying the whole graph in a rolled-back scratch schema. Example: SELECT * FROM migrate_effects(''add_time_series_partitioning'') WHERE action = ''lost'';';
COMMENT ON FUNCTION migrate_status() IS
'One-glance summary: current, head, pending and applied counts, last run (when, by whom, what), checksum mismatches, and a one-line summary. Example: SELECT * FROM migrate_status();';
"#,
    name = "privileges_and_comments",
    finalize
);
