//! Scenarios: what a user can make happen in the generated stream (a spike, a seller or a
//! category taking over, an outlier sale), and their `KIND[@AFTER][,key=value…]` syntax.

use crate::time::Span;

/// Something a user can make happen in the stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Scenario {
    /// The arrival rate is multiplied by `factor` for `duration`.
    Spike { factor: f64, duration: Span },
    /// `share` (0..=1) of the sales go to one seller for `duration`; `None` picks one.
    SellerConcentration {
        seller: Option<String>,
        share: f64,
        duration: Span,
    },
    /// `share` of the sales come from one category for `duration`; `None` picks one.
    CategorySurge {
        category: Option<String>,
        share: f64,
        duration: Span,
    },
    /// One sale far above anything normal: a bulk order of an expensive product.
    OutlierSale,
}

impl Scenario {
    pub fn spike() -> Scenario {
        Scenario::Spike {
            factor: 10.0,
            duration: Span::seconds(30),
        }
    }
    /// Defaults sized to show in a 15-minute window: one seller takes 80% of sales for
    /// 10 minutes.
    pub fn concentration() -> Scenario {
        Scenario::SellerConcentration {
            seller: None,
            share: 0.8,
            duration: Span::minutes(10),
        }
    }
    /// One category takes 80% of sales for 10 minutes.
    pub fn surge() -> Scenario {
        Scenario::CategorySurge {
            category: None,
            share: 0.8,
            duration: Span::minutes(10),
        }
    }

    /// The short name used on the command line and in URLs.
    pub fn kind(&self) -> &'static str {
        match self {
            Scenario::Spike { .. } => "spike",
            Scenario::SellerConcentration { .. } => "concentration",
            Scenario::CategorySurge { .. } => "surge",
            Scenario::OutlierSale => "outlier",
        }
    }
}

/// A scenario and when it starts, relative to the start of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledScenario {
    pub after: Span,
    pub scenario: Scenario,
}

impl ScheduledScenario {
    /// Parses `KIND[@AFTER][,key=value…]`, e.g. `spike@2m,factor=10,for=30s`,
    /// `concentration@1m,seller=ana.silva,share=0.6`, `surge,category=TVs`, `outlier@90s`.
    pub fn parse(text: &str) -> Result<ScheduledScenario, String> {
        let mut parts = text.split(',');
        let head = parts.next().unwrap_or("").trim();
        let (kind, after) = match head.split_once('@') {
            Some((k, at)) => (
                k,
                Span::parse(at).map_err(|e| format!("scenario {text:?}: {e}"))?,
            ),
            None => (head, Span(0)),
        };
        let mut scenario = match kind {
            "spike" => Scenario::spike(),
            "concentration" => Scenario::concentration(),
            "surge" => Scenario::surge(),
            "outlier" => Scenario::OutlierSale,
            other => {
                return Err(format!(
                    "scenario {text:?}: unknown kind {other:?} (use spike, concentration, surge or outlier)"
                ))
            }
        };
        for kv in parts {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("scenario {text:?}: expected key=value, got {kv:?}"))?;
            let bad = |why: &str| format!("scenario {text:?}: {k}={v}: {why}");
            let number = || v.parse::<f64>().map_err(|_| bad("not a number"));
            match (&mut scenario, k.trim()) {
                (Scenario::Spike { factor, .. }, "factor") => {
                    *factor = number()?;
                    if !(*factor > 0.0 && *factor <= 1_000.0) {
                        return Err(bad("factor must be in (0, 1000]"));
                    }
                }
                (
                    Scenario::Spike { duration, .. }
                    | Scenario::SellerConcentration { duration, .. }
                    | Scenario::CategorySurge { duration, .. },
                    "for",
                ) => *duration = Span::parse(v).map_err(|e| bad(&e.to_string()))?,
                (
                    Scenario::SellerConcentration { share, .. }
                    | Scenario::CategorySurge { share, .. },
                    "share",
                ) => {
                    *share = number()?;
                    if !(0.0..=1.0).contains(share) {
                        return Err(bad("share must be between 0 and 1"));
                    }
                }
                (Scenario::SellerConcentration { seller, .. }, "seller") => {
                    *seller = Some(v.to_string())
                }
                (Scenario::CategorySurge { category, .. }, "category") => {
                    *category = Some(v.to_string())
                }
                _ => return Err(bad(&format!("not an option of {kind}"))),
            }
        }
        Ok(ScheduledScenario { after, scenario })
    }
}
