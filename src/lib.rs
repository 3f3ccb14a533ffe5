//! security_migrate: the home-security schema's Alembic revision graph, embedded in a
//! PostgreSQL extension and applied from SQL (`SELECT migrate_upgrade('head')`).
//!
//! The graph, spec parser and planner live in the pgrx-free `revision-planner` crate; this crate
//! turns SQL arguments into core calls, runs SPI, and maps errors to SQLSTATEs.

mod api;
mod database;
mod embedded;
mod errors;
mod lint;
mod replay;
mod runner;
mod verify;

#[cfg(any(test, feature = "pg_test"))]
mod tests;

::pgrx::pg_module_magic!(name, version);

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec!["timezone = 'UTC'"]
    }
}
