//! Window options shared by `window` and `analyze`, each named after the Flink setting it
//! equals so users coming from Flink read them right.

use clap::{Args, ValueEnum};
use hopscope_core::window::{ConfigError, EventTime, TimeMode, WindowConfig};
use hopscope_core::Span;

#[derive(Clone, Copy, ValueEnum)]
pub enum Time {
    /// The sale's own time (sale_date), behind a watermark (see --watermark-delay).
    Event,
    /// The time a record is read. Offline, the reading clock follows the newest sale_date
    /// seen (a replay), so nothing is ever late.
    Processing,
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
    #[arg(long, value_enum, default_value = "event")]
    pub time: Time,
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
    /// Partitions to report per window (sales are keyed by seller).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub partitions: u32,
}

impl WindowArgs {
    /// The query for one stream (a file) or for a partitioned source (Kafka).
    pub fn config(&self, per_partition: bool) -> Result<WindowConfig, ConfigError> {
        let time = match self.time {
            Time::Event if per_partition => TimeMode::Event(EventTime::per_partition(
                self.watermark_delay,
                self.idle_timeout,
            )),
            Time::Event => TimeMode::event(self.watermark_delay),
            Time::Processing => TimeMode::Processing,
        };
        let mut c = WindowConfig::hop(self.size, self.slide, time);
        c.partitions = self.partitions;
        c.validate()?;
        Ok(c)
    }

    pub fn is_event_time(&self) -> bool {
        matches!(self.time, Time::Event)
    }
}

/// How late sales went, for summaries: `late: 3 joined some windows, 1 dropped`.
pub fn late_summary(stats: &hopscope_core::window::EngineStats) -> String {
    format!(
        "late: {} joined their unfired windows, {} dropped",
        stats.late_joined, stats.dropped
    )
}
