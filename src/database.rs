//! Everything the extension reads from or keeps in the database besides the migrations' own
//! SQL: the target schema, `alembic_version`, the run log, the runner lock and session settings.

use std::ffi::{CStr, CString};

use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use revision_planner::sql::{quote_ident, quote_literal, version_table_ddl};
use revision_planner::{Graph, State};

use crate::errors::{catch_pg, Result, UserError};

/// Schema that holds the extension's bookkeeping (never an extension member).
pub const STATE_SCHEMA: &str = "security_migrate";
/// First key of the advisory lock that serialises runners ('SECM').
const LOCK_CLASS: i32 = 0x5345_434D;
/// Default `lock_timeout` for migration DDL when `security_migrate.lock_timeout` is not set.
pub const DEFAULT_LOCK_TIMEOUT: &str = "10s";

thread_local! {
    /// The prepared `SELECT version_num ...` of the last target table read in this backend.
    static VERSION_QUERY: std::cell::RefCell<Option<(String, pgrx::spi::OwnedPreparedStatement)>> =
        const { std::cell::RefCell::new(None) };
}

/// Where migrations land and where `alembic_version` lives.
pub struct Target {
    pub schema: String,
    namespace: pg_sys::Oid,
    /// `"schema".alembic_version`, quoted.
    pub table: String,
}

impl Target {
    /// The schema named by `security_migrate.schema` (default `public`); it must exist.
    /// Catalog lookups only, no SPI: this is on the hot read path of `migrate_current()`.
    pub fn resolve() -> Result<Target> {
        let schema = guc("security_migrate.schema")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "public".to_owned());
        let missing = || {
            UserError::new(
                PgSqlErrorCode::ERRCODE_INVALID_SCHEMA_NAME,
                format!("target schema \"{schema}\" does not exist"),
            )
            .hint(format!(
                "create it (CREATE SCHEMA {}) or set security_migrate.schema to an existing schema",
                quote_ident(&schema)
            ))
        };
        let c_schema = CString::new(schema.as_str()).map_err(|_| missing())?;
        // SAFETY: a NUL-terminated name; missing_ok = true returns InvalidOid instead of an ERROR
        let namespace = unsafe { pg_sys::get_namespace_oid(c_schema.as_ptr(), true) };
        if namespace == pg_sys::InvalidOid {
            return Err(missing());
        }
        let table = format!("{}.alembic_version", quote_ident(&schema));
        Ok(Target {
            schema,
            namespace,
            table,
        })
    }

    /// Does `alembic_version` exist in the target schema?
    pub fn has_version_table(&self) -> bool {
        // SAFETY: a static NUL-terminated name and a namespace oid from get_namespace_oid
        unsafe {
            pg_sys::get_relname_relid(c"alembic_version".as_ptr(), self.namespace)
                != pg_sys::InvalidOid
        }
    }

    /// `alembic_version` rows, sorted; none when the table does not exist yet.
    pub fn read_rows(&self, client: &SpiClient<'_>) -> Result<Vec<String>> {
        if !self.has_version_table() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT version_num::text FROM {} ORDER BY 1", self.table);
        let not_alembic = |why: String| {
            UserError::new(
                PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("{} is not Alembic's version table: {why}", self.table),
            )
            .hint("Alembic's is (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)); rename this table away, then record the revision with migrate_stamp('<revision>')")
        };
        let values: Vec<Option<String>> = catch_pg(
            || -> Result<Vec<Option<String>>> {
                // the hot read path: the plan is prepared once per backend and target table
                // (PostgreSQL re-plans it by itself if the table changes)
                VERSION_QUERY.with(|cell| {
                    let mut cached = cell.borrow_mut();
                    if cached.as_ref().is_none_or(|(t, _)| *t != self.table) {
                        let plan = client.prepare(sql.as_str(), &[])?.keep();
                        *cached = Some((self.table.clone(), plan));
                    }
                    let (_, plan) = cached.as_ref().unwrap();
                    let mut v = Vec::new();
                    for row in client.select(plan, None, &[])? {
                        v.push(row.get::<String>(1)?);
                    }
                    Ok(v)
                })
            },
            |report| Some(not_alembic(report.message().to_owned())),
        )?;
        if values.iter().any(Option::is_none) {
            return Err(not_alembic("it holds a NULL version_num".into()));
        }
        Ok(values.into_iter().flatten().collect())
    }

    /// Where the database stands in `graph`; an unexplainable table is an error.
    pub fn read_state(&self, client: &SpiClient<'_>, graph: &Graph) -> Result<State> {
        let rows = self.read_rows(client)?;
        State::from_rows(graph, &rows).map_err(|e| {
            let mut u = UserError::from(e);
            u.message = format!("{} (in {})", u.message, self.table);
            u
        })
    }
}

/// A setting's current value, or None when it was never set (custom placeholders included).
fn guc(name: &str) -> Option<String> {
    let c_name = CString::new(name).ok()?;
    // SAFETY: missing_ok = true, restrict_privileged = false: returns NULL or a valid C string
    unsafe {
        let p = pg_sys::GetConfigOption(c_name.as_ptr(), true, false);
        (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}

/// Do the bookkeeping schema and run log exist? (Catalog lookups, no SPI.)
fn bookkeeping_exists() -> bool {
    // SAFETY: static NUL-terminated names; missing_ok = true
    unsafe {
        let ns = pg_sys::get_namespace_oid(c"security_migrate".as_ptr(), true);
        ns != pg_sys::InvalidOid
            && pg_sys::get_relname_relid(c"run_log".as_ptr(), ns) != pg_sys::InvalidOid
    }
}

/// Session settings changed for the duration of a run, to put back afterwards.
pub struct SavedSettings {
    search_path: String,
    lock_timeout: String,
}

/// Make the transaction ready for changes: READ COMMITTED only, take the runner lock (waiting
/// for a concurrent runner to finish), create the bookkeeping and the version table on first
/// use, and pin `search_path` and `lock_timeout`. State must be read after this returns.
pub fn begin_changes(client: &mut SpiClient<'_>, target: &Target) -> Result<SavedSettings> {
    let row = client
        .select(
            "SELECT current_setting('transaction_isolation'), current_setting('search_path'), \
                    current_setting('lock_timeout'), \
                    coalesce(nullif(current_setting('security_migrate.lock_timeout', true), ''), $1), \
                    current_setting('transaction_read_only')",
            Some(1),
            &[DEFAULT_LOCK_TIMEOUT.into()],
        )?
        .first();
    let isolation: String = row.get(1)?.unwrap_or_default();
    let saved = SavedSettings {
        search_path: row.get(2)?.unwrap_or_default(),
        lock_timeout: row.get(3)?.unwrap_or_default(),
    };
    let migration_lock_timeout: String = row.get(4)?.unwrap_or_else(|| DEFAULT_LOCK_TIMEOUT.into());
    if row.get::<String>(5)?.as_deref() == Some("on") {
        return Err(UserError::new(
            PgSqlErrorCode::ERRCODE_READ_ONLY_SQL_TRANSACTION,
            "migrations cannot run in a read-only transaction",
        )
        .hint("run it in a read-write transaction (not BEGIN READ ONLY, not on a standby)"));
    }
    if isolation != "read committed" {
        return Err(UserError::new(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("migrations must run in a READ COMMITTED transaction, not {}", isolation.to_uppercase()),
        )
        .detail("under a snapshot taken before the runner lock, a concurrent migration's commit would be invisible")
        .hint("run it in its own transaction, or SET TRANSACTION ISOLATION LEVEL READ COMMITTED first"));
    }
    client.update(
        "SELECT pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2))",
        None,
        &[LOCK_CLASS.into(), target.schema.clone().into()],
    )?;
    // after the lock: these cannot race with another runner. Created only when missing, so a
    // normal run neither repeats the DDL nor sends "already exists" notices.
    if !bookkeeping_exists() || !target.has_version_table() {
        client.update(
            &format!(
                "CREATE SCHEMA IF NOT EXISTS {s}; \
                 CREATE TABLE IF NOT EXISTS {s}.run_log ( \
                     id bigserial PRIMARY KEY, \
                     target_schema text NOT NULL, \
                     revision text NOT NULL, \
                     direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp')), \
                     checksum text, \
                     applied_by text NOT NULL DEFAULT current_user, \
                     finished_at timestamptz NOT NULL DEFAULT clock_timestamp(), \
                     duration_ms double precision, \
                     txid bigint NOT NULL DEFAULT txid_current()); \
                 {vt}",
                s = quote_ident(STATE_SCHEMA),
                vt = version_table_ddl(&target.schema),
            ),
            None,
            &[],
        )?;
    }
    let path = format!("{}, pg_temp", quote_ident(&target.schema));
    catch_pg(
        || {
            client.update(
                "SELECT pg_catalog.set_config('search_path', $1, true), pg_catalog.set_config('lock_timeout', $2, true)",
                None,
                &[path.clone().into(), migration_lock_timeout.clone().into()],
            )
        },
        |report| {
            Some(
                UserError::new(
                    PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                    format!(
                        "security_migrate.lock_timeout = '{migration_lock_timeout}' is not a valid lock_timeout: {}",
                        report.message()
                    ),
                )
                .hint("use a duration such as '10s', '500ms' or '1min', or '0' to wait without limit"),
            )
        },
    )?;
    Ok(saved)
}

/// Put the caller's settings back.
pub fn end_changes(client: &mut SpiClient<'_>, saved: SavedSettings) -> Result<()> {
    client.update(
        "SELECT pg_catalog.set_config('search_path', $1, true), pg_catalog.set_config('lock_timeout', $2, true)",
        None,
        &[saved.search_path.into(), saved.lock_timeout.into()],
    )?;
    Ok(())
}

/// One finished step, for the run log.
pub struct LogEntry {
    pub revision: String,
    pub direction: &'static str,
    /// The SQL that ran (its sha256 is stored); None for a stamp.
    pub sql: Option<String>,
    pub duration_ms: f64,
}

/// Record finished steps in the run log, in one statement.
pub fn write_log(
    client: &mut SpiClient<'_>,
    target: &Target,
    entries: Vec<LogEntry>,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut revs = Vec::with_capacity(entries.len());
    let mut dirs = Vec::with_capacity(entries.len());
    let mut sqls = Vec::with_capacity(entries.len());
    let mut ms = Vec::with_capacity(entries.len());
    for e in entries {
        revs.push(e.revision);
        dirs.push(e.direction.to_owned());
        sqls.push(e.sql);
        ms.push(e.duration_ms);
    }
    client.update(
        &format!(
            "INSERT INTO {}.run_log (target_schema, revision, direction, checksum, duration_ms) \
             SELECT {}, r, d, encode(sha256(convert_to(s, 'UTF8')), 'hex'), m \
               FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) WITH ORDINALITY AS u(r, d, s, m, n) \
              ORDER BY n",
            quote_ident(STATE_SCHEMA),
            quote_literal(&target.schema)
        ),
        None,
        &[revs.into(), dirs.into(), sqls.into(), ms.into()],
    )?;
    Ok(())
}
