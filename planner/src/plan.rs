//! Where the database stands, what a spec points at, and the ordered steps (with their
//! `alembic_version` changes) that get it there.

use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, RevSet};
use crate::spec::{quote, Spec};

/// The database's position: the rows of `alembic_version` and everything they imply applied.
#[derive(Debug, Clone)]
pub struct State {
    /// Revisions named in `alembic_version` (each a head of the applied set), in file order.
    pub rows: Vec<usize>,
    /// The rows and all their ancestors.
    pub applied: RevSet,
}

impl State {
    pub fn base(g: &Graph) -> State {
        State {
            rows: Vec::new(),
            applied: g.empty_set(),
        }
    }

    /// Read `alembic_version` rows. Unknown ids, duplicates and rows that another row already
    /// implies are errors: the table does not describe a state this graph can explain.
    pub fn from_rows<S: AsRef<str>>(g: &Graph, rows: &[S]) -> Result<State> {
        let mut idx = Vec::with_capacity(rows.len());
        for r in rows {
            let r = r.as_ref();
            let i = g.index_of(r).ok_or_else(|| {
                Error::new(
                    ErrorKind::BadState,
                    format!(
                        "alembic_version holds {}, which is not a revision of this chain",
                        quote(r)
                    ),
                )
                .with_hint("if the database really is at a known revision, record it with migrate_stamp('<revision>')")
            })?;
            if idx.contains(&i) {
                return Err(Error::new(
                    ErrorKind::BadState,
                    format!("alembic_version holds {} twice", quote(r)),
                )
                .with_hint("delete the duplicate row, or use migrate_stamp to rewrite the table"));
            }
            idx.push(i);
        }
        idx.sort_unstable();
        let applied = g.ancestors(&idx);
        for &i in &idx {
            let implied_by: Vec<&str> = idx
                .iter()
                .filter(|&&j| j != i && g.ancestors(&[j]).contains(i))
                .map(|&j| g.id(j))
                .collect();
            if !implied_by.is_empty() {
                return Err(Error::new(
                    ErrorKind::BadState,
                    format!(
                        "alembic_version holds {} and also {}, which already includes it",
                        quote(g.id(i)),
                        implied_by.join(", ")
                    ),
                )
                .with_hint(
                    "each row must be a head of what is applied; fix the table with migrate_stamp",
                ));
            }
        }
        Ok(State { rows: idx, applied })
    }

    pub fn row_ids<'g>(&self, g: &'g Graph) -> Vec<&'g str> {
        self.rows.iter().map(|&i| g.id(i)).collect()
    }
}

/// How one step changes `alembic_version`, as Alembic changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChange {
    Insert(String),
    Update {
        from: String,
        to: String,
    },
    Delete(String),
    /// Upgrade of a merge: delete some parent rows, update the last one to the merge.
    Merge {
        delete: Vec<String>,
        from: String,
        to: String,
    },
    /// Downgrade of a merge: update its row to one parent, insert the others.
    Unmerge {
        from: String,
        to: String,
        insert: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub revision: usize,
    pub direction: Direction,
    pub version: VersionChange,
}

/// An ordered list of steps and the rows before and after.
#[derive(Debug, Clone)]
pub struct Plan {
    pub direction: Direction,
    pub steps: Vec<Step>,
    pub from_rows: Vec<usize>,
    pub to_rows: Vec<usize>,
}

fn ids(g: &Graph, v: &[usize]) -> String {
    if v.is_empty() {
        "base".into()
    } else {
        v.iter().map(|&i| g.id(i)).collect::<Vec<_>>().join(", ")
    }
}

fn not_reachable(msg: String) -> Error {
    Error::new(ErrorKind::NotReachable, msg)
}

/// Resolve a revision id, branch label or unique prefix (at least 4 characters).
pub fn resolve_id(g: &Graph, text: &str) -> Result<usize> {
    if let Some(i) = g.index_of(text).or_else(|| g.label(text)) {
        return Ok(i);
    }
    let unknown = || {
        Error::new(
            ErrorKind::UnknownRevision,
            format!("no revision or branch label {}", quote(text)),
        )
    };
    if text.chars().count() < 4 {
        return Err(unknown().with_hint(
            "a revision prefix needs at least 4 characters; migrate_history() lists the revisions",
        ));
    }
    let mut matches: Vec<&str> = g
        .revisions()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| id.starts_with(text))
        .collect();
    match matches.len() {
        0 => Err(unknown().with_hint("migrate_history() lists the revisions")),
        1 => Ok(g.index_of(matches[0]).unwrap()),
        n => {
            matches.sort_unstable();
            Err(Error::new(
                ErrorKind::AmbiguousPrefix,
                format!("revision prefix {} matches {n} revisions", quote(text)),
            )
            .with_hint(format!("candidates: {}", matches.join(", "))))
        }
    }
}

/// Does `i` share a line with `with` (is it an ancestor or descendant of it)?
fn in_lineage(g: &Graph, i: usize, with: usize) -> bool {
    g.ancestors(&[with]).contains(i) || g.descendants(&[with]).contains(i)
}

fn resolve_branch(g: &Graph, branch: &Option<String>) -> Result<Option<usize>> {
    branch.as_deref().map(|b| resolve_id(g, b)).transpose()
}

/// Heads of the graph, optionally only those on `branch`'s line.
fn heads_on(g: &Graph, branch: Option<usize>) -> Vec<usize> {
    g.heads()
        .into_iter()
        .filter(|&h| branch.is_none_or(|b| in_lineage(g, h, b)))
        .collect()
}

/// Walk `steps` revisions up (children) or down (parents) from `start` (None = base).
/// Returns None for base. A fork on the way is an error, as in Alembic ("Ambiguous walk").
fn walk(
    g: &Graph,
    start: Option<usize>,
    steps: i64,
    branch: Option<usize>,
) -> Result<Option<usize>> {
    let mut at = start;
    let mut at_base = start.is_none();
    for _ in 0..steps.unsigned_abs() {
        let next: Vec<usize> = if steps > 0 {
            let up = match at {
                None => g.bases(),
                Some(i) => g.children(i).to_vec(),
            };
            up.into_iter()
                .filter(|&c| branch.is_none_or(|b| in_lineage(g, c, b)))
                .collect()
        } else {
            match at {
                None if at_base => {
                    return Err(not_reachable(format!(
                        "relative step {steps} goes past base"
                    )))
                }
                None => Vec::new(),
                Some(i) => g.down_revisions(i).to_vec(),
            }
        };
        if steps < 0 && next.is_empty() {
            at = None;
            at_base = true;
            continue;
        }
        match next.len() {
            0 => {
                return Err(not_reachable(format!(
                    "relative step +{steps} goes past the head ({} has no later revision)",
                    at.map_or("base".to_owned(), |i| g.id(i).to_owned())
                )))
            }
            1 => {
                at = Some(next[0]);
                at_base = false;
            }
            _ => {
                let here = at.map_or("base".to_owned(), |i| g.id(i).to_owned());
                let verb = if steps > 0 {
                    "branches into"
                } else {
                    "is a merge of"
                };
                return Err(Error::new(
                    ErrorKind::Ambiguous,
                    format!("ambiguous walk: {here} {verb} {}", ids(g, &next)),
                )
                .with_hint(if steps > 0 {
                    "name the revision to go to, or qualify the step with a branch: <rev>@+N".to_owned()
                } else {
                    format!("name the target revision, or use '{here}@-1' to unapply {here} alone (its parents stay applied)")
                }));
            }
        }
    }
    Ok(at)
}

/// The revisions a spec points at, given where the database is. Empty means base.
pub fn resolve_points(g: &Graph, state: &State, spec: &Spec) -> Result<Vec<usize>> {
    match spec {
        Spec::Base => Ok(Vec::new()),
        Spec::Current => Ok(state.rows.clone()),
        Spec::Heads { branch } => Ok(heads_on(g, resolve_branch(g, branch)?)),
        Spec::Head { branch } => {
            let b = resolve_branch(g, branch)?;
            let heads = heads_on(g, b);
            match heads.len() {
                1 => Ok(heads),
                0 => Err(not_reachable("the graph has no head".into())),
                _ => {
                    let hint = format!(
                        "use 'heads' for all of them, or name one: {}",
                        heads
                            .iter()
                            .map(|&h| format!("'{}'", g.id(h)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    Err(Error::new(
                        ErrorKind::Ambiguous,
                        format!(
                            "'{}head' is ambiguous: there are {} heads ({})",
                            branch
                                .as_deref()
                                .map(|b| format!("{b}@"))
                                .unwrap_or_default(),
                            heads.len(),
                            ids(g, &heads)
                        ),
                    )
                    .with_hint(hint))
                }
            }
        }
        Spec::Rev { branch, id } => {
            let i = resolve_id(g, id)?;
            if let Some(b) = resolve_branch(g, branch)? {
                if !in_lineage(g, i, b) {
                    return Err(not_reachable(format!(
                        "revision {} is not on branch {}",
                        g.id(i),
                        quote(branch.as_deref().unwrap())
                    )));
                }
            }
            Ok(vec![i])
        }
        Spec::Relative {
            branch,
            anchor,
            steps,
        } => {
            let b = resolve_branch(g, branch)?;
            let start = match anchor {
                Some(a) => {
                    let p = resolve_points(g, state, &Spec::parse(a)?)?;
                    match p.len() {
                        0 => None,
                        1 => Some(p[0]),
                        _ => {
                            return Err(Error::new(
                                ErrorKind::Ambiguous,
                                format!("{} names several revisions ({})", quote(a), ids(g, &p)),
                            ))
                        }
                    }
                }
                None => {
                    let rows: Vec<usize> = state
                        .rows
                        .iter()
                        .copied()
                        .filter(|&r| b.is_none_or(|b| in_lineage(g, r, b)))
                        .collect();
                    match rows.len() {
                        0 if *steps < 0 => {
                            return Err(not_reachable(format!(
                                "relative step {steps}: nothing is applied{}",
                                branch.as_deref().map(|b| format!(" on branch '{b}'")).unwrap_or_default()
                            )))
                        }
                        0 => None,
                        1 => Some(rows[0]),
                        _ => {
                            return Err(Error::new(
                                ErrorKind::Ambiguous,
                                format!(
                                    "relative step {steps} is ambiguous: the database is at {} revisions ({})",
                                    rows.len(),
                                    ids(g, &rows)
                                ),
                            )
                            .with_hint(format!(
                                "qualify the step with a revision, e.g. '{}@{steps}'",
                                g.id(rows[0])
                            )))
                        }
                    }
                }
            };
            Ok(walk(g, start, *steps, b)?.into_iter().collect())
        }
    }
}

/// Replay `order` from `state`, computing each step's version-table change.
fn steps_from(g: &Graph, state: &State, order: Vec<usize>, direction: Direction) -> Plan {
    let mut applied = state.applied.clone();
    let mut rows = state.rows.clone();
    let mut steps = Vec::with_capacity(order.len());
    for r in order {
        let id = g.id(r).to_owned();
        let version = match direction {
            Direction::Upgrade => {
                // the rows that stop being heads are exactly r's parents that were rows
                let removed: Vec<usize> = g
                    .parents(r)
                    .iter()
                    .copied()
                    .filter(|p| rows.contains(p))
                    .collect();
                rows.retain(|x| !removed.contains(x));
                rows.push(r);
                applied.insert(r);
                match removed.as_slice() {
                    [] => VersionChange::Insert(id),
                    [one] => VersionChange::Update {
                        from: g.id(*one).to_owned(),
                        to: id,
                    },
                    [rest @ .., last] => VersionChange::Merge {
                        delete: rest.iter().map(|&x| g.id(x).to_owned()).collect(),
                        from: g.id(*last).to_owned(),
                        to: id,
                    },
                }
            }
            Direction::Downgrade => {
                applied.remove(r);
                rows.retain(|&x| x != r);
                // a parent becomes a row again when nothing applied still needs it
                let added: Vec<usize> = g
                    .parents(r)
                    .iter()
                    .copied()
                    .filter(|&p| {
                        applied.contains(p) && !g.dependents(p).iter().any(|&c| applied.contains(c))
                    })
                    .collect();
                rows.extend(added.iter().copied());
                match added.as_slice() {
                    [] => VersionChange::Delete(id),
                    [one] => VersionChange::Update {
                        from: id,
                        to: g.id(*one).to_owned(),
                    },
                    [rest @ .., last] => VersionChange::Unmerge {
                        from: id,
                        to: g.id(*last).to_owned(),
                        insert: rest.iter().map(|&x| g.id(x).to_owned()).collect(),
                    },
                }
            }
        };
        steps.push(Step {
            revision: r,
            direction,
            version,
        });
    }
    rows.sort_unstable();
    Plan {
        direction,
        steps,
        from_rows: state.rows.clone(),
        to_rows: rows,
    }
}

/// Steps that apply everything `spec` needs that is not applied yet, in Alembic's order.
pub fn plan_upgrade(g: &Graph, state: &State, spec: &Spec) -> Result<Plan> {
    if let Spec::Relative {
        anchor: None,
        steps,
        ..
    } = spec
    {
        if *steps < 0 {
            return Err(not_reachable(format!(
                "upgrade to a relative step of {steps} would go down; use migrate_downgrade('{steps}')"
            )));
        }
    }
    let targets = resolve_points(g, state, spec)?;
    let mut needs = g.ancestors(&targets);
    needs.subtract(&state.applied);
    if needs.is_empty() {
        let at_target = targets.iter().all(|t| state.rows.contains(t));
        if !at_target || (targets.is_empty() && !state.rows.is_empty()) {
            return Err(not_reachable(format!(
                "cannot upgrade to {}: it is below where the database is ({})",
                ids(g, &targets),
                ids(g, &state.rows)
            ))
            .with_hint("to go back, use migrate_downgrade"));
        }
        return Ok(steps_from(g, state, Vec::new(), Direction::Upgrade));
    }
    let mut order = g.alembic_order(&needs, &targets);
    order.reverse();
    Ok(steps_from(g, state, order, Direction::Upgrade))
}

/// Steps that unapply what must go for the database to stand at `spec`, newest first.
/// `<rev>@-1` unapplies exactly `<rev>` when nothing applied depends on it (also a merge:
/// its parents stay applied).
pub fn plan_downgrade(g: &Graph, state: &State, spec: &Spec) -> Result<Plan> {
    let remove = match spec {
        Spec::Relative {
            branch: Some(b),
            anchor: None,
            steps,
        } if *steps < 0 => {
            let x = resolve_id(g, b)?;
            if !state.applied.contains(x) {
                return Err(not_reachable(format!(
                    "{} is not applied (the database is at {})",
                    g.id(x),
                    ids(g, &state.rows)
                )));
            }
            if *steps == -1 && state.rows.contains(&x) {
                let mut s = g.empty_set();
                s.insert(x);
                s
            } else {
                // walk down |steps| from the applied head on x's line, and unapply only that line
                let on_line: Vec<usize> = state
                    .rows
                    .iter()
                    .copied()
                    .filter(|&r| in_lineage(g, r, x))
                    .collect();
                if *steps == -1 || on_line.len() != 1 {
                    let dependents: Vec<usize> = state
                        .rows
                        .iter()
                        .copied()
                        .filter(|&r| r != x && g.ancestors(&[r]).contains(x))
                        .collect();
                    return Err(not_reachable(format!(
                        "cannot unapply {} alone: applied revisions depend on it ({})",
                        g.id(x),
                        ids(g, &dependents)
                    ))
                    .with_hint(format!(
                        "unapply those first, or use migrate_downgrade('{}') to go back to it",
                        g.id(x)
                    )));
                }
                let h = on_line[0];
                let target = walk(g, Some(h), *steps, None)?;
                let mut set = match target {
                    None => g.descendants(&g.bases()),
                    Some(t) => {
                        let mut d = g.descendants(&[t]);
                        d.remove(t);
                        d
                    }
                };
                set.intersect(&g.ancestors(&[h]));
                let others: Vec<usize> = state.rows.iter().copied().filter(|&r| r != h).collect();
                set.subtract(&g.ancestors(&others));
                set
            }
        }
        Spec::Relative {
            anchor: None,
            steps,
            ..
        } if *steps > 0 => {
            return Err(not_reachable(format!(
            "downgrade to a relative step of +{steps} would go up; use migrate_upgrade('+{steps}')"
        )))
        }
        _ => {
            let points = resolve_points(g, state, spec)?;
            if let Some(&p) = points.iter().find(|&&p| !state.applied.contains(p)) {
                return Err(not_reachable(format!(
                    "cannot downgrade to {}: it is not applied (the database is at {})",
                    g.id(p),
                    ids(g, &state.rows)
                ))
                .with_hint("to go forward, use migrate_upgrade"));
            }
            // as Alembic: what descends from the targets' children (through down_revision)
            // goes; a revision that merely depends_on a target stays
            let mut set = if points.is_empty() {
                state.applied.clone()
            } else {
                let roots: Vec<usize> = points
                    .iter()
                    .flat_map(|&p| g.children(p).iter().copied())
                    .collect();
                g.descendants(&roots)
            };
            set.intersect(&state.applied);
            set
        }
    };
    let order = g.alembic_order(&remove, &state.rows);
    Ok(steps_from(g, state, order, Direction::Downgrade))
}

/// Upgrade or downgrade, whichever way `spec` lies from the database: used by dry runs and
/// offline scripts that take one target.
pub fn plan_auto(g: &Graph, state: &State, spec: &Spec) -> Result<Plan> {
    let goes_down = match spec {
        Spec::Base => true,
        Spec::Relative {
            steps,
            anchor: None,
            ..
        } => *steps < 0,
        _ => {
            let points = resolve_points(g, state, spec)?;
            !points.is_empty() && points.iter().all(|&p| state.applied.contains(p))
        }
    };
    if goes_down {
        plan_downgrade(g, state, spec)
    } else {
        plan_upgrade(g, state, spec)
    }
}

/// The state after a stamp: targets replace the rows on their lines, other lines stay.
pub fn stamp(g: &Graph, state: &State, spec: &Spec) -> Result<State> {
    let targets = resolve_points(g, state, spec)?;
    let mut keep: Vec<usize> = if targets.is_empty() {
        Vec::new()
    } else {
        state
            .rows
            .iter()
            .copied()
            .filter(|&r| !targets.iter().any(|&t| in_lineage(g, r, t)))
            .collect()
    };
    keep.extend(targets);
    let applied = g.ancestors(&keep);
    let mut rows = g.heads_of(&applied);
    rows.sort_unstable();
    Ok(State { rows, applied })
}

/// Revisions in a history range (`A:B`, `A:`, `:B`, `:`), newest first as `alembic history`
/// prints them. `None` means the whole graph.
pub fn history(g: &Graph, state: &State, range: Option<&str>) -> Result<Vec<usize>> {
    let (lower, upper) = match range.map(str::trim) {
        None | Some(":") => (None, None),
        Some("") => return Err(Error::new(ErrorKind::InvalidSpec, "empty history range")
            .with_hint(
                "pass NULL for the whole history, or a range such as 'base:head', 'abcd:', ':abcd'",
            )),
        Some(r) => {
            let Some((lo, hi)) = r.split_once(':') else {
                return Err(Error::new(
                    ErrorKind::InvalidSpec,
                    format!("history range {} has no ':'", quote(r)),
                )
                .with_hint("a range is [start]:[end], e.g. 'base:head', 'abcd:', ':abcd'"));
            };
            let side = |s: &str| -> Result<Option<Vec<usize>>> {
                if s.trim().is_empty() {
                    Ok(None)
                } else {
                    resolve_points(g, state, &Spec::parse(s)?).map(Some)
                }
            };
            (side(lo)?, side(hi)?)
        }
    };
    let upper = upper.unwrap_or_else(|| g.heads());
    let mut set = g.ancestors(&upper);
    if let Some(lo) = lower {
        if !lo.is_empty() {
            set.intersect(&g.descendants(&lo));
            if set.is_empty() {
                return Err(not_reachable(format!(
                    "history range is empty: {} is not an ancestor of {}",
                    ids(g, &lo),
                    ids(g, &upper)
                )));
            }
        }
    }
    Ok(g.alembic_order(&set, &upper))
}
