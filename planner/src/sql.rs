//! SQL text handling the runner needs: a small lexer that knows comments, quoted strings,
//! quoted identifiers and dollar-quoted bodies; splitting a section into statements; and the
//! `alembic_version` statements and offline script that go with a plan.

use crate::graph::Graph;
use crate::plan::{Direction, Plan, VersionChange};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Word,
    Semicolon,
    Other,
}

/// Tokens as (kind, start, end) byte ranges; comments and whitespace are skipped, every quoted
/// or dollar-quoted literal is one `Other` token.
fn lex(sql: &str) -> Vec<(Tok, usize, usize)> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 1;
            i += 2;
            while i < b.len() && depth > 0 {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if c == b'\'' || c == b'"' {
            // E'...' strings allow backslash escapes
            let escapes = c == b'\''
                && i > 0
                && matches!(b[i - 1], b'e' | b'E')
                && (i < 2 || !(b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_'));
            i += 1;
            while i < b.len() {
                if escapes && b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == c {
                    if b.get(i + 1) == Some(&c) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push((Tok::Other, start, i));
            continue;
        }
        if c == b'$' {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j < b.len() && b[j] == b'$' && !b[i + 1..j].first().is_some_and(u8::is_ascii_digit) {
                let tag = &sql[i..=j];
                i = match sql[j + 1..].find(tag) {
                    Some(end) => j + 1 + end + tag.len(),
                    None => b.len(),
                };
            } else {
                i = j.max(i + 1);
            }
            out.push((Tok::Other, start, i));
            continue;
        }
        if c == b';' {
            out.push((Tok::Semicolon, i, i + 1));
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            // E'..' : the E belongs to the string that follows
            if i - start == 1 && matches!(c, b'e' | b'E') && b.get(i) == Some(&b'\'') {
                continue;
            }
            out.push((Tok::Word, start, i));
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        i += 1;
        out.push((Tok::Other, start, i));
    }
    out
}

/// Words (as written) and `;` tokens outside comments and literals.
pub(crate) fn sql_words(sql: &str) -> Vec<&str> {
    lex(sql)
        .into_iter()
        .filter(|(t, _, _)| *t != Tok::Other)
        .map(|(_, s, e)| &sql[s..e])
        .collect()
}

/// Split a section into its statements (each without the trailing `;`, trimmed), so the
/// runner can run them one by one and name the one that fails.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut last_end = 0;
    for (t, s, e) in lex(sql) {
        match t {
            Tok::Semicolon => {
                if let Some(st) = start.take() {
                    out.push(sql[st..last_end].trim());
                }
            }
            _ => {
                start.get_or_insert(s);
                last_end = e;
            }
        }
    }
    if let Some(st) = start {
        out.push(sql[st..last_end].trim());
    }
    out
}

/// Quote an identifier for SQL text (always quoted, doubled inner quotes).
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Quote a string literal.
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The statements that apply one step's change to the version table `table` (already quoted
/// and qualified), as Alembic writes them.
pub fn version_statements(table: &str, change: &VersionChange) -> Vec<String> {
    let ins = |v: &str| {
        format!(
            "INSERT INTO {table} (version_num) VALUES ({})",
            quote_literal(v)
        )
    };
    let del = |v: &str| {
        format!(
            "DELETE FROM {table} WHERE version_num = {}",
            quote_literal(v)
        )
    };
    let upd = |from: &str, to: &str| {
        format!(
            "UPDATE {table} SET version_num = {} WHERE version_num = {}",
            quote_literal(to),
            quote_literal(from)
        )
    };
    match change {
        VersionChange::Insert(v) => vec![ins(v)],
        VersionChange::Delete(v) => vec![del(v)],
        VersionChange::Update { from, to } => vec![upd(from, to)],
        VersionChange::Merge { delete, from, to } => {
            let mut v: Vec<String> = delete.iter().map(|d| del(d)).collect();
            v.push(upd(from, to));
            v
        }
        VersionChange::Unmerge { from, to, insert } => {
            let mut v: Vec<String> = insert.iter().map(|i| ins(i)).collect();
            v.push(upd(from, to));
            v
        }
    }
}

/// The DDL of Alembic's version table, in `schema`.
pub fn version_table_ddl(schema: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {}.alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
        quote_ident(schema)
    )
}

/// Alembic's progress line: `Running upgrade A, B -> C, message`.
pub fn step_message(g: &Graph, revision: usize, direction: Direction) -> String {
    let r = g.rev(revision);
    let parents = r.down_revisions.join(", ");
    match direction {
        Direction::Upgrade => format!("Running upgrade {} -> {}, {}", parents, r.id, r.message),
        Direction::Downgrade => format!("Running downgrade {} -> {}, {}", r.id, parents, r.message),
    }
}

/// The offline script for `plan` (Alembic's `--sql`): one transaction with each step's SQL and
/// its version-table statements, for review or for running elsewhere with `psql -1 -f`.
pub fn offline_script(g: &Graph, plan: &Plan, schema: &str) -> String {
    let table = format!("{}.alembic_version", quote_ident(schema));
    let mut out = String::new();
    out.push_str(
        "-- generated by security_migrate: review, then run with psql -v ON_ERROR_STOP=1 -f\n",
    );
    out.push_str("BEGIN;\n\n");
    out.push_str(&format!(
        "SET LOCAL search_path TO {}, pg_temp;\n\n",
        quote_ident(schema)
    ));
    if plan.direction == Direction::Upgrade && plan.from_rows.is_empty() {
        out.push_str(&version_table_ddl(schema));
        out.push_str(";\n\n");
    }
    for step in &plan.steps {
        let r = g.rev(step.revision);
        out.push_str(&format!(
            "-- {}\n\n",
            step_message(g, step.revision, step.direction)
        ));
        let sql = match step.direction {
            Direction::Upgrade => &r.upgrade_sql,
            Direction::Downgrade => &r.downgrade_sql,
        };
        if !sql.is_empty() {
            out.push_str(sql);
            out.push_str("\n\n");
        }
        for s in version_statements(&table, &step.version) {
            out.push_str(&s);
            out.push_str(";\n");
        }
        out.push('\n');
    }
    out.push_str("COMMIT;\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let sql = "CREATE TABLE a (x text DEFAULT ';');\n-- a comment; with semicolon\nDO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT E'it\\'s; fine', \"we;ird\" /* c; */ FROM t";
        let parts = split_statements(sql);
        assert_eq!(parts.len(), 4, "{parts:#?}");
        assert_eq!(parts[0], "CREATE TABLE a (x text DEFAULT ';')");
        assert!(parts[1].starts_with("DO $$") && parts[1].ends_with("END $$"));
        assert!(parts[2].ends_with("LANGUAGE sql"));
        assert!(parts[3].starts_with("SELECT E'it\\'s; fine'"));
        assert!(split_statements("  ;; -- only comments\n").is_empty());
        assert_eq!(split_statements("SELECT $1;"), ["SELECT $1"]);
    }

    #[test]
    fn version_statements_follow_alembic() {
        let t = "\"public\".alembic_version";
        assert_eq!(
            version_statements(t, &VersionChange::Insert("a".into())),
            ["INSERT INTO \"public\".alembic_version (version_num) VALUES ('a')"]
        );
        let m = version_statements(
            t,
            &VersionChange::Merge {
                delete: vec!["p1".into()],
                from: "p2".into(),
                to: "m".into(),
            },
        );
        assert_eq!(m.len(), 2);
        assert!(m[0].starts_with("DELETE") && m[1].starts_with("UPDATE"));
        assert_eq!(quote_literal("o'k"), "'o''k'");
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
    }
}
