//! The revision graph: revisions by index, parents and children, ancestry, and Alembic's
//! topological order.

use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Result};
use crate::file::Revision;

/// A fixed-size set of revision indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevSet {
    words: Vec<u64>,
}

impl RevSet {
    pub fn new(len: usize) -> Self {
        RevSet {
            words: vec![0; len.div_ceil(64)],
        }
    }
    pub fn contains(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }
    /// Adds `i`; returns true when it was not there before.
    pub fn insert(&mut self, i: usize) -> bool {
        let had = self.contains(i);
        self.words[i / 64] |= 1 << (i % 64);
        !had
    }
    pub fn remove(&mut self, i: usize) {
        self.words[i / 64] &= !(1 << (i % 64));
    }
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            (0..64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| wi * 64 + b)
        })
    }
    pub fn intersect(&mut self, other: &RevSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= *b;
        }
    }
    pub fn subtract(&mut self, other: &RevSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !*b;
        }
    }
    pub fn union(&mut self, other: &RevSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= *b;
        }
    }
}

/// Ancestor sets of the members of one set, one row of bits per member.
struct AncestorTable {
    words: usize,
    slot: Vec<usize>,
    bits: Vec<u64>,
}

impl AncestorTable {
    fn row(&self, i: usize) -> RevSet {
        let start = self.slot[i] * self.words;
        RevSet {
            words: self.bits[start..start + self.words].to_vec(),
        }
    }
}

/// The validated graph. Revisions keep the order they were given in (file-name order), which
/// breaks ties in the topological sort exactly as Alembic's revision-map order does.
#[derive(Debug, Clone)]
pub struct Graph {
    revs: Vec<Revision>,
    by_id: HashMap<String, usize>,
    by_label: HashMap<String, usize>,
    /// down_revisions then depends_on, as indices, in file order.
    parents: Vec<Vec<usize>>,
    /// down_revisions only.
    down: Vec<Vec<usize>>,
    /// children through down_revisions.
    children: Vec<Vec<usize>>,
    /// children through down_revisions or depends_on.
    dependents: Vec<Vec<usize>>,
}

fn malformed(msg: String) -> Error {
    Error::new(ErrorKind::MalformedGraph, msg)
}

impl Graph {
    /// Validate and index the revisions. Fails on a duplicate id, an unknown parent, a cycle,
    /// several bases, or a branch label that clashes.
    pub fn new(revs: Vec<Revision>) -> Result<Graph> {
        let mut by_id = HashMap::with_capacity(revs.len());
        for (i, r) in revs.iter().enumerate() {
            if let Some(&j) = by_id.get(&r.id) {
                let first: &Revision = &revs[j];
                return Err(malformed(format!(
                    "{}: duplicate revision id '{}' (also in {})",
                    r.source, r.id, first.source
                )));
            }
            by_id.insert(r.id.clone(), i);
        }
        let lookup = |r: &Revision, id: &str, what: &str| -> Result<usize> {
            by_id.get(id).copied().ok_or_else(|| {
                malformed(format!(
                    "{}: {what} '{id}' of revision '{}' is not a known revision",
                    r.source, r.id
                ))
            })
        };
        let n = revs.len();
        let mut parents = vec![Vec::new(); n];
        let mut down = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        let mut dependents = vec![Vec::new(); n];
        for (i, r) in revs.iter().enumerate() {
            for d in &r.down_revisions {
                let p = lookup(r, d, "down_revision")?;
                if down[i].contains(&p) {
                    return Err(malformed(format!(
                        "{}: down_revision '{d}' is listed twice",
                        r.source
                    )));
                }
                down[i].push(p);
                parents[i].push(p);
                children[p].push(i);
                dependents[p].push(i);
            }
            for d in &r.depends_on {
                let p = lookup(r, d, "depends_on")?;
                if !parents[i].contains(&p) {
                    parents[i].push(p);
                    dependents[p].push(i);
                }
            }
        }
        let bases: Vec<usize> = (0..n).filter(|&i| down[i].is_empty()).collect();
        if bases.len() > 1 {
            let files: Vec<String> = bases
                .iter()
                .map(|&i| format!("{} ({})", revs[i].id, revs[i].source))
                .collect();
            return Err(malformed(format!(
                "{}: several base revisions (empty down_revision): {}; a chain has one root",
                revs[bases[1]].source,
                files.join(", ")
            )));
        }
        // Kahn's algorithm: whatever cannot be ordered lies on or above a cycle.
        let mut indegree: Vec<usize> = parents.iter().map(Vec::len).collect();
        let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut ordered = 0;
        while let Some(i) = ready.pop() {
            ordered += 1;
            for &c in &dependents[i] {
                indegree[c] -= 1;
                if indegree[c] == 0 {
                    ready.push(c);
                }
            }
        }
        if ordered < n {
            let stuck: Vec<usize> = (0..n).filter(|&i| indegree[i] > 0).collect();
            let cycle = find_cycle(&parents, &stuck);
            let names: Vec<String> = cycle
                .iter()
                .map(|&i| format!("{} ({})", revs[i].id, revs[i].source))
                .collect();
            return Err(malformed(format!(
                "{}: cycle in the revision graph: {}",
                revs[cycle[0]].source,
                names.join(" -> ")
            )));
        }
        if n > 0 && bases.is_empty() {
            return Err(malformed(
                "no base revision (every revision has a parent)".into(),
            ));
        }
        let mut by_label = HashMap::new();
        for (i, r) in revs.iter().enumerate() {
            for l in &r.branch_labels {
                if by_id.contains_key(l) && by_id[l] != i {
                    return Err(malformed(format!(
                        "{}: branch label '{l}' is also a revision id",
                        r.source
                    )));
                }
                if let Some(&j) = by_label.get(l) {
                    let other: &Revision = &revs[j];
                    return Err(malformed(format!(
                        "{}: branch label '{l}' is also used by {}",
                        r.source, other.source
                    )));
                }
                by_label.insert(l.clone(), i);
            }
        }
        Ok(Graph {
            revs,
            by_id,
            by_label,
            parents,
            down,
            children,
            dependents,
        })
    }

    pub fn len(&self) -> usize {
        self.revs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.revs.is_empty()
    }
    pub fn rev(&self, i: usize) -> &Revision {
        &self.revs[i]
    }
    pub fn revisions(&self) -> &[Revision] {
        &self.revs
    }
    pub fn id(&self, i: usize) -> &str {
        &self.revs[i].id
    }
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
    pub fn label(&self, label: &str) -> Option<usize> {
        self.by_label.get(label).copied()
    }
    /// Parents through down_revision, in file order.
    pub fn down_revisions(&self, i: usize) -> &[usize] {
        &self.down[i]
    }
    /// Parents and dependencies (what must be applied before `i`).
    pub fn parents(&self, i: usize) -> &[usize] {
        &self.parents[i]
    }
    /// Revisions that name `i` as a parent or dependency.
    pub fn dependents(&self, i: usize) -> &[usize] {
        &self.dependents[i]
    }
    /// Children through down_revision.
    pub fn children(&self, i: usize) -> &[usize] {
        &self.children[i]
    }
    pub fn is_merge(&self, i: usize) -> bool {
        self.down[i].len() > 1
    }
    pub fn is_branch_point(&self, i: usize) -> bool {
        self.children[i].len() > 1
    }
    pub fn is_head(&self, i: usize) -> bool {
        self.children[i].is_empty()
    }
    pub fn heads(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.is_head(i)).collect()
    }
    pub fn bases(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.down[i].is_empty())
            .collect()
    }
    pub fn empty_set(&self) -> RevSet {
        RevSet::new(self.len())
    }

    /// The given revisions and everything they need (parents and dependencies), transitively.
    pub fn ancestors(&self, from: &[usize]) -> RevSet {
        self.closure(from, &self.parents)
    }
    /// The given revisions and everything that needs them, transitively.
    pub fn descendants(&self, from: &[usize]) -> RevSet {
        self.closure(from, &self.dependents)
    }
    fn closure(&self, from: &[usize], edges: &[Vec<usize>]) -> RevSet {
        let mut seen = self.empty_set();
        let mut todo: Vec<usize> = from.to_vec();
        while let Some(i) = todo.pop() {
            if seen.insert(i) {
                todo.extend(edges[i].iter().copied().filter(|&p| !seen.contains(p)));
            }
        }
        seen
    }

    /// For each member of `set`: itself and its ancestors that are members of `set`, as rows of
    /// one flat bit table (one allocation), filled parents first.
    fn ancestors_within(&self, set: &RevSet) -> AncestorTable {
        let words = self.len().div_ceil(64);
        let mut slot = vec![usize::MAX; self.len()];
        let mut pending = vec![0usize; self.len()];
        let mut ready = Vec::new();
        let mut members = 0;
        for i in set.iter() {
            slot[i] = members;
            members += 1;
            pending[i] = self.parents[i].iter().filter(|&&p| set.contains(p)).count();
            if pending[i] == 0 {
                ready.push(i);
            }
        }
        let mut bits = vec![0u64; members * words];
        while let Some(i) = ready.pop() {
            let row = slot[i] * words;
            bits[row + i / 64] |= 1 << (i % 64);
            for &p in &self.parents[i] {
                if slot[p] != usize::MAX {
                    let prow = slot[p] * words;
                    for k in 0..words {
                        bits[row + k] |= bits[prow + k];
                    }
                }
            }
            for &c in &self.dependents[i] {
                if set.contains(c) {
                    pending[c] -= 1;
                    if pending[c] == 0 {
                        ready.push(c);
                    }
                }
            }
        }
        AncestorTable { words, slot, bits }
    }

    /// Members of `set` that no other member of `set` needs: the rows `alembic_version` holds
    /// for an applied set. In file order.
    pub fn heads_of(&self, set: &RevSet) -> Vec<usize> {
        set.iter()
            .filter(|&i| !self.dependents[i].iter().any(|&c| set.contains(c)))
            .collect()
    }

    /// Alembic's `_topological_sort`: `set` ordered newest first (every revision before its
    /// parents), walking down from `heads` one branch at a time and breaking ties by file order.
    /// Reverse it for upgrade order.
    pub fn alembic_order(&self, set: &RevSet, heads: &[usize]) -> Vec<usize> {
        let mut todo = set.clone();
        let mut current: Vec<usize> = heads
            .iter()
            .copied()
            .filter(|&h| todo.contains(h))
            .collect();
        current.sort_unstable();
        current.dedup();
        // Alembic recomputes a revision's ancestors at every fork; they are only ever asked
        // about members of `set`, and a path between two members never leaves `set`, so the
        // ancestors within `set` are computed once, parents first.
        let within = self.ancestors_within(set);
        let anc = |i: usize| within.row(i);
        let mut ancestors: Vec<RevSet> = current.iter().map(|&h| anc(h)).collect();
        let mut out = Vec::with_capacity(set.count());
        let mut idx = 0;
        while !current.is_empty() {
            let candidate = current[idx];
            if let Some(other) = ancestors
                .iter()
                .enumerate()
                .position(|(k, a)| k != idx && a.contains(candidate))
            {
                idx = other;
                continue;
            }
            if todo.contains(candidate) {
                out.push(candidate);
                todo.remove(candidate);
            }
            let to_add: Vec<usize> = self.parents[candidate]
                .iter()
                .copied()
                .filter(|&p| todo.contains(p) && !current.contains(&p))
                .collect();
            if to_add.is_empty() {
                current.remove(idx);
                ancestors.remove(idx);
                idx = idx.saturating_sub(1);
            } else if self.parents[candidate].len() == 1 {
                current[idx] = to_add[0];
                ancestors[idx].remove(candidate);
            } else {
                current[idx] = to_add[0];
                ancestors[idx] = anc(to_add[0]);
                for &p in &to_add[1..] {
                    current.push(p);
                    ancestors.push(anc(p));
                }
            }
        }
        debug_assert!(todo.is_empty(), "alembic_order left revisions unvisited");
        out
    }
}

/// A cycle among `stuck` (nodes Kahn's algorithm could not order), as a list of indices.
fn find_cycle(parents: &[Vec<usize>], stuck: &[usize]) -> Vec<usize> {
    // Follow parents that are themselves stuck until a node repeats.
    let mut path = vec![stuck[0]];
    loop {
        let last = *path.last().unwrap();
        let next = parents[last]
            .iter()
            .copied()
            .find(|p| stuck.contains(p))
            .unwrap_or(last);
        if let Some(pos) = path.iter().position(|&x| x == next) {
            let mut cycle = path[pos..].to_vec();
            cycle.push(next);
            cycle.reverse();
            return cycle;
        }
        path.push(next);
    }
}
