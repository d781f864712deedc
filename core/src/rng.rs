//! A small seeded PRNG whose output is identical on every platform.
//!
//! The generator must give byte-identical sales for the same seed in the browser (wasm32)
//! and natively, and across releases of third-party crates, so core owns its generator:
//! xoshiro256++ seeded through SplitMix64 (both public domain, by Blackman and Vigna).
//! It is not cryptographic; it only has to look random and be reproducible.

/// xoshiro256++: the same bits on every target, unlike platform RNGs.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose state is expanded from `seed` by SplitMix64.
    pub fn seeded(seed: u64) -> Rng {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the tiny bias is irrelevant here).
    /// Returns 0 when `n == 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An exponentially distributed wait with the given mean: Poisson arrivals.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - u is in (0, 1], so ln never sees 0.
        -mean * libm::log(1.0 - self.next_f64())
    }

    /// Index drawn from cumulative weights (last element = total).
    pub fn pick_cumulative(&mut self, cumulative: &[f64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(0.0);
        let x = self.next_f64() * total;
        cumulative
            .partition_point(|c| *c <= x)
            .min(cumulative.len().saturating_sub(1))
    }

    /// A random version-4 UUID in its canonical text form. Written digit by digit: every
    /// generated sale has one, and `format!` was a visible share of producing a sale.
    pub fn uuid4(&mut self) -> String {
        let mut out = String::with_capacity(36);
        self.uuid4_into(&mut out);
        out
    }

    /// [`Rng::uuid4`] written over `out` (its allocation reused).
    pub fn uuid4_into(&mut self, out: &mut String) {
        let a = self.next_u64();
        let b = self.next_u64();
        let a = (a & 0xffff_ffff_ffff_0fff) | 0x4000; // version 4
        let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000; // RFC 4122 variant
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.clear();
        for (word, nibbles) in [(a, 16), (b, 16)] {
            for i in (0..nibbles).rev() {
                out.push(char::from(HEX[((word >> (4 * i)) & 0xf) as usize]));
                if matches!(out.len(), 8 | 13 | 18 | 23) {
                    out.push('-');
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_other_seed_other_stream() {
        let mut a = Rng::seeded(7);
        let mut b = Rng::seeded(7);
        let mut c = Rng::seeded(8);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut r = Rng::seeded(1);
        let mut seen = [0u32; 6];
        for _ in 0..6_000 {
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
            seen[r.below(6) as usize] += 1;
        }
        assert!(seen.iter().all(|n| (800..1200).contains(n)), "{seen:?}");
        let mean: f64 = (0..20_000).map(|_| r.exponential(2.0)).sum::<f64>() / 20_000.0;
        assert!((mean - 2.0).abs() < 0.1, "{mean}");
    }

    #[test]
    fn uuids_are_version_4() {
        let u = Rng::seeded(3).uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
