//! EventAnalyzer: turns a window, its growth and the gates into candidate alerts.

use super::alert::{Alert, AlertKind};
use super::gates::QualityGates;
use super::tracker::{Baseline, Growth};
use crate::window::WindowResult;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    /// Growth (either way) that counts as an event: 0.15 = 15%, the seed's threshold.
    pub growth_threshold: f64,
    pub baseline: Baseline,
    pub gates: QualityGates,
    /// Top seller share that counts as concentration. With 16 sellers a fair share is
    /// ~6%; the simulation's biggest seller normally holds ~9%.
    pub concentration_share: f64,
    /// Top category share that counts as a peak (the catalog's largest category normally
    /// holds about a quarter of sales).
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
            category_peak_share: 0.45,
            share_min_sales: 50,
            outlier_z: 40.0,
            total_sellers: 16,
        }
    }
}

#[derive(Clone, Debug)]
pub struct EventAnalyzer {
    config: DetectConfig,
    /// The biggest sale of the previous window: an outlier is reported when it arrives,
    /// not again for every window it stays in.
    last_biggest: i64,
}

impl EventAnalyzer {
    pub fn new(config: DetectConfig) -> EventAnalyzer {
        EventAnalyzer {
            config,
            last_biggest: 0,
        }
    }

    pub fn config(&self) -> &DetectConfig {
        &self.config
    }

    /// Candidate alerts for `w` (before cooldown). Nothing when a quality gate fails.
    pub fn analyze(&mut self, w: &WindowResult, growth: Option<&Growth>) -> Vec<Alert> {
        let new_biggest = w.biggest_sale.0 > self.last_biggest;
        self.last_biggest = w.biggest_sale.0;
        if self.config.gates.check(w).is_err() {
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
        let mut out = Vec::new();
        let t = c.growth_threshold;
        if let Some(g) = growth {
            let volume = g.volume.unwrap_or(0.0);
            if volume >= t {
                out.push(alert(AlertKind::ActivitySpike, Some(volume), None));
            } else if volume <= -t {
                out.push(alert(AlertKind::ActivityDrop, Some(volume), None));
            } else if let Some(r) = g.revenue.filter(|r| *r >= t) {
                out.push(alert(AlertKind::RevenueSurge, Some(r), None));
            }
            if let Some(a) = g.avg_ticket.filter(|a| a.abs() >= t) {
                out.push(alert(AlertKind::TicketShift, Some(a), None));
            }
            if let Some(s) = g.sellers.filter(|s| *s >= t) {
                out.push(alert(AlertKind::SellerSurge, Some(s), None));
            }
        }
        // Shares of a handful of sales are noise: 2 of 5 sales is not "concentration".
        let enough_for_shares = w.sales_in_window >= c.share_min_sales;
        if enough_for_shares
            && w.top_seller
                .as_ref()
                .is_some_and(|s| s.share >= c.concentration_share)
        {
            out.push(alert(AlertKind::SellerConcentration, None, None));
        }
        if enough_for_shares
            && w.top_category
                .as_ref()
                .is_some_and(|k| k.share >= c.category_peak_share)
        {
            out.push(alert(AlertKind::CategoryPeak, None, None));
        }
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
