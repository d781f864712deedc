//! Quality gates: a window too thin to mean anything raises no alert.

use crate::money::Cents;
use crate::window::WindowResult;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The seed's gates: at least 5 sales, $100 of revenue and 2 sellers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityGates {
    pub min_sales: u64,
    pub min_revenue: Cents,
    pub min_sellers: u64,
}

impl Default for QualityGates {
    fn default() -> Self {
        QualityGates {
            min_sales: 5,
            min_revenue: Cents(10_000),
            min_sellers: 2,
        }
    }
}

/// The first gate a window failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateFailure {
    TooFewSales { got: u64, need: u64 },
    TooLittleRevenue { got: Cents, need: Cents },
    TooFewSellers { got: u64, need: u64 },
}

impl fmt::Display for GateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateFailure::TooFewSales { got, need } => write!(f, "{got} sales < {need}"),
            GateFailure::TooLittleRevenue { got, need } => write!(f, "revenue {got} < {need}"),
            GateFailure::TooFewSellers { got, need } => write!(f, "{got} sellers < {need}"),
        }
    }
}

impl QualityGates {
    /// `Ok` when the window has enough data to judge; otherwise the first gate it fails.
    pub fn check(&self, w: &WindowResult) -> Result<(), GateFailure> {
        if w.sales_in_window < self.min_sales {
            return Err(GateFailure::TooFewSales {
                got: w.sales_in_window,
                need: self.min_sales,
            });
        }
        if w.revenue < self.min_revenue {
            return Err(GateFailure::TooLittleRevenue {
                got: w.revenue,
                need: self.min_revenue,
            });
        }
        if w.active_sellers < self.min_sellers {
            return Err(GateFailure::TooFewSellers {
                got: w.active_sellers,
                need: self.min_sellers,
            });
        }
        Ok(())
    }
}
