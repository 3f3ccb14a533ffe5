//! Running a plan: each step's statements one by one (so a failure names its statement), the
//! version-table change, a NOTICE per step, and the run log.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use pgrx::pg_sys::panic::{CaughtError, ErrorReport};
use pgrx::pg_sys::PgTryBuilder;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use revision_planner::{
    split_statements, step_message, version_statements, Direction, Graph, Plan,
};

use crate::database::{write_log, LogEntry, Target};
use crate::errors::{Result, UserError};

/// Longest statement text quoted in an error's DETAIL.
const STATEMENT_QUOTE_LIMIT: usize = 600;

fn clip(s: &str) -> String {
    if s.len() <= STATEMENT_QUOTE_LIMIT {
        return s.to_owned();
    }
    let mut end = STATEMENT_QUOTE_LIMIT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} …", &s[..end])
}

/// Run one statement of a migration and return the rows it processed; a PostgreSQL error
/// becomes an ERROR that keeps its SQLSTATE and message and names the revision and statement.
fn run_statement(
    client: &mut SpiClient<'_>,
    revision: &str,
    direction: &str,
    index: usize,
    total: usize,
    statement: &str,
) -> usize {
    PgTryBuilder::new(AssertUnwindSafe(|| {
        client
            .update(statement, None, &[])
            .map(|t| t.len())
            .unwrap_or_else(|e| UserError::from(e).raise())
    }))
    .catch_others(|caught| match caught {
        CaughtError::PostgresError(report) => {
            let mut detail = format!(
                "statement {index} of {total} of {direction} {revision}: {}",
                clip(statement)
            );
            if let Some(d) = report.detail() {
                detail = format!("{d}\n{detail}");
            }
            let mut e = ErrorReport::new(
                report.sql_error_code(),
                format!("{direction} of revision {revision} failed: {}", report.message()),
                "security_migrate",
            )
            .set_detail(detail);
            let hint = match report.sql_error_code() {
                PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE => Some(
                    "another session holds a lock the migration needs; retry when it is idle, or raise security_migrate.lock_timeout".to_owned(),
                ),
                _ => report.hint().map(str::to_owned),
            };
            if let Some(h) = hint {
                e = e.set_hint(h);
            }
            e.report(PgLogLevel::ERROR);
            unreachable!()
        }
        other => other.rethrow(),
    })
    .execute()
}

/// Apply `plan`'s steps in order. Returns the number of steps run.
pub fn run_plan(
    client: &mut SpiClient<'_>,
    graph: &Graph,
    target: &Target,
    plan: &Plan,
) -> Result<usize> {
    let mut log = Vec::with_capacity(plan.steps.len());
    for step in &plan.steps {
        let rev = graph.rev(step.revision);
        pgrx::notice!("{}", step_message(graph, step.revision, step.direction));
        let (sql, direction) = match step.direction {
            Direction::Upgrade => (&rev.upgrade_sql, "upgrade"),
            Direction::Downgrade => (&rev.downgrade_sql, "downgrade"),
        };
        let started = Instant::now();
        let statements = split_statements(sql);
        let versions = version_statements(&target.table, &step.version);
        let sql_count = statements.len();
        let total = sql_count + versions.len();
        for (i, stmt) in statements.into_iter().enumerate() {
            run_statement(client, &rev.id, direction, i + 1, total, stmt);
        }
        for (i, vs) in versions.into_iter().enumerate() {
            let changed = run_statement(client, &rev.id, direction, sql_count + i + 1, total, &vs);
            if changed != 1 {
                return Err(UserError::new(
                    PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("{} changed {changed} rows instead of 1 while recording {direction} of {}", target.table, rev.id),
                )
                .detail(vs)
                .hint("alembic_version was changed by someone else during the run; check it with migrate_current()"));
            }
        }
        log.push(LogEntry {
            revision: rev.id.clone(),
            direction,
            sql: Some(sql.clone()),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    let n = log.len();
    write_log(client, target, log)?;
    Ok(n)
}
