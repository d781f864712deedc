//! EventAnalyzer: turns a window, its growth and the gates into candidate alerts.

use super::alert::{Alert, AlertKind};
use super::gates::QualityGates;
use super::tracker::{Baseline, Growth};
use crate::window::WindowResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Detection thresholds; the defaults are the seed's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    /// Growth (either way) that counts as an event: 0.15 = 15%, the seed's threshold.
    pub growth_threshold: f64,
    pub baseline: Baseline,
    pub gates: QualityGates,
    /// Top seller share that counts as concentration. With 16 sellers a fair share is
    /// ~6%; the simulation's biggest seller normally holds ~9%.
    pub concentration_share: f64,
    /// Top category share that counts as a peak (the catalog's largest category, TVs,
    /// normally holds about a third of sales).
    pub category_peak_share: f64,
    /// Fewest sales in a window before shares (concentration, category peak) count.
    pub share_min_sales: u64,
    /// z-score of the biggest sale against the *other* sales of the window that makes it
    /// an outlier (leave-one-out, so the outlier does not inflate its own yardstick).
    pub outlier_z: f64,
    /// Sellers in the shop, for "Active sellers: x/16".
    pub total_sellers: u64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            growth_threshold: 0.15,
            baseline: Baseline::PreviousDisjoint,
            gates: QualityGates::default(),
            concentration_share: 0.30,
            category_peak_share: 0.50,
            share_min_sales: 100,
            outlier_z: 40.0,
            total_sellers: 16,
        }
    }
}

/// Turns each fired window into the alerts whose conditions start to hold in it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EventAnalyzer {
    config: DetectConfig,
    /// The biggest sale of the previous window: an outlier is reported when it arrives,
    /// not again for every window it stays in.
    last_biggest: i64,
    /// Conditions that held on the previous window: an alert is raised when a condition
    /// starts to hold (its onset), not again for every window while it lasts.
    active: BTreeSet<AlertKind>,
}

/// A condition that holds is released when its value drops below this share of the
/// threshold.
const RELEASE: f64 = 0.8;

impl EventAnalyzer {
    /// An analyzer with these thresholds and no history.
    pub fn new(config: DetectConfig) -> EventAnalyzer {
        EventAnalyzer {
            config,
            last_biggest: 0,
            active: BTreeSet::new(),
        }
    }

    /// The thresholds in use.
    pub fn config(&self) -> &DetectConfig {
        &self.config
    }

    /// Alerts for conditions that begin with `w` (before the cooldown). Nothing when a
    /// quality gate fails.
    pub fn analyze(&mut self, w: &WindowResult, growth: Option<&Growth>) -> Vec<Alert> {
        let new_biggest = w.biggest_sale.0 > self.last_biggest;
        self.last_biggest = w.biggest_sale.0;
        if self.config.gates.check(w).is_err() {
            self.active.clear();
            return Vec::new();
        }
        let c = &self.config;
        let alert = |kind, growth: Option<f64>, z: Option<f64>| Alert {
            kind,
            window_start: w.window_start,
            window_end: w.window_end,
            growth,
            sales: w.sales_in_window,
            revenue: w.revenue,
            active_sellers: w.active_sellers,
            total_sellers: c.total_sellers,
            top_category: w.top_category.clone(),
            top_seller: w.top_seller.clone(),
            biggest_sale: w.biggest_sale,
            z_score: z,
        };
        // (kind, measured value, threshold, growth to report)
        let t = c.growth_threshold;
        let mut checks: Vec<(AlertKind, f64, f64, Option<f64>)> = Vec::new();
        if let Some(g) = growth {
            if let Some(v) = g.volume {
                checks.push((AlertKind::ActivitySpike, v, t, Some(v)));
                checks.push((AlertKind::ActivityDrop, -v, t, Some(v)));
            }
            if let Some(r) = g.revenue {
                checks.push((AlertKind::RevenueSurge, r, t, Some(r)));
            }
            if let Some(a) = g.avg_ticket {
                checks.push((AlertKind::TicketShift, a.abs(), t, Some(a)));
            }
            if let Some(s) = g.sellers {
                checks.push((AlertKind::SellerSurge, s, t, Some(s)));
            }
        }
        // Shares of a handful of sales are noise: 2 of 5 sales is not "concentration".
        if w.sales_in_window >= c.share_min_sales {
            if let Some(s) = &w.top_seller {
                checks.push((
                    AlertKind::SellerConcentration,
                    s.share,
                    c.concentration_share,
                    None,
                ));
            }
            if let Some(k) = &w.top_category {
                checks.push((
                    AlertKind::CategoryPeak,
                    k.share,
                    c.category_peak_share,
                    None,
                ));
            }
        }
        let mut now_active = BTreeSet::new();
        let mut out = Vec::new();
        for (kind, value, threshold, g) in checks {
            let was = self.active.contains(&kind);
            // Hysteresis: a condition that holds stays on until it falls clearly below the
            // threshold, so a metric hovering at 15% does not re-announce itself.
            let limit = if was { threshold * RELEASE } else { threshold };
            if value >= limit {
                now_active.insert(kind);
                if !was {
                    out.push(alert(kind, g, None));
                }
            }
        }
        // A volume spike explains the revenue rising with it: report the cause only.
        if now_active.contains(&AlertKind::ActivitySpike) {
            out.retain(|a| a.kind != AlertKind::RevenueSurge);
        }
        self.active = now_active;
        if new_biggest {
            if let Some(z) = leave_one_out_z(w).filter(|z| *z >= c.outlier_z) {
                out.push(alert(AlertKind::OutlierSale, None, Some(z)));
            }
        }
        out
    }
}

/// z-score of the biggest sale against the window's other sales. `None` with fewer than
/// three sales or when the others are all equal.
pub fn leave_one_out_z(w: &WindowResult) -> Option<f64> {
    let n = w.sales_in_window as f64;
    if w.sales_in_window < 3 {
        return None;
    }
    let mean = w.mean_ticket();
    let sum_sq = n * (w.ticket_stddev * w.ticket_stddev + mean * mean);
    let max = w.biggest_sale.dollars();
    let (n1, sum1, sq1) = (n - 1.0, mean * n - max, sum_sq - max * max);
    let mean1 = sum1 / n1;
    let var1 = (sq1 / n1 - mean1 * mean1).max(0.0);
    let sd1 = var1.sqrt();
    (sd1 > 1e-9).then(|| (max - mean1) / sd1)
}
