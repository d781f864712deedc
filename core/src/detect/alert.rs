//! Alerts and their console text, in the seed's wording.

use crate::money::Cents;
use crate::time::Timestamp;
use crate::window::TopKey;
use serde::{Deserialize, Serialize};

/// The kinds of event detection raises, one cooldown each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    ActivitySpike,
    ActivityDrop,
    RevenueSurge,
    TicketShift,
    SellerSurge,
    SellerConcentration,
    CategoryPeak,
    OutlierSale,
}

impl AlertKind {
    /// Every kind, in the order the console and the page list them.
    pub const ALL: [AlertKind; 8] = [
        AlertKind::ActivitySpike,
        AlertKind::ActivityDrop,
        AlertKind::RevenueSurge,
        AlertKind::TicketShift,
        AlertKind::SellerSurge,
        AlertKind::SellerConcentration,
        AlertKind::CategoryPeak,
        AlertKind::OutlierSale,
    ];

    /// The words after "EVENT DETECTED:".
    pub fn title(self) -> &'static str {
        match self {
            AlertKind::ActivitySpike => "Activity spike!",
            AlertKind::ActivityDrop => "Activity drop!",
            AlertKind::RevenueSurge => "Revenue surge!",
            AlertKind::TicketShift => "Average ticket shift!",
            AlertKind::SellerSurge => "More sellers active!",
            AlertKind::SellerConcentration => "Seller concentration!",
            AlertKind::CategoryPeak => "Category peak!",
            AlertKind::OutlierSale => "Outlier sale!",
        }
    }
}

/// Something worth telling a person about one window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    /// The growth that triggered it (fraction), for growth kinds.
    pub growth: Option<f64>,
    pub sales: u64,
    pub revenue: Cents,
    pub active_sellers: u64,
    /// How many sellers the shop has (16 in the simulation).
    pub total_sellers: u64,
    pub top_category: Option<TopKey>,
    pub top_seller: Option<TopKey>,
    pub biggest_sale: Cents,
    /// z-score of the biggest sale, for outliers.
    pub z_score: Option<f64>,
}

/// An alert as a record of a results topic: the alert, and what the cooldown decided.
#[derive(Serialize)]
struct AlertRecord<'a> {
    #[serde(flatten)]
    alert: &'a Alert,
    /// `shown`, or `held back` by the adaptive cooldown.
    decision: &'static str,
}

impl Alert {
    /// One JSON record: the alert's fields and the cooldown's decision (`"decision":
    /// "shown"` or `"held back"`) — what `analyze --alerts-out` writes.
    pub fn to_json(&self, shown: bool) -> String {
        serde_json::to_string(&AlertRecord {
            alert: self,
            decision: if shown { "shown" } else { "held back" },
        })
        .expect("an alert serializes")
    }

    /// The seed's console block, one string per line, e.g.
    /// `🚨 EVENT DETECTED: Activity spike!` / `   📊 Growth: +47.3% vs previous window` / …
    pub fn console_lines(&self) -> Vec<String> {
        let mut lines = vec![format!("🚨 EVENT DETECTED: {}", self.kind.title())];
        if let Some(g) = self.growth {
            lines.push(format!(
                "   📊 Growth: {:+.1}% vs previous window",
                g * 100.0
            ));
        }
        lines.push(format!(
            "   💰 Current volume: {} sales ({})",
            self.sales,
            self.revenue.display_usd()
        ));
        lines.push(format!(
            "   👥 Active sellers: {}/{}",
            self.active_sellers, self.total_sellers
        ));
        if self.kind == AlertKind::SellerConcentration {
            if let Some(s) = &self.top_seller {
                lines.push(format!(
                    "   🎯 Dominant seller: {} ({:.1}% of sales)",
                    s.name,
                    s.share * 100.0
                ));
            }
        }
        if self.kind == AlertKind::OutlierSale {
            lines.push(format!(
                "   💎 Biggest sale: {} (z-score {:.1})",
                self.biggest_sale.display_usd(),
                self.z_score.unwrap_or(0.0)
            ));
        }
        if let Some(c) = &self.top_category {
            lines.push(format!(
                "   🏆 Top category: {} ({} sales)",
                c.name, c.count
            ));
        }
        lines
    }

    /// The seed's console line for this alert (`🚨 EVENT DETECTED: …`).
    pub fn console_text(&self) -> String {
        self.console_lines().join("\n")
    }
}

#[cfg(test)]
mod tests {
    /// A kind added to the enum and forgotten in `ALL` vanished from the page's cooldown
    /// table: this match stops compiling when a kind is added, and the assertion fails
    /// until `ALL` lists it.
    #[test]
    fn all_lists_every_kind_once() {
        let position = |k: AlertKind| -> usize {
            match k {
                AlertKind::ActivitySpike
                | AlertKind::ActivityDrop
                | AlertKind::RevenueSurge
                | AlertKind::TicketShift
                | AlertKind::SellerSurge
                | AlertKind::SellerConcentration
                | AlertKind::CategoryPeak
                | AlertKind::OutlierSale => AlertKind::ALL
                    .iter()
                    .position(|a| *a == k)
                    .expect("every kind is in AlertKind::ALL"),
            }
        };
        let every = [
            AlertKind::ActivitySpike,
            AlertKind::ActivityDrop,
            AlertKind::RevenueSurge,
            AlertKind::TicketShift,
            AlertKind::SellerSurge,
            AlertKind::SellerConcentration,
            AlertKind::CategoryPeak,
            AlertKind::OutlierSale,
        ];
        let mut seen: Vec<usize> = every.iter().map(|k| position(*k)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), AlertKind::ALL.len());
    }

    use super::*;

    #[test]
    fn renders_the_seed_console_block() {
        let a = Alert {
            kind: AlertKind::ActivitySpike,
            window_start: Timestamp(0),
            window_end: Timestamp(900_000),
            growth: Some(0.473),
            sales: 23,
            revenue: Cents(284_750),
            active_sellers: 12,
            total_sellers: 16,
            top_category: Some(TopKey {
                name: "Electronics".into(),
                count: 8,
                share: 8.0 / 23.0,
            }),
            top_seller: None,
            biggest_sale: Cents(50_000),
            z_score: None,
        };
        assert_eq!(
            a.console_text(),
            "🚨 EVENT DETECTED: Activity spike!\n   📊 Growth: +47.3% vs previous window\n   💰 Current volume: 23 sales ($2,847.50)\n   👥 Active sellers: 12/16\n   🏆 Top category: Electronics (8 sales)"
        );
    }
}
