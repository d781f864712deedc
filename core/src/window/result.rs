//! What a fired window reports. Field names follow the seed's Flink SQL aliases.

use crate::money::Cents;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// One fired hopping window `[window_start, window_end)`.
///
/// Money is exact cents internally and serialized as dollars with two decimals, which is
/// what Flink's `ROUND(…, 2)` (HALF_UP) gives for revenue and average ticket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

/// One column of a window row — what `hopscope window` writes, the Flink job's sink table
/// declares, the agreement check compares and an inspector shows — and its value as text.
pub struct Column {
    pub name: &'static str,
    pub text: fn(&WindowResult) -> String,
    /// Compared between two engines' rows (`ticket_stddev` is compared to a millionth
    /// instead: two engines sum squares in another order).
    pub compared: bool,
}

fn top_text(k: &Option<TopKey>) -> String {
    k.as_ref()
        .map_or("none".into(), |k| format!("{} ({} sales)", k.name, k.count))
}

/// The window row's columns, in the seed's order: one table, so adding an aggregate adds
/// a line here and the writers, readers and comparers that use it follow (a test checks
/// the shipped Flink job declares exactly these).
pub const COLUMNS: [Column; 12] = [
    Column {
        name: "window_start",
        text: |w| w.window_start.to_iso(),
        compared: false,
    },
    Column {
        name: "window_end",
        text: |w| w.window_end.to_iso(),
        compared: false,
    },
    Column {
        name: "sales_in_window",
        text: |w| w.sales_in_window.to_string(),
        compared: true,
    },
    Column {
        name: "revenue",
        text: |w| w.revenue.display_usd(),
        compared: true,
    },
    Column {
        name: "avg_ticket",
        text: |w| w.avg_ticket.display_usd(),
        compared: true,
    },
    Column {
        name: "active_sellers",
        text: |w| w.active_sellers.to_string(),
        compared: true,
    },
    Column {
        name: "active_categories",
        text: |w| w.active_categories.to_string(),
        compared: true,
    },
    Column {
        name: "active_products",
        text: |w| w.active_products.to_string(),
        compared: true,
    },
    Column {
        name: "biggest_sale",
        text: |w| w.biggest_sale.display_usd(),
        compared: true,
    },
    Column {
        name: "top_category",
        text: |w| top_text(&w.top_category),
        compared: true,
    },
    Column {
        name: "top_seller",
        text: |w| top_text(&w.top_seller),
        compared: true,
    },
    Column {
        name: "ticket_stddev",
        text: |w| format!("{:.6}", w.ticket_stddev),
        compared: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The Flink referees compare columns of the one table, each one the table says two
    /// engines' rows are compared on.
    #[test]
    fn the_flink_referees_columns_are_compared_columns_of_the_table() {
        let py = include_str!("../../../tests/flink/referee.py");
        let list = &py[py.find("NAMES = [").unwrap() + 9..];
        let names: Vec<&str> = list[..list.find(']').unwrap()]
            .split(',')
            .map(|n| n.trim().trim_matches('"'))
            .filter(|n| !n.is_empty())
            .collect();
        assert!(names.len() >= 7, "{names:?}");
        for n in names {
            let c = COLUMNS.iter().find(|c| c.name == n);
            assert!(c.is_some_and(|c| c.compared), "{n} is a compared column");
        }
    }

    /// The shipped Flink job's sink table declares exactly the row's columns, in order.
    #[test]
    fn the_flink_jobs_sink_table_has_the_rows_columns() {
        let sql = include_str!("../../../flink/windows.sql");
        let table = &sql[sql.find("CREATE TABLE sales_windows (").unwrap()..];
        let body = &table[table.find('(').unwrap() + 1..table.find(") WITH").unwrap()];
        let declared: Vec<&str> = body
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| !w.starts_with("--"))
            .collect();
        let ours: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(declared, ours);
        // And the JSON row carries every one of them.
        let json: serde_json::Value =
            serde_json::from_str(&WindowResult::default().to_json()).unwrap();
        for c in &COLUMNS {
            assert!(json.get(c.name).is_some(), "{} in the JSON row", c.name);
        }
    }
}
