//! Money as integer cents.
//!
//! Window sums add and subtract sale values millions of times (subtract-on-evict), so a
//! float would drift; `i64` cents are exact and sums stay exact for any realistic volume
//! (9.2e16 dollars). Prices arrive as JSON numbers and are rounded half-up to the cent once,
//! at decoding. Flink's `ROUND(x, 2)` is HALF_UP too, so [`Cents::from_dollars`] and
//! [`round_half_up`] agree with it.

use std::fmt;

/// Money as an exact number of cents: sums never drift as `f64` dollars would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

/// The largest price a sale may carry: $10,000,000. Anything above is a data error.
pub const MAX_PRICE: Cents = Cents(1_000_000_000);

impl Cents {
    /// Rounds a dollar amount half-up (away from zero) to the cent; `None` when not finite
    /// or too large to hold.
    pub fn from_dollars(dollars: f64) -> Option<Cents> {
        if !dollars.is_finite() || dollars.abs() > 9.0e15 {
            return None;
        }
        // Most prices are whole cents already: when the nearest double to c/100 is this
        // one, its shortest text is c/100 itself (cents are far apart next to a double's
        // spacing below 1e13), so rounding that text gives c — no text needed.
        if dollars.abs() < 1.0e13 {
            // The nearest whole number, by adding and taking away 1.5 × 2^52 (exact below
            // 2^51; `f64::round` is a libm call here, a fifth of a Parquet price's cost).
            // Which way a tie goes does not matter: a tie is half a cent, never a match.
            const MAGIC: f64 = 6_755_399_441_055_744.0;
            let c = (dollars * 100.0 + MAGIC) - MAGIC;
            if c / 100.0 == dollars {
                return Some(Cents(c as i64));
            }
        }
        Some(Cents::from_dollars_text(dollars))
    }

    /// Through the shortest decimal text, so 0.285 (really 0.28499999…) rounds as a person
    /// reading "0.285" expects, matching Java's BigDecimal.valueOf(double).
    fn from_dollars_text(dollars: f64) -> Cents {
        let text = format!("{dollars}");
        Cents(round_decimal_text_half_up(&text))
    }

    /// The amount in dollars, for display and JSON.
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Appends the JSON number serde_json writes for [`Cents::dollars`] (`1299.99`,
    /// `1300.0`, `0.05`) without going through the float: below 10^13 dollars a float's
    /// shortest form is exactly the cents' decimal with trailing zeros dropped (its ulp is
    /// far below a cent, so no shorter decimal names the same float). Larger amounts take
    /// serde_json's own formatting.
    pub fn write_json_dollars(self, out: &mut String) {
        const EXACT: i64 = 1_000_000_000_000_000;
        if !(-EXACT < self.0 && self.0 < EXACT) {
            out.push_str(&serde_json::to_string(&self.dollars()).unwrap_or_default());
            return;
        }
        use std::fmt::Write;
        let (whole, frac) = (self.0.abs() / 100, self.0.abs() % 100);
        let sign = if self.0 < 0 { "-" } else { "" };
        let _ = match frac {
            0 => write!(out, "{sign}{whole}.0"),
            f if f % 10 == 0 => write!(out, "{sign}{whole}.{}", f / 10),
            f => write!(out, "{sign}{whole}.{f:02}"),
        };
    }

    /// `2847.50`: as SQL prints a `DECIMAL(…, 2)` (no sign for dollars, no grouping).
    pub fn display_plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// `$2,847.50`: the seed's console style.
    pub fn display_usd(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}${grouped}.{:02}", abs % 100)
    }
}

/// Cents travel as a JSON number of dollars (`20.99`), like the seed's `price`.
impl serde::Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.dollars())
    }
}

impl<'de> serde::Deserialize<'de> for Cents {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let dollars = f64::deserialize(d)?;
        Cents::from_dollars(dollars)
            .ok_or_else(|| serde::de::Error::custom(format!("{dollars} is not an amount of money")))
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_usd())
    }
}

/// Rounds `numerator / denominator` half-up (away from zero) to an integer; used for
/// averages in cents. `denominator` must be positive.
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

/// Flink's `ROUND(x, 2)` on a double: HALF_UP on the decimal value of `x`.
pub fn round_half_up(x: f64, places: u32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let text = format!("{x}");
    let scaled = round_text_half_up(&text, places);
    scaled as f64 / 10f64.powi(places as i32)
}

fn round_decimal_text_half_up(text: &str) -> i64 {
    round_text_half_up(text, 2) as i64
}

/// Rounds a plain decimal string (as printed by Rust's `{}` for f64: no exponent) half-up
/// at `places` decimals and returns it scaled by 10^places.
fn round_text_half_up(text: &str, places: u32) -> i128 {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let mut value: i128 = 0;
    for d in int_part.bytes() {
        value = value * 10 + i128::from(d - b'0');
    }
    let frac = frac_part.as_bytes();
    for k in 0..places as usize {
        let d = frac.get(k).map_or(0, |d| i128::from(d - b'0'));
        value = value * 10 + d;
    }
    if frac.get(places as usize).is_some_and(|d| *d >= b'5') {
        value += 1;
    }
    if neg {
        -value
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole-cent shortcut gives what the decimal text gives, for every kind of price.
    #[test]
    fn whole_cents_shortcut_equals_rounding_the_shortest_text() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut values: Vec<f64> = vec![
            0.285,
            1.005,
            2.675,
            0.1 + 0.2,
            20.99,
            1e7,
            0.004,
            0.005,
            -0.285,
            // Near the shortcut's bound and past 2^52 cents, and negative amounts.
            9_999_999_999_999.99,
            9_999_999_999_999.995,
            45_035_996_273_704.97,
            -123_456_789.01,
            -0.015,
        ];
        for _ in 0..200_000 {
            let cents = (next() % 1_000_000_000) as f64;
            values.push(cents / 100.0);
            values.push((next() % 10_000_000_000) as f64 / 1000.0);
            values.push(
                f64::from_bits(0x3ff0_0000_0000_0000 | (next() >> 12)) * (next() % 100_000) as f64,
            );
        }
        for v in values {
            assert_eq!(
                Cents::from_dollars(v),
                Some(Cents::from_dollars_text(v)),
                "{v}"
            );
        }
    }

    #[test]
    fn dollars_round_half_up_like_a_person_reads_them() {
        assert_eq!(Cents::from_dollars(20.99), Some(Cents(2099)));
        assert_eq!(Cents::from_dollars(0.285), Some(Cents(29)));
        assert_eq!(Cents::from_dollars(1.005), Some(Cents(101)));
        assert_eq!(Cents::from_dollars(-1.005), Some(Cents(-101)));
        assert_eq!(Cents::from_dollars(1e-7), Some(Cents(0)));
        assert_eq!(Cents::from_dollars(f64::NAN), None);
        assert_eq!(Cents::from_dollars(f64::INFINITY), None);
        assert_eq!(Cents::from_dollars(1e300), None);
    }

    #[test]
    fn usd_display_groups_thousands() {
        assert_eq!(Cents(284_750).display_usd(), "$2,847.50");
        assert_eq!(Cents(5).display_usd(), "$0.05");
        assert_eq!(Cents(12_345_678_900).display_usd(), "$123,456,789.00");
        assert_eq!(Cents(-100_000).display_usd(), "-$1,000.00");
    }

    #[test]
    fn plain_display_is_how_sql_prints_a_decimal() {
        assert_eq!(Cents(284_750).display_plain(), "2847.50");
        assert_eq!(Cents(5).display_plain(), "0.05");
        assert_eq!(Cents(-50).display_plain(), "-0.50");
    }

    #[test]
    fn averages_round_half_up() {
        assert_eq!(div_round_half_up(5, 2), 3);
        assert_eq!(div_round_half_up(-5, 2), -3);
        assert_eq!(div_round_half_up(7, 3), 2);
        assert_eq!(div_round_half_up(8, 3), 3);
    }

    #[test]
    fn flink_round_matches_half_up() {
        assert_eq!(round_half_up(2.675, 2), 2.68);
        assert_eq!(round_half_up(1.0049, 2), 1.0);
        assert_eq!(round_half_up(-2.5, 0), -3.0);
    }
}
