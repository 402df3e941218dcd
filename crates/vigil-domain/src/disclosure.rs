//! Disclosure control for everything published (issue 5 point 5). Pure functions over
//! counts: which cells of a table may be shown to the public, and which must be hidden
//! so that nobody can work a small count out.
//!
//! The rules (also in `docs/methodology.md`, "Publishing"):
//!
//! - **Primary suppression.** A count from 1 to `threshold − 1` (default 5: 1, 2, 3, 4)
//!   is hidden. **0 is shown**: it names nobody, and hiding zeros would hide most of a
//!   sparse table for no protection. Totals and margins follow the same rule.
//! - **Secondary suppression.** A table is published with its totals (a one-way table
//!   with its total; a two-way table with row totals, column totals and the grand
//!   total). Each total is the sum of its line, so a line with a single hidden entry
//!   gives it away (total − the others). More generally, seeing a two-way table with
//!   its margins as a bipartite graph (rows and columns are nodes, every hidden entry an
//!   edge between its row and its column, margins included), a hidden entry can be
//!   solved for from the published figures **exactly when its edge is a bridge** (lies
//!   on no cycle of hidden entries); otherwise a +1/−1 swap round the cycle gives
//!   another table with the same published figures. So more entries are hidden until no
//!   hidden entry is a bridge: for each, the smallest non-zero entry of its row or
//!   column is hidden, preferring one that closes a cycle at once and cells over
//!   totals; zeros only when nothing else is left. The loop ends: hiding everything is
//!   bridge-free.
//! - Hidden entries are all shown alike (the public cannot tell a small count from one
//!   hidden to protect it), so the published marker must not say "fewer than 5" alone.
//! - **Identity**: a person is named only with `consent_publish = named`
//!   ([`may_name`]). **Coordinates are never published.** A **sub-national region** is
//!   published only when its count reaches [`Policy::region_threshold`].
//!
//! The tests below (hand-built cases and property tests) play the attacker: they solve
//! the published figures by Gaussian elimination and by iterated line deduction (a
//! line with one unknown; a line whose unknowns must sum to zero) and must recover no
//! suppressed count.

use serde::{Deserialize, Serialize};

use crate::model::PublishConsent;

/// The default threshold: counts 1–4 are suppressed.
pub const DEFAULT_THRESHOLD: i64 = 5;
/// The default least count a sub-national region must reach to be published.
pub const DEFAULT_REGION_THRESHOLD: i64 = 20;
/// The least threshold allowed (2 suppresses the ones).
pub const MIN_THRESHOLD: i64 = 2;
/// The largest threshold allowed.
pub const MAX_THRESHOLD: i64 = 100;

/// The thresholds in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    /// Counts from 1 to `threshold − 1` are suppressed.
    pub threshold: i64,
    /// A sub-national region is published only with at least this many.
    pub region_threshold: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            threshold: DEFAULT_THRESHOLD,
            region_threshold: DEFAULT_REGION_THRESHOLD,
        }
    }
}

impl Policy {
    /// Is this count too small to publish on its own?
    pub fn is_small(&self, n: i64) -> bool {
        n > 0 && n < self.threshold
    }

    /// May figures about one sub-national region with this total be published?
    pub fn region_allowed(&self, total: i64) -> bool {
        total >= self.region_threshold
    }
}

/// May a person be named in anything published?
pub fn may_name(consent: PublishConsent) -> bool {
    consent == PublishConsent::Named
}

/// Why an entry is hidden (kept for the analyst's view, never published).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Shown,
    /// A small count.
    Primary,
    /// Hidden so that a small count cannot be worked out from the totals.
    Secondary,
}

impl Mark {
    pub fn hidden(self) -> bool {
        self != Mark::Shown
    }
}

/// A one-way table after disclosure control: its cells and its total, each `None`
/// where hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneWay {
    pub cells: Vec<Mark>,
    pub total: Mark,
}

/// Protect a one-way table: `cells` and their `total` (the sum of the cells, or a
/// distinct total no larger than it — treated as the sum, which is stricter).
/// `force_total`: the total is hidden elsewhere (another table of the same total), so
/// it is hidden here too.
pub fn protect_one_way(cells: &[i64], total: i64, policy: &Policy, force_total: bool) -> OneWay {
    let mut marks: Vec<Mark> = cells
        .iter()
        .map(|n| {
            if policy.is_small(*n) {
                Mark::Primary
            } else {
                Mark::Shown
            }
        })
        .collect();
    let mut total_mark = if policy.is_small(total) {
        Mark::Primary
    } else if force_total {
        Mark::Secondary
    } else {
        Mark::Shown
    };
    // One line: cells + total. Exactly one hidden entry would be the total less the
    // others; hide the smallest shown entry, non-zero cells first, the total last.
    let hidden = marks.iter().filter(|m| m.hidden()).count() + usize::from(total_mark.hidden());
    if hidden == 1 {
        let pick = cells
            .iter()
            .enumerate()
            .filter(|(i, _)| marks.get(*i) == Some(&Mark::Shown))
            .min_by_key(|(i, n)| (**n == 0, **n, *i))
            .map(|(i, n)| (i, *n));
        match pick {
            Some((i, n)) if n > 0 || total_mark.hidden() => {
                if let Some(m) = marks.get_mut(i) {
                    *m = Mark::Secondary;
                }
            }
            _ => total_mark = Mark::Secondary,
        }
    }
    OneWay {
        cells: marks,
        total: total_mark,
    }
}

/// A two-way table after disclosure control. `marks` is the table **with its
/// margins**: `rows + 1` lines of `cols + 1` entries, the last column the row totals,
/// the last line the column totals, the corner the grand total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoWay {
    pub marks: Vec<Vec<Mark>>,
}

/// The table with its margins (sums of the lines).
pub fn with_margins(cells: &[Vec<i64>]) -> Vec<Vec<i64>> {
    let cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let mut out: Vec<Vec<i64>> = cells
        .iter()
        .map(|r| {
            let mut line: Vec<i64> = (0..cols).map(|j| r.get(j).copied().unwrap_or(0)).collect();
            line.push(line.iter().sum());
            line
        })
        .collect();
    let bottom: Vec<i64> = (0..=cols)
        .map(|j| out.iter().map(|r| r.get(j).copied().unwrap_or(0)).sum())
        .collect();
    out.push(bottom);
    out
}

/// Hidden entries as edges between row nodes `0..=R` and column nodes `R+1..`.
struct Graph {
    rows: usize,
    cols: usize,
}

impl Graph {
    fn col_node(&self, j: usize) -> usize {
        self.rows + j
    }

    /// Nodes reachable from `start` over hidden entries, leaving out entry `skip`.
    fn reach(&self, marks: &[Vec<Mark>], start: usize, skip: (usize, usize)) -> Vec<bool> {
        let n = self.rows + self.cols;
        let mut seen = vec![false; n];
        let mut stack = vec![start];
        if let Some(s) = seen.get_mut(start) {
            *s = true;
        }
        while let Some(node) = stack.pop() {
            let visit = |next: usize, seen: &mut Vec<bool>, stack: &mut Vec<usize>| {
                if let Some(s) = seen.get_mut(next) {
                    if !*s {
                        *s = true;
                        stack.push(next);
                    }
                }
            };
            if node < self.rows {
                for j in 0..self.cols {
                    if (node, j) != skip && hidden_at(marks, node, j) {
                        visit(self.col_node(j), &mut seen, &mut stack);
                    }
                }
            } else {
                let j = node - self.rows;
                for i in 0..self.rows {
                    if (i, j) != skip && hidden_at(marks, i, j) {
                        visit(i, &mut seen, &mut stack);
                    }
                }
            }
        }
        seen
    }
}

/// How much a candidate is preferred (smaller first): closes a cycle, non-zero, a cell
/// rather than a total, smallest, then position.
type Preference = (bool, bool, bool, i64, usize, usize);

fn hidden_at(marks: &[Vec<Mark>], i: usize, j: usize) -> bool {
    marks
        .get(i)
        .and_then(|r| r.get(j))
        .is_some_and(|m| m.hidden())
}

fn value_at(v: &[Vec<i64>], i: usize, j: usize) -> i64 {
    v.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0)
}

/// Protect a two-way table given **with its margins** (see [`with_margins`]).
/// `force_total`: hide the grand total whatever its size.
pub fn protect_two_way(full: &[Vec<i64>], policy: &Policy, force_total: bool) -> TwoWay {
    let rows = full.len();
    let cols = full.first().map_or(0, Vec::len);
    let mut marks: Vec<Vec<Mark>> = full
        .iter()
        .map(|r| {
            r.iter()
                .map(|n| {
                    if policy.is_small(*n) {
                        Mark::Primary
                    } else {
                        Mark::Shown
                    }
                })
                .collect()
        })
        .collect();
    if force_total && rows > 0 && cols > 0 {
        if let Some(m) = marks.get_mut(rows - 1).and_then(|r| r.get_mut(cols - 1)) {
            if !m.hidden() {
                *m = Mark::Secondary;
            }
        }
    }
    if rows < 2 || cols < 2 {
        return TwoWay { marks };
    }
    let g = Graph { rows, cols };
    let is_margin = |i: usize, j: usize| i + 1 == rows || j + 1 == cols;
    // Each pass hides one more entry; at worst everything, which is bridge-free.
    for _ in 0..rows * cols {
        let bridge = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .filter(|&(i, j)| hidden_at(&marks, i, j))
            .find(|&(i, j)| {
                let seen = g.reach(&marks, i, (i, j));
                !seen.get(g.col_node(j)).copied().unwrap_or(false)
            });
        let Some((bi, bj)) = bridge else {
            break;
        };
        let from_row = g.reach(&marks, bi, (bi, bj));
        let from_col = g.reach(&marks, g.col_node(bj), (bi, bj));
        // Candidates: a shown entry joining the bridge's two sides (a row on one side,
        // a column on the other) closes a cycle at once; else one in the bridge's row
        // or column grows a side.
        let mut best: Option<(Preference, (usize, usize))> = None;
        let mut consider = |i: usize, j: usize, closes: bool| {
            if hidden_at(&marks, i, j) {
                return;
            }
            let n = value_at(full, i, j);
            let key = (!closes, n == 0, is_margin(i, j), n, i, j);
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                best = Some((key, (i, j)));
            }
        };
        let on = |side: &Vec<bool>, node: usize| side.get(node).copied().unwrap_or(false);
        for i in 0..rows {
            for j in 0..cols {
                let joins = (on(&from_row, i) && on(&from_col, g.col_node(j)))
                    || (on(&from_col, i) && on(&from_row, g.col_node(j)));
                if joins {
                    consider(i, j, true);
                } else if i == bi || j == bj {
                    consider(i, j, false);
                }
            }
        }
        let pick = best.map(|(_, p)| p).or_else(|| {
            // Row and column all hidden already: hide the smallest shown entry anywhere.
            (0..rows)
                .flat_map(|i| (0..cols).map(move |j| (i, j)))
                .filter(|&(i, j)| !hidden_at(&marks, i, j))
                .min_by_key(|&(i, j)| {
                    let n = value_at(full, i, j);
                    (n == 0, is_margin(i, j), n, i, j)
                })
        });
        match pick.and_then(|(i, j)| marks.get_mut(i).and_then(|r| r.get_mut(j))) {
            Some(m) => *m = Mark::Secondary,
            None => break,
        }
    }
    TwoWay { marks }
}

/// `value` if shown, else `None`.
pub fn publish(value: i64, mark: Mark) -> Option<i64> {
    (!mark.hidden()).then_some(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    const P: Policy = Policy {
        threshold: 5,
        region_threshold: 20,
    };

    /// The attacker's linear algebra: which unknowns of `A x = b` are determined?
    /// Exact, fraction-free elimination over i128.
    fn determined(mut a: Vec<Vec<i128>>, n: usize) -> Vec<bool> {
        let mut pivots: Vec<(usize, usize)> = Vec::new();
        let mut r = 0;
        for c in 0..n {
            let Some(p) = (r..a.len()).find(|&i| a[i][c] != 0) else {
                continue;
            };
            a.swap(r, p);
            for i in 0..a.len() {
                if i != r && a[i][c] != 0 {
                    let (f, g) = (a[i][c], a[r][c]);
                    let pivot = a[r].clone();
                    for (x, y) in a[i].iter_mut().zip(&pivot) {
                        *x = *x * g - y * f;
                    }
                    let d = a[i].iter().fold(0i128, |d, x| gcd(d, x.abs()));
                    if d > 1 {
                        a[i].iter_mut().for_each(|x| *x /= d);
                    }
                }
            }
            pivots.push((r, c));
            r += 1;
        }
        let mut out = vec![false; n];
        for (row, c) in pivots {
            // Determined iff its reduced row has no free column.
            if a[row].iter().enumerate().all(|(k, x)| k == c || *x == 0) {
                out[c] = true;
            }
        }
        out
    }

    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }

    /// Lines of a table with margins: every row and every column, entries with their
    /// sign (the last entry is the line's total).
    fn lines(rows: usize, cols: usize) -> Vec<Vec<((usize, usize), i128)>> {
        let mut out = Vec::new();
        for i in 0..rows {
            out.push(
                (0..cols)
                    .map(|j| ((i, j), if j + 1 == cols { -1 } else { 1 }))
                    .collect(),
            );
        }
        for j in 0..cols {
            out.push(
                (0..rows)
                    .map(|i| ((i, j), if i + 1 == rows { -1 } else { 1 }))
                    .collect(),
            );
        }
        out
    }

    /// Every way the attacker has: returns the hidden entries they can recover.
    fn attack(full: &[Vec<i64>], marks: &[Vec<Mark>]) -> Vec<(usize, usize)> {
        let rows = full.len();
        let cols = full[0].len();
        let unknown: Vec<(usize, usize)> = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .filter(|&(i, j)| marks[i][j].hidden())
            .collect();
        let ls = lines(rows, cols);
        // 1. Linear algebra.
        let a: Vec<Vec<i128>> = ls
            .iter()
            .map(|l| {
                unknown
                    .iter()
                    .map(|u| l.iter().find(|(p, _)| p == u).map_or(0, |(_, s)| *s))
                    .collect()
            })
            .collect();
        let mut found: Vec<(usize, usize)> = determined(a, unknown.len())
            .iter()
            .zip(&unknown)
            .filter(|(d, _)| **d)
            .map(|(_, u)| *u)
            .collect();
        // 2. Iterated line deduction with non-negativity (a line whose unknowns sum
        //    to zero has them all zero).
        let mut known: Vec<Vec<Option<i64>>> = (0..rows)
            .map(|i| {
                (0..cols)
                    .map(|j| publish(full[i][j], marks[i][j]))
                    .collect()
            })
            .collect();
        loop {
            let mut changed = false;
            for l in &ls {
                let unk: Vec<(usize, usize)> = l
                    .iter()
                    .filter(|((i, j), _)| known[*i][*j].is_none())
                    .map(|(p, _)| *p)
                    .collect();
                if unk.is_empty() {
                    continue;
                }
                // Σ sign·x = 0 over the line.
                let rest: i128 = l
                    .iter()
                    .filter_map(|((i, j), s)| known[*i][*j].map(|v| *s * v as i128))
                    .sum();
                if unk.len() == 1 {
                    let (i, j) = unk[0];
                    let s = l.iter().find(|(p, _)| *p == (i, j)).map_or(1, |(_, s)| *s);
                    known[i][j] = Some((-rest / s) as i64);
                    changed = true;
                } else if l
                    .iter()
                    .filter(|(p, _)| unk.contains(p))
                    .all(|(_, s)| *s == 1)
                    && rest == 0
                {
                    for (i, j) in unk {
                        known[i][j] = Some(0);
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for &(i, j) in &unknown {
            if known[i][j].is_some() && !found.contains(&(i, j)) {
                assert_eq!(known[i][j], Some(full[i][j]), "the attack is sound");
                found.push((i, j));
            }
        }
        found
    }

    /// With non-negativity too: is there another table, all entries ≥ 0 and every
    /// published figure the same, in which hidden entry `e` differs? Looks for a cycle
    /// of hidden entries through `e` along which ±1 keeps every entry ≥ 0.
    /// `None`: gave up (search too long).
    fn movable(full: &[Vec<i64>], marks: &[Vec<Mark>], e: (usize, usize)) -> Option<bool> {
        let rows = full.len();
        let cols = full[0].len();
        // Sign of entry (i, j) in its row's equation and in its column's.
        let s_row = |j: usize| if j + 1 == cols { -1i64 } else { 1 };
        let s_col = |i: usize| if i + 1 == rows { -1i64 } else { 1 };
        let mut budget = 200_000u32;
        #[allow(clippy::too_many_arguments)]
        fn walk(
            full: &[Vec<i64>],
            marks: &[Vec<Mark>],
            e: (usize, usize),
            de: i64,
            at: usize,
            last: (usize, usize),
            d_last: i64,
            seen: &mut Vec<bool>,
            budget: &mut u32,
            s: &dyn Fn(usize, (usize, usize)) -> i64,
        ) -> Option<bool> {
            if *budget == 0 {
                return None;
            }
            *budget -= 1;
            let rows = full.len();
            let cols = full[0].len();
            let edges: Vec<(usize, usize)> = if at < rows {
                (0..cols).map(|j| (at, j)).collect()
            } else {
                (0..rows).map(|i| (i, at - rows)).collect()
            };
            for y in edges {
                if y == last || !marks[y.0][y.1].hidden() {
                    continue;
                }
                let dy = -s(at, last) * s(at, y) * d_last;
                if dy < 0 && full[y.0][y.1] < 1 {
                    continue;
                }
                if y == e {
                    // Closed the cycle at e: consistent with e's own change?
                    if dy == de {
                        return Some(true);
                    }
                    continue;
                }
                let next = if at < rows { rows + y.1 } else { y.0 };
                if seen[next] {
                    continue;
                }
                seen[next] = true;
                match walk(full, marks, e, de, next, y, dy, seen, budget, s) {
                    Some(true) => return Some(true),
                    None => return None,
                    Some(false) => {}
                }
                seen[next] = false;
            }
            Some(false)
        }
        let s = |node: usize, x: (usize, usize)| -> i64 {
            if node < rows {
                s_row(x.1)
            } else {
                s_col(x.0)
            }
        };
        for de in [1i64, -1] {
            if de < 0 && full[e.0][e.1] < 1 {
                continue;
            }
            let mut seen = vec![false; rows + cols];
            seen[rows + e.1] = true;
            // Leave e through its column node; come back to it through its row.
            match walk(
                full,
                marks,
                e,
                de,
                rows + e.1,
                e,
                de,
                &mut seen,
                &mut budget,
                &s,
            ) {
                Some(true) => return Some(true),
                None => return None,
                Some(false) => {}
            }
        }
        Some(false)
    }

    fn check_two_way(cells: &[Vec<i64>], p: &Policy) -> Vec<Vec<Mark>> {
        let full = with_margins(cells);
        let t = protect_two_way(&full, p, false);
        for (i, r) in full.iter().enumerate() {
            for (j, n) in r.iter().enumerate() {
                if p.is_small(*n) {
                    assert_eq!(t.marks[i][j], Mark::Primary, "small count {n} hidden");
                }
            }
        }
        let recovered = attack(&full, &t.marks);
        let primary: Vec<_> = recovered
            .iter()
            .filter(|(i, j)| t.marks[*i][*j] == Mark::Primary)
            .collect();
        assert!(
            primary.is_empty(),
            "recovered {primary:?} from {full:?} with {:?}",
            t.marks
        );
        // 3. Non-negativity: every small count can still move.
        for (i, r) in t.marks.iter().enumerate() {
            for (j, m) in r.iter().enumerate() {
                if *m == Mark::Primary {
                    assert_ne!(
                        movable(&full, &t.marks, (i, j)),
                        Some(false),
                        "({i}, {j}) pinned by non-negativity in {full:?} with {:?}",
                        t.marks
                    );
                }
            }
        }
        t.marks
    }

    #[test]
    fn one_way_hides_a_second_cell_when_one_is_small() {
        let o = protect_one_way(&[197, 3, 40, 12], 252, &P, false);
        assert_eq!(
            o.cells,
            vec![Mark::Shown, Mark::Primary, Mark::Shown, Mark::Secondary]
        );
        assert_eq!(o.total, Mark::Shown);
        // Two small cells protect each other.
        let o = protect_one_way(&[100, 3, 2], 105, &P, false);
        assert_eq!(o.cells, vec![Mark::Shown, Mark::Primary, Mark::Primary]);
        // Only zeros beside it: the total goes.
        let o = protect_one_way(&[0, 3, 0], 3, &P, false);
        assert_eq!(o.total, Mark::Primary);
        let o = protect_one_way(&[0, 6, 0], 6, &P, true);
        assert_eq!(o.cells, vec![Mark::Shown, Mark::Secondary, Mark::Shown]);
        assert_eq!(o.total, Mark::Secondary);
        // Zero is shown.
        let o = protect_one_way(&[0, 10], 10, &P, false);
        assert_eq!(o.cells, vec![Mark::Shown, Mark::Shown]);
    }

    #[test]
    fn two_way_single_small_cell_makes_a_rectangle() {
        let cells = vec![vec![20, 2, 30], vec![15, 40, 25], vec![50, 60, 70]];
        let m = check_two_way(&cells, &P);
        assert_eq!(m[0][1], Mark::Primary);
        let hidden: usize = m.iter().flatten().filter(|x| x.hidden()).count();
        assert_eq!(hidden, 4, "one rectangle: {m:?}");
        assert_eq!(m[0][0], Mark::Secondary, "smallest in the row: 20 vs 30");
        // Then 15, the smallest in column 0, and 40 closes the rectangle.
        assert_eq!(m[1][0], Mark::Secondary);
        assert_eq!(m[1][1], Mark::Secondary);
        assert!(m[3].iter().all(|x| !x.hidden()), "no total hidden");
    }

    #[test]
    fn two_way_small_margin_is_protected() {
        // Row 0 sums to 4: the row total is small, and so is every cell in it.
        let cells = vec![vec![1, 3, 0], vec![10, 12, 9], vec![8, 7, 30]];
        check_two_way(&cells, &P);
        // A single column.
        let cells = vec![vec![3], vec![10], vec![12]];
        check_two_way(&cells, &P);
    }

    #[test]
    fn chains_joined_by_a_bridge_are_caught() {
        // Two rectangles of small counts joined through one more small cell in a
        // line that already has other hidden cells: not a single-hidden line, yet
        // solvable. The bridge rule hides more.
        let cells = vec![
            vec![2, 3, 1, 20, 20],
            vec![3, 2, 30, 20, 20],
            vec![40, 40, 2, 3, 40],
            vec![40, 40, 3, 2, 40],
        ];
        check_two_way(&cells, &P);
    }

    #[test]
    fn the_non_negativity_attack_can_succeed() {
        // 1 beside three zeros, all four hidden: the only other table with the same
        // margins would need a −1. The attack must see that (else it proves nothing).
        let full = with_margins(&[vec![1, 0], vec![0, 0]]);
        let mut marks = vec![vec![Mark::Shown; 3]; 3];
        for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            marks[i][j] = Mark::Secondary;
        }
        assert_eq!(movable(&full, &marks, (0, 0)), Some(false));
        // 1 and 1 on a diagonal can swap with the zeros.
        let full = with_margins(&[vec![1, 0], vec![0, 1]]);
        assert_eq!(movable(&full, &marks, (0, 0)), Some(true));
        // And what the protection does with the first table hides the 1 movably.
        check_two_way(&[vec![1, 0], vec![0, 0]], &P);
    }

    #[test]
    fn region_threshold_and_names() {
        assert!(!P.region_allowed(19));
        assert!(P.region_allowed(20));
        assert!(may_name(PublishConsent::Named));
        assert!(!may_name(PublishConsent::AggregateOnly));
        assert!(!may_name(PublishConsent::No));
    }

    fn small_count() -> impl Strategy<Value = i64> {
        prop_oneof![3 => 0i64..6, 2 => 0i64..30, 1 => 0i64..300]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn two_way_tables_resist_recovery(
            cells in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
                proptest::collection::vec(proptest::collection::vec(small_count(), c), r)
            }),
            threshold in 2i64..8,
        ) {
            let p = Policy { threshold, region_threshold: 20 };
            let m = check_two_way(&cells, &p);
            // Shown entries are the true values.
            let full = with_margins(&cells);
            for (i, r) in m.iter().enumerate() {
                for (j, mark) in r.iter().enumerate() {
                    if !mark.hidden() {
                        prop_assert!(!p.is_small(full[i][j]));
                    }
                }
            }
        }

        #[test]
        fn one_way_tables_resist_recovery(
            cells in proptest::collection::vec(small_count(), 1..12),
            threshold in 2i64..8,
            force in any::<bool>(),
        ) {
            let p = Policy { threshold, region_threshold: 20 };
            let total: i64 = cells.iter().sum();
            let o = protect_one_way(&cells, total, &p, force);
            for (n, m) in cells.iter().zip(&o.cells) {
                prop_assert_eq!(p.is_small(*n), *m == Mark::Primary);
            }
            // One line: the attacker solves it iff exactly one entry is hidden.
            let hidden = o.cells.iter().filter(|m| m.hidden()).count() + usize::from(o.total.hidden());
            prop_assert_ne!(hidden, 1);
            // And if all hidden entries sum to zero they would all be known: never,
            // when a small count is among them.
            if o.cells.contains(&Mark::Primary) {
                let hidden_cells: i64 = cells.iter().zip(&o.cells).filter(|(_, m)| m.hidden()).map(|(n, _)| *n).sum();
                prop_assert!(hidden_cells > 0);
            }
        }
    }
}
