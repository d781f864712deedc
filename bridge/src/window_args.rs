//! Window options shared by `window` and `analyze`, each named after the Flink setting it
//! equals so users coming from Flink read them right.

use clap::Args;
use hopscope_core::window::{ConfigError, EventTime, TimeDomain, TimeMode, WindowConfig};
use hopscope_core::Span;

/// `--time`'s values, with what each means, as core's [`TimeDomain`] names them.
fn time_domain() -> impl clap::builder::TypedValueParser<Value = TimeDomain> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let help = |d: TimeDomain| {
        match d {
        TimeDomain::Event => "The sale's own time (sale_date), behind a watermark (see --watermark-delay)",
        TimeDomain::Processing => "The time a record is read. Offline, the reading clock follows the newest sale_date seen (a replay), so nothing is ever late",
    }
    };
    PossibleValuesParser::new(TimeDomain::ALL.map(|d| PossibleValue::new(d.name()).help(help(d))))
        // Only the names above get here.
        .map(|name| TimeDomain::from_name(&name).unwrap_or(TimeDomain::Event))
}

#[derive(Args)]
pub struct WindowArgs {
    /// Window size, e.g. 15m.
    #[arg(long, value_parser = Span::parse, default_value = "15m")]
    pub size: Span,
    /// How far each window slides, e.g. 1s (need not divide the size).
    #[arg(long, value_parser = Span::parse, default_value = "1s")]
    pub slide: Span,
    /// Which clock assigns sales to windows.
    #[arg(long, value_parser = time_domain(), default_value = "event")]
    pub time: TimeDomain,
    /// Event time: the watermark trails the newest sale_date by this much, i.e. Flink's
    /// `WATERMARK FOR ts AS ts - INTERVAL '<delay>'`. A sale behind the watermark joins
    /// those of its windows that have not fired and is dropped only when all have (both
    /// counted). The default 1ms is the smallest delay that never drops in-order sales,
    /// ties included (`ts - INTERVAL '0.001' SECOND`); 0 equals `WATERMARK FOR ts AS ts`.
    /// (Not Flink's "allowed lateness", which re-fires windows; hopscope never does.)
    #[arg(long, visible_alias = "lateness", value_parser = Span::parse,
          default_value = "1ms", allow_hyphen_values = true)]
    pub watermark_delay: Span,
    /// Event time on Kafka (one watermark per partition, the minimum counts): a partition
    /// with no record for this long stops holding the watermark back, as Flink's
    /// `scan.watermark.idle-timeout`. Default: never (Flink's default), so an empty
    /// partition holds every window.
    #[arg(long, value_parser = Span::parse, allow_hyphen_values = true)]
    pub idle_timeout: Option<Span>,
    /// Warn when one record moves the watermark (its stream's newest sale) by more than this
    /// in one step, naming the record: a broken clock makes every later sale late.
    #[arg(long, value_parser = Span::parse, default_value = "1d")]
    pub max_jump: Span,
    /// Put aside records more than this far ahead of processing time (live sources) or of
    /// the newest sale so far (files): they neither move the watermark nor reach a window,
    /// and are counted (and sent to the dead letters). Default: off (Flink's results).
    #[arg(long, value_parser = Span::parse)]
    pub max_ahead: Option<Span>,
    /// Put aside records more than this far behind the watermark (instead of windowing or
    /// dropping them as late). Default: off.
    #[arg(long, value_parser = Span::parse)]
    pub max_behind: Option<Span>,
    /// Partitions to report per window (sales are keyed by seller).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub partitions: u32,
}

impl WindowArgs {
    /// The query for one stream (a file) or for a partitioned source (Kafka).
    pub fn config(&self, per_partition: bool) -> Result<WindowConfig, ConfigError> {
        let time = match self.time {
            TimeDomain::Event if per_partition => TimeMode::Event(EventTime::per_partition(
                self.watermark_delay,
                self.idle_timeout,
            )),
            TimeDomain::Event => TimeMode::event(self.watermark_delay),
            TimeDomain::Processing => TimeMode::Processing,
        };
        let mut c = WindowConfig::hop(self.size, self.slide, time);
        c.partitions = self.partitions;
        c.validate()?;
        Ok(c)
    }

    /// The event-time guard these options ask for.
    pub fn guard(&self) -> hopscope_core::window::guard::GuardConfig {
        hopscope_core::window::guard::GuardConfig {
            max_jump: self.max_jump,
            max_ahead: self.max_ahead,
            max_behind: self.max_behind,
        }
    }

    pub fn is_event_time(&self) -> bool {
        self.time == TimeDomain::Event
    }
}

/// How late sales went, for summaries: `late: 3 joined some windows, 1 dropped`.
pub fn late_summary(stats: &hopscope_core::window::EngineStats) -> String {
    format!(
        "late: {} joined their unfired windows, {} dropped",
        stats.late_joined, stats.dropped
    )
}

/// The warning for a record that moved its stream's watermark by more than `--max-jump`.
pub fn jump_warning(
    at: &crate::report::At<'_>,
    id: &str,
    from: hopscope_core::Timestamp,
    to: hopscope_core::Timestamp,
    delay: Span,
) -> String {
    format!(
        "⚠️  {at}: sale {id} at {to} moved the watermark from {} to {} in one step ({} ahead): \
         every sale before {} will now be late{}; --max-ahead puts such records aside",
        from.minus(delay),
        to.minus(delay),
        human(to.since(from)),
        to.minus(delay),
        if matches!(at, crate::report::At::Offset { .. }) {
            " on this partition (on all of them once the others go idle)"
        } else {
            ""
        }
    )
}

/// Why a record was put aside, for messages and dead letters.
pub fn quarantine_detail(
    q: hopscope_core::window::guard::Quarantine,
    t: hopscope_core::Timestamp,
) -> String {
    use hopscope_core::window::guard::Quarantine;
    match q {
        Quarantine::Ahead(by) => format!("at {t} quarantined: {by} ahead (--max-ahead)"),
        Quarantine::Behind(by) => {
            format!("at {t} quarantined: {by} behind the watermark (--max-behind)")
        }
    }
}

/// `guard: 1 watermark jump, 0 quarantined ahead, 0 behind` for summaries.
pub fn guard_summary(g: &hopscope_core::window::guard::TimeGuard) -> String {
    let s = g.stats();
    format!(
        "watermark jumps over --max-jump: {}; quarantined: {} ahead, {} behind",
        s.jumps, s.ahead, s.behind
    )
}

/// `; 12 records in the dead letters (FILE)` when a dead-letter file is written.
pub fn dead_letter_summary(r: &crate::report::Reporter, path: Option<&std::path::Path>) -> String {
    path.map_or_else(String::new, |p| {
        format!(
            "; {} records in the dead letters ({})",
            r.dead_letters,
            p.display()
        )
    })
}

/// A span as a person reads it: `3 days`, `5h 20m`, `15m`, `1.5s`.
fn human(s: Span) -> String {
    const DAY: i64 = 86_400_000;
    if s.0 >= DAY {
        format!("{} days", s.0 / DAY)
    } else {
        s.to_string()
    }
}

/// The sale that set a file's newest event time, to name when most sales were dropped as
/// late: a broken clock on the first line leaves no jump to see, only everything late.
#[derive(Default)]
pub struct NewestSale {
    time: Option<hopscope_core::Timestamp>,
    line: u64,
    /// Its file, when there are several inputs (copied only when it changes).
    file: Option<String>,
    id: String,
}

impl NewestSale {
    /// Runs for every sale: the id is copied only for the first sale and for one far ahead
    /// of the newest before it (a broken clock), which are the ones a hint names.
    pub fn see(&mut self, t: hopscope_core::Timestamp, at: &crate::input::Line<'_>, id: &str) {
        match self.time {
            Some(n) if t <= n => return,
            Some(n) if t.since(n) <= hopscope_core::window::guard::DEFAULT_MAX_JUMP => {
                self.id.clear();
            }
            _ => {
                self.id.clear();
                self.id.push_str(id);
            }
        }
        self.time = Some(t);
        self.line = at.number;
        if self.file.as_deref() != at.file {
            self.file = at.file.map(str::to_string);
        }
    }

    /// A hint when at least half of `sales` were dropped.
    pub fn hint(&self, dropped: u64, sales: u64) -> Option<String> {
        let t = self.time?;
        (dropped > 0 && dropped * 2 >= sales).then(|| {
            format!(
                "{dropped} of {sales} sales were dropped as late; the newest sale time, {t}, came from {}line {}{}: if that clock is wrong, --max-ahead puts such records aside",
                self.file.as_ref().map(|f| format!("{f} ")).unwrap_or_default(),
                self.line,
                if self.id.is_empty() {
                    String::new()
                } else {
                    format!(" (sale {})", self.id)
                }
            )
        })
    }
}

/// Where a sale stands for the guard: its stream, the clock "ahead" is measured from, the
/// watermark, and the record as read (for the dead letters).
pub struct GuardInput<'a> {
    pub stream: u32,
    pub reference: Option<hopscope_core::Timestamp>,
    pub watermark: Option<hopscope_core::Timestamp>,
    pub at: &'a crate::report::At<'a>,
    pub raw: &'a [u8],
    pub key: Option<&'a [u8]>,
}

/// The event-time guard on one sale, for every command that windows: a jump is said, a
/// quarantined record is said and kept in the dead letters. `Ok(true)`: window it.
pub fn guard_sale(
    guard: &mut hopscope_core::window::guard::TimeGuard,
    report: &mut crate::report::Reporter,
    sale: &hopscope_core::SaleView<'_>,
    delay: Span,
    g: GuardInput<'_>,
) -> std::io::Result<bool> {
    use crate::report::Kind;
    use hopscope_core::window::guard::Verdict;
    match guard.check(sale.event_time(), g.stream, g.reference, g.watermark) {
        Verdict::Accept => Ok(true),
        Verdict::Jump { from, to } => {
            report.say(Kind::Jump, || {
                jump_warning(g.at, sale.id_sale, from, to, delay)
            });
            Ok(true)
        }
        Verdict::Quarantine(q) => {
            let detail = quarantine_detail(q, sale.event_time());
            report.say(Kind::Quarantined, || {
                format!("{}: sale {} {detail}", g.at, sale.id_sale)
            });
            report.dead_letter_keyed(q.name(), &detail, g.at, g.watermark, g.raw, g.key)?;
            Ok(false)
        }
    }
}
