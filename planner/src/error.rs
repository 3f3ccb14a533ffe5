//! Errors a caller can cause, with enough structure for the extension to pick a SQLSTATE and a HINT.

use std::fmt;

/// What went wrong, by kind. The extension maps each kind to one SQLSTATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// A revision spec that does not parse (empty, bad characters, bad relative step).
    InvalidSpec,
    /// No revision or branch label of that name.
    UnknownRevision,
    /// A prefix that matches several revisions.
    AmbiguousPrefix,
    /// `head` asked for while the graph (or branch) has several heads, or a walk meets a fork.
    Ambiguous,
    /// The target cannot be reached in the asked direction from where the database stands.
    NotReachable,
    /// The version table holds something the graph cannot explain (unknown id, non-head rows).
    BadState,
    /// A migration file or the graph they form is malformed.
    MalformedGraph,
}

/// An error with a message for the user and an optional hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
