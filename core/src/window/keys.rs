//! Dense key ids and counted key sets: what makes `COUNT(DISTINCT …)` O(1) per event.
//!
//! Each distinct string (seller, category, product) gets a small integer id once; window
//! state is then plain arrays indexed by id. A [`Multiset`] counts how many sales in the
//! current window carry each id and keeps the list of ids whose count is above zero, so the
//! distinct count is that list's length and "top seller" scans only live keys.

use std::collections::HashMap;

/// The interner's hash: foldhash with a fixed seed (flooding resistance is not needed for
/// our own keys; the same ids on every run are). Measured against the hand-written
/// folded-multiply hash it replaced, same sitting, best of 7 twice: HOP 15 min / 1 s
/// 12.7–12.8 → 13.7–13.8 M events/s, 15 min / 5 min 15.7–15.8 → 16.9–17.5 M. Hashes
/// differ between native and wasm32 (32-bit words there); ids do not, as they follow
/// arrival order, never hash order.
pub type KeyBuild = foldhash::fast::FixedState;

pub type KeyMap<K, V> = HashMap<K, V, KeyBuild>;

/// Gives each distinct string a dense `u32` id, forever (ids are never reused, so an id
/// seen in an old pane always means the same key).
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Interner {
    ids: KeyMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// The id last found for a text at an address: columnar input (a Parquet dictionary)
    /// hands the engine one copy of a key for all its rows in a batch, so the same address
    /// comes back row after row. A hit still compares the text with the id's name, so a
    /// reused address with other text is only a miss. Not state: never in a snapshot.
    #[serde(skip)]
    seen: Seen,
}

/// [`Interner::seen`]: direct-mapped by address, `(address, length, id)`.
#[derive(Clone, Debug)]
struct Seen(Box<[(usize, usize, u32); SEEN]>);

/// Slots: a Parquet dictionary of ~500 product names missed often in 256 (interning's
/// lookups and hashing 4.3 % of a Parquet run's samples, 2.3 % at 1,024; BENCHMARKS.md).
const SEEN: usize = 1024;

impl Default for Seen {
    fn default() -> Seen {
        Seen(Box::new([(0, 0, 0); SEEN]))
    }
}

impl Interner {
    #[inline]
    pub fn id(&mut self, key: &str) -> u32 {
        let at = key.as_ptr() as usize;
        let slot = (at >> 3 ^ at >> 11) % SEEN;
        let (seen_at, len, id) = self.seen.0[slot];
        if seen_at == at
            && len == key.len()
            && self.names.get(id as usize).is_some_and(|n| **n == *key)
        {
            return id;
        }
        let id = self.lookup(key);
        self.seen.0[slot] = (at, key.len(), id);
        id
    }

    fn lookup(&mut self, key: &str) -> u32 {
        if let Some(id) = self.ids.get(key) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(key.into());
        self.ids.insert(key.into(), id);
        id
    }
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
    /// Bytes of the names, each stored once.
    pub fn bytes(&self) -> usize {
        self.names.iter().map(|n| n.len()).sum()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Counts per id, plus the ids currently present.
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Multiset {
    counts: Vec<u64>,
    /// Position of each live id in `live` (meaningless while its count is 0).
    pos: Vec<u32>,
    live: Vec<u32>,
}

impl Multiset {
    #[inline]
    pub fn add(&mut self, id: u32, n: u64) {
        let i = id as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
            self.pos.resize(i + 1, 0);
        }
        if self.counts[i] == 0 {
            self.pos[i] = self.live.len() as u32;
            self.live.push(id);
        }
        self.counts[i] += n;
    }

    /// Removes `n` of `id`; the caller only removes what it added.
    #[inline]
    pub fn remove(&mut self, id: u32, n: u64) {
        let i = id as usize;
        debug_assert!(self.counts[i] >= n, "removing more than was added");
        self.counts[i] -= n;
        if self.counts[i] == 0 {
            let p = self.pos[i] as usize;
            let last = *self.live.last().expect("live id present");
            self.live.swap_remove(p);
            if last != id {
                self.pos[last as usize] = p as u32;
            }
        }
    }

    pub fn count(&self, id: u32) -> u64 {
        self.counts.get(id as usize).copied().unwrap_or(0)
    }

    /// Number of ids with a count above zero.
    pub fn distinct(&self) -> usize {
        self.live.len()
    }

    pub fn live(&self) -> &[u32] {
        &self.live
    }

    pub fn clear(&mut self) {
        for id in self.live.drain(..) {
            self.counts[id as usize] = 0;
        }
    }

    /// The `n` live ids with the highest counts, highest first (ties: smaller name first).
    pub fn top_n<'a>(&self, n: usize, name: impl Fn(u32) -> &'a str) -> Vec<(u32, u64)> {
        let mut all: Vec<(u32, u64)> = self
            .live
            .iter()
            .map(|&id| (id, self.counts[id as usize]))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| name(a.0).cmp(name(b.0))));
        all.truncate(n);
        all
    }

    /// The live id with the highest count; ties go to the smallest `name`, so the answer
    /// does not depend on arrival order.
    pub fn top<'a>(&self, name: impl Fn(u32) -> &'a str) -> Option<(u32, u64)> {
        let mut best: Option<(u32, u64)> = None;
        for &id in &self.live {
            let c = self.counts[id as usize];
            best = match best {
                Some((b, bc)) if bc > c || (bc == c && name(b) <= name(id)) => Some((b, bc)),
                _ => Some((id, c)),
            };
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_gives_stable_dense_ids() {
        let mut i = Interner::default();
        assert_eq!(i.id("a"), 0);
        assert_eq!(i.id("b"), 1);
        assert_eq!(i.id("a"), 0);
        assert_eq!(i.name(1), "b");
        assert_eq!(i.len(), 2);
    }

    /// The same address with other text (a reused buffer) is another key; the same text
    /// at another address is the same key.
    #[test]
    fn an_address_seen_before_never_stands_for_its_old_text() {
        let mut i = Interner::default();
        let mut buf = String::from("alpha");
        let first = i.id(&buf);
        assert_eq!(i.id(&buf), first, "the same text at the same address");
        buf.replace_range(.., "bravo");
        let second = i.id(&buf);
        assert_ne!(second, first, "other text at the same address");
        assert_eq!(i.name(second), "bravo");
        buf.replace_range(.., "alph");
        let third = i.id(&buf);
        assert_eq!(i.name(third), "alph", "a shorter text at the same address");
        assert_eq!(
            i.id(&String::from("alpha")),
            first,
            "the old text at a new address"
        );
        assert_eq!(i.len(), 3);
    }

    #[test]
    fn multiset_tracks_distinct_and_top_under_removal() {
        let names = ["x", "y", "z"];
        let mut m = Multiset::default();
        m.add(0, 2);
        m.add(2, 2);
        m.add(1, 1);
        assert_eq!(m.distinct(), 3);
        assert_eq!(
            m.top(|id| names[id as usize]),
            Some((0, 2)),
            "tie goes to the smaller name"
        );
        assert_eq!(m.top_n(2, |id| names[id as usize]), vec![(0, 2), (2, 2)]);
        m.remove(0, 2);
        assert_eq!(m.distinct(), 2);
        assert_eq!(m.top(|id| names[id as usize]), Some((2, 2)));
        m.remove(2, 1);
        m.remove(1, 1);
        assert_eq!(m.live(), &[2]);
        m.clear();
        assert_eq!(m.distinct(), 0);
        assert_eq!(m.count(2), 0);
        assert_eq!(m.top(|id| names[id as usize]), None);
    }
}
