//! The migration graph, embedded at build time by build.rs (which also validated it).

use std::sync::OnceLock;

use revision_planner::Graph;

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The graph of the embedded migrations, built once per backend.
pub fn graph() -> &'static Graph {
    static GRAPH: OnceLock<Graph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        revision_planner::load(FILES).expect("build.rs validated the embedded migrations")
    })
}
