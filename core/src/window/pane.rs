//! Panes (Flink's slices) and the running aggregate that slides over them.

use super::keys::{KeyMap, Multiset};
use super::watermark::MAX_TRACKED_PARTITIONS;
use std::collections::VecDeque;

/// The keys a window counts its sales by, each with a counter per key in a pane and in
/// the running aggregate. A keyed aggregate (distinct sellers, the top categories, the
/// sales per partition) is a variant here and its finish step in the engine's `finish`;
/// adding, retracting and clearing are written once for all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Key {
    Seller,
    Category,
    Product,
    Partition,
}

impl Key {
    pub const ALL: [Key; 4] = [Key::Seller, Key::Category, Key::Product, Key::Partition];
}

/// One value per [`Key`].
#[derive(Default, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Keyed<T>([T; Key::ALL.len()]);

impl<T> std::ops::Index<Key> for Keyed<T> {
    type Output = T;
    #[inline]
    fn index(&self, k: Key) -> &T {
        &self.0[k as usize]
    }
}

impl<T> std::ops::IndexMut<Key> for Keyed<T> {
    #[inline]
    fn index_mut(&mut self, k: Key) -> &mut T {
        &mut self.0[k as usize]
    }
}

impl<T> Keyed<T> {
    #[inline]
    fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.iter_mut()
    }

    #[inline]
    fn zip<'a, U>(&'a mut self, other: &'a Keyed<U>) -> impl Iterator<Item = (&'a mut T, &'a U)> {
        self.0.iter_mut().zip(other.0.iter())
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }
}

/// The aggregates that add and retract exactly, so the running aggregate can take a pane
/// out again when the window slides past it: the count, the sum, the sum of squares (for
/// the standard deviation). The maximum cannot be retracted: it has its own structure.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Totals {
    pub count: u64,
    pub sum: i64,
    pub sum_sq: i128,
}

impl Totals {
    /// One sale of `value`.
    #[inline]
    pub fn of(value: i64) -> Totals {
        Totals {
            count: 1,
            sum: value,
            sum_sq: i128::from(value) * i128::from(value),
        }
    }

    #[inline]
    pub fn add(&mut self, o: &Totals) {
        self.count += o.count;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }

    /// Takes out what [`Totals::add`] put in.
    #[inline]
    pub fn retract(&mut self, o: &Totals) {
        self.count -= o.count;
        self.sum -= o.sum;
        self.sum_sq -= o.sum_sq;
    }
}

/// One event's contribution, keys already interned (`None`: not counted by that key).
#[derive(Clone, Copy, Debug)]
pub(super) struct Item {
    pub value: i64,
    pub keys: Keyed<Option<u32>>,
}

impl Item {
    pub fn new(value: i64, seller: u32, category: u32, product: u32, partition: u32) -> Item {
        Item {
            value,
            keys: Keyed([
                Some(seller),
                Some(category),
                Some(product),
                itemised(partition).then_some(partition),
            ]),
        }
    }
}

/// Every event of one pane, aggregated.
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Pane {
    pub totals: Totals,
    pub max: i64,
    pub keys: Keyed<KeyMap<u32, u64>>,
}

impl Pane {
    #[inline]
    pub fn add(&mut self, it: &Item) {
        self.totals.add(&Totals::of(it.value));
        self.max = if self.totals.count == 1 {
            it.value
        } else {
            self.max.max(it.value)
        };
        // Unrolled by hand: as a loop over the keys, the four map lookups shared one body
        // and cost the engine 5–6 % (BENCHMARKS.md). A new key fails to compile here.
        let [sellers, categories, products, partitions] = &mut self.keys.0;
        let [seller, category, product, partition] = it.keys.0;
        count_one(sellers, seller);
        count_one(categories, category);
        count_one(products, product);
        count_one(partitions, partition);
    }

    /// Empties the pane but keeps its maps' capacity, so a recycled pane allocates nothing.
    pub fn reset(&mut self) {
        self.totals = Totals::default();
        self.max = 0;
        self.keys.iter_mut().for_each(KeyMap::clear);
    }
}

#[inline(always)]
fn count_one(counts: &mut KeyMap<u32, u64>, key: Option<u32>) {
    if let Some(key) = key {
        *counts.entry(key).or_insert(0) += 1;
    }
}

/// The running aggregate over the panes of the window being fired.
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Acc {
    pub totals: Totals,
    pub keys: Keyed<Multiset>,
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
        self.totals.add(&p.totals);
        for (set, counts) in self.keys.zip(&p.keys) {
            for (k, n) in counts {
                set.add(*k, *n);
            }
        }
        while self.max.back().is_some_and(|(_, m)| *m <= p.max) {
            self.max.pop_back();
        }
        self.max.push_back((index, p.max));
    }

    /// A late event joining pane `index`, which the running aggregate already holds.
    pub fn add_late(&mut self, index: i64, it: &Item) {
        self.totals.add(&Totals::of(it.value));
        for (set, key) in self.keys.zip(&it.keys) {
            if let Some(key) = key {
                set.add(*key, 1);
            }
        }
        self.raise_max(index, it.value);
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

    /// Takes pane `p` out. Its maximum leaves the deque separately, by pane index, when
    /// the window slides past it.
    pub fn remove(&mut self, p: &Pane) {
        self.totals.retract(&p.totals);
        for (set, counts) in self.keys.zip(&p.keys) {
            for (k, n) in counts {
                set.remove(*k, *n);
            }
        }
    }

    pub fn clear(&mut self) {
        self.totals = Totals::default();
        self.keys.iter_mut().for_each(Multiset::clear);
        self.max.clear();
    }

    /// Whether nothing is held: what a window with no sale has.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.totals == Totals::default()
            && self.keys.iter().all(|s| s.distinct() == 0)
            && self.max.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deque_of(panes: &[(i64, i64)]) -> Acc {
        let mut acc = Acc::default();
        for &(i, m) in panes {
            let p = Pane {
                totals: Totals::of(m),
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

    fn items(n: u32) -> Vec<Item> {
        (0..n)
            .map(|i| Item::new(i64::from(i * 37 % 101), i % 7, i % 3, i % 11, i % 5))
            .collect()
    }

    /// Every aggregate a pane holds, retracted, leaves nothing: a field forgotten in
    /// `Totals::retract` or a key not taken out fails here.
    #[test]
    fn removing_every_pane_added_leaves_the_aggregate_empty() {
        let mut acc = Acc::default();
        let panes: Vec<Pane> = (1..6)
            .map(|n| {
                let mut p = Pane::default();
                items(n * 13).iter().for_each(|it| p.add(it));
                p
            })
            .collect();
        for (i, p) in panes.iter().enumerate() {
            acc.add(i as i64, p);
        }
        assert_eq!(acc.totals.count, (1..6u64).map(|n| n * 13).sum::<u64>());
        assert!(Key::ALL.iter().all(|k| acc.keys[*k].distinct() > 0));
        acc.add_late(2, &Item::new(500, 1, 1, 1, 1));
        let mut late = Pane::default();
        late.add(&Item::new(500, 1, 1, 1, 1));
        for p in &panes {
            acc.remove(p);
        }
        acc.remove(&late);
        acc.max.clear();
        assert!(acc.is_empty(), "{acc:?}");
    }

    /// A reset pane and a cleared aggregate are as new: nothing of the last window stays.
    #[test]
    fn reset_and_clear_forget_everything() {
        let mut p = Pane::default();
        items(50).iter().for_each(|it| p.add(it));
        let mut acc = Acc::default();
        acc.add(0, &p);
        p.reset();
        assert_eq!(p.totals, Totals::default());
        assert_eq!(p.max, 0);
        assert!(p.keys.iter().all(|m| m.is_empty()));
        acc.clear();
        assert!(acc.is_empty());
    }

    /// A partition number from outside is counted in the totals only when too large to
    /// itemise.
    #[test]
    fn only_itemised_partitions_are_counted_by_partition() {
        let mut p = Pane::default();
        p.add(&Item::new(5, 0, 0, 0, u32::MAX));
        assert_eq!(p.totals.count, 1);
        assert!(p.keys[Key::Partition].is_empty());
        assert_eq!(p.keys[Key::Seller].len(), 1);
    }
}
