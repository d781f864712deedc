//! What a fired window reports. Field names follow the seed's Flink SQL aliases.

use crate::money::Cents;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// One fired hopping window `[window_start, window_end)`.
///
/// Money is exact cents internally and serialized as dollars with two decimals, which is
/// what Flink's `ROUND(…, 2)` (HALF_UP) gives for revenue and average ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowResult {
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    /// `COUNT(*)`
    pub sales_in_window: u64,
    /// `ROUND(SUM(price * quantity), 2)`
    pub revenue: Cents,
    /// `ROUND(AVG(price * quantity), 2)`; 0 for an empty window.
    pub avg_ticket: Cents,
    /// `COUNT(DISTINCT seller)`
    pub active_sellers: u64,
    /// `COUNT(DISTINCT nm_category)`
    pub active_categories: u64,
    /// `COUNT(DISTINCT nm_product)`
    pub active_products: u64,
    /// `MAX(price * quantity)`; 0 for an empty window.
    pub biggest_sale: Cents,
    /// The category with the most sales (ties: the alphabetically first).
    pub top_category: Option<TopKey>,
    /// The seller with the most sales and their share of the window.
    pub top_seller: Option<TopKey>,
    /// The leading categories, most sales first (only when `WindowConfig::top_n` > 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_categories: Vec<TopKey>,
    /// The leading sellers, most sales first (only when `WindowConfig::top_n` > 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_sellers: Vec<TopKey>,
    /// Sales per Kafka partition, index = partition.
    pub sales_per_partition: Vec<u64>,
    /// Population standard deviation of sale values, in dollars (for outlier z-scores).
    pub ticket_stddev: f64,
}

/// The most frequent key of a window (category or seller), its count and share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopKey {
    pub name: String,
    pub count: u64,
    /// `count / sales_in_window`, 0..=1.
    pub share: f64,
}

impl WindowResult {
    /// Mean sale value in dollars (unrounded), for z-scores.
    pub fn mean_ticket(&self) -> f64 {
        if self.sales_in_window == 0 {
            0.0
        } else {
            self.revenue.dollars() / self.sales_in_window as f64
        }
    }

    /// One JSON line, as `hopscope window` prints it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("window results always serialize")
    }
}
