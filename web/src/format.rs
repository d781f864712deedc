//! Numbers, times and texts as the page shows them: short enough for a KPI tile or a
//! narrow column, one format per axis. Pure functions, tested natively.

/// The seed's console lines without their emoji (boxes where no emoji font is installed).
pub fn plain(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| {
            let kept: String = l
                .chars()
                .filter(|c| !matches!(*c as u32, 0x2300..=0x23FF | 0x2600..=0x27BF | 0x1F000..=0x1FAFF | 0xFE0F))
                .collect();
            let indent = kept.len() - kept.trim_start().len();
            format!("{}{}", &kept[..indent.min(kept.len())], kept.trim_start())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Money short enough for a KPI tile at any rate: `$4.75M`, `$18.1K`, `$999.50`.
pub fn compact_usd(c: hopscope_core::Cents) -> String {
    let d = c.dollars();
    let a = d.abs();
    if a >= 1e9 {
        format!("${:.2}B", d / 1e9)
    } else if a >= 1e6 {
        format!("${:.2}M", d / 1e6)
    } else if a >= 1e4 {
        format!("${:.1}K", d / 1e3)
    } else {
        c.display_usd()
    }
}

/// The cooldown's rule, with the numbers in use.
pub fn cooldown_rule(c: &hopscope_core::detect::CooldownConfig) -> String {
    let ratio = |(n, d): (i64, i64)| n as f64 / d as f64;
    format!(
        "Each kind starts at {:.2} s. Every alert held back stretches its kind's cooldown ×{} (up to {:.2} s); one shown after a calm spell of twice the cooldown shrinks it ×{} (down to {:.2} s).",
        c.start.as_secs_f64(),
        ratio(c.grow),
        c.max.as_secs_f64(),
        ratio(c.shrink),
        c.min.as_secs_f64()
    )
}

/// How a kind's cooldown moved from where it started, in words for the table.
pub fn moved(current: hopscope_core::Span, c: &hopscope_core::detect::CooldownConfig) -> String {
    let r = current.0 as f64 / c.start.0 as f64;
    let bound = if current == c.max {
        " (at the maximum)"
    } else if current == c.min {
        " (at the minimum)"
    } else {
        ""
    };
    if current > c.start {
        format!("↑ ×{r:.2}: alerts kept coming{bound}")
    } else if current < c.start {
        format!("↓ ×{r:.2}: calm since{bound}")
    } else {
        "= as it started".into()
    }
}

/// What the charts cover: the windows ending over how long, one point per how many.
pub fn history_note(h: &crate::shop::History) -> String {
    match h.points() {
        [first, .., last] => format!(
            " · windows ending over the last {}{}",
            human_span(last.end.0 - first.end.0),
            if h.stride() > 1 {
                format!(", one point per {} windows", h.stride())
            } else {
                ", one point per window".to_string()
            }
        ),
        _ => String::new(),
    }
}

/// A duration as a person says it: `49 s`, `12 min 5 s`, `2 h 3 min`, `3 d 4 h`.
pub fn human_span(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3_599 if s % 60 == 0 => format!("{} min", s / 60),
        60..=3_599 => format!("{} min {} s", s / 60, s % 60),
        3_600..=86_399 => format!("{} h {} min", s / 3_600, s / 60 % 60),
        _ => format!("{} d {} h", s / 86_400, s / 3_600 % 24),
    }
}

/// A count short enough for a sentence or a narrow column: `212`, `18.1K`, `2.35M`,
/// `1.20B` — at most 7 characters at any magnitude.
pub fn compact_number(n: f64) -> String {
    // Each unit starts where the one below would round up to 4 digits ("1000.0K").
    if n >= 999_995_000.0 {
        format!("{:.2}B", n / 1e9)
    } else if n >= 999_950.0 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 9_999.5 {
        format!("{:.1}K", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

pub fn clock_text(ms: i64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `10:05` (UTC hours and minutes of a window end), `10:05:30` off the minute.
pub fn utc(t: i64) -> String {
    let s = t.div_euclid(1_000).rem_euclid(86_400);
    if s % 60 == 0 {
        format!("{:02}:{:02}", s / 3_600, s / 60 % 60)
    } else {
        format!("{:02}:{:02}:{:02}", s / 3_600, s / 60 % 60, s % 60)
    }
}

/// A UTC clock label, `00:00:10` (1969-12-31 23:59:50 is `23:59:50`): the lesson's time
/// as the wall clock of the epoch it starts at.
pub fn utc_label(t: i64) -> String {
    let s = t.div_euclid(1_000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3_600, s / 60 % 60, s % 60)
}

/// Lesson time in seconds: `4 s`, `4.250 s`.
pub fn secs(t: i64) -> String {
    let s = t as f64 / 1000.0;
    if t % 1000 == 0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.3} s")
    }
}

/// `1 sale`, `3 sales`: a count with its noun in the right number.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Windows shown at each end of those containing the focus, in the many-windows view.
pub const AROUND: usize = 3;

/// A long list cut to its first and last [`AROUND`] items, `None` standing for the rest.
pub fn summarised<T: Copy>(items: &[T]) -> Vec<Option<T>> {
    if items.len() <= 2 * AROUND + 1 {
        return items.iter().copied().map(Some).collect();
    }
    let ends = items[..AROUND].iter().chain(&items[items.len() - AROUND..]);
    let mut out: Vec<Option<T>> = ends.copied().map(Some).collect();
    out.insert(AROUND, None);
    out
}

/// The picture's right edge for reduced motion: `hi` rounded up to a whole page (half the
/// range), so the picture moves only when the clock turns a page.
pub fn paged(hi: i64, range: i64) -> i64 {
    let page = (range / 2).max(1);
    (hi + page - 1).div_euclid(page) * page
}

/// A timeline label in the unit of the tick spacing `step`: `42s` for steps under a
/// minute, `12:30` (min:s) under an hour, `1:02:00` above — one format per axis.
pub fn clock_label(t: i64, step: i64) -> String {
    let s = t.div_euclid(1_000);
    let sign = if s < 0 { "-" } else { "" };
    let a = s.abs();
    if step < 60_000 {
        format!("{s}s")
    } else if step < 3_600_000 {
        format!("{sign}{}:{:02}", a / 60, a % 60)
    } else {
        format!("{sign}{}:{:02}:{:02}", a / 3_600, a / 60 % 60, a % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::detect::CooldownConfig;
    use hopscope_core::Span;

    #[test]
    fn the_cooldown_table_says_how_each_kind_moved() {
        let c = CooldownConfig::default();
        assert_eq!(moved(c.start, &c), "= as it started");
        assert_eq!(
            moved(Span::millis(1_800), &c),
            "↑ ×1.20: alerts kept coming"
        );
        assert_eq!(
            moved(c.max, &c),
            format!(
                "↑ ×{:.2}: alerts kept coming (at the maximum)",
                c.max.0 as f64 / c.start.0 as f64
            )
        );
        assert_eq!(moved(Span::millis(1_350), &c), "↓ ×0.90: calm since");
        assert!(
            cooldown_rule(&c).contains("starts at 1.50 s"),
            "{}",
            cooldown_rule(&c)
        );
        assert!(
            cooldown_rule(&c).contains("×1.2 (up to 4.00 s)"),
            "{}",
            cooldown_rule(&c)
        );
        assert!(
            cooldown_rule(&c).contains("×0.9 (down to 0.80 s)"),
            "{}",
            cooldown_rule(&c)
        );
    }
}

#[cfg(test)]
mod compact_tests {
    use super::compact_number;

    #[test]
    fn compact_numbers_stay_short_at_every_magnitude() {
        assert_eq!(compact_number(212.0), "212");
        assert_eq!(compact_number(18_149.0), "18.1K");
        assert_eq!(compact_number(999_949.0), "999.9K");
        // Not "1000.0K": past the rounding edge it is millions.
        assert_eq!(compact_number(999_960.0), "1.00M");
        assert_eq!(compact_number(2_345_678.0), "2.35M");
        for k in 0..12 {
            let n = 10f64.powi(k) * 9.9999;
            assert!(compact_number(n).len() <= 7, "{n}: {}", compact_number(n));
        }
    }
}

#[cfg(test)]
mod lesson_tests {
    use super::paged;

    #[test]
    fn a_reduced_motion_picture_stands_still_until_the_clock_turns_a_page() {
        let range = 28_000;
        // Every right edge within one page draws the same picture…
        let edges: std::collections::BTreeSet<i64> = (0..14_000)
            .step_by(100)
            .map(|hi| paged(hi + 1, range))
            .collect();
        assert_eq!(edges.into_iter().collect::<Vec<_>>(), vec![14_000]);
        // …the next page is half the picture on, and the edge is never left of `hi`.
        assert_eq!(paged(14_001, range), 28_000);
        for hi in [-30_001, -1, 0, 1, 13_999, 99_999] {
            let p = paged(hi, range);
            assert!(p >= hi && p - hi < range / 2, "{hi} → {p}");
        }
    }
}
