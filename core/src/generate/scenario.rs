//! Scenarios: what a user can make happen in the generated stream (a spike, a seller or a
//! category taking over, an outlier sale), and their `KIND[@AFTER][,key=value…]` syntax.

use crate::time::{DurationError, Span};
use std::fmt;

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
    /// A spike with the seed's defaults: 10× for 30 s.
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
    pub fn parse(text: &str) -> Result<ScheduledScenario, ScenarioError> {
        let err = |kind| ScenarioError {
            text: text.to_string(),
            kind,
        };
        let mut parts = text.split(',');
        let head = parts.next().unwrap_or("").trim();
        let (kind, after) = match head.split_once('@') {
            Some((k, at)) => (
                k,
                Span::parse(at).map_err(|e| err(ScenarioErrorKind::Start(e)))?,
            ),
            None => (head, Span(0)),
        };
        let mut scenario = match kind {
            "spike" => Scenario::spike(),
            "concentration" => Scenario::concentration(),
            "surge" => Scenario::surge(),
            "outlier" => Scenario::OutlierSale,
            other => return Err(err(ScenarioErrorKind::UnknownKind(other.to_string()))),
        };
        for kv in parts {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| err(ScenarioErrorKind::NotKeyValue(kv.to_string())))?;
            let bad = |problem| {
                err(ScenarioErrorKind::Option {
                    key: k.to_string(),
                    value: v.to_string(),
                    problem,
                })
            };
            let number = || v.parse::<f64>().map_err(|_| bad(OptionProblem::NotANumber));
            match (&mut scenario, k.trim()) {
                (Scenario::Spike { factor, .. }, "factor") => {
                    *factor = number()?;
                    if !(*factor > 0.0 && *factor <= 1_000.0) {
                        return Err(bad(OptionProblem::FactorOutOfRange));
                    }
                }
                (
                    Scenario::Spike { duration, .. }
                    | Scenario::SellerConcentration { duration, .. }
                    | Scenario::CategorySurge { duration, .. },
                    "for",
                ) => *duration = Span::parse(v).map_err(|e| bad(OptionProblem::Duration(e)))?,
                (
                    Scenario::SellerConcentration { share, .. }
                    | Scenario::CategorySurge { share, .. },
                    "share",
                ) => {
                    *share = number()?;
                    if !(0.0..=1.0).contains(share) {
                        return Err(bad(OptionProblem::ShareOutOfRange));
                    }
                }
                (Scenario::SellerConcentration { seller, .. }, "seller") => {
                    *seller = Some(v.to_string())
                }
                (Scenario::CategorySurge { category, .. }, "category") => {
                    *category = Some(v.to_string())
                }
                _ => {
                    return Err(bad(OptionProblem::NotAnOptionOf(kind.to_string())));
                }
            }
        }
        Ok(ScheduledScenario { after, scenario })
    }
}

/// Why a `--scenario` text is not a scenario: the text, and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    pub text: String,
    pub kind: ScenarioErrorKind,
}

/// What is wrong with a scenario text.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioErrorKind {
    /// The `@AFTER` part is not a duration.
    Start(DurationError),
    /// Not spike, concentration, surge or outlier.
    UnknownKind(String),
    /// An option without `=`.
    NotKeyValue(String),
    /// `key=value` that the scenario refuses.
    Option {
        key: String,
        value: String,
        problem: OptionProblem,
    },
}

/// Why a scenario refuses a `key=value` option.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionProblem {
    NotANumber,
    /// A spike's factor outside (0, 1000].
    FactorOutOfRange,
    /// A share outside [0, 1].
    ShareOutOfRange,
    /// `for=` that is not a duration.
    Duration(DurationError),
    /// An option this kind of scenario does not have.
    NotAnOptionOf(String),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "scenario {:?}: ", self.text)?;
        match &self.kind {
            ScenarioErrorKind::Start(e) => write!(f, "{e}"),
            ScenarioErrorKind::UnknownKind(k) => write!(
                f,
                "unknown kind {k:?} (use spike, concentration, surge or outlier)"
            ),
            ScenarioErrorKind::NotKeyValue(kv) => write!(f, "expected key=value, got {kv:?}"),
            ScenarioErrorKind::Option {
                key,
                value,
                problem,
            } => {
                write!(f, "{key}={value}: ")?;
                match problem {
                    OptionProblem::NotANumber => write!(f, "not a number"),
                    OptionProblem::FactorOutOfRange => write!(f, "factor must be in (0, 1000]"),
                    OptionProblem::ShareOutOfRange => write!(f, "share must be between 0 and 1"),
                    OptionProblem::Duration(e) => write!(f, "{e}"),
                    OptionProblem::NotAnOptionOf(kind) => write!(f, "not an option of {kind}"),
                }
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_says_what_is_wrong() {
        let kind = |text: &str| ScheduledScenario::parse(text).unwrap_err().kind;
        assert!(matches!(kind("spike@soon"), ScenarioErrorKind::Start(_)));
        assert_eq!(
            kind("tsunami"),
            ScenarioErrorKind::UnknownKind("tsunami".into())
        );
        assert_eq!(
            kind("spike,factor"),
            ScenarioErrorKind::NotKeyValue("factor".into())
        );
        let option = |text: &str| match kind(text) {
            ScenarioErrorKind::Option { problem, .. } => problem,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(option("spike,factor=lots"), OptionProblem::NotANumber);
        assert_eq!(option("spike,factor=0"), OptionProblem::FactorOutOfRange);
        assert_eq!(option("surge,share=1.5"), OptionProblem::ShareOutOfRange);
        assert!(matches!(
            option("spike,for=-1s"),
            OptionProblem::Duration(_)
        ));
        assert_eq!(
            option("outlier,share=0.5"),
            OptionProblem::NotAnOptionOf("outlier".into())
        );
        let e = ScheduledScenario::parse("spike,factor=0").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario \"spike,factor=0\": factor=0: factor must be in (0, 1000]"
        );
    }
}
