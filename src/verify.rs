//! `migrate_verify()`: tampering and drift. Checksums of applied SQL against the embedded SQL,
//! and the live schema against the schema the applied revisions should have made — obtained by
//! replaying them into a scratch schema inside a subtransaction that is rolled back.

use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use revision_planner::sql::{quote_ident, quote_literal};
use revision_planner::{Graph, State};

use crate::database::{Target, STATE_SCHEMA};
use crate::errors::{or_raise, Result};
use crate::replay::{replay, with_catalog_path, SCRATCH};

/// A schema's objects as (key, definition), sorted by key.
type Described = Vec<(String, String)>;

/// One finding: severity (error, warning, info), kind, object, detail.
pub type Finding = (String, String, String, String);

/// Describe the objects of `schema` as (key, definition), with the schema name taken out so two
/// schemas compare. Covers tables and partitions, columns, constraints, indexes, triggers,
/// functions, enum types and sequences; `alembic_version` is left out.
/// Run with `search_path = pg_catalog`, so every name outside pg_catalog comes out qualified;
/// both compared schemas' prefixes are then stripped, the same way on both sides.
pub fn describe(client: &SpiClient<'_>, schema: &str, other: &str) -> Result<Described> {
    let q = quote_literal(schema);
    let mut prefixes = Vec::new();
    for s in [schema, other] {
        prefixes.push(quote_literal(&format!("{}.", quote_ident(s))));
        prefixes.push(quote_literal(&format!("{s}.")));
    }
    let strip = |expr: &str| {
        prefixes
            .iter()
            .fold(expr.to_owned(), |e, p| format!("replace({e}, {p}, '')"))
    };
    let sql = format!(
        "WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = {q}),
         rels AS (SELECT c.* FROM pg_class c, ns WHERE c.relnamespace = ns.oid AND c.relname NOT IN ('alembic_version', 'alembic_version_pkc'))
         SELECT 'table ' || relname, relkind::text || coalesce(' partition by ' || pg_get_partkeydef(oid), '')
                || coalesce(' bound ' || pg_get_expr(relpartbound, oid), '')
           FROM rels WHERE relkind IN ('r', 'p', 'v', 'm', 'f')
         UNION ALL
         SELECT 'column ' || r.relname || '.' || a.attname,
                {coltype} || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                || coalesce(' default ' || {def}, '') || ' #' || a.attnum
           FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
          WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p')
         UNION ALL
         SELECT 'constraint ' || r.relname || '.' || con.conname, {condef}
           FROM rels r JOIN pg_constraint con ON con.conrelid = r.oid
         UNION ALL
         SELECT 'index ' || relname, {idxdef} FROM rels WHERE relkind IN ('i', 'I')
         UNION ALL
         SELECT 'trigger ' || r.relname || '.' || t.tgname, {trgdef}
           FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal
         UNION ALL
         SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                pg_get_function_result(p.oid) || ' language ' || l.lanname
           FROM pg_proc p JOIN ns ON p.pronamespace = ns.oid JOIN pg_language l ON l.oid = p.prolang
          WHERE NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')
         UNION ALL
         SELECT 'type ' || t.typname, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
           FROM pg_type t JOIN ns ON t.typnamespace = ns.oid JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname
         UNION ALL
         SELECT 'sequence ' || relname, 'sequence' FROM rels WHERE relkind = 'S'
         ORDER BY 1",
        def = strip("pg_get_expr(d.adbin, d.adrelid)"),
        coltype = strip("format_type(a.atttypid, a.atttypmod)"),
        condef = strip("pg_get_constraintdef(con.oid)"),
        idxdef = strip("pg_get_indexdef(oid)"),
        trgdef = strip("pg_get_triggerdef(t.oid)"),
    );
    let mut out = Vec::new();
    for row in client.select(&sql, None, &[])? {
        out.push((
            row.get::<String>(1)?.unwrap_or_default(),
            row.get::<String>(2)?.unwrap_or_default(),
        ));
    }
    Ok(out)
}

/// Replay the applied revisions into a scratch schema and describe it and the live schema.
fn replay_and_describe(
    graph: &Graph,
    target: &Target,
    state: &State,
) -> Result<(Described, Described)> {
    replay(
        graph,
        state,
        |_, _| Ok(()),
        |client| {
            with_catalog_path(client, |client| {
                Ok((
                    describe(client, &target.schema, SCRATCH)?,
                    describe(client, SCRATCH, &target.schema)?,
                ))
            })
        },
    )
}

/// Checksums: the SQL recorded as applied against the embedded SQL.
pub fn checksum_findings(
    client: &SpiClient<'_>,
    graph: &Graph,
    target: &Target,
    state: &State,
) -> Result<Vec<Finding>> {
    let applied: Vec<usize> = state.applied.iter().collect();
    let ids: Vec<String> = applied.iter().map(|&i| graph.id(i).to_owned()).collect();
    let sqls: Vec<String> = applied
        .iter()
        .map(|&i| graph.rev(i).upgrade_sql.clone())
        .collect();
    let has_log: bool = client
        .select(
            &format!(
                "SELECT pg_catalog.to_regclass('{}.run_log') IS NOT NULL",
                quote_ident(STATE_SCHEMA)
            ),
            Some(1),
            &[],
        )?
        .first()
        .get(1)?
        .unwrap_or(false);
    let log_join = if has_log {
        format!(
            "LEFT JOIN LATERAL (SELECT l.direction, l.checksum, l.applied_by, l.finished_at FROM {}.run_log l \
              WHERE l.target_schema = $3 AND l.revision = e.revision ORDER BY l.id DESC LIMIT 1) last ON true",
            quote_ident(STATE_SCHEMA)
        )
    } else {
        "LEFT JOIN (SELECT NULL::text direction, NULL::text checksum, NULL::text applied_by, NULL::timestamptz finished_at) last ON true".into()
    };
    let sql = format!(
        "SELECT e.revision, encode(sha256(convert_to(e.sql, 'UTF8')), 'hex'), last.direction, last.checksum, \
                last.applied_by, last.finished_at::text \
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS e(revision, sql, n) {log_join} ORDER BY e.n"
    );
    let mut out = Vec::new();
    for row in client.select(
        &sql,
        None,
        &[ids.into(), sqls.into(), target.schema.clone().into()],
    )? {
        let rev: String = row.get(1)?.unwrap_or_default();
        let embedded: String = row.get(2)?.unwrap_or_default();
        let direction: Option<String> = row.get(3)?;
        let recorded: Option<String> = row.get(4)?;
        let by: Option<String> = row.get(5)?;
        let when: Option<String> = row.get(6)?;
        match (direction.as_deref(), recorded) {
            (Some("upgrade"), Some(sum)) if sum != embedded => out.push((
                "error".into(),
                "checksum_mismatch".into(),
                format!("revision {rev}"),
                format!(
                    "applied SQL (sha256 {sum}, by {}, at {}) differs from the embedded SQL (sha256 {embedded}); the migration file changed after it ran",
                    by.unwrap_or_default(),
                    when.unwrap_or_default()
                ),
            )),
            (Some("upgrade"), Some(_)) => {}
            _ => out.push((
                "info".into(),
                "no_checksum".into(),
                format!("revision {rev}"),
                "applied without a recorded checksum (adopted from Alembic, or stamped): nothing to compare".into(),
            )),
        }
    }
    Ok(out)
}

/// All findings, most severe first.
pub fn verify(graph: &Graph) -> Vec<Finding> {
    let target = or_raise(Target::resolve());
    let state = or_raise(Spi::connect(|client| target.read_state(client, graph)));
    let mut findings = or_raise(Spi::connect(|client| {
        checksum_findings(client, graph, &target, &state)
    }));
    let (live, expected) = or_raise(replay_and_describe(graph, &target, &state));
    let live_map: std::collections::BTreeMap<&str, &str> =
        live.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let expected_map: std::collections::BTreeMap<&str, &str> = expected
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (k, want) in &expected_map {
        match live_map.get(k) {
            None => findings.push((
                "error".into(),
                "missing".into(),
                k.to_string(),
                format!("the applied revisions create it ({want}), the database lacks it"),
            )),
            Some(have) if have != want => findings.push((
                "error".into(),
                "different".into(),
                k.to_string(),
                format!("expected: {want}; found: {have}"),
            )),
            _ => {}
        }
    }
    for (k, have) in &live_map {
        if !expected_map.contains_key(k) {
            findings.push((
                "warning".into(),
                "unexpected".into(),
                k.to_string(),
                format!("not made by the applied revisions: {have}"),
            ));
        }
    }
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    findings.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.2.cmp(&b.2)));
    findings
}
