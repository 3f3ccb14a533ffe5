//! Reading one migration file: a `-- key: value` header, then `-- migrate:upgrade` and
//! `-- migrate:downgrade` sections of plain SQL. See docs/migration-format.md.

use crate::error::{Error, ErrorKind, Result};
use crate::sql::sql_words;

/// Longest revision id Alembic's `alembic_version.version_num varchar(32)` can hold.
pub const MAX_REVISION_LEN: usize = 32;

const UPGRADE_MARK: &str = "-- migrate:upgrade";
const DOWNGRADE_MARK: &str = "-- migrate:downgrade";

/// One revision as written in its file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revision {
    pub id: String,
    pub down_revisions: Vec<String>,
    pub depends_on: Vec<String>,
    pub branch_labels: Vec<String>,
    pub message: String,
    /// How this revision departs from the original Alembic file, and why.
    pub repairs: Vec<String>,
    /// What the downgrade cannot bring back.
    pub data_loss: Vec<String>,
    /// Objects an earlier revision lost that this one declares cannot come back (the lint's
    /// key form, e.g. `constraint alerts.fk_alerts_event_id`).
    pub accepted_loss: Vec<String>,
    pub upgrade_sql: String,
    pub downgrade_sql: String,
    /// File name the revision came from (for messages).
    pub source: String,
}

fn malformed(source: &str, line: usize, msg: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::MalformedGraph, format!("{source}:{line}: {msg}"))
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Characters Alembic refuses in a revision id, plus whitespace and quotes.
pub fn check_revision_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty() {
        return Err("empty revision id".into());
    }
    if id.len() > MAX_REVISION_LEN {
        return Err(format!(
            "revision id '{id}' is {} characters long; alembic_version.version_num holds at most {MAX_REVISION_LEN}",
            id.len()
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
    {
        return Err(format!(
            "revision id '{id}' contains '{c}'; use letters, digits, '_' and '.'"
        ));
    }
    if matches!(id, "head" | "heads" | "base" | "current") {
        return Err(format!("'{id}' is a reserved word, not a revision id"));
    }
    Ok(())
}

/// Parse one migration file. `source` names the file in error messages.
pub fn parse_file(source: &str, text: &str) -> Result<Revision> {
    let mut rev = Revision {
        source: source.to_owned(),
        ..Default::default()
    };
    let mut seen_revision = false;
    let mut seen_down = false;
    let mut seen_message = false;
    let mut section: Option<&str> = None;
    let mut upgrade = String::new();
    let mut downgrade = String::new();
    let mut seen_upgrade_mark = false;

    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let trimmed = line.trim_end();
        if trimmed == UPGRADE_MARK {
            if seen_upgrade_mark {
                return Err(malformed(
                    source,
                    lineno,
                    "second '-- migrate:upgrade' marker",
                ));
            }
            seen_upgrade_mark = true;
            section = Some("up");
            continue;
        }
        if trimmed == DOWNGRADE_MARK {
            if section != Some("up") {
                return Err(malformed(
                    source,
                    lineno,
                    "'-- migrate:downgrade' must follow the '-- migrate:upgrade' section",
                ));
            }
            section = Some("down");
            continue;
        }
        match section {
            Some("up") => {
                upgrade.push_str(line);
                upgrade.push('\n');
            }
            Some(_) => {
                downgrade.push_str(line);
                downgrade.push('\n');
            }
            None => {
                if trimmed.is_empty() {
                    continue;
                }
                let Some(body) = trimmed.strip_prefix("--") else {
                    return Err(malformed(
                        source,
                        lineno,
                        "SQL before '-- migrate:upgrade'; the header holds only '-- key: value' lines",
                    ));
                };
                let Some((key, value)) = body.split_once(':') else {
                    return Err(malformed(
                        source,
                        lineno,
                        "header line is not '-- key: value'",
                    ));
                };
                let (key, value) = (key.trim(), value.trim());
                match key {
                    "revision" => {
                        if seen_revision {
                            return Err(malformed(source, lineno, "duplicate 'revision'"));
                        }
                        check_revision_id(value).map_err(|m| malformed(source, lineno, m))?;
                        rev.id = value.to_owned();
                        seen_revision = true;
                    }
                    "down_revision" => {
                        if seen_down {
                            return Err(malformed(source, lineno, "duplicate 'down_revision'"));
                        }
                        rev.down_revisions = split_list(value);
                        seen_down = true;
                    }
                    "depends_on" => rev.depends_on = split_list(value),
                    "branch_labels" => rev.branch_labels = split_list(value),
                    "message" => {
                        rev.message = value.to_owned();
                        seen_message = true;
                    }
                    "repair" => rev.repairs.push(value.to_owned()),
                    "data_loss" => rev.data_loss.push(value.to_owned()),
                    "accepted_loss" => rev.accepted_loss.push(value.to_owned()),
                    other => {
                        return Err(malformed(
                            source,
                            lineno,
                            format!("unknown header key '{other}' (known: revision, down_revision, message, branch_labels, depends_on, repair, data_loss, accepted_loss)"),
                        ))
                    }
                }
            }
        }
    }
    if !seen_revision {
        return Err(malformed(source, 1, "missing '-- revision:' header"));
    }
    if !seen_down {
        return Err(malformed(
            source,
            1,
            "missing '-- down_revision:' header (leave it empty for the root)",
        ));
    }
    if !seen_message {
        return Err(malformed(source, 1, "missing '-- message:' header"));
    }
    if !seen_upgrade_mark {
        return Err(malformed(source, 1, "missing '-- migrate:upgrade' marker"));
    }
    for (what, list) in [
        ("down_revision", &rev.down_revisions),
        ("depends_on", &rev.depends_on),
    ] {
        for id in list {
            if id == &rev.id {
                return Err(malformed(
                    source,
                    1,
                    format!("{what} names the revision itself"),
                ));
            }
        }
    }
    rev.upgrade_sql = upgrade.trim().to_owned();
    rev.downgrade_sql = downgrade.trim().to_owned();
    for (what, sql) in [
        ("upgrade", &rev.upgrade_sql),
        ("downgrade", &rev.downgrade_sql),
    ] {
        if let Some(problem) = forbidden_statement(sql) {
            return Err(malformed(source, 1, format!("{what} section: {problem}")));
        }
    }
    Ok(rev)
}

/// Statements a migration may not contain because the runner owns the transaction.
/// Looks at SQL words outside comments, string literals and dollar-quoted bodies.
pub fn forbidden_statement(sql: &str) -> Option<String> {
    const CONTROL: [&str; 7] = [
        "begin",
        "commit",
        "rollback",
        "savepoint",
        "release",
        "abort",
        "end",
    ];
    let words = sql_words(sql);
    for (i, w) in words.iter().enumerate() {
        let at_start = i == 0 || words[i - 1] == ";";
        if w.eq_ignore_ascii_case("concurrently") {
            return Some("CONCURRENTLY cannot run inside the migration's transaction".into());
        }
        if !at_start {
            continue;
        }
        if CONTROL.iter().any(|k| w.eq_ignore_ascii_case(k)) {
            return Some(format!(
                "transaction control ({}) is not allowed: every migration runs inside the caller's transaction",
                w.to_uppercase()
            ));
        }
        if w.eq_ignore_ascii_case("start")
            && words
                .get(i + 1)
                .is_some_and(|n| n.eq_ignore_ascii_case("transaction"))
        {
            return Some("transaction control (START TRANSACTION) is not allowed".into());
        }
        if w.eq_ignore_ascii_case("vacuum") {
            return Some("VACUUM cannot run inside a transaction".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- revision: abc123\n-- down_revision: p1, p2\n-- message: merge things\n-- repair: fixed\n-- data_loss: rows\n\n-- migrate:upgrade\nCREATE TABLE t (id int);\n-- migrate:downgrade\nDROP TABLE t;\n";

    #[test]
    fn parses_header_and_sections() {
        let r = parse_file("x.sql", GOOD).unwrap();
        assert_eq!(r.id, "abc123");
        assert_eq!(r.down_revisions, vec!["p1", "p2"]);
        assert_eq!(r.message, "merge things");
        assert_eq!(r.repairs, vec!["fixed"]);
        assert_eq!(r.data_loss, vec!["rows"]);
        assert_eq!(r.upgrade_sql, "CREATE TABLE t (id int);");
        assert_eq!(r.downgrade_sql, "DROP TABLE t;");
    }

    #[test]
    fn root_has_empty_down_revision() {
        let r = parse_file(
            "r.sql",
            "-- revision: r\n-- down_revision:\n-- message: m\n-- migrate:upgrade\n-- migrate:downgrade\n",
        )
        .unwrap();
        assert!(r.down_revisions.is_empty());
        assert_eq!(r.upgrade_sql, "");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = parse_file("bad.sql", "-- revision: a\nCREATE TABLE x();\n").unwrap_err();
        assert_eq!(e.kind, ErrorKind::MalformedGraph);
        assert!(e.message.starts_with("bad.sql:2:"), "{}", e.message);
        let e = parse_file("bad.sql", "-- revison: a\n").unwrap_err();
        assert!(e.message.contains("unknown header key 'revison'"));
        let e = parse_file(
            "bad.sql",
            "-- revision: a\n-- message: m\n-- migrate:upgrade\n",
        )
        .unwrap_err();
        assert!(e.message.contains("down_revision"));
    }

    #[test]
    fn revision_ids_are_checked() {
        let long = "x".repeat(33);
        let text =
            format!("-- revision: {long}\n-- down_revision:\n-- message: m\n-- migrate:upgrade\n");
        let e = parse_file("long.sql", &text).unwrap_err();
        assert!(e.message.contains("33 characters"), "{}", e.message);
        assert!(check_revision_id(&"y".repeat(32)).is_ok());
        assert!(check_revision_id("a-b").is_err());
        assert!(check_revision_id("a@b").is_err());
        assert!(check_revision_id("head").is_err());
    }

    #[test]
    fn transaction_control_and_concurrently_are_rejected() {
        for bad in [
            "BEGIN;",
            "create table a(); COMMIT;",
            "rollback",
            "SAVEPOINT s;",
            "CREATE INDEX CONCURRENTLY i ON t (a);",
            "start transaction;",
            "VACUUM t;",
        ] {
            assert!(forbidden_statement(bad).is_some(), "{bad}");
        }
        for ok in [
            "DO $$ BEGIN PERFORM 1; END $$;",
            "CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RETURN NEW; END; $body$ LANGUAGE plpgsql;",
            "-- COMMIT here is a comment\nSELECT 'commit';",
            "COMMENT ON TABLE t IS 'we begin; then commit';",
            "SELECT \"begin\" FROM t;",
        ] {
            assert_eq!(forbidden_statement(ok), None, "{ok}");
        }
    }

    #[test]
    fn forbidden_sql_fails_the_file() {
        let e = parse_file(
            "tx.sql",
            "-- revision: a\n-- down_revision:\n-- message: m\n-- migrate:upgrade\nCOMMIT;\n",
        )
        .unwrap_err();
        assert!(e.message.contains("tx.sql") && e.message.contains("COMMIT"));
    }
}
