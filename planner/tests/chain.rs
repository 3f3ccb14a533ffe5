//! The real chain in migrations/: its shape as chain.md describes it, and the planner's step
//! order against the order real Alembic 1.20.1 computes for the same requests
//! (tests/fixtures/alembic_orders.txt, written by scripts/alembic-orders.py).

use std::path::Path;

use revision_planner::*;

fn chain() -> Graph {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "sql") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            files.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    load(&pairs).expect("migrations/ forms a valid graph")
}

fn ids(g: &Graph, v: impl IntoIterator<Item = usize>) -> Vec<String> {
    v.into_iter().map(|i| g.id(i).to_owned()).collect()
}

#[test]
fn the_chain_has_the_shape_chain_md_describes() {
    let g = chain();
    assert_eq!(
        g.len(),
        54,
        "52 real revisions, merge_search_and_trust, repair_partitioned_tables"
    );
    assert_eq!(ids(&g, g.bases()), ["968b0dff6a9b"]);
    assert_eq!(ids(&g, g.heads()), ["repair_partitioned_tables"]);
    let repair = g.index_of("repair_partitioned_tables").unwrap();
    assert_eq!(
        ids(&g, g.down_revisions(repair).iter().copied()),
        ["merge_search_and_trust"]
    );
    let merges: Vec<String> = ids(&g, (0..g.len()).filter(|&i| g.is_merge(i)));
    assert_eq!(
        merges.len(),
        10,
        "7 named merges, 2 merges with DDL, and ours: {merges:?}"
    );
    for m in [
        "d4cdaa821492",
        "00c8a000b44f",
        "eb2e0919ec02",
        "d896ab921049",
        "6b206d6591cb",
        "b80664ed1373",
        "071128727b6c",
        "add_gin_brin_specialized_indexes",
        "add_events_backlog_indexes",
        "merge_search_and_trust",
    ] {
        assert!(merges.contains(&m.to_string()), "{m} is a merge");
    }
    let mut branch_points = ids(&g, (0..g.len()).filter(|&i| g.is_branch_point(i)));
    branch_points.sort();
    assert_eq!(
        branch_points,
        [
            "6b206d6591cb",
            "add_alerts_dedup_indexes",
            "add_alerts_rules",
            "add_deleted_at_soft_delete",
            "add_detections_camera_object_idx",
            "add_event_audits",
            "add_gpu_stats_recorded_at_brin",
            "add_partial_indexes_boolean",
            "add_snooze_until_column",
            "add_time_series_partitioning",
        ]
    );
    let m = g.index_of("add_events_backlog_indexes").unwrap();
    assert_eq!(
        ids(&g, g.down_revisions(m).iter().copied()),
        [
            "add_check_constraints",
            "add_covering_indexes_pagination",
            "add_gpu_stats_recorded_at_brin",
            "add_partial_indexes_boolean"
        ]
    );
}

#[test]
fn every_revision_has_a_message_and_every_id_fits_alembic_version() {
    let g = chain();
    for r in g.revisions() {
        assert!(!r.message.is_empty(), "{}", r.source);
        assert!(r.id.len() <= 32, "{}", r.source);
    }
    let ours = g.rev(g.index_of("merge_search_and_trust").unwrap());
    assert!(!ours.repairs.is_empty(), "the added merge says it is ours");
    for repaired in [
        "add_zones_001",
        "create_scene_changes_table",
        "add_deleted_at_soft_delete",
        "add_entity_model",
    ] {
        assert!(
            !g.rev(g.index_of(repaired).unwrap()).repairs.is_empty(),
            "{repaired} names its repair"
        );
    }
}

fn state_of(g: &Graph, from: &str) -> State {
    if from == "base" {
        State::base(g)
    } else {
        let rows: Vec<&str> = from.split(',').collect();
        // the fixture names positions; the planner needs the heads of what they imply
        let idx: Vec<usize> = rows.iter().map(|r| g.index_of(r).unwrap()).collect();
        let applied = g.ancestors(&idx);
        let heads = ids(g, g.heads_of(&applied));
        State::from_rows(g, &heads).unwrap()
    }
}

#[test]
fn step_order_matches_real_alembic_for_every_recorded_request() {
    let g = chain();
    let fixture = include_str!("fixtures/alembic_orders.txt");
    let mut checked = 0;
    for line in fixture.lines().filter(|l| !l.trim().is_empty()) {
        let (req, steps) = line
            .split_once(" : ")
            .unwrap_or((line.trim_end_matches(" :"), ""));
        let mut parts = req.split_whitespace();
        let (kind, from, target) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let expected: Vec<&str> = steps.split_whitespace().collect();
        let state = state_of(&g, from);
        let spec = Spec::parse(target).unwrap();
        let plan = match kind {
            "up" => plan_upgrade(&g, &state, &spec),
            _ => plan_downgrade(&g, &state, &spec),
        };
        let got: Vec<String> = match plan {
            Ok(p) => p
                .steps
                .iter()
                .map(|s| g.id(s.revision).to_owned())
                .collect(),
            // Alembic computes an empty walk where we report "already there" or an error
            Err(e) => {
                assert!(
                    expected.is_empty(),
                    "{line}: we refused ({e}) but Alembic runs {expected:?}"
                );
                Vec::new()
            }
        };
        assert_eq!(got, expected, "{line}");
        checked += 1;
    }
    assert!(checked > 200, "fixture has {checked} lines");
}

#[test]
fn walking_chain_md_order_one_revision_at_a_time_gives_its_alembic_version_rows() {
    // chain.md's order, step by step: each upgrade to the next id applies exactly that id
    let g = chain();
    let order: Vec<&str> = include_str!("fixtures/alembic_orders.txt")
        .lines()
        .next()
        .unwrap()
        .split(" : ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    let mut state = State::base(&g);
    for id in &order {
        let p = plan_upgrade(&g, &state, &Spec::parse(id).unwrap()).unwrap();
        assert_eq!(p.steps.len(), 1, "{id}");
        state = State::from_rows(&g, &ids(&g, p.to_rows.iter().copied())).unwrap();
    }
    assert_eq!(state.row_ids(&g), ["repair_partitioned_tables"]);
    // and back, one <id>@-1 at a time, merges included
    for id in order.iter().rev() {
        let p = plan_downgrade(&g, &state, &Spec::parse(&format!("{id}@-1")).unwrap()).unwrap();
        assert_eq!(p.steps.len(), 1, "{id}@-1");
        state = State::from_rows(&g, &ids(&g, p.to_rows.iter().copied())).unwrap();
    }
    assert!(state.rows.is_empty());
}
