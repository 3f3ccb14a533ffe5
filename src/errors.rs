//! Turning errors into PostgreSQL ERRORs with the right SQLSTATE, message and HINT.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::{CaughtError, ErrorReport, ErrorReportWithLevel};
use pgrx::pg_sys::PgTryBuilder;
use pgrx::prelude::*;
use revision_planner::{Error, ErrorKind};

/// A user-facing error: SQLSTATE, message, optional detail and hint.
pub struct UserError {
    pub code: PgSqlErrorCode,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl UserError {
    pub fn new(code: PgSqlErrorCode, message: impl Into<String>) -> Self {
        UserError {
            code,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Raise it as an ERROR (never returns).
    pub fn raise(self) -> ! {
        let mut report = ErrorReport::new(self.code, self.message, "security_migrate");
        if let Some(d) = self.detail {
            report = report.set_detail(d);
        }
        if let Some(h) = self.hint {
            report = report.set_hint(h);
        }
        report.report(PgLogLevel::ERROR);
        unreachable!("ERROR returned")
    }
}

impl From<Error> for UserError {
    fn from(e: Error) -> Self {
        let code = match e.kind {
            ErrorKind::InvalidSpec | ErrorKind::AmbiguousPrefix | ErrorKind::Ambiguous => {
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE
            }
            ErrorKind::UnknownRevision => PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            ErrorKind::NotReachable => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            ErrorKind::BadState => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            ErrorKind::MalformedGraph => PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
        };
        UserError {
            code,
            message: e.message,
            detail: None,
            hint: e.hint,
        }
    }
}

impl From<pgrx::spi::SpiError> for UserError {
    fn from(e: pgrx::spi::SpiError) -> Self {
        UserError::new(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("security_migrate: SPI failed: {e}"),
        )
    }
}

pub type Result<T> = std::result::Result<T, UserError>;

/// Unwrap a result or raise its error.
pub fn or_raise<T, E: Into<UserError>>(r: std::result::Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => e.into().raise(),
    }
}

/// A required argument that arrived as SQL NULL.
pub fn required<'a>(value: Option<&'a str>, what: &str) -> &'a str {
    match value {
        Some(v) => v,
        None => UserError::new(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            format!("{what} must not be NULL"),
        )
        .hint("pass a revision spec such as 'head', 'base', a revision id or '-1'")
        .raise(),
    }
}

/// Run `f`; a PostgreSQL ERROR raised inside it is re-raised as `map` decides, or else as a
/// plain copy (same SQLSTATE, message, detail and hint, without the Rust backtrace pgrx would
/// attach when RUST_BACKTRACE is set). Errors the extension raised itself pass through.
pub fn catch_pg<R>(
    f: impl FnOnce() -> R,
    map: impl Fn(&ErrorReportWithLevel) -> Option<UserError>,
) -> R {
    let map = AssertUnwindSafe(map);
    PgTryBuilder::new(AssertUnwindSafe(f))
        .catch_others(move |caught| match caught {
            CaughtError::PostgresError(report) => match map(&report) {
                Some(u) => u.raise(),
                None => UserError {
                    code: report.sql_error_code(),
                    message: report.message().to_owned(),
                    detail: report.detail().map(str::to_owned),
                    hint: report.hint().map(str::to_owned),
                }
                .raise(),
            },
            other => other.rethrow(),
        })
        .execute()
}

/// `catch_pg` with no special mapping: PostgreSQL errors keep their SQLSTATE and text.
pub fn clean_pg_errors<R>(f: impl FnOnce() -> R) -> R {
    catch_pg(f, |_| None)
}
