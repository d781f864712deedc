//! Detection services: the seed's EventTracker, quality gates, AdaptiveCooldown and
//! EventAnalyzer, sans-IO. They look at fired windows ([`WindowResult`]) and decide what a
//! person should be told; [`crate::pipeline::Analytics`] wires them to the window engine.
//!
//! [`WindowResult`]: crate::window::WindowResult

mod alert;
mod analyzer;
mod cooldown;
mod gates;
mod tracker;

pub use alert::{Alert, AlertKind};
pub use analyzer::{leave_one_out_z, DetectConfig, EventAnalyzer};
pub use cooldown::{AdaptiveCooldown, CooldownConfig, CooldownState};
pub use gates::{GateFailure, QualityGates};
pub use tracker::{Baseline, EventTracker, Growth};
