//! Replaying the applied revisions into a scratch schema inside a subtransaction that is always
//! rolled back: what the revision history makes, made by PostgreSQL itself. Used by
//! migrate_verify (drift) and migrate_lint / migrate_effects (what each revision does).

use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use revision_planner::sql::{quote_ident, quote_literal};
use revision_planner::{plan_upgrade, split_statements, Graph, Spec, State};

use crate::errors::Result;

/// Scratch schema for the replay; never committed (and left out of catalog snapshots).
pub const SCRATCH: &str = "security_migrate_verify";

fn set_path(client: &SpiClient<'_>, path: &str) -> Result<()> {
    client.select(
        "SELECT pg_catalog.set_config('search_path', $1, true)",
        None,
        &[path.to_owned().into()],
    )?;
    Ok(())
}

/// Run `f` with `search_path = pg_catalog`, so catalog deparsers qualify every other name.
pub fn with_catalog_path<R>(
    client: &SpiClient<'_>,
    f: impl FnOnce(&SpiClient<'_>) -> Result<R>,
) -> Result<R> {
    set_path(client, "pg_catalog")?;
    let r = f(client)?;
    set_path(client, &format!("{}, pg_temp", quote_ident(SCRATCH)))?;
    Ok(r)
}

/// Replay the revisions `state` has applied, in Alembic's order, into the scratch schema.
/// `after_step(client, revision)` runs after each revision; `finish` runs at the end and its
/// result is returned. Everything happens in a subtransaction that is rolled back.
pub fn replay<R>(
    graph: &Graph,
    state: &State,
    mut after_step: impl FnMut(&SpiClient<'_>, usize) -> Result<()>,
    finish: impl FnOnce(&SpiClient<'_>) -> Result<R>,
) -> Result<R> {
    let heads: Vec<String> = state.rows.iter().map(|&i| graph.id(i).to_owned()).collect();
    // SAFETY: a subtransaction that is always rolled back before returning; the memory context
    // and resource owner are restored afterwards as PL/pgSQL's exception blocks do. An ERROR
    // inside aborts the whole transaction, subtransaction included.
    unsafe {
        let old_context = pg_sys::CurrentMemoryContext;
        let old_owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        let result = Spi::connect_mut(|client| -> Result<R> {
            client.update(
                &format!(
                    "CREATE SCHEMA {s}; SELECT pg_catalog.set_config('search_path', {p}, true), \
                     pg_catalog.set_config('client_min_messages', 'warning', true)",
                    s = quote_ident(SCRATCH),
                    p = quote_literal(&format!("{}, pg_temp", quote_ident(SCRATCH)))
                ),
                None,
                &[],
            )?;
            // several heads: upgrade to each in turn
            let mut replayed = State::base(graph);
            for h in &heads {
                let spec = Spec::Rev {
                    branch: None,
                    id: h.clone(),
                };
                let p = plan_upgrade(graph, &replayed, &spec)?;
                for step in &p.steps {
                    for stmt in split_statements(&graph.rev(step.revision).upgrade_sql) {
                        client.update(stmt, None, &[])?;
                    }
                    after_step(client, step.revision)?;
                }
                let rows: Vec<String> = p.to_rows.iter().map(|&i| graph.id(i).to_owned()).collect();
                replayed = State::from_rows(graph, &rows)?;
            }
            finish(client)
        });
        pg_sys::RollbackAndReleaseCurrentSubTransaction();
        pg_sys::MemoryContextSwitchTo(old_context);
        pg_sys::CurrentResourceOwner = old_owner;
        result
    }
}
