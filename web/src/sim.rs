//! The simulator source: core's generator on a simulated clock that runs `speed` times
//! faster than the wall clock. The wall clock is read by the component, never here.
//!
//! Work comes in slices so a tick never freezes the page: [`Sim::tick`] says how far the
//! clock should get, [`Sim::work`] sells up to a number of sales towards it, and the
//! component calls it until caught up or its frame budget is spent. What is not done by
//! then is let go ([`Sim::fall_behind`]): the shop runs slower than asked, says so
//! ([`Sim::pace`]), and the page stays responsive at any rate × speed.

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
    /// Where the clock should be by the end of this tick's work.
    target: Timestamp,
    /// Simulated milliseconds the current tick asked for and has done.
    asked_ms: f64,
    done_ms: f64,
    /// Share of the asked time done, averaged over recent ticks (each tick weighs the
    /// same whatever the speed, so the pace recovers quickly once the speed is lowered).
    pace: f64,
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
            target: config.start,
            asked_ms: 0.0,
            done_ms: 0.0,
            pace: 1.0,
        }
    }

    /// Asks the clock to move by `real_ms × speed` (unless paused); [`Sim::work`] moves it.
    pub fn tick(&mut self, real_ms: f64) {
        if self.paused {
            return;
        }
        let sim_ms = real_ms.clamp(0.0, MAX_TICK_MS) * self.speed + self.carry_ms;
        let whole = sim_ms.floor();
        self.carry_ms = sim_ms - whole;
        self.target = self.target.max(self.clock).plus(Span(whole as i64));
        // The last tick's share done joins the pace; about a second of ticks counts.
        if self.asked_ms >= 1.0 {
            let share = (self.done_ms / self.asked_ms).min(1.0);
            self.pace = 0.7 * self.pace + 0.3 * share;
        }
        self.asked_ms = whole;
        self.done_ms = 0.0;
    }

    /// Sells at most `max_sales` of the sales due before the tick's target, moving the
    /// clock with them; `true` once the clock has reached the target.
    pub fn work(&mut self, max_sales: usize, shop: &mut Shop) -> bool {
        let from = self.clock;
        let mut sold = 0;
        while sold < max_sales {
            let Some(g) = self.gen.poll(self.target) else {
                self.clock = self.target;
                break;
            };
            // The simulated shop is processing time: a sale is seen when it happens.
            let now = g.sale.event_time();
            shop.push(&g.sale, g.partition, now);
            self.clock = self.clock.max(now);
            sold += 1;
        }
        shop.advance(self.clock);
        self.done_ms += self.clock.since(from).0 as f64;
        self.clock >= self.target
    }

    /// Whether the clock has reached what the last tick asked for.
    pub fn caught_up(&self) -> bool {
        self.clock >= self.target
    }

    /// Lets go of what this tick could not do in its budget: the shop runs slower than
    /// asked instead of the page freezing, and [`Sim::pace`] says by how much.
    pub fn fall_behind(&mut self) {
        self.target = self.clock;
        self.carry_ms = 0.0;
    }

    /// The share of the asked speed the shop achieves lately: 1.0 when it keeps up.
    pub fn pace(&self) -> f64 {
        if self.paused {
            1.0
        } else {
            self.pace
        }
    }

    /// Moves simulated time by exactly `span` (the "step one slide" button).
    pub fn step(&mut self, span: Span, shop: &mut Shop) {
        self.target = self.clock.plus(span);
        while !self.work(usize::MAX, shop) {}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(rate: f64, speed: f64) -> (Sim, Shop) {
        (Sim::new(1, rate, speed, Partitioner::Murmur2), Shop::new())
    }

    #[test]
    fn at_an_easy_pace_every_tick_reaches_its_target() {
        let (mut s, mut shop) = sim(5.0, 60.0);
        for _ in 0..50 {
            s.tick(100.0);
            assert!(s.work(usize::MAX, &mut shop));
        }
        assert_eq!(s.elapsed(), Span::seconds(300), "50 ticks of 100 ms at 60×");
        assert_eq!(s.pace(), 1.0);
    }

    #[test]
    fn work_beyond_the_budget_is_let_go_and_the_pace_says_so() {
        // 10,000 sales/s at 3600×: 3.6 M sales per real second asked.
        let (mut s, mut shop) = sim(10_000.0, 3_600.0);
        for _ in 0..20 {
            s.tick(100.0);
            // One slice per tick, as if the budget ran out at once.
            assert!(
                !s.work(256, &mut shop),
                "one slice cannot reach 6 minutes of sales"
            );
            s.fall_behind();
        }
        assert_eq!(
            shop.total_sales,
            20 * 256,
            "no tick did more than it was given"
        );
        assert!(s.pace() < 0.01, "pace {}", s.pace());
        // The debt is not carried: the next tick asks for one tick's worth, not 21.
        s.speed = 1.0;
        s.tick(100.0);
        while !s.work(256, &mut shop) {}
        let pace_before = s.pace();
        for _ in 0..30 {
            s.tick(100.0);
            assert!(s.work(usize::MAX, &mut shop));
        }
        assert!(
            s.pace() > 0.99,
            "keeping up again: {pace_before} → {}",
            s.pace()
        );
    }

    #[test]
    fn a_step_moves_one_whole_slide_whatever_the_rate() {
        let (mut s, mut shop) = sim(10_000.0, 1.0);
        s.paused = true;
        s.step(Span::seconds(1), &mut shop);
        assert_eq!(s.elapsed(), Span::seconds(1));
        assert!(shop.total_sales > 9_000, "{}", shop.total_sales);
    }
}
