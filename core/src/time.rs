//! Time as plain numbers: core never reads a clock.
//!
//! [`Timestamp`] is milliseconds since the Unix epoch in UTC — the resolution Flink's
//! `TIMESTAMP(3)` uses for window boundaries. [`Span`] is a signed length of time in
//! milliseconds. Sale dates keep microseconds (see [`Micros`]) because the seed's
//! `sale_date` format carries them, but windows only ever look at milliseconds.

use std::fmt;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// A length of time in milliseconds (may be zero; negative only as a difference).
/// Travels as a plain number of milliseconds.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
/// A length of time in milliseconds (window size, slide, delays).
#[serde(transparent)]
pub struct Span(pub i64);

/// Microseconds since the epoch, UTC: the precision of `sale_date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Micros(pub i64);

impl Span {
    /// `ms` milliseconds.
    pub const fn millis(ms: i64) -> Span {
        Span(ms)
    }
    /// `s` seconds.
    pub const fn seconds(s: i64) -> Span {
        Span(s * 1_000)
    }
    /// `m` minutes.
    pub const fn minutes(m: i64) -> Span {
        Span(m * 60_000)
    }
    /// The length in milliseconds.
    pub fn as_millis(self) -> i64 {
        self.0
    }
    /// The length in seconds, for display.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// Parses `250ms`, `1s`, `15m`, `2h`, `1d` (or `0`). A number needs its unit: a bare
    /// `60` is refused rather than read as 60 ms, which once made `--duration 60` write
    /// nothing without a word.
    pub fn parse(text: &str) -> Result<Span, DurationError> {
        let t = text.trim();
        let err = |kind| DurationError {
            text: text.to_string(),
            kind,
        };
        if t.starts_with('-') {
            return Err(err(DurationErrorKind::Negative));
        }
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() {
            return Err(err(DurationErrorKind::NoNumber));
        }
        let n: i64 = num.parse().map_err(|_| err(DurationErrorKind::TooLarge))?;
        let factor = match unit.trim() {
            "" if n == 0 => 1,
            "" => return Err(err(DurationErrorKind::NoUnit)),
            "ms" => 1,
            "s" | "sec" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            other => return Err(err(DurationErrorKind::UnknownUnit(other.to_string()))),
        };
        n.checked_mul(factor)
            .map(Span)
            .ok_or_else(|| err(DurationErrorKind::TooLarge))
    }
}

/// Why a duration was refused; `Display` says how to write it instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    pub text: String,
    pub kind: DurationErrorKind,
}

/// What is wrong with a duration text.
#[derive(Clone, Debug, PartialEq, Eq)]
// New kinds may come: matches outside core need a catch-all arm (as globset's).
#[non_exhaustive]
pub enum DurationErrorKind {
    /// `-5s`: durations here are lengths, never negative.
    Negative,
    /// `m`, `abc`, ``.
    NoNumber,
    /// `60`: is it ms, s or m?
    NoUnit,
    UnknownUnit(String),
    TooLarge,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = &self.text;
        match &self.kind {
            DurationErrorKind::Negative => write!(f, "duration {text:?} must not be negative"),
            DurationErrorKind::NoNumber => write!(
                f,
                "duration {text:?} must start with a number (e.g. 15m, 1s, 500ms)"
            ),
            DurationErrorKind::NoUnit => {
                let n = text.trim();
                write!(
                    f,
                    "duration {text:?} needs a unit: {n}ms, {n}s, {n}m, {n}h or {n}d"
                )
            }
            DurationErrorKind::UnknownUnit(u) => write!(
                f,
                "duration {text:?} has unknown unit {u:?} (use ms, s, m, h or d)"
            ),
            DurationErrorKind::TooLarge => write!(f, "duration {text:?} is too large"),
        }
    }
}

impl std::error::Error for DurationError {}

impl fmt::Display for Span {
    /// The shortest exact form: `15m`, `1s`, `1500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        for (unit, size) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1_000),
        ] {
            if ms != 0 && ms % size == 0 {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }
    /// This time plus `span` (saturating).
    pub fn plus(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_add(span.0))
    }
    /// This time minus `span` (saturating).
    pub fn minus(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_sub(span.0))
    }
    /// How long after `earlier` this is (negative if before).
    pub fn since(self, earlier: Timestamp) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
    /// ISO-8601 in UTC with milliseconds, e.g. `2024-01-21T10:00:00.000Z`.
    pub fn to_iso(self) -> String {
        let (date, ms_of_day) = split_day(self.0, 86_400_000);
        iso(date, ms_of_day / 1_000, ms_of_day % 1_000, 3, "Z")
    }
    /// Parses any ISO-8601 form [`Micros::parse_iso`] accepts, truncated to milliseconds.
    pub fn parse_iso(text: &str) -> Result<Timestamp, IsoTimeError> {
        Micros::parse_iso(text).map(Micros::to_timestamp)
    }
}

/// Timestamps travel as ISO-8601 text (`2024-01-21T10:00:00.000Z`): readable in JSON
/// lines, and what `hopscope window` prints for `window_start`/`window_end`.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_iso(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

impl Micros {
    /// A millisecond timestamp in microseconds.
    pub fn from_timestamp(ts: Timestamp) -> Micros {
        Micros(ts.0.saturating_mul(1_000))
    }
    /// Floors to the millisecond, so an event is never moved into a later window.
    pub fn to_timestamp(self) -> Timestamp {
        Timestamp(self.0.div_euclid(1_000))
    }

    /// The seed's `sale_date` shape: `2024-01-21T10:00:00.123456+00:00`.
    pub fn to_iso(self) -> String {
        let mut out = String::with_capacity(32);
        self.write_iso(&mut out);
        out
    }

    /// [`Micros::to_iso`] appended to `out`.
    pub fn write_iso(self, out: &mut String) {
        let (date, us_of_day) = split_day(self.0, 86_400_000_000);
        iso_into(
            out,
            date,
            us_of_day / 1_000_000,
            us_of_day % 1_000_000,
            6,
            "+00:00",
        )
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`; a space may stand for `T`,
    /// and a missing offset means UTC (Python's naive `isoformat()`), as in the seed.
    /// Runs for every sale decoded: nothing is allocated unless the text is refused.
    pub fn parse_iso(text: &str) -> Result<Micros, IsoTimeError> {
        let err = |kind| IsoTimeError {
            text: text.to_string(),
            kind,
        };
        let b = text.trim().as_bytes();
        if b.len() < 19 {
            return Err(err(IsoTimeErrorKind::TooShort));
        }
        if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ' || b[10] == b't') {
            return Err(err(IsoTimeErrorKind::DateLayout));
        }
        if b[13] != b':' || b[16] != b':' {
            return Err(err(IsoTimeErrorKind::TimeLayout));
        }
        const FIELDS: [(usize, usize, &str); 6] = [
            (0, 4, "year"),
            (5, 7, "month"),
            (8, 10, "day"),
            (11, 13, "hour"),
            (14, 16, "minute"),
            (17, 19, "second"),
        ];
        let mut v = [0i64; 6];
        for (k, (from, to, what)) in FIELDS.into_iter().enumerate() {
            v[k] = decimal(&b[from..to]).ok_or_else(|| err(IsoTimeErrorKind::BadField(what)))?;
        }
        let [year, month, day, hour, minute, second] = v;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(err(IsoTimeErrorKind::NoSuchDate));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(err(IsoTimeErrorKind::TimeOutOfRange));
        }
        let mut i = 19;
        let mut micros = 0i64;
        if i < b.len() && (b[i] == b'.' || b[i] == b',') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 6 {
                    micros = micros * 10 + i64::from(b[i] - b'0');
                }
                i += 1;
            }
            let digits = i - start;
            if digits == 0 {
                return Err(err(IsoTimeErrorKind::EmptyFraction));
            }
            for _ in digits..6 {
                micros *= 10;
            }
        }
        let offset_minutes = match &b[i..] {
            [] | [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), rest @ ..] => {
                let (hh, mm) = match rest {
                    [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => ([*h1, *h2], [*m1, *m2]),
                    // Hours only, as ISO 8601 allows and PostgreSQL and DuckDB print a
                    // `timestamptz` as text: `2024-01-21 10:00:00.004938+00`.
                    [h1, h2] => ([*h1, *h2], [b'0', b'0']),
                    _ => return Err(err(IsoTimeErrorKind::OffsetLayout)),
                };
                let (Some(hh), Some(mm)) = (decimal(&hh), decimal(&mm)) else {
                    return Err(err(IsoTimeErrorKind::OffsetLayout));
                };
                let mins = hh * 60 + mm;
                if mins > 18 * 60 {
                    return Err(err(IsoTimeErrorKind::OffsetOutOfRange));
                }
                if *sign == b'-' {
                    -mins
                } else {
                    mins
                }
            }
            _ => return Err(err(IsoTimeErrorKind::TrailingText)),
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
        Ok(Micros(secs * 1_000_000 + micros))
    }
}

/// Why a text is not an ISO-8601 date-time: the text, and which rule it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsoTimeError {
    pub text: String,
    pub kind: IsoTimeErrorKind,
}

/// The rule an ISO-8601 text broke.
#[derive(Clone, Debug, PartialEq, Eq)]
// New kinds may come: matches outside core need a catch-all arm (as globset's).
#[non_exhaustive]
pub enum IsoTimeErrorKind {
    /// Shorter than `YYYY-MM-DDTHH:MM:SS`.
    TooShort,
    /// The date's dashes or the `T` are not where they belong.
    DateLayout,
    /// The time's colons are not where they belong.
    TimeLayout,
    /// A field that is not all digits: `year`, `month`, `day`, `hour`, `minute`, `second`.
    BadField(&'static str),
    /// `2024-02-30`.
    NoSuchDate,
    /// `24:00:00`, `10:60:00`.
    TimeOutOfRange,
    /// `10:00:00.` with no digits.
    EmptyFraction,
    /// An offset that is not `±HH:MM` or `±HHMM`.
    OffsetLayout,
    /// Beyond ±18:00.
    OffsetOutOfRange,
    /// Anything after the time that is not an offset.
    TrailingText,
}

impl fmt::Display for IsoTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.kind {
            IsoTimeErrorKind::TooShort => "too short, expected YYYY-MM-DDTHH:MM:SS",
            IsoTimeErrorKind::DateLayout => "expected YYYY-MM-DDTHH:MM:SS",
            IsoTimeErrorKind::TimeLayout => "expected HH:MM:SS",
            IsoTimeErrorKind::BadField(what) => {
                return write!(
                    f,
                    "{:?} is not an ISO-8601 date-time: bad {what}",
                    self.text
                )
            }
            IsoTimeErrorKind::NoSuchDate => "no such calendar date",
            IsoTimeErrorKind::TimeOutOfRange => "time of day out of range",
            IsoTimeErrorKind::EmptyFraction => "empty fraction of a second",
            IsoTimeErrorKind::OffsetLayout => "offset must be ±HH:MM, ±HHMM or ±HH",
            IsoTimeErrorKind::OffsetOutOfRange => "offset out of range",
            IsoTimeErrorKind::TrailingText => "unexpected text after the time",
        };
        write!(f, "{:?} is not an ISO-8601 date-time: {why}", self.text)
    }
}

impl std::error::Error for IsoTimeError {}

/// The value of a run of ASCII digits (a field of a date-time, so at most a few); `None`
/// if any byte is not a digit. Runs for every sale decoded: no allocation, no closure.
#[inline]
fn decimal(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0i64, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
    })
}

/// `YYYY-MM-DDTHH:MM:SS.` + `frac` in `digits` digits + `suffix`. Written digit by digit
/// rather than with `format!`: every record the relay forwards carries two of these, and
/// the formatting machinery was a third of the cost of encoding a frame. Years outside
/// 0..=9999 (never a sale date, possible in a Kafka timestamp) take the general path.
fn iso(days: i64, secs_of_day: i64, frac: i64, digits: usize, suffix: &str) -> String {
    let mut out = String::with_capacity(26 + suffix.len());
    iso_into(&mut out, days, secs_of_day, frac, digits, suffix);
    out
}

/// [`iso`] appended to `out`.
fn iso_into(out: &mut String, days: i64, secs_of_day: i64, frac: i64, digits: usize, suffix: &str) {
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (secs_of_day / 3_600, secs_of_day / 60 % 60, secs_of_day % 60);
    if !(0..=9_999).contains(&y) {
        use std::fmt::Write;
        let _ = write!(
            out,
            "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:0digits$}{suffix}"
        );
        return;
    }
    for (value, width, sep) in [
        (y, 4, '-'),
        (m, 2, '-'),
        (d, 2, 'T'),
        (hh, 2, ':'),
        (mm, 2, ':'),
        (ss, 2, '.'),
    ] {
        push_digits(out, value, width);
        out.push(sep);
    }
    push_digits(out, frac, digits);
    out.push_str(suffix);
}

/// The last `width` decimal digits of a non-negative `value`, zero-padded.
fn push_digits(out: &mut String, value: i64, width: usize) {
    let mut divisor = 10_i64.pow(width as u32 - 1);
    while divisor > 0 {
        out.push(char::from(b'0' + (value / divisor % 10) as u8));
        divisor /= 10;
    }
}

fn split_day(value: i64, per_day: i64) -> (i64, i64) {
    (value.div_euclid(per_day), value.rem_euclid(per_day))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_and_print_in_their_shortest_unit() {
        assert_eq!(Span::parse("15m"), Ok(Span::minutes(15)));
        assert_eq!(Span::parse("1s"), Ok(Span::seconds(1)));
        assert_eq!(Span::parse("250ms"), Ok(Span::millis(250)));
        assert_eq!(Span::parse("2h").unwrap().to_string(), "2h");
        assert_eq!(Span::millis(1500).to_string(), "1500ms");
        assert!(Span::parse("15 parsecs")
            .unwrap_err()
            .to_string()
            .contains("unknown unit"));
        assert!(Span::parse("m")
            .unwrap_err()
            .to_string()
            .contains("must start with a number"));
        assert!(Span::parse("99999999999999999999s").is_err());
        assert_eq!(Span::parse("0"), Ok(Span(0)));
        let no_unit = Span::parse("60").unwrap_err();
        assert_eq!(no_unit.kind, DurationErrorKind::NoUnit);
        assert!(no_unit.to_string().contains("60s"), "{no_unit}");
        assert_eq!(
            Span::parse("-1s").unwrap_err().kind,
            DurationErrorKind::Negative
        );
        assert_eq!(
            Span::parse("").unwrap_err().kind,
            DurationErrorKind::NoNumber
        );
    }

    #[test]
    fn iso_round_trips_known_instants() {
        let t = Timestamp::parse_iso("2024-01-21T10:00:00.123Z").unwrap();
        assert_eq!(t.0, 1_705_831_200_123);
        assert_eq!(t.to_iso(), "2024-01-21T10:00:00.123Z");
        assert_eq!(Timestamp(0).to_iso(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Timestamp(-1).to_iso(), "1969-12-31T23:59:59.999Z");
        let m = Micros::parse_iso("2024-02-29T23:59:59.999999+0000").unwrap();
        assert_eq!(m.to_iso(), "2024-02-29T23:59:59.999999+00:00");
    }

    #[test]
    fn iso_text_parses_back_to_the_same_instant_across_four_digit_years() {
        // 0000-01-01 .. 9999-12-31 in microseconds, sampled by a fixed LCG.
        let (lo, hi) = (-62_167_219_200_000_000_i64, 253_402_300_799_999_999_i64);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let us = lo + (x % (hi - lo) as u64) as i64;
            let m = Micros(us);
            assert_eq!(Micros::parse_iso(&m.to_iso()), Ok(m), "{}", m.to_iso());
            let t = m.to_timestamp();
            assert_eq!(Timestamp::parse_iso(&t.to_iso()), Ok(t), "{}", t.to_iso());
        }
    }

    #[test]
    fn instants_beyond_four_digit_years_still_print() {
        assert_eq!(
            Timestamp(253_402_300_800_000).to_iso(),
            "10000-01-01T00:00:00.000Z"
        );
        assert!(Timestamp(-62_167_219_200_001)
            .to_iso()
            .starts_with("-001-12-31T23:59:59.999"));
        assert!(!Timestamp(i64::MAX).to_iso().is_empty());
        assert!(!Timestamp(i64::MIN).to_iso().is_empty());
        assert!(!Micros(i64::MIN).to_iso().is_empty());
    }

    #[test]
    fn offsets_shift_to_utc() {
        let a = Micros::parse_iso("2024-01-21T07:00:00-03:00").unwrap();
        let b = Micros::parse_iso("2024-01-21T10:00:00Z").unwrap();
        let c = Micros::parse_iso("2024-01-21 10:00:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
    }

    /// PostgreSQL's and DuckDB's text of a `timestamptz`: a space, and the offset in hours.
    #[test]
    fn an_offset_in_hours_only_is_read() {
        let utc = Micros::parse_iso("2024-01-21T10:00:00.004938Z").unwrap();
        assert_eq!(Micros::parse_iso("2024-01-21 10:00:00.004938+00"), Ok(utc));
        assert_eq!(Micros::parse_iso("2024-01-21 07:00:00.004938-03"), Ok(utc));
        assert!(Micros::parse_iso("2024-01-21 10:00:00+19").is_err());
        assert!(Micros::parse_iso("2024-01-21 10:00:00+0").is_err());
    }

    #[test]
    fn bad_dates_are_rejected_with_a_reason() {
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+5",
            "2024-01-01T00:00:00Zjunk",
            "yesterday at noon",
        ] {
            assert!(Micros::parse_iso(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn civil_conversion_is_inverse_over_four_centuries() {
        for day in (-146_097..146_097).step_by(7) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }
}
