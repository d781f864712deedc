//! Panes (Flink's slices) and the running aggregate that slides over them.

use super::keys::{KeyMap, Multiset};
use super::watermark::MAX_TRACKED_PARTITIONS;
use std::collections::VecDeque;

/// One event's contribution, keys already interned.
#[derive(Clone, Copy, Debug)]
pub(super) struct Item {
    pub value: i64,
    pub seller: u32,
    pub category: u32,
    pub product: u32,
    pub partition: u32,
}

/// Every event of one pane, aggregated.
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Pane {
    pub count: u64,
    pub sum: i64,
    pub sum_sq: i128,
    pub max: i64,
    pub sellers: KeyMap<u32, u64>,
    pub categories: KeyMap<u32, u64>,
    pub products: KeyMap<u32, u64>,
    pub partitions: KeyMap<u32, u64>,
}

impl Pane {
    #[inline]
    pub fn add(&mut self, it: &Item) {
        let v = it.value;
        self.count += 1;
        self.sum += v;
        self.sum_sq += i128::from(v) * i128::from(v);
        self.max = if self.count == 1 { v } else { self.max.max(v) };
        *self.sellers.entry(it.seller).or_insert(0) += 1;
        *self.categories.entry(it.category).or_insert(0) += 1;
        *self.products.entry(it.product).or_insert(0) += 1;
        if itemised(it.partition) {
            *self.partitions.entry(it.partition).or_insert(0) += 1;
        }
    }

    /// Empties the pane but keeps its maps' capacity, so a recycled pane allocates nothing.
    pub fn reset(&mut self) {
        self.count = 0;
        self.sum = 0;
        self.sum_sq = 0;
        self.max = 0;
        self.sellers.clear();
        self.categories.clear();
        self.products.clear();
        self.partitions.clear();
    }
}

/// The running aggregate over the panes of the window being fired.
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Acc {
    pub count: u64,
    pub sum: i64,
    pub sum_sq: i128,
    pub sellers: Multiset,
    pub categories: Multiset,
    pub products: Multiset,
    pub partitions: Multiset,
    /// (pane index, pane max), pane indices increasing and maxima strictly decreasing
    /// from front to back: the front is the window's maximum.
    pub max: VecDeque<(i64, i64)>,
}

/// Whether a partition's sales are itemised (`sales_per_partition`). The per-partition
/// counts are dense by partition number, and the number comes from outside (a record, a
/// relayed frame): past [`MAX_TRACKED_PARTITIONS`] a partition's sales count in the
/// window's totals only, so no input can size these lists (partition 4,000,000,000 asked
/// for 32 GB, or a capacity-overflow panic on wasm32).
fn itemised(partition: u32) -> bool {
    (partition as usize) < MAX_TRACKED_PARTITIONS
}

impl Acc {
    pub fn add(&mut self, index: i64, p: &Pane) {
        self.count += p.count;
        self.sum += p.sum;
        self.sum_sq += p.sum_sq;
        for (k, n) in &p.sellers {
            self.sellers.add(*k, *n);
        }
        for (k, n) in &p.categories {
            self.categories.add(*k, *n);
        }
        for (k, n) in &p.products {
            self.products.add(*k, *n);
        }
        for (k, n) in &p.partitions {
            self.partitions.add(*k, *n);
        }
        while self.max.back().is_some_and(|(_, m)| *m <= p.max) {
            self.max.pop_back();
        }
        self.max.push_back((index, p.max));
    }

    /// A late event joining pane `index`, which the running aggregate already holds.
    pub fn add_late(&mut self, index: i64, it: &Item) {
        let v = it.value;
        self.count += 1;
        self.sum += v;
        self.sum_sq += i128::from(v) * i128::from(v);
        self.sellers.add(it.seller, 1);
        self.categories.add(it.category, 1);
        self.products.add(it.product, 1);
        if itemised(it.partition) {
            self.partitions.add(it.partition, 1);
        }
        self.raise_max(index, v);
    }

    /// Pane `index` (inside the deque's range) now has a value `v`: keeps the deque a
    /// monotonic one. Entries before `index` that `v` dominates leave (each entry leaves
    /// once, so this is amortised O(1) plus a binary search and one in-place insert).
    fn raise_max(&mut self, index: i64, v: i64) {
        let pos = self.max.partition_point(|(i, _)| *i < index);
        let here = self.max.get(pos).filter(|(i, _)| *i == index).map(|e| e.1);
        if here.is_some_and(|m| m >= v) {
            return;
        }
        let after = if here.is_some() { pos + 1 } else { pos };
        if self.max.get(after).is_some_and(|(_, m)| *m >= v) {
            // A later pane holds at least v: this pane can never be the window's maximum.
            return;
        }
        let mut start = pos;
        while start > 0 && self.max[start - 1].1 <= v {
            start -= 1;
        }
        self.max.drain(start..after);
        self.max.insert(start, (index, v));
    }

    pub fn remove(&mut self, p: &Pane) {
        self.count -= p.count;
        self.sum -= p.sum;
        self.sum_sq -= p.sum_sq;
        for (k, n) in &p.sellers {
            self.sellers.remove(*k, *n);
        }
        for (k, n) in &p.categories {
            self.categories.remove(*k, *n);
        }
        for (k, n) in &p.products {
            self.products.remove(*k, *n);
        }
        for (k, n) in &p.partitions {
            self.partitions.remove(*k, *n);
        }
    }

    pub fn clear(&mut self) {
        self.count = 0;
        self.sum = 0;
        self.sum_sq = 0;
        self.sellers.clear();
        self.categories.clear();
        self.products.clear();
        self.partitions.clear();
        self.max.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deque_of(panes: &[(i64, i64)]) -> Acc {
        let mut acc = Acc::default();
        for &(i, m) in panes {
            let p = Pane {
                count: 1,
                max: m,
                ..Pane::default()
            };
            acc.add(i, &p);
        }
        acc
    }

    /// The monotonic deque of a list of pane maxima, built from scratch.
    fn rebuilt(panes: &[(i64, i64)]) -> Vec<(i64, i64)> {
        let mut out: Vec<(i64, i64)> = Vec::new();
        for &(i, m) in panes {
            while out.last().is_some_and(|(_, x)| *x <= m) {
                out.pop();
            }
            out.push((i, m));
        }
        out
    }

    #[test]
    fn raising_a_pane_keeps_the_deque_equal_to_a_rebuild() {
        let base = [(0, 9), (1, 3), (2, 7), (3, 2), (4, 5), (5, 1)];
        for index in 0..6 {
            for v in 0..12 {
                let mut acc = deque_of(&base);
                let mut panes = base.to_vec();
                let new = panes[index as usize].1.max(v);
                panes[index as usize].1 = new;
                acc.raise_max(index, v);
                let got: Vec<_> = acc.max.iter().copied().collect();
                assert_eq!(got, rebuilt(&panes), "pane {index} raised to {v}");
            }
        }
    }
}
