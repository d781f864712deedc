//! A seeded, deterministic sales generator on a simulated clock.
//!
//! Sales arrive as a Poisson process at a configurable rate; the caller owns the clock and
//! asks for every sale up to "now" with [`SaleGenerator::poll`]. The same seed, catalog and
//! calls give byte-identical sales on wasm32 and native: all randomness comes from core's
//! own [`Rng`], arrival times are whole microseconds, and no platform maths library
//! (`ln`, `exp`, `powf`) is used — those may differ in the last bit between targets.
//!
//! Scenarios reshape the stream for a while so detection has something to detect: an
//! activity spike, one seller taking most sales, one category surging, an outlier sale.

use crate::catalog::{Catalog, Product};
use crate::money::Cents;
use crate::rng::Rng;
use crate::sale::Sale;
use crate::time::{Micros, Span, Timestamp};
use std::sync::Arc;

mod scenario;
pub use scenario::{OptionProblem, Scenario, ScenarioError, ScenarioErrorKind, ScheduledScenario};

/// The 16 simulated Brazilian sellers (the seed's "16 simulated Brazilian sellers").
pub const SELLERS: [&str; 16] = [
    "ana.silva",
    "bruno.souza",
    "carla.oliveira",
    "diego.santos",
    "eduarda.lima",
    "felipe.costa",
    "gabriela.rocha",
    "henrique.alves",
    "isabela.martins",
    "joao.pereira",
    "larissa.gomes",
    "marcos.ribeiro",
    "natalia.carvalho",
    "otavio.barbosa",
    "paula.fernandes",
    "rafael.araujo",
];

/// The seed's payment methods, with how often each is used (Brazilian e-commerce: PIX and
/// card instalments dominate).
pub const PAYMENT_METHODS: [(&str, f64); 6] = [
    ("PIX", 30.0),
    ("Credit Card Cash", 20.0),
    ("Credit Card Installments", 25.0),
    ("Bank Slip", 8.0),
    ("Debit", 10.0),
    ("Digital Wallet", 7.0),
];

/// Quantity 1..=10, strongly skewed toward 1.
const QUANTITY_WEIGHTS: [f64; 10] = [60.0, 20.0, 9.0, 5.0, 3.0, 1.5, 0.8, 0.4, 0.2, 0.1];

/// The seed's topic has 6 partitions.
pub const DEFAULT_PARTITIONS: u32 = 6;

/// The highest rate the generator accepts, in sales per simulated second.
pub const MAX_RATE: f64 = 1_000_000.0;

/// A sale plus what Kafka needs to place it.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedSale {
    pub sale: Sale,
    /// The record key: the seller, so one seller's sales stay in order on one partition.
    pub key: String,
    /// The partition Kafka's default partitioner will choose for `key`.
    pub partition: u32,
}

impl GeneratedSale {
    /// A sale with empty fields, for [`SaleGenerator::poll_into`] to write over.
    pub fn empty() -> GeneratedSale {
        GeneratedSale {
            sale: Sale {
                id_sale: String::new(),
                id_product: String::new(),
                nm_product: String::new(),
                nm_category: String::new(),
                nm_brand: String::new(),
                seller: String::new(),
                price: Cents(0),
                quantity: 0,
                tp_payment: String::new(),
                sale_date: Micros(0),
            },
            key: String::new(),
            partition: 0,
        }
    }
}

/// How the generator sells: seed, mean rate, simulated start time, topic partitions.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorConfig {
    pub seed: u64,
    /// Mean sales per simulated second.
    pub rate: f64,
    /// Simulated time of the first possible sale.
    pub start: Timestamp,
    pub partitions: u32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            seed: 42,
            rate: 5.0,
            start: Timestamp(1_705_831_200_000), // 2024-01-21T10:00:00Z
            partitions: DEFAULT_PARTITIONS,
        }
    }
}

#[derive(Clone, Debug)]
struct Active {
    until_us: i64,
    scenario: Scenario,
}

/// See the module docs. Drive it with [`poll`](SaleGenerator::poll) as the clock advances.
#[derive(Clone, Debug)]
pub struct SaleGenerator {
    catalog: Arc<Catalog>,
    rng: Rng,
    rate: f64,
    partitions: u32,
    /// How a sale's key (its seller) picks its partition, as the producer would.
    partitioner: crate::partition::Partitioner,
    /// Time of the next arrival, whole microseconds.
    next_us: i64,
    active: Vec<Active>,
    scheduled: Vec<(i64, Scenario)>,
    outliers_due: Vec<i64>,
    product_weights: Vec<f64>,
    seller_weights: Vec<f64>,
    payment_weights: Vec<f64>,
    quantity_weights: Vec<f64>,
    emitted: u64,
}

fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .into_iter()
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

impl SaleGenerator {
    /// A generator over `catalog`, deterministic for a given config.
    pub fn new(catalog: Arc<Catalog>, config: &GeneratorConfig) -> SaleGenerator {
        // Popular products sell more: weight by the square root of the review count
        // (sqrt is exactly rounded by IEEE 754, so it is the same on every target).
        let product_weights = cumulative(
            catalog
                .products()
                .iter()
                .map(|p| 1.0 + f64::from(p.reviews).sqrt()),
        );
        // A mild long tail of seller sizes: the first seller sells ~3× the last.
        let seller_weights = cumulative((0..SELLERS.len()).map(|i| 1.0 + (15 - i) as f64 / 7.5));
        let mut g = SaleGenerator {
            catalog,
            rng: Rng::seeded(config.seed),
            rate: config.rate.clamp(0.0, MAX_RATE),
            partitions: config.partitions.max(1),
            partitioner: crate::partition::Partitioner::Murmur2,
            next_us: to_us(config.start),
            active: Vec::new(),
            scheduled: Vec::new(),
            outliers_due: Vec::new(),
            product_weights,
            seller_weights,
            payment_weights: cumulative(PAYMENT_METHODS.iter().map(|(_, w)| *w)),
            quantity_weights: cumulative(QUANTITY_WEIGHTS),
            emitted: 0,
        };
        g.next_us = g.draw_next(to_us(config.start));
        g
    }

    /// The catalog sales are drawn from.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The base mean sales per simulated second (before scenarios multiply it).
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Places sales as a producer with this partitioner would (murmur2 unless told).
    pub fn set_partitioner(&mut self, partitioner: crate::partition::Partitioner) {
        self.partitioner = partitioner;
    }

    /// Partitions of the target topic that keys are placed on.
    pub fn partitions(&self) -> u32 {
        self.partitions
    }

    /// How many sales have been generated so far.
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    /// When the next sale will happen (useful to a driver that sleeps until then).
    pub fn next_arrival(&self) -> Timestamp {
        let next = self
            .outliers_due
            .iter()
            .chain(self.scheduled.iter().map(|(at, _)| at))
            .copied()
            .fold(self.next_us, i64::min);
        Micros(next).to_timestamp()
    }

    /// Scenarios running at `now`, with when each ends.
    pub fn active_scenarios(&self, now: Timestamp) -> Vec<(Scenario, Timestamp)> {
        let now_us = to_us(now);
        self.active
            .iter()
            .filter(|a| a.until_us > now_us)
            .map(|a| (a.scenario.clone(), Micros(a.until_us).to_timestamp()))
            .collect()
    }

    /// Changes the base rate from `now` on. Exponential gaps are memoryless, so redrawing
    /// the next arrival from `now` keeps the process a correct Poisson process.
    pub fn set_rate(&mut self, rate: f64, now: Timestamp) {
        self.rate = if rate.is_finite() {
            rate.clamp(0.0, MAX_RATE)
        } else {
            0.0
        };
        self.next_us = self.draw_next(to_us(now));
    }

    /// Starts a scenario at `at` (now or in the simulated future; a time already past
    /// counts as "right away").
    pub fn trigger(&mut self, scenario: Scenario, at: Timestamp) {
        self.scheduled.push((to_us(at), scenario));
    }

    /// Scenarios triggered but not started yet, with their start times.
    pub fn scheduled(&self) -> impl Iterator<Item = (&Scenario, Timestamp)> {
        self.scheduled
            .iter()
            .map(|(at, s)| (s, Micros(*at).to_timestamp()))
    }

    fn start_scenario(&mut self, scenario: Scenario, at_us: i64) {
        let resolved = match scenario {
            Scenario::OutlierSale => {
                self.outliers_due.push(at_us);
                return;
            }
            Scenario::SellerConcentration {
                seller: None,
                share,
                duration,
            } => Scenario::SellerConcentration {
                seller: Some(SELLERS[self.rng.below(SELLERS.len() as u64) as usize].into()),
                share,
                duration,
            },
            Scenario::CategorySurge {
                category: None,
                share,
                duration,
            } => {
                let cats = self.catalog.categories();
                let pick = cats[self.rng.below(cats.len() as u64) as usize].clone();
                Scenario::CategorySurge {
                    category: Some(pick),
                    share,
                    duration,
                }
            }
            other => other,
        };
        let duration = match &resolved {
            Scenario::Spike { duration, .. }
            | Scenario::SellerConcentration { duration, .. }
            | Scenario::CategorySurge { duration, .. } => *duration,
            Scenario::OutlierSale => Span(0),
        };
        self.active.push(Active {
            until_us: at_us.saturating_add(duration.0.saturating_mul(1_000)),
            scenario: resolved,
        });
        if matches!(
            self.active.last().map(|a| &a.scenario),
            Some(Scenario::Spike { .. })
        ) {
            self.next_us = self.draw_next(at_us);
        }
    }

    /// The next sale at or before `now`, in time order; `None` when the next one is later.
    pub fn poll(&mut self, now: Timestamp) -> Option<GeneratedSale> {
        let mut out = GeneratedSale::empty();
        self.poll_into(now, &mut out).then_some(out)
    }

    /// [`SaleGenerator::poll`] written over `out`, reusing its strings' allocations (a
    /// bulk producer makes millions of sales; a fresh one allocates nine strings each).
    /// `false`, and `out` untouched, when no sale is due by `now`.
    pub fn poll_into(&mut self, now: Timestamp, out: &mut GeneratedSale) -> bool {
        let now_us = to_us(now).saturating_add(999);
        // Start every scheduled scenario due before the next sale.
        loop {
            let next_sale = self
                .outliers_due
                .iter()
                .copied()
                .fold(self.next_us, i64::min);
            let due = self
                .scheduled
                .iter()
                .enumerate()
                .filter(|(_, (at, _))| *at <= now_us && *at <= next_sale)
                .min_by_key(|(_, (at, _))| *at)
                .map(|(i, _)| i);
            let Some(i) = due else { break };
            let (at, scenario) = self.scheduled.remove(i);
            self.start_scenario(scenario, at);
        }
        let outlier = self
            .outliers_due
            .iter()
            .enumerate()
            .filter(|(_, t)| **t <= now_us && **t <= self.next_us)
            .min_by_key(|(_, t)| **t)
            .map(|(i, _)| i);
        if let Some(i) = outlier {
            let at = self.outliers_due.swap_remove(i);
            self.make_sale(at, true, out);
            return true;
        }
        if self.next_us > now_us || self.effective_rate(self.next_us) <= 0.0 {
            return false;
        }
        let at = self.next_us;
        self.make_sale(at, false, out);
        self.next_us = self.draw_next(at);
        self.active.retain(|a| a.until_us > at);
        true
    }

    fn effective_rate(&self, at_us: i64) -> f64 {
        let mut rate = self.rate;
        for a in &self.active {
            if let Scenario::Spike { factor, .. } = a.scenario {
                if at_us < a.until_us {
                    rate *= factor;
                }
            }
        }
        rate
    }

    fn draw_next(&mut self, from_us: i64) -> i64 {
        let rate = self.effective_rate(from_us);
        if rate <= 0.0 {
            return i64::MAX / 4;
        }
        let mean_us = 1_000_000.0 / rate;
        // libm's log: the same bits on every target (the platform's may differ).
        let gap = -mean_us * libm::log(1.0 - self.rng.next_f64());
        // At least 1 µs apart so time strictly advances; capped at a day.
        from_us.saturating_add((gap.round() as i64).clamp(1, 86_400_000_000))
    }

    fn make_sale(&mut self, at_us: i64, outlier: bool, out: &mut GeneratedSale) {
        let catalog = Arc::clone(&self.catalog);
        let products = catalog.products();
        let mut seller_override = None;
        let mut category_override = None;
        for a in &self.active {
            if a.until_us <= at_us {
                continue;
            }
            match &a.scenario {
                Scenario::SellerConcentration { seller, share, .. }
                    if self.rng.next_f64() < *share =>
                {
                    seller_override = seller.clone();
                }
                Scenario::CategorySurge {
                    category, share, ..
                } if self.rng.next_f64() < *share => {
                    category_override = category.clone();
                }
                _ => {}
            }
        }
        let product: &Product = if outlier {
            // The dearest product in the catalog.
            products
                .iter()
                .max_by_key(|p| p.price)
                .expect("catalogs are never empty")
        } else if let Some(cat) = category_override {
            let in_cat: Vec<&Product> = products.iter().filter(|p| p.category == cat).collect();
            if in_cat.is_empty() {
                &products[self.rng.pick_cumulative(&self.product_weights)]
            } else {
                in_cat[self.rng.below(in_cat.len() as u64) as usize]
            }
        } else {
            &products[self.rng.pick_cumulative(&self.product_weights)]
        };
        let seller: &str = match &seller_override {
            Some(s) => s,
            None => SELLERS[self.rng.pick_cumulative(&self.seller_weights)],
        };
        let quantity = if outlier {
            20 + self.rng.below(31) as u32
        } else {
            1 + self.rng.pick_cumulative(&self.quantity_weights) as u32
        };
        let payment = PAYMENT_METHODS[self.rng.pick_cumulative(&self.payment_weights)].0;
        let sale = &mut out.sale;
        self.rng.uuid4_into(&mut sale.id_sale);
        for (field, value) in [
            (&mut sale.id_product, product.id.as_str()),
            (&mut sale.nm_product, product.title.as_str()), // cut to TITLE_CHARS by the catalog
            (&mut sale.nm_category, product.category.as_str()),
            (&mut sale.nm_brand, product.brand.as_str()),
            (&mut sale.seller, seller),
            (&mut sale.tp_payment, payment),
            (&mut out.key, seller),
        ] {
            field.clear();
            field.push_str(value);
        }
        sale.price = product.price;
        sale.quantity = quantity;
        sale.sale_date = Micros(at_us);
        out.partition = self
            .partitioner
            .partition(seller.as_bytes(), self.partitions);
        self.emitted += 1;
    }
}

/// Milliseconds to microseconds, saturating: any `Timestamp` a caller passes is accepted.
fn to_us(t: Timestamp) -> i64 {
    t.0.saturating_mul(1_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::partition_for_key;

    /// A reused sale, whatever it held, is written over completely: `poll_into` and
    /// `poll` make the same stream, scenarios and outliers included.
    #[test]
    fn poll_into_a_reused_sale_equals_poll() {
        let (mut a, mut b) = (gen(9, 40.0), gen(9, 40.0));
        let start = GeneratorConfig::default().start;
        for (g, after) in [(&mut a, 10), (&mut b, 10)] {
            g.trigger(Scenario::concentration(), start.plus(Span::seconds(after)));
            g.trigger(Scenario::surge(), start.plus(Span::seconds(after * 2)));
            g.trigger(Scenario::OutlierSale, start.plus(Span::seconds(after * 3)));
            g.trigger(Scenario::spike(), start.plus(Span::seconds(after * 4)));
        }
        let mut reused = GeneratedSale::empty();
        reused.sale.nm_product = "x".repeat(500);
        reused.key = "left over".into();
        let end = start.plus(Span::seconds(60));
        let mut n = 0;
        while let Some(want) = a.poll(end) {
            assert!(b.poll_into(end, &mut reused));
            assert_eq!(reused, want);
            n += 1;
        }
        assert!(!b.poll_into(end, &mut reused), "both end together");
        assert!(n > 2_000, "{n}");
    }

    fn gen(seed: u64, rate: f64) -> SaleGenerator {
        SaleGenerator::new(
            Catalog::embedded(),
            &GeneratorConfig {
                seed,
                rate,
                ..GeneratorConfig::default()
            },
        )
    }

    fn drain(g: &mut SaleGenerator, until: Timestamp) -> Vec<GeneratedSale> {
        std::iter::from_fn(|| g.poll(until)).collect()
    }

    #[test]
    fn same_seed_gives_identical_sales() {
        let start = GeneratorConfig::default().start;
        let end = start.plus(Span::seconds(60));
        let a: Vec<String> = drain(&mut gen(9, 20.0), end)
            .iter()
            .map(|s| s.sale.to_json())
            .collect();
        let b: Vec<String> = drain(&mut gen(9, 20.0), end)
            .iter()
            .map(|s| s.sale.to_json())
            .collect();
        let c: Vec<String> = drain(&mut gen(10, 20.0), end)
            .iter()
            .map(|s| s.sale.to_json())
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn arrivals_follow_the_rate_and_time_only_moves_forward() {
        let mut g = gen(1, 50.0);
        let start = GeneratorConfig::default().start;
        let sales = drain(&mut g, start.plus(Span::seconds(200)));
        let n = sales.len() as f64;
        assert!((n - 10_000.0).abs() < 400.0, "{n} sales at 50/s for 200 s");
        assert!(sales
            .windows(2)
            .all(|w| w[0].sale.sale_date < w[1].sale.sale_date));
        assert!(sales.iter().all(|s| s.sale.event_time() >= start));
        // Nothing more until the clock moves.
        assert!(g.poll(start.plus(Span::seconds(200))).is_none());
    }

    #[test]
    fn sales_are_realistic() {
        let mut g = gen(2, 100.0);
        let start = GeneratorConfig::default().start;
        let sales = drain(&mut g, start.plus(Span::seconds(100)));
        let ones = sales.iter().filter(|s| s.sale.quantity == 1).count() as f64;
        assert!(
            ones / sales.len() as f64 > 0.5,
            "quantity is skewed toward 1"
        );
        assert!(sales.iter().all(|s| (1..=10).contains(&s.sale.quantity)));
        let sellers: std::collections::HashSet<_> = sales.iter().map(|s| &s.key).collect();
        assert_eq!(sellers.len(), 16);
        for s in &sales {
            assert_eq!(s.key, s.sale.seller);
            assert_eq!(s.partition, partition_for_key(s.key.as_bytes(), 6));
            assert!(PAYMENT_METHODS.iter().any(|(p, _)| *p == s.sale.tp_payment));
            let p = g
                .catalog()
                .products()
                .iter()
                .find(|p| p.id == s.sale.id_product)
                .unwrap();
            assert_eq!(p.price, s.sale.price);
            // What the generator writes, the decoder reads back unchanged.
            assert_eq!(
                Sale::from_json(s.sale.to_json().as_bytes()).unwrap(),
                s.sale
            );
        }
    }

    #[test]
    fn spike_multiplies_the_rate_for_its_duration() {
        let start = GeneratorConfig::default().start;
        let mut g = gen(3, 10.0);
        let t0 = start.plus(Span::seconds(100));
        let before = drain(&mut g, t0).len();
        g.trigger(
            Scenario::Spike {
                factor: 10.0,
                duration: Span::seconds(50),
            },
            t0,
        );
        let during = drain(&mut g, t0.plus(Span::seconds(50))).len();
        let after = drain(&mut g, t0.plus(Span::seconds(150))).len();
        assert!((800..1200).contains(&before), "{before}");
        assert!((4_300..5_700).contains(&during), "{during}");
        assert!((800..1200).contains(&after), "{after}");
    }

    #[test]
    fn scheduling_ahead_equals_triggering_on_time() {
        let start = GeneratorConfig::default().start;
        let at = start.plus(Span::seconds(30));
        let spike = ScheduledScenario::parse("spike,factor=4,for=10s")
            .unwrap()
            .scenario;
        let mut ahead = gen(11, 10.0);
        ahead.trigger(spike.clone(), at);
        assert_eq!(ahead.scheduled().count(), 1);
        let a: Vec<_> = drain(&mut ahead, start.plus(Span::seconds(60)));
        let mut on_time = gen(11, 10.0);
        let mut b = drain(&mut on_time, at.minus(Span::millis(1)));
        on_time.trigger(spike, at);
        b.extend(drain(&mut on_time, start.plus(Span::seconds(60))));
        assert_eq!(a, b);
        assert_eq!(ahead.scheduled().count(), 0);
    }

    #[test]
    fn concentration_and_surge_reshape_the_mix() {
        let start = GeneratorConfig::default().start;
        let mut g = gen(4, 50.0);
        g.trigger(
            ScheduledScenario::parse("concentration,seller=ana.silva,share=0.8,for=20s")
                .unwrap()
                .scenario,
            start,
        );
        g.trigger(
            ScheduledScenario::parse("surge,category=TVs,share=0.9,for=20s")
                .unwrap()
                .scenario,
            start,
        );
        let sales = drain(&mut g, start.plus(Span::seconds(20)));
        let ana = sales.iter().filter(|s| s.key == "ana.silva").count() as f64;
        let tvs = sales.iter().filter(|s| s.sale.nm_category == "TVs").count() as f64;
        let n = sales.len() as f64;
        assert!(ana / n > 0.75, "ana.silva share {}", ana / n);
        assert!(tvs / n > 0.85, "TVs share {}", tvs / n);
        let later = drain(&mut g, start.plus(Span::seconds(60)));
        let ana_later = later.iter().filter(|s| s.key == "ana.silva").count() as f64;
        assert!(ana_later / (later.len() as f64) < 0.3, "concentration ends");
    }

    #[test]
    fn outlier_sale_is_emitted_at_its_moment_and_stands_out() {
        let start = GeneratorConfig::default().start;
        let mut g = gen(5, 5.0);
        let at = start.plus(Span::seconds(10));
        g.trigger(Scenario::OutlierSale, at);
        let sales = drain(&mut g, start.plus(Span::seconds(20)));
        let big = sales.iter().max_by_key(|s| s.sale.value()).unwrap();
        assert_eq!(big.sale.event_time(), at);
        let typical: i64 = sales.iter().map(|s| s.sale.value().0).sum::<i64>() / sales.len() as i64;
        assert!(big.sale.value().0 > 20 * typical);
        assert!(sales
            .windows(2)
            .all(|w| w[0].sale.sale_date <= w[1].sale.sale_date));
    }

    #[test]
    fn scenario_text_parses_and_rejects_nonsense() {
        let s = ScheduledScenario::parse("spike@2m,factor=5,for=10s").unwrap();
        assert_eq!(s.after, Span::minutes(2));
        assert_eq!(
            s.scenario,
            Scenario::Spike {
                factor: 5.0,
                duration: Span::seconds(10)
            }
        );
        assert_eq!(
            ScheduledScenario::parse("outlier@90s").unwrap().after,
            Span::seconds(90)
        );
        for bad in [
            "boom",
            "spike@soon",
            "spike,factor=x",
            "spike,share=0.5",
            "surge,share=2",
            "spike,oops",
        ] {
            assert!(ScheduledScenario::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extreme_clock_values_never_panic() {
        let mut g = gen(12, 1_000_000.0);
        g.trigger(Scenario::spike(), Timestamp(i64::MAX));
        g.trigger(Scenario::OutlierSale, Timestamp(i64::MIN));
        assert!(g.poll(Timestamp(i64::MAX)).is_some());
        g.set_rate(5.0, Timestamp(i64::MAX));
        let _ = g.poll(Timestamp(i64::MIN));
        let _ = g.active_scenarios(Timestamp(i64::MAX));
    }

    #[test]
    fn zero_rate_produces_nothing_until_raised() {
        let start = GeneratorConfig::default().start;
        let mut g = gen(6, 0.0);
        assert!(g.poll(start.plus(Span::seconds(1_000))).is_none());
        g.set_rate(100.0, start.plus(Span::seconds(1_000)));
        assert!(!drain(&mut g, start.plus(Span::seconds(1_001))).is_empty());
    }
}
