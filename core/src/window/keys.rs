//! Dense key ids and counted key sets: what makes `COUNT(DISTINCT …)` O(1) per event.
//!
//! Each distinct string (seller, category, product) gets a small integer id once; window
//! state is then plain arrays indexed by id. A [`Multiset`] counts how many sales in the
//! current window carry each id and keeps the list of ids whose count is above zero, so the
//! distinct count is that list's length and "top seller" scans only live keys.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The interner's hash: small integers by one multiply-rotate (as rustc's Fx hash), strings
/// by folded 64×64→128-bit multiplies over overlapping words (see `write`). Keys here are
/// short strings and small integers from our own data; flooding resistance is not needed,
/// speed is. (Named for what it hashes: it stopped being the Fx hash when strings moved to
/// the folded multiply.)
#[derive(Default, Clone, Copy)]
pub struct KeyHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl KeyHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

/// 64 × 64 → 128-bit multiply, folded: mixes two words in one multiplication, independent
/// of the running hash, so the words of a key hash in parallel.
#[cfg(not(target_family = "wasm"))]
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// wasm has no 64 × 64 → 128-bit multiply (it would be emulated with four): two 64-bit
/// multiplies mix as well here. Hashes differ between targets; ids do not, since they
/// follow arrival order, not hash order.
#[cfg(target_family = "wasm")]
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let x = a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b;
    let x = (x ^ (x >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93);
    x ^ (x >> 32)
}

/// Digits of π: arbitrary, fixed, with no structure shared with the keys.
const K: [u64; 4] = [
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
];

impl Hasher for KeyHasher {
    /// Every byte counts (a sampled hash left 57 of the catalog's 591 keys sharing a hash),
    /// but with no byte loop and no copy of a tail: keys of up to 16 bytes are read as two
    /// overlapping words, longer ones 16 bytes per folded multiply, each independent of
    /// the others so they run in parallel. Interning is the hottest step per event.
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let word = |at: usize| {
            let c = &bytes[at..at + 8];
            u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
        };
        let h = if n > 16 {
            let mut acc = (n as u64) ^ K[3];
            let mut at = 0;
            while at + 16 < n {
                acc ^= fold(word(at) ^ K[0] ^ at as u64, word(at + 8) ^ K[1]);
                at += 16;
            }
            acc ^ fold(word(n - 16) ^ K[2], word(n - 8) ^ K[1])
        } else {
            let (a, b) = if n >= 8 {
                (word(0), word(n - 8))
            } else if n >= 4 {
                let half = |at: usize| {
                    let c = &bytes[at..at + 4];
                    u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                };
                (half(0), half(n - 4))
            } else if n > 0 {
                (
                    u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8,
                    u64::from(bytes[n - 1]),
                )
            } else {
                (0, 0)
            };
            fold(a ^ K[0], b ^ K[1] ^ ((n as u64) << 56))
        };
        self.add(h);
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// Gives each distinct string a dense `u32` id, forever (ids are never reused, so an id
/// seen in an old pane always means the same key).
#[derive(Default, Clone, Debug)]
pub struct Interner {
    ids: KeyMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    #[inline]
    pub fn id(&mut self, key: &str) -> u32 {
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
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Counts per id, plus the ids currently present.
#[derive(Default, Clone, Debug)]
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
