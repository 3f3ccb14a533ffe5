//! Graph, spec resolution and planning on small hand-made graphs and on random DAGs.

use revision_planner::*;

fn rev(id: &str, down: &[&str]) -> Revision {
    Revision {
        id: id.into(),
        down_revisions: down.iter().map(|s| s.to_string()).collect(),
        message: format!("rev {id}"),
        source: format!("{id}.sql"),
        ..Default::default()
    }
}

/// base a -> b -> {c1 -> c2, d1} ; m = merge(c2, d1) -> e
fn diamond() -> Graph {
    Graph::new(vec![
        rev("aaaa", &[]),
        rev("bbbb", &["aaaa"]),
        rev("c1c1", &["bbbb"]),
        rev("c2c2", &["c1c1"]),
        rev("d1d1", &["bbbb"]),
        rev("mmmm", &["c2c2", "d1d1"]),
        rev("eeee", &["mmmm"]),
    ])
    .unwrap()
}

/// Two heads: a -> {x1 -> x2, y1}
fn two_heads() -> Graph {
    Graph::new(vec![
        rev("aaaa", &[]),
        rev("x1x1", &["aaaa"]),
        rev("x2x2", &["x1x1"]),
        rev("y1y1", &["aaaa"]),
    ])
    .unwrap()
}

fn ids(g: &Graph, v: &[usize]) -> Vec<String> {
    v.iter().map(|&i| g.id(i).to_string()).collect()
}

fn order(g: &Graph, p: &Plan) -> Vec<String> {
    p.steps
        .iter()
        .map(|s| g.id(s.revision).to_string())
        .collect()
}

fn at(g: &Graph, rows: &[&str]) -> State {
    State::from_rows(g, rows).unwrap()
}

fn spec(s: &str) -> Spec {
    Spec::parse(s).unwrap()
}

/// Apply a plan's version changes to a row set, as alembic_version would change.
fn apply_rows(rows: &mut Vec<String>, p: &Plan) {
    for s in &p.steps {
        match &s.version {
            VersionChange::Insert(v) => rows.push(v.clone()),
            VersionChange::Delete(v) => rows.retain(|r| r != v),
            VersionChange::Update { from, to } => {
                let pos = rows
                    .iter()
                    .position(|r| r == from)
                    .expect("update of a missing row");
                rows[pos] = to.clone();
            }
            VersionChange::Merge { delete, from, to } => {
                rows.retain(|r| !delete.contains(r));
                let pos = rows
                    .iter()
                    .position(|r| r == from)
                    .expect("merge of a missing row");
                rows[pos] = to.clone();
            }
            VersionChange::Unmerge { from, to, insert } => {
                let pos = rows
                    .iter()
                    .position(|r| r == from)
                    .expect("unmerge of a missing row");
                rows[pos] = to.clone();
                rows.extend(insert.iter().cloned());
            }
        }
    }
}

#[test]
fn heads_bases_merges_branch_points() {
    let g = diamond();
    assert_eq!(ids(&g, &g.heads()), ["eeee"]);
    assert_eq!(ids(&g, &g.bases()), ["aaaa"]);
    let b = g.index_of("bbbb").unwrap();
    let m = g.index_of("mmmm").unwrap();
    assert!(g.is_branch_point(b) && !g.is_merge(b));
    assert!(g.is_merge(m) && !g.is_branch_point(m));
    let anc = g.ancestors(&[g.index_of("c2c2").unwrap()]);
    assert_eq!(
        ids(&g, &anc.iter().collect::<Vec<_>>()),
        ["aaaa", "bbbb", "c1c1", "c2c2"]
    );
    let desc = g.descendants(&[g.index_of("d1d1").unwrap()]);
    assert_eq!(
        ids(&g, &desc.iter().collect::<Vec<_>>()),
        ["d1d1", "mmmm", "eeee"]
    );
}

#[test]
fn malformed_graphs_name_the_file() {
    let dup = Graph::new(vec![rev("aaaa", &[]), rev("aaaa", &["aaaa"])]).unwrap_err();
    assert!(
        dup.message.contains("duplicate revision id 'aaaa'"),
        "{dup}"
    );
    let unknown = Graph::new(vec![rev("aaaa", &[]), rev("bbbb", &["nope"])]).unwrap_err();
    assert!(
        unknown.message.starts_with("bbbb.sql") && unknown.message.contains("'nope'"),
        "{unknown}"
    );
    let two = Graph::new(vec![rev("aaaa", &[]), rev("bbbb", &[])]).unwrap_err();
    assert!(two.message.contains("several base revisions"), "{two}");
    let cyc = Graph::new(vec![
        rev("aaaa", &[]),
        rev("bbbb", &["cccc"]),
        rev("cccc", &["bbbb"]),
    ])
    .unwrap_err();
    assert!(
        cyc.message.contains("cycle") && cyc.message.contains("bbbb.sql"),
        "{cyc}"
    );
    for e in [dup, unknown, two, cyc] {
        assert_eq!(e.kind, ErrorKind::MalformedGraph);
    }
}

#[test]
fn upgrade_from_base_runs_every_revision_once_in_dependency_order() {
    let g = diamond();
    let p = plan_upgrade(&g, &State::base(&g), &spec("head")).unwrap();
    let o = order(&g, &p);
    // the order real Alembic 1.20.1 gives for this graph (checked with its RevisionMap)
    assert_eq!(o, ["aaaa", "bbbb", "d1d1", "c1c1", "c2c2", "mmmm", "eeee"]);
    let mut rows = Vec::new();
    apply_rows(&mut rows, &p);
    assert_eq!(rows, ["eeee"]);
    assert!(matches!(p.steps[5].version, VersionChange::Merge { .. }));
}

#[test]
fn partial_branches_then_the_merge() {
    let g = diamond();
    let p1 = plan_upgrade(&g, &State::base(&g), &spec("c2c2")).unwrap();
    assert_eq!(order(&g, &p1), ["aaaa", "bbbb", "c1c1", "c2c2"]);
    let p2 = plan_upgrade(&g, &at(&g, &["c2c2"]), &spec("d1d1")).unwrap();
    assert_eq!(order(&g, &p2), ["d1d1"]);
    assert_eq!(p2.steps[0].version, VersionChange::Insert("d1d1".into()));
    let s = at(&g, &["c2c2", "d1d1"]);
    let p3 = plan_upgrade(&g, &s, &spec("mmmm")).unwrap();
    assert_eq!(order(&g, &p3), ["mmmm"]);
    let mut rows = vec!["c2c2".to_string(), "d1d1".to_string()];
    apply_rows(&mut rows, &p3);
    assert_eq!(rows, ["mmmm"]);
}

#[test]
fn downgrades_through_a_merge_point() {
    let g = diamond();
    let head = at(&g, &["eeee"]);
    // to b: everything above b goes, newest first
    let p = plan_downgrade(&g, &head, &spec("bbbb")).unwrap();
    assert_eq!(order(&g, &p), ["eeee", "mmmm", "c2c2", "c1c1", "d1d1"]); // as Alembic
    let mut rows = vec!["eeee".to_string()];
    apply_rows(&mut rows, &p);
    assert_eq!(rows, ["bbbb"]);
    // unapply the merge alone: both parents stay and become rows
    let at_m = at(&g, &["mmmm"]);
    let p = plan_downgrade(&g, &at_m, &spec("mmmm@-1")).unwrap();
    assert_eq!(order(&g, &p), ["mmmm"]);
    let mut rows = vec!["mmmm".to_string()];
    apply_rows(&mut rows, &p);
    rows.sort();
    assert_eq!(rows, ["c2c2", "d1d1"]);
    // -1 from a merge is ambiguous, as in Alembic, with a hint to use <rev>@-1
    let e = plan_downgrade(&g, &at_m, &spec("-1")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Ambiguous);
    assert!(e.hint.unwrap().contains("mmmm@-1"));
    // one branch of two applied apart
    let apart = at(&g, &["c2c2", "d1d1"]);
    let p = plan_downgrade(&g, &apart, &spec("d1d1@-1")).unwrap();
    assert_eq!(order(&g, &p), ["d1d1"]);
    assert_eq!(p.steps[0].version, VersionChange::Delete("d1d1".into()));
    // c1c1@-1 is refused: c2c2 depends on it
    let e = plan_downgrade(&g, &apart, &spec("c1c1@-1")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReachable);
    assert!(e.message.contains("c2c2"), "{e}");
    // c2c2@-2 walks its own line back to b and leaves d1d1
    let p = plan_downgrade(&g, &apart, &spec("c2c2@-2")).unwrap();
    assert_eq!(order(&g, &p), ["c2c2", "c1c1"]);
    let mut rows = vec!["c2c2".to_string(), "d1d1".to_string()];
    apply_rows(&mut rows, &p);
    assert_eq!(rows, ["d1d1"]);
}

#[test]
fn relative_specs() {
    let g = diamond();
    let base = State::base(&g);
    assert_eq!(
        order(&g, &plan_upgrade(&g, &base, &spec("+2")).unwrap()),
        ["aaaa", "bbbb"]
    );
    let e = plan_upgrade(&g, &at(&g, &["bbbb"]), &spec("+1")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Ambiguous);
    assert_eq!(
        order(
            &g,
            &plan_upgrade(&g, &at(&g, &["bbbb"]), &spec("c1c1+1")).unwrap()
        ),
        ["c1c1", "c2c2"]
    );
    assert_eq!(
        order(
            &g,
            &plan_downgrade(&g, &at(&g, &["c2c2"]), &spec("-2")).unwrap()
        ),
        ["c2c2", "c1c1"]
    );
    let e = plan_downgrade(&g, &at(&g, &["bbbb"]), &spec("-3")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReachable, "{e}");
    // -2 from b lands exactly on base
    let p = plan_downgrade(&g, &at(&g, &["bbbb"]), &spec("-2")).unwrap();
    assert_eq!(order(&g, &p), ["bbbb", "aaaa"]);
    let e = plan_upgrade(&g, &at(&g, &["eeee"]), &spec("+1")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReachable);
    let e = plan_upgrade(&g, &at(&g, &["bbbb"]), &spec("-1")).unwrap_err();
    assert!(e.message.contains("migrate_downgrade"), "{e}");
    let e = plan_downgrade(&g, &base, &spec("-1")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReachable);
    // several heads applied: -1 must name its line
    let e = plan_downgrade(&g, &at(&g, &["c2c2", "d1d1"]), &spec("-1")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Ambiguous);
}

#[test]
fn head_with_several_heads_is_an_error_that_says_what_to_do() {
    let g = two_heads();
    let e = plan_upgrade(&g, &State::base(&g), &spec("head")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Ambiguous);
    assert!(e.message.contains("2 heads"), "{e}");
    assert!(e.hint.as_ref().unwrap().contains("heads") && e.hint.unwrap().contains("'y1y1'"));
    let p = plan_upgrade(&g, &State::base(&g), &spec("heads")).unwrap();
    assert_eq!(p.steps.len(), 4);
    let mut rows = Vec::new();
    apply_rows(&mut rows, &p);
    rows.sort();
    assert_eq!(rows, ["x2x2", "y1y1"]);
    // <rev>@head picks that line's head
    let p = plan_upgrade(&g, &State::base(&g), &spec("x1x1@head")).unwrap();
    assert_eq!(order(&g, &p), ["aaaa", "x1x1", "x2x2"]);
}

#[test]
fn prefixes_and_unknown_ids() {
    let g = Graph::new(vec![
        rev("abcd1234", &[]),
        rev("abcd5678", &["abcd1234"]),
        rev("ffff0000", &["abcd5678"]),
    ])
    .unwrap();
    assert_eq!(g.id(resolve_id(&g, "ffff").unwrap()), "ffff0000");
    let e = resolve_id(&g, "abcd").unwrap_err();
    assert_eq!(e.kind, ErrorKind::AmbiguousPrefix);
    assert_eq!(e.hint.unwrap(), "candidates: abcd1234, abcd5678");
    for short in ["f", "ff", "fff"] {
        let e = resolve_id(&g, short).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownRevision);
        assert!(e.hint.unwrap().contains("4 characters"));
    }
    assert_eq!(
        resolve_id(&g, "zzzzzz").unwrap_err().kind,
        ErrorKind::UnknownRevision
    );
}

#[test]
fn version_table_states_that_make_no_sense_are_rejected() {
    let g = diamond();
    for rows in [
        &["nope"][..],
        &["aaaa", "aaaa"],
        &["aaaa", "c1c1"],
        &["bbbb", "eeee"],
    ] {
        let e = State::from_rows(&g, rows).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadState, "{rows:?}");
        assert!(e.hint.is_some());
    }
    assert!(State::from_rows(&g, &["c1c1", "d1d1"]).is_ok());
}

#[test]
fn no_op_and_wrong_direction() {
    let g = diamond();
    let head = at(&g, &["eeee"]);
    assert!(plan_upgrade(&g, &head, &spec("head"))
        .unwrap()
        .steps
        .is_empty());
    assert!(plan_upgrade(&g, &head, &spec("heads"))
        .unwrap()
        .steps
        .is_empty());
    let e = plan_upgrade(&g, &head, &spec("bbbb")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReachable);
    let e = plan_downgrade(&g, &at(&g, &["bbbb"]), &spec("eeee")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReachable);
    assert!(plan_downgrade(&g, &State::base(&g), &spec("base"))
        .unwrap()
        .steps
        .is_empty());
    assert!(plan_downgrade(&g, &head, &spec("eeee"))
        .unwrap()
        .steps
        .is_empty());
    // plan_auto picks the direction
    assert_eq!(
        plan_auto(&g, &head, &spec("bbbb")).unwrap().direction,
        Direction::Downgrade
    );
    assert_eq!(
        plan_auto(&g, &State::base(&g), &spec("bbbb"))
            .unwrap()
            .direction,
        Direction::Upgrade
    );
}

#[test]
fn stamp_replaces_rows_on_the_target_line_only() {
    let g = two_heads();
    let s = stamp(&g, &at(&g, &["x1x1", "y1y1"]), &spec("x2x2")).unwrap();
    assert_eq!(s.row_ids(&g), ["x2x2", "y1y1"]);
    let s = stamp(&g, &at(&g, &["x1x1", "y1y1"]), &spec("base")).unwrap();
    assert!(s.rows.is_empty());
    let s = stamp(&g, &State::base(&g), &spec("heads")).unwrap();
    assert_eq!(s.row_ids(&g), ["x2x2", "y1y1"]);
}

#[test]
fn history_ranges() {
    let g = diamond();
    let s = State::base(&g);
    let all = history(&g, &s, None).unwrap();
    assert_eq!(ids(&g, &all)[0], "eeee");
    assert_eq!(all.len(), 7);
    assert_eq!(
        ids(&g, &history(&g, &s, Some("base:bbbb")).unwrap()),
        ["bbbb", "aaaa"]
    );
    assert_eq!(
        ids(&g, &history(&g, &s, Some("mmmm:")).unwrap()),
        ["eeee", "mmmm"]
    );
    assert_eq!(
        ids(&g, &history(&g, &s, Some(":c1c1")).unwrap()),
        ["c1c1", "bbbb", "aaaa"]
    );
    assert_eq!(
        ids(&g, &history(&g, &s, Some("c1c1:c2c2")).unwrap()),
        ["c2c2", "c1c1"]
    );
    assert_eq!(
        history(&g, &s, Some("head")).unwrap_err().kind,
        ErrorKind::InvalidSpec
    );
    assert_eq!(
        history(&g, &s, Some("d1d1:c2c2")).unwrap_err().kind,
        ErrorKind::NotReachable
    );
}

/// A tiny deterministic generator (xorshift), so the property tests need no dependency and
/// every failure names its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A random DAG with one base: each revision gets 1–3 distinct earlier parents. File order is
/// shuffled so that ties are not trivially broken by creation order.
fn random_dag(seed: u64, n: usize) -> Graph {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut revs = vec![rev("r0000", &[])];
    for i in 1..n {
        let k = 1 + rng.below(3).min(i - 1);
        let mut parents: Vec<String> = Vec::new();
        while parents.len() < k {
            // favour recent revisions so there are long lines as well as forks
            let back = 1 + rng.below(i.min(6));
            let p = format!("r{:04}", i - back);
            if !parents.contains(&p) {
                parents.push(p);
            }
        }
        let refs: Vec<&str> = parents.iter().map(String::as_str).collect();
        revs.push(rev(&format!("r{i:04}"), &refs));
    }
    for i in (1..revs.len()).rev() {
        let j = rng.below(i + 1);
        revs.swap(i, j);
    }
    Graph::new(revs).unwrap()
}

fn check_up_then_down(seed: u64, n: usize) {
    let g = random_dag(seed, n);
    let up = plan_upgrade(&g, &State::base(&g), &spec("heads")).unwrap();
    // every revision exactly once, parents first
    let mut seen = g.empty_set();
    for s in &up.steps {
        assert!(
            seen.insert(s.revision),
            "seed {seed}: {} twice",
            g.id(s.revision)
        );
        for &p in g.parents(s.revision) {
            assert!(
                seen.contains(p),
                "seed {seed}: {} before its parent {}",
                g.id(s.revision),
                g.id(p)
            );
        }
    }
    assert_eq!(seen.count(), g.len(), "seed {seed}");
    let mut rows = Vec::new();
    apply_rows(&mut rows, &up);
    rows.sort();
    let mut heads = ids(&g, &g.heads());
    heads.sort();
    assert_eq!(rows, heads, "seed {seed}: rows after upgrade");
    let top = State::from_rows(&g, &rows).unwrap();
    let down = plan_downgrade(&g, &top, &spec("base")).unwrap();
    let mut gone = g.empty_set();
    for s in &down.steps {
        assert!(
            gone.insert(s.revision),
            "seed {seed}: {} unapplied twice",
            g.id(s.revision)
        );
        for &c in g.dependents(s.revision) {
            assert!(
                gone.contains(c),
                "seed {seed}: {} unapplied before {}",
                g.id(s.revision),
                g.id(c)
            );
        }
    }
    assert_eq!(gone.count(), g.len(), "seed {seed}");
    apply_rows(&mut rows, &down);
    assert!(rows.is_empty(), "seed {seed}: rows left {rows:?}");
}

#[test]
fn property_random_dags_up_to_heads_and_back_to_base_visit_each_revision_once() {
    for seed in 1..=300 {
        check_up_then_down(seed, 2 + (seed as usize % 40));
    }
}

#[test]
fn property_random_stepwise_walks_keep_rows_equal_to_the_heads_of_what_is_applied() {
    for seed in 1..=150 {
        let g = random_dag(seed, 25);
        let mut rng = Rng(seed * 7919 + 1);
        let mut rows: Vec<String> = Vec::new();
        for _ in 0..30 {
            let state = State::from_rows(&g, &rows).unwrap();
            let target = g.id(rng.below(g.len())).to_string();
            let plan = if rng.below(2) == 0 {
                plan_upgrade(&g, &state, &spec(&target))
            } else {
                plan_downgrade(&g, &state, &spec(&target))
            };
            let Ok(plan) = plan else { continue };
            apply_rows(&mut rows, &plan);
            let mut expected = ids(&g, &plan.to_rows);
            let mut got = rows.clone();
            expected.sort();
            got.sort();
            assert_eq!(got, expected, "seed {seed}: target {target}");
            // the new rows describe a valid state
            State::from_rows(&g, &rows).unwrap();
        }
    }
}
