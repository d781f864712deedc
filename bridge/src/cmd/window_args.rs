//! Window options shared by `window` and `analyze`.

use clap::{Args, ValueEnum};
use hopscope_core::window::{TimeMode, WindowConfig};
use hopscope_core::Span;

#[derive(Clone, Copy, ValueEnum)]
pub enum Time {
    /// The sale's own time (sale_date); out-of-order sales wait up to --lateness.
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
    /// Allowed out-of-orderness in event time: watermark = newest sale_date − lateness.
    #[arg(long, value_parser = Span::parse, default_value = "0s")]
    pub lateness: Span,
    /// Partitions to report per window (sales are keyed by seller).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub partitions: u32,
}

impl WindowArgs {
    pub fn config(&self) -> Result<WindowConfig, String> {
        let time = match self.time {
            Time::Event => TimeMode::Event {
                lateness: self.lateness,
            },
            Time::Processing => TimeMode::Processing,
        };
        let mut c = WindowConfig::hop(self.size, self.slide, time);
        c.partitions = self.partitions;
        c.validate()?;
        Ok(c)
    }
}
