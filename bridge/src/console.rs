//! The seed's console: the banner (built from the configuration it describes), one KPI
//! line per window, alerts in the seed's format, and the printer that drains the pipeline
//! into them (and into the dead letters and the results topics). `analyze` prints with it
//! on files and topics alike.

use crate::out::Res;
use crate::report::{At, Kind, Reporter};
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, AnalyticsOutput};
use std::io::Write;

/// The banner: the window, then each stage with the settings it runs with.
pub fn banner(config: &AnalyticsConfig) -> String {
    let secs = |s: hopscope_core::Span| format!("{:.1} s", s.0 as f64 / 1000.0);
    format!(
        "🎯 HOPSCOPE REAL-TIME ANALYTICS — {} window, sliding every {}\n{}\n\
         🔧 EventTracker: growth vs the previous window (threshold {}%)\n\
         🔧 AdaptiveCooldown: spam protection ({} – {})\n\
         🔧 EventAnalyzer: concentration, category peaks, outliers\n",
        config.window.size,
        config.window.slide,
        "=".repeat(63),
        (config.detect.growth_threshold * 100.0).round(),
        secs(config.cooldown.min),
        secs(config.cooldown.max),
    )
}

pub fn kpi_line(w: &hopscope_core::WindowResult) -> String {
    format!(
        "📈 {} → {} | {} sales | {} revenue | avg {} | sellers {} | categories {} | products {} | biggest {}",
        w.window_start,
        w.window_end,
        w.sales_in_window,
        w.revenue.display_usd(),
        w.avg_ticket.display_usd(),
        w.active_sellers,
        w.active_categories,
        w.active_products,
        w.biggest_sale.display_usd()
    )
}

/// Prints what the pipeline has for the reader; counts alerts shown.
pub struct Printer {
    windows: bool,
    suppressed: bool,
    pub alerts: u64,
    /// Per-record messages at a bounded pace, and the dead letters.
    pub report: Reporter,
    /// `--windows-out`/`--alerts-out`: the results topics, in a transaction.
    pub results: Option<crate::exactly_once::Results>,
}

impl Printer {
    /// `windows`: a KPI line per window; `suppressed`: alerts the cooldown held back too;
    /// `dead_letter`: the file of records not analysed.
    pub fn new(
        windows: bool,
        suppressed: bool,
        dead_letter: Option<&std::path::Path>,
    ) -> std::io::Result<Printer> {
        Ok(Printer {
            windows,
            suppressed,
            alerts: 0,
            report: Reporter::to_file(dead_letter)?,
            results: None,
        })
    }

    /// Prints what the pipeline has; `current` is the record just pushed (where it was and
    /// its bytes), the one a late sale dropped now is.
    pub fn drain(
        &mut self,
        analytics: &mut Analytics,
        w: &mut dyn Write,
        current: Option<(&At<'_>, &[u8])>,
    ) -> Res<()> {
        // Flushed only when something was printed: a record that prints nothing costs no
        // call into stdout (it was a few percent of reading a topic).
        let mut wrote = false;
        while let Some(o) = analytics.poll() {
            wrote |= matches!(
                &o,
                AnalyticsOutput::Alert(_)
                    | AnalyticsOutput::Suppressed(_)
                    | AnalyticsOutput::Window(_)
            );
            if let Some(r) = self.results.as_mut() {
                match &o {
                    AnalyticsOutput::Window(win) => r.window(win)?,
                    AnalyticsOutput::Alert(al) => r.alert(al, true)?,
                    AnalyticsOutput::Suppressed(al) => r.alert(al, false)?,
                    AnalyticsOutput::Late(_) => {}
                }
            }
            match o {
                AnalyticsOutput::Alert(al) => {
                    self.alerts += 1;
                    writeln!(w, "{}\n", al.console_text())?;
                }
                AnalyticsOutput::Suppressed(al) if self.suppressed => {
                    writeln!(w, "🔇 (cooldown) {}", al.kind.title())?;
                }
                AnalyticsOutput::Window(r) if self.windows => {
                    // Windows fired only because the input ended reach past the last sale:
                    // they empty because the input stopped, so detection skips them.
                    let skipped = analytics
                        .analysed_through()
                        .is_none_or(|t| r.window_end > t);
                    let note = if skipped {
                        " (input ended: not analysed)"
                    } else {
                        ""
                    };
                    writeln!(w, "{}{note}", kpi_line(&r))?
                }
                AnalyticsOutput::Late(l) if l.dropped() => {
                    self.report.say(Kind::Dropped, || l.describe());
                    if let Some((at, raw)) = current {
                        let detail = format!("late: dropped (watermark {})", l.watermark);
                        self.report
                            .dead_letter("dropped", &detail, at, Some(l.watermark), raw)?;
                    }
                }
                AnalyticsOutput::Late(l) => self.report.say(Kind::Late, || l.describe()),
                _ => {}
            }
        }
        if wrote {
            w.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_says_the_settings_it_runs_with() {
        let seed = banner(&AnalyticsConfig::default());
        assert!(seed.contains("15m window, sliding every 1s"), "{seed}");
        assert!(seed.contains("(threshold 15%)"), "{seed}");
        assert!(seed.contains("spam protection (0.8 s – 4.0 s)"), "{seed}");
        let mut other = AnalyticsConfig::default();
        other.detect.growth_threshold = 0.2;
        other.cooldown.min = hopscope_core::Span(1_500);
        other.cooldown.max = hopscope_core::Span::seconds(9);
        let text = banner(&other);
        assert!(text.contains("(threshold 20%)"), "{text}");
        assert!(text.contains("(1.5 s – 9.0 s)"), "{text}");
    }
}
