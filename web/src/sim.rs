//! The simulator source: core's generator on a simulated clock that runs `speed` times
//! faster than the wall clock. The wall clock is read by the component, never here.

use crate::shop::Shop;
use hopscope_core::generate::{GeneratorConfig, SaleGenerator, Scenario};
use hopscope_core::partition::Partitioner;
use hopscope_core::{Catalog, Span, Timestamp};

/// Longest real time one tick may cover: a backgrounded tab must not come back to a
/// frozen page trying to simulate hours at once.
const MAX_TICK_MS: f64 = 250.0;

pub struct Sim {
    gen: SaleGenerator,
    pub clock: Timestamp,
    pub start: Timestamp,
    pub paused: bool,
    pub speed: f64,
    carry_ms: f64,
}

impl Sim {
    pub fn new(seed: u64, rate: f64, speed: f64, partitioner: Partitioner) -> Sim {
        let config = GeneratorConfig {
            seed,
            rate,
            ..GeneratorConfig::default()
        };
        let mut gen = SaleGenerator::new(Catalog::embedded(), &config);
        gen.set_partitioner(partitioner);
        Sim {
            gen,
            clock: config.start,
            start: config.start,
            paused: false,
            speed,
            carry_ms: 0.0,
        }
    }

    /// Moves simulated time by `real_ms × speed` (unless paused).
    pub fn tick(&mut self, real_ms: f64, shop: &mut Shop) {
        if self.paused {
            return;
        }
        let sim_ms = real_ms.clamp(0.0, MAX_TICK_MS) * self.speed + self.carry_ms;
        let whole = sim_ms.floor();
        self.carry_ms = sim_ms - whole;
        self.advance_to(self.clock.plus(Span(whole as i64)), shop);
    }

    /// Moves simulated time by exactly `span` (the "step one slide" button).
    pub fn step(&mut self, span: Span, shop: &mut Shop) {
        self.advance_to(self.clock.plus(span), shop);
    }

    fn advance_to(&mut self, to: Timestamp, shop: &mut Shop) {
        while let Some(g) = self.gen.poll(to) {
            // The simulated shop is processing time: a sale is seen when it happens.
            let now = g.sale.event_time();
            shop.push(&g.sale, g.partition, now);
        }
        self.clock = to;
        shop.advance(to);
    }

    pub fn trigger(&mut self, scenario: Scenario) {
        self.gen.trigger(scenario, self.clock);
    }

    pub fn set_rate(&mut self, rate: f64) {
        self.gen.set_rate(rate, self.clock);
    }

    pub fn rate(&self) -> f64 {
        self.gen.rate()
    }

    pub fn elapsed(&self) -> Span {
        self.clock.since(self.start)
    }

    /// Scenarios running now, with the seconds they have left.
    pub fn running(&self) -> Vec<(String, f64)> {
        self.gen
            .active_scenarios(self.clock)
            .into_iter()
            .map(|(s, until)| (s.kind().to_string(), until.since(self.clock).as_secs_f64()))
            .collect()
    }
}
