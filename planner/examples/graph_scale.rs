//! Benchmark harness (dev-only, not a test): the core on synthetic revision graphs.
//!
//!     cargo run --release -p revision-planner --example graph_scale -- [OUT_DIR] [REPS] [SIZES...]
//!
//! For each size (default 100 1000 10000) it generates a graph with ~10% branch/merge points
//! (~5% branch points, ~5% merges, nested and overlapping lines, one head at the end) as
//! migration file texts in the documented format, writes them to OUT_DIR/<size>/ (unless
//! OUT_DIR is "") so the bench can build an equivalent Alembic script directory from the very
//! same files, and times, REPS times each (default 51):
//!   load     `revision_planner::load(&[(name, text)])` (parse every text + build the graph)
//!   heads    `Graph::heads()`
//!   plan     `plan_upgrade(&g, &State::base(&g), &Spec::parse("heads"))` (base -> head)
//!   total    load + heads + plan
//! and, to explain where the time goes:
//!   parse    `parse_file` on every text;  build  `Graph::new` on the parsed revisions
//!   closure  one `Graph::ancestors` of the head (a full walk of the graph; mean of 10, warm)
//! It prints one JSON object per size on stdout; the bench script turns them into a table.
//! Benchmarks print, they never assert on time.

use std::fmt::Write as _;
use std::time::Instant;

use revision_planner::{parse_file, plan_upgrade, Graph, Spec, State};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
}

struct Synthetic {
    /// (file name, file text), in generation (= file name) order.
    files: Vec<(String, String)>,
    branch_points: usize,
    merges: usize,
}

/// A graph of exactly `n` revisions: one base; each new revision extends a random open line
/// (~90%), forks a random line (~5.5%: the tip gets a second child and stays open, one more
/// open line), or merges two random open lines (~5.3%); the last revisions merge whatever lines
/// are still open, so the graph has one head.
fn generate(n: usize, seed: u64) -> Synthetic {
    let mut rng = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut used = std::collections::HashSet::new();
    let mut new_id = |rng: &mut Rng| loop {
        let id = format!("{:012x}", rng.next() >> 16);
        if used.insert(id.clone()) {
            return id;
        }
    };
    let mut ids: Vec<String> = vec![new_id(&mut rng)];
    let mut parents: Vec<Vec<usize>> = vec![Vec::new()];
    let mut children = vec![0usize; n];
    let mut tips: Vec<usize> = vec![0];
    let mut merges = 0;
    while ids.len() < n {
        let i = ids.len();
        let remaining = n - i;
        // close open lines in time: the last revisions must merge them all
        let must_merge = tips.len() > 1 && remaining < tips.len() + 1;
        let p: Vec<usize> = if must_merge || (tips.len() > 1 && rng.chance(53)) {
            let a = rng.below(tips.len());
            let mut b = rng.below(tips.len() - 1);
            if b >= a {
                b += 1;
            }
            let (ta, tb) = (tips[a], tips[b]);
            let (hi, lo) = if a > b { (a, b) } else { (b, a) };
            tips.swap_remove(hi);
            tips.swap_remove(lo);
            tips.push(i);
            merges += 1;
            vec![ta, tb]
        } else if remaining > tips.len() + 2 && rng.chance(55) {
            let t = tips[rng.below(tips.len())];
            tips.push(i);
            vec![t]
        } else {
            let k = rng.below(tips.len());
            let t = tips[k];
            tips[k] = i;
            vec![t]
        };
        for &q in &p {
            children[q] += 1;
        }
        ids.push(new_id(&mut rng));
        parents.push(p);
    }
    let branch_points = children.iter().filter(|&&c| c > 1).count();
    let width = n.to_string().len().max(5);
    let files = (0..n)
        .map(|i| {
            let name = format!("r{i:0width$}_{}.sql", ids[i]);
            let down: Vec<&str> = parents[i].iter().map(|&q| ids[q].as_str()).collect();
            let mut text = String::new();
            writeln!(text, "-- revision: {}", ids[i]).unwrap();
            writeln!(text, "-- down_revision: {}", down.join(", ")).unwrap();
            writeln!(text, "-- message: synthetic revision {i}").unwrap();
            text.push_str("\n-- migrate:upgrade\n");
            writeln!(
                text,
                "CREATE TABLE t_{id} (\n    id serial PRIMARY KEY,\n    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX ix_t_{id}_created_at ON t_{id} (created_at);",
                id = ids[i]
            )
            .unwrap();
            text.push_str("\n-- migrate:downgrade\n");
            writeln!(text, "DROP TABLE t_{};", ids[i]).unwrap();
            (name, text)
        })
        .collect();
    Synthetic {
        files,
        branch_points,
        merges,
    }
}

/// (median, min, max)
fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let k = v.len();
    let med = if k % 2 == 1 {
        v[k / 2]
    } else {
        (v[k / 2 - 1] + v[k / 2]) / 2.0
    };
    (med, v[0], v[k - 1])
}

fn ms(a: Instant, b: Instant) -> f64 {
    (b - a).as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out_dir = args.first().cloned().filter(|s| !s.is_empty());
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(51);
    let sizes: Vec<usize> = if args.len() > 2 {
        args[2..].iter().map(|s| s.parse().expect("size")).collect()
    } else {
        vec![100, 1_000, 10_000]
    };
    for &n in &sizes {
        let syn = generate(n, n as u64);
        if let Some(dir) = &out_dir {
            let d = std::path::Path::new(dir).join(n.to_string());
            let _ = std::fs::remove_dir_all(&d);
            std::fs::create_dir_all(&d).expect("create output dir");
            for (name, text) in &syn.files {
                std::fs::write(d.join(name), text).expect("write synthetic file");
            }
        }
        let pairs: Vec<(&str, &str)> = syn
            .files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let bytes: usize = syn.files.iter().map(|(_, t)| t.len()).sum();
        let spec = Spec::parse("heads").expect("spec");
        let names = [
            "load_ms",
            "heads_ms",
            "plan_ms",
            "total_ms",
            "parse_ms",
            "build_ms",
            "closure_ms",
        ];
        let mut t: Vec<Vec<f64>> = vec![Vec::with_capacity(reps); names.len()];
        let (mut steps, mut nheads, mut closures) = (0, 0, 0);
        for _ in 0..reps {
            // the API, as the extension uses it
            let t0 = Instant::now();
            let g = revision_planner::load(&pairs).expect("synthetic graph loads");
            let t1 = Instant::now();
            let heads = g.heads();
            let t2 = Instant::now();
            let plan = plan_upgrade(&g, &State::base(&g), &spec).expect("plan");
            let t3 = Instant::now();
            steps = std::hint::black_box(plan.steps.len());
            nheads = std::hint::black_box(heads.len());
            t[0].push(ms(t0, t1));
            t[1].push(ms(t1, t2));
            t[2].push(ms(t2, t3));
            t[3].push(ms(t0, t3));
            // the same load in two halves: parse the texts, then Graph::new
            let p0 = Instant::now();
            let revs: Vec<_> = pairs
                .iter()
                .map(|(name, text)| parse_file(name, text).expect("parse"))
                .collect();
            let p1 = Instant::now();
            let g2 = Graph::new(revs).expect("graph");
            let p2 = Instant::now();
            t[4].push(ms(p0, p1));
            t[5].push(ms(p1, p2));
            // one full ancestor closure (mean of 10, warm): what the topological sort
            // recomputes each time it reaches a merge
            let _ = std::hint::black_box(g2.ancestors(&heads));
            let c0 = Instant::now();
            for _ in 0..10 {
                let a = std::hint::black_box(g2.ancestors(&heads));
                assert_eq!(a.count(), n);
            }
            let c1 = Instant::now();
            t[6].push(ms(c0, c1) / 10.0);
            // ancestor closures plan_upgrade computes: the target's, one per starting head in
            // Graph::alembic_order, and one per parent each time that walk reaches a merge
            closures = 1
                + heads.len()
                + (0..n)
                    .filter(|&i| g.is_merge(i))
                    .map(|i| g.parents(i).len())
                    .sum::<usize>();
        }
        assert_eq!(steps, n, "the plan must apply every revision");
        let fields: Vec<String> = names
            .iter()
            .zip(&t)
            .map(|(name, v)| {
                let (m, lo, hi) = stats(v.clone());
                format!("\"{name}\": {{\"median\": {m:.6}, \"min\": {lo:.6}, \"max\": {hi:.6}}}")
            })
            .collect();
        println!(
            "{{\"size\": {n}, \"reps\": {reps}, \"branch_points\": {}, \"merges\": {}, \"heads\": {nheads}, \"steps\": {steps}, \"bytes\": {bytes}, \"closures_in_plan\": {closures}, {}}}",
            syn.branch_points,
            syn.merges,
            fields.join(", ")
        );
    }
}
