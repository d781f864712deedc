//! hopscope-core: everything hopscope computes, with no IO.
//!
//! No clock, no threads, no files, no sockets, no printing: time and randomness come in as
//! arguments, results go out as values. The same code runs in the browser (wasm32) and in
//! the native bridge. See `ARCHITECTURE.md` at the repository root for the module map.

pub mod agree;
pub mod catalog;
pub mod csv;
pub mod detect;
pub mod field_error;
pub mod generate;
pub mod money;
pub mod partition;
pub mod pipeline;
pub mod protocol;
pub mod relay;
pub mod rng;
pub mod sale;
pub mod snapshot;
pub mod time;
pub mod window;

pub use catalog::{Catalog, Product};
pub use generate::{GeneratedSale, GeneratorConfig, SaleGenerator, Scenario, ScheduledScenario};
pub use money::Cents;
pub use pipeline::{Analytics, AnalyticsConfig, AnalyticsOutput};
pub use sale::{Sale, SaleBatch, SaleError, SaleErrorKind, SaleView};
pub use time::{DurationError, IsoTimeError, Micros, Span, Timestamp};
pub use window::{Event, EventTime, HopWindows, Pushed, TimeMode, WindowConfig, WindowResult};
