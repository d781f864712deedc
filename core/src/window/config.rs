//! What a hopping-window query is: size, slide, clock, watermark rules.

use super::watermark::Scope;
use crate::time::{Span, Timestamp};
use std::fmt;

/// Which clock assigns events to windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TimeMode {
    /// The sale's own time (`sale_date`), behind a watermark.
    Event(EventTime),
    /// The caller's clock when the event is pushed (the seed's `proctime`).
    Processing,
}

impl TimeMode {
    /// Event time on one stream (a file) with this watermark delay.
    pub fn event(delay: Span) -> TimeMode {
        TimeMode::Event(EventTime::stream(delay))
    }

    /// Which of the two clocks this is, without its settings.
    pub fn domain(&self) -> TimeDomain {
        match self {
            TimeMode::Event(_) => TimeDomain::Event,
            TimeMode::Processing => TimeDomain::Processing,
        }
    }
}

/// Event time or processing time, before the settings that make a [`TimeMode`] (the
/// delay, per-partition watermarks, idleness) are known: what a URL, a form's choice or a
/// command-line flag names. One enum for every such place, so "event" means one thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeDomain {
    /// Windows by the sale's own time (`sale_date`), behind a watermark.
    Event,
    /// Windows by the time a record is seen (Flink's `PROCTIME()`).
    Processing,
}

impl TimeDomain {
    pub const ALL: [TimeDomain; 2] = [TimeDomain::Event, TimeDomain::Processing];

    /// The name a URL or a flag uses: `event`, `processing`.
    pub fn name(self) -> &'static str {
        match self {
            TimeDomain::Event => "event",
            TimeDomain::Processing => "processing",
        }
    }

    /// The domain [`TimeDomain::name`] gives, if `name` is one.
    pub fn from_name(name: &str) -> Option<TimeDomain> {
        TimeDomain::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// Event-time settings, each the Flink setting it equals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventTime {
    /// `WATERMARK FOR ts AS ts - INTERVAL 'delay'`: the watermark trails the newest event
    /// time by this much. (Flink's *allowed lateness* is another setting; hopscope has no
    /// equivalent: a window's result is final when it fires.)
    pub delay: Span,
    /// One watermark for the whole input, or one per partition (Kafka source).
    pub scope: Scope,
    /// `scan.watermark.idle-timeout`: a partition with no record for this long (processing
    /// time) stops holding the watermark back. `None`: never (Flink's default).
    pub idle_timeout: Option<Span>,
}

impl EventTime {
    /// The smallest delay that never drops in-order input, ties included: with delay 0 a
    /// second sale in the same millisecond as the first, at the last millisecond of a
    /// pane, is behind a watermark that already fired its first window (Flink drops it
    /// too). `WATERMARK FOR ts AS ts - INTERVAL '0.001' SECOND`.
    pub const DEFAULT_DELAY: Span = Span(1);

    /// One watermark for the whole input (a file), never idle.
    pub fn stream(delay: Span) -> EventTime {
        EventTime {
            delay,
            scope: Scope::Stream,
            idle_timeout: None,
        }
    }

    /// One watermark per partition (a Kafka topic), the minimum counting.
    pub fn per_partition(delay: Span, idle_timeout: Option<Span>) -> EventTime {
        EventTime {
            delay,
            scope: Scope::PerPartition,
            idle_timeout,
        }
    }
}

/// A hopping-window query: `HOP(time, slide, size)` and how its results are reported.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WindowConfig {
    /// Window length (`INTERVAL` size).
    pub size: Span,
    /// Distance between window starts (`INTERVAL` slide).
    pub slide: Span,
    /// Which clock places events.
    pub time: TimeMode,
    /// Also emit windows with no events (for a timeline); Flink does not.
    pub emit_empty: bool,
    /// Partitions to report in `sales_per_partition` (more appear if seen).
    pub partitions: u32,
    /// How many leading categories and sellers to list per window (0: only the top one).
    pub top_n: usize,
}

/// Why a [`WindowConfig`] was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
// New kinds may come: matches outside core need a catch-all arm (as globset's).
#[non_exhaustive]
pub enum ConfigError {
    /// The size is 0 or negative.
    SizeNotPositive(Span),
    /// The slide is 0 or negative.
    SlideNotPositive(Span),
    /// Gaps between windows would lose events.
    SlideExceedsSize {
        /// The slide given.
        slide: Span,
        /// The size given.
        size: Span,
    },
    /// A watermark delay below 0.
    NegativeDelay(Span),
    /// An idle timeout below 0.
    NegativeIdleTimeout(Span),
    /// More than [`MAX_WINDOWS_PER_EVENT`] windows would hold each instant.
    TooManyWindows { size: Span, slide: Span },
}

/// Most windows one instant may be in (size / slide): a million, past the 900,000 of
/// 15 min / 1 ms. Every window holding a sale is emitted, so this is also how many rows one
/// sale alone can print; a unit typo (`--size 100000000d --slide 1s`, 8.6 × 10¹² windows
/// per sale) made a three-sale file print for ever instead of failing.
pub const MAX_WINDOWS_PER_EVENT: i64 = 1_000_000;

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::SizeNotPositive(s) => write!(f, "window size must be positive, got {s}"),
            ConfigError::SlideNotPositive(s) => {
                write!(f, "window slide must be positive, got {s}")
            }
            ConfigError::SlideExceedsSize { slide, size } => write!(
                f,
                "slide ({slide}) must not exceed size ({size}): events between windows would be lost"
            ),
            ConfigError::NegativeDelay(d) => {
                write!(f, "watermark delay must not be negative, got {d}")
            }
            ConfigError::NegativeIdleTimeout(d) => {
                write!(f, "idle timeout must not be negative, got {d}")
            }
            ConfigError::TooManyWindows { size, slide } => write!(
                f,
                "size ({size}) / slide ({slide}) puts every sale in {} windows, each printed when it fires; at most {MAX_WINDOWS_PER_EVENT} are supported (a unit mistyped?)",
                size.0 / slide.0
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl WindowConfig {
    /// The seed's query: `HOP(proctime, INTERVAL '1' SECOND, INTERVAL '15' MINUTE)`.
    pub fn seed() -> WindowConfig {
        WindowConfig {
            size: Span::minutes(15),
            slide: Span::seconds(1),
            time: TimeMode::Processing,
            emit_empty: false,
            partitions: 6,
            top_n: 0,
        }
    }

    /// The seed's reporting with another size, slide and clock.
    pub fn hop(size: Span, slide: Span, time: TimeMode) -> WindowConfig {
        WindowConfig {
            size,
            slide,
            time,
            ..WindowConfig::seed()
        }
    }

    /// Checks the spans make sense; the engine refuses a config that fails this.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.size.0 <= 0 {
            return Err(ConfigError::SizeNotPositive(self.size));
        }
        if self.slide.0 <= 0 {
            return Err(ConfigError::SlideNotPositive(self.slide));
        }
        if self.slide > self.size {
            return Err(ConfigError::SlideExceedsSize {
                slide: self.slide,
                size: self.size,
            });
        }
        if self.size.0 / self.slide.0 > MAX_WINDOWS_PER_EVENT {
            return Err(ConfigError::TooManyWindows {
                size: self.size,
                slide: self.slide,
            });
        }
        if let TimeMode::Event(e) = self.time {
            if e.delay.0 < 0 {
                return Err(ConfigError::NegativeDelay(e.delay));
            }
            if let Some(idle) = e.idle_timeout.filter(|i| i.0 < 0) {
                return Err(ConfigError::NegativeIdleTimeout(idle));
            }
        }
        Ok(())
    }

    /// The pane (slice) length: `gcd(size, slide)`.
    pub fn pane(&self) -> Span {
        Span(gcd(self.size.0, self.slide.0))
    }

    /// How many windows contain any given instant. Exactly `size / slide` when the slide
    /// divides the size; otherwise it alternates between the floor and the ceiling.
    pub fn windows_per_event(&self, t: Timestamp) -> u64 {
        self.windows_containing(t).count() as u64
    }

    /// Every window `[start, end)` containing `t`, earliest first.
    pub fn windows_containing(&self, t: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> {
        let (size, slide) = (self.size.0, self.slide.0);
        let last = t.0.div_euclid(slide) * slide;
        let first = first_window_start(t.0, size, slide);
        (0..)
            .map(move |k| first + k * slide)
            .take_while(move |s| *s <= last)
            .map(move |s| (Timestamp(s), Timestamp(s + size)))
    }

    /// Of the windows containing `t`, how many have not fired at `watermark` (a window
    /// fires when the watermark reaches its end − 1), and how many there are in all.
    pub fn unfired_windows(&self, t: Timestamp, watermark: Option<Timestamp>) -> (u32, u32) {
        let (size, slide) = (self.size.0, self.slide.0);
        let last = t.0.div_euclid(slide) * slide;
        let first = first_window_start(t.0, size, slide);
        let all = ((last - first) / slide + 1) as u32;
        let Some(wm) = watermark else {
            return (all, all);
        };
        let first_unfired = first_unfired_start(wm.0, size, slide).max(first);
        if first_unfired > last {
            (0, all)
        } else {
            (((last - first_unfired) / slide + 1) as u32, all)
        }
    }
}

pub(super) fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Start of the earliest window (aligned to `slide`) that contains instant `t`.
pub(super) fn first_window_start(t: i64, size: i64, slide: i64) -> i64 {
    (t - size).div_euclid(slide) * slide + slide
}

/// The earliest aligned window start whose window has not fired at watermark `wm`:
/// the smallest `s` with `s + size − 1 > wm`.
pub(super) fn first_unfired_start(wm: i64, size: i64, slide: i64) -> i64 {
    if wm == i64::MIN {
        return i64::MIN;
    }
    // s > wm − size + 1  ⇔  s ≥ wm − size + 2
    let lo = wm.saturating_sub(size).saturating_add(2);
    lo.div_euclid(slide).saturating_mul(slide) + if lo.rem_euclid(slide) == 0 { 0 } else { slide }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_time_domain_is_named_and_read_back_and_every_time_mode_has_one() {
        for d in super::TimeDomain::ALL {
            assert_eq!(super::TimeDomain::from_name(d.name()), Some(d));
        }
        assert_eq!(super::TimeDomain::from_name("Event"), None);
        assert_eq!(TimeMode::event(Span(1)).domain(), super::TimeDomain::Event);
        assert_eq!(TimeMode::Processing.domain(), super::TimeDomain::Processing);
    }

    use super::*;

    #[test]
    fn unfired_windows_counts_what_a_late_event_can_still_join() {
        let c = WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(2),
            TimeMode::event(Span(0)),
        );
        // An event at 15 s is in [6,16) [8,18) [10,20) [12,22) [14,24).
        assert_eq!(c.unfired_windows(Timestamp(15_000), None), (5, 5));
        // Watermark 17.999 s: [6,16) and [8,18) have fired.
        assert_eq!(
            c.unfired_windows(Timestamp(15_000), Some(Timestamp(17_999))),
            (3, 5)
        );
        assert_eq!(
            c.unfired_windows(Timestamp(15_000), Some(Timestamp(23_999))),
            (0, 5)
        );
        assert_eq!(
            c.unfired_windows(Timestamp(15_000), Some(Timestamp(23_998))),
            (1, 5)
        );
    }

    #[test]
    fn first_unfired_start_is_the_smallest_start_past_the_watermark() {
        for wm in -50..50 {
            for (size, slide) in [(10, 2), (10, 3), (7, 7), (4, 1)] {
                let s = first_unfired_start(wm, size, slide);
                assert_eq!(s.rem_euclid(slide), 0);
                assert!(s + size - 1 > wm);
                assert!(s - slide + size - 1 <= wm, "{wm} {size} {slide} {s}");
            }
        }
    }

    #[test]
    fn config_errors_name_the_setting() {
        let mut c = WindowConfig::hop(Span(10), Span(5), TimeMode::event(Span(-1)));
        assert_eq!(c.validate(), Err(ConfigError::NegativeDelay(Span(-1))));
        assert!(c.validate().unwrap_err().to_string().contains("delay"));
        c.time = TimeMode::Event(EventTime::per_partition(Span(0), Some(Span(-5))));
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("idle timeout"));
        c.slide = Span(20);
        assert!(matches!(
            c.validate(),
            Err(ConfigError::SlideExceedsSize { .. })
        ));
    }

    #[test]
    fn a_million_windows_per_instant_is_the_most_accepted() {
        let mut c = WindowConfig::seed();
        c.slide = Span(1);
        c.size = Span(MAX_WINDOWS_PER_EVENT);
        assert_eq!(c.validate(), Ok(()));
        c.size = Span(MAX_WINDOWS_PER_EVENT + 1);
        let e = c.validate().unwrap_err();
        assert!(matches!(e, ConfigError::TooManyWindows { .. }));
        assert!(e.to_string().contains("1000001 windows"), "{e}");
        // 100,000 days by a day: the ratio decides, not the size.
        c.size = Span(8_640_000_000_000);
        c.slide = Span(86_400_000);
        assert_eq!(c.validate(), Ok(()));
    }
}
