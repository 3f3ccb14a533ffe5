//! `migrate_lint()` and `migrate_effects()`: what each revision does to the catalog, found by
//! replaying the history (PostgreSQL parses and runs the SQL, DO blocks included), and the
//! signs of the damage class of `add_time_series_partitioning`: objects a rebuild or a CASCADE
//! removed and nothing re-created, trigger functions no trigger uses, column types and objects
//! that differ from what the history makes.

use std::collections::BTreeMap;

use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use revision_planner::sql::quote_literal;
use revision_planner::{Graph, State};

use crate::database::Target;
use crate::errors::{or_raise, Result};
use crate::replay::{replay, with_catalog_path, SCRATCH};

/// One catalog object: its definition, its table and that table's oid, and for a foreign key
/// the table it references.
#[derive(Clone, Debug, PartialEq)]
struct Object {
    definition: String,
    table: String,
    table_oid: i64,
    references: Option<String>,
}

type Objects = BTreeMap<String, Object>;

/// Tables (by name -> oid), indexes not backing a constraint, constraints, triggers and columns
/// of `schema`, keyed `table t`, `index i`, `constraint t.c`, `trigger t.g`, `column t.c`;
/// inherited partition copies are left out. Definitions have the schema prefixes stripped.
fn objects(client: &SpiClient<'_>, schema: &str, other: &str) -> Result<Objects> {
    let q = quote_literal(schema);
    let mut strip = String::from("x");
    for s in [schema, other] {
        for p in [format!("\"{s}\"."), format!("{s}.")] {
            strip = format!("replace({strip}, {}, '')", quote_literal(&p));
        }
    }
    let def = |expr: &str| strip.replace('x', "\u{1}").replace('\u{1}', expr);
    let sql = format!(
        "WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = {q})
         SELECT 'table ' || t.relname, t.relkind::text, t.relname::text, t.oid::bigint, NULL::text
           FROM pg_class t, ns WHERE t.relnamespace = ns.oid AND t.relkind IN ('r', 'p') AND NOT t.relispartition
         UNION ALL
         SELECT 'index ' || i.relname, {idx}, t.relname::text, t.oid::bigint, NULL
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid, ns
          WHERE t.relnamespace = ns.oid AND NOT i.relispartition AND NOT t.relispartition
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.conrelid = t.oid)
         UNION ALL
         SELECT 'constraint ' || t.relname || '.' || c.conname, {con}, t.relname::text, t.oid::bigint, rt.relname::text
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid LEFT JOIN pg_class rt ON rt.oid = c.confrelid, ns
          WHERE t.relnamespace = ns.oid AND c.conparentid = 0 AND NOT t.relispartition
         UNION ALL
         SELECT 'trigger ' || t.relname || '.' || g.tgname, {trg}, t.relname::text, t.oid::bigint, NULL
           FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid, ns
          WHERE t.relnamespace = ns.oid AND NOT g.tgisinternal AND g.tgparentid = 0 AND NOT t.relispartition
         UNION ALL
         SELECT 'column ' || t.relname || '.' || a.attname, {typ}, t.relname::text, t.oid::bigint, NULL
           FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid, ns
          WHERE t.relnamespace = ns.oid AND t.relkind IN ('r', 'p') AND NOT t.relispartition
            AND a.attnum > 0 AND NOT a.attisdropped",
        idx = def("pg_get_indexdef(i.oid)"),
        con = def("pg_get_constraintdef(c.oid)"),
        trg = def("pg_get_triggerdef(g.oid)"),
        typ = def("format_type(a.atttypid, a.atttypmod)"),
    );
    let mut out = Objects::new();
    for row in client.select(&sql, None, &[])? {
        out.insert(
            row.get::<String>(1)?.unwrap_or_default(),
            Object {
                definition: row.get::<String>(2)?.unwrap_or_default(),
                table: row.get::<String>(3)?.unwrap_or_default(),
                table_oid: row.get::<i64>(4)?.unwrap_or_default(),
                references: row.get::<String>(5)?,
            },
        );
    }
    Ok(out)
}

/// What one revision did to the catalog.
#[derive(Debug, Default)]
struct Effects {
    created: Vec<(String, Object)>,
    dropped: Vec<(String, Object)>,
    /// Dropped as a side effect: its table was rebuilt, or the table it references was.
    lost: Vec<(String, Object)>,
}

/// Per revision (in replay order): the effects; plus the final replayed objects and the live ones.
struct Replayed {
    effects: Vec<(usize, Effects)>,
    created_by: BTreeMap<String, usize>,
    final_objects: Objects,
    live: Objects,
}

fn kind_of(key: &str) -> &str {
    key.split(' ').next().unwrap_or("")
}

fn replay_effects(graph: &Graph, target: &Target, state: &State) -> Result<Replayed> {
    let mut before = Objects::new();
    let mut effects = Vec::new();
    let mut created_by = BTreeMap::new();
    let (final_objects, live) = replay(
        graph,
        state,
        |client, rev| {
            let after = with_catalog_path(client, |c| objects(c, SCRATCH, &target.schema))?;
            let rebuilt = |table: &str| {
                let key = format!("table {table}");
                match (before.get(&key), after.get(&key)) {
                    (Some(b), Some(a)) => b.table_oid != a.table_oid,
                    _ => false,
                }
            };
            let mut e = Effects::default();
            for (k, o) in &after {
                if kind_of(k) != "column"
                    && before.get(k).is_none_or(|b| b.table_oid != o.table_oid)
                {
                    e.created.push((k.clone(), o.clone()));
                    created_by.entry(k.clone()).or_insert(rev);
                }
            }
            for (k, o) in &before {
                if kind_of(k) == "column"
                    || after.contains_key(k) && after[k].table_oid == o.table_oid
                {
                    continue;
                }
                let side_effect = kind_of(k) != "table"
                    && !after.contains_key(k)
                    && (rebuilt(&o.table) || o.references.as_deref().is_some_and(rebuilt));
                if side_effect {
                    e.lost.push((k.clone(), o.clone()));
                } else if !after.contains_key(k) {
                    e.dropped.push((k.clone(), o.clone()));
                }
            }
            before = after;
            effects.push((rev, e));
            Ok(())
        },
        |client| {
            with_catalog_path(client, |c| {
                Ok((
                    objects(c, SCRATCH, &target.schema)?,
                    objects(c, &target.schema, SCRATCH)?,
                ))
            })
        },
    )?;
    Ok(Replayed {
        effects,
        created_by,
        final_objects,
        live,
    })
}

/// One lint finding: severity, kind, object, revision, detail, suggested fix.
pub type LintRow = (String, String, String, Option<String>, String, String);

fn suggested_fix(key: &str, o: &Object, live: &Objects) -> String {
    match kind_of(key) {
        "constraint" => {
            let name = key.rsplit('.').next().unwrap_or(key);
            let partitioned_target = o
                .references
                .as_ref()
                .and_then(|r| live.get(&format!("table {r}")))
                .is_some_and(|t| t.definition == "p");
            if partitioned_target {
                format!(
                    "{} is partitioned: PostgreSQL cannot reference it by a key without the partition key; enforce the reference in the application, or reference ({}) together with the partition key",
                    o.references.as_deref().unwrap_or(""),
                    o.definition
                )
            } else {
                format!(
                    "ALTER TABLE {} ADD CONSTRAINT {name} {};",
                    o.table, o.definition
                )
            }
        }
        _ => format!("{};", o.definition),
    }
}

/// The lint: findings, most severe first. `accepted` lists object keys that an applied
/// revision's `accepted_loss:` header says cannot come back.
pub fn lint(graph: &Graph) -> Vec<LintRow> {
    let target = or_raise(Target::resolve());
    let state = or_raise(Spi::connect(|client| target.read_state(client, graph)));
    let r = or_raise(replay_effects(graph, &target, &state));
    let accepted: Vec<&str> = state
        .applied
        .iter()
        .flat_map(|i| graph.rev(i).accepted_loss.iter().map(String::as_str))
        .collect();
    let mut out: Vec<LintRow> = Vec::new();
    // 1. lost to a rebuild or a CASCADE, never re-created, not in the live schema
    for (rev, e) in &r.effects {
        for (key, object) in &e.lost {
            if r.final_objects.contains_key(key)
                || r.live.contains_key(key)
                || accepted.contains(&key.as_str())
            {
                continue;
            }
            out.push((
                "warning".into(),
                "lost_by_rebuild".into(),
                key.clone(),
                Some(graph.id(*rev).to_owned()),
                format!(
                    "created by {}, dropped as a side effect when {} rebuilt {}; no later revision re-created it",
                    r.created_by.get(key).map(|&c| graph.id(c)).unwrap_or("?"),
                    graph.id(*rev),
                    object.table
                ),
                suggested_fix(key, object, &r.live),
            ));
        }
    }
    // 2. trigger functions no trigger uses
    let orphans = or_raise(Spi::connect(|client| -> Result<Vec<String>> {
        let mut v = Vec::new();
        for row in client.select(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
              WHERE n.nspname = $1 AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype \
                AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid) \
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1",
            None,
            &[target.schema.clone().into()],
        )? {
            v.push(row.get::<String>(1)?.unwrap_or_default());
        }
        Ok(v)
    }));
    for f in orphans {
        out.push((
            "warning".into(),
            "orphan_trigger_function".into(),
            format!("function {f}()"),
            None,
            "a trigger function that no trigger uses: whatever it maintains is no longer maintained".into(),
            format!("CREATE TRIGGER ... EXECUTE FUNCTION {f}(); or DROP FUNCTION {f}();"),
        ));
    }
    // 3. what the history makes that the live schema lacks or has in another shape
    for (key, want) in &r.final_objects {
        let kind = kind_of(key);
        if kind == "table" {
            continue;
        }
        match r.live.get(key) {
            None => out.push((
                "error".into(),
                format!("missing_{kind}"),
                key.clone(),
                r.created_by.get(key).map(|&c| graph.id(c).to_owned()),
                format!(
                    "the revision history makes it ({}); the schema lacks it",
                    want.definition
                ),
                suggested_fix(key, want, &r.live),
            )),
            Some(have) if have.definition != want.definition => out.push((
                "error".into(),
                if kind == "column" {
                    "column_type".into()
                } else {
                    format!("changed_{kind}")
                },
                key.clone(),
                r.created_by.get(key).map(|&c| graph.id(c).to_owned()),
                format!(
                    "the history makes: {}; the schema has: {}",
                    want.definition, have.definition
                ),
                if kind == "column" {
                    let (t, c) = key[7..].split_once('.').unwrap_or(("", ""));
                    format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {};", want.definition)
                } else {
                    suggested_fix(key, want, &r.live)
                },
            )),
            _ => {}
        }
    }
    let rank = |s: &str| if s == "error" { 0 } else { 1 };
    out.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.2.cmp(&b.2)));
    out
}

/// Effects rows for migrate_effects: revision, action, object, definition.
pub fn effects(graph: &Graph, only: Option<usize>) -> Vec<(String, String, String, String)> {
    let target = or_raise(Target::resolve());
    // replay the whole graph (to every head), not just what is applied here
    let heads = graph.heads();
    let applied = graph.ancestors(&heads);
    let state = State {
        rows: heads,
        applied,
    };
    let r = or_raise(replay_effects(graph, &target, &state));
    let mut out = Vec::new();
    for (rev, e) in r.effects {
        if only.is_some_and(|o| o != rev) {
            continue;
        }
        let id = graph.id(rev).to_owned();
        for (action, list) in [("create", e.created), ("drop", e.dropped), ("lost", e.lost)] {
            for (k, o) in list {
                out.push((id.clone(), action.to_owned(), k, o.definition));
            }
        }
    }
    out
}
