//! The pure core of security_migrate: migration files, the revision graph, revision specs and
//! the planner. No PostgreSQL dependency, so `cargo test -p revision-planner` covers it all.

pub mod error;
pub mod file;
pub mod graph;
pub mod plan;
pub mod spec;
pub mod sql;

pub use error::{Error, ErrorKind, Result};
pub use file::{parse_file, Revision};
pub use graph::{Graph, RevSet};
pub use plan::{
    history, plan_auto, plan_downgrade, plan_upgrade, resolve_id, resolve_points, stamp, Direction,
    Plan, State, Step, VersionChange,
};
pub use spec::Spec;
pub use sql::{offline_script, split_statements, step_message, version_statements};

/// Parse a set of migration files (name, text) in name order and build the graph.
pub fn load(files: &[(&str, &str)]) -> Result<Graph> {
    let mut sorted: Vec<&(&str, &str)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let revs = sorted
        .into_iter()
        .map(|(name, text)| parse_file(name, text))
        .collect::<Result<Vec<_>>>()?;
    Graph::new(revs)
}
