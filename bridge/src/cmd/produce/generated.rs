//! The sales `produce` sends, generated and encoded on a thread of their own, in batches.
//!
//! Why: with the throughput profile, the one loop that generated each sale, wrote its
//! JSON and handed it to librdkafka was the bottleneck — 70 – 80 % of a core busy while
//! librdkafka's threads were not (BENCHMARKS.md, "Reading a topic as fast as a file").
//! Generating and encoding here, while the caller hands the previous batch to librdkafka,
//! puts the second core to work.
//!
//! Invariants:
//! - **Order.** Sales come out in the generator's order, batch after batch: each
//!   partition's records are sent in the order the generator made them.
//! - **No wait for a full batch.** When the generator has nothing due yet (paced runs),
//!   what is ready goes out before the thread sleeps: a paced sale waits for nothing.
//! - **Bounded.** At most [`QUEUED`] batches of [`BATCH`] sales wait; buffers are reused.

use hopscope_core::generate::{GeneratedSale, SaleGenerator};
use hopscope_core::sale::SaleShape;
use hopscope_core::{Span, Timestamp};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Sales per batch at most.
pub const BATCH: usize = 1024;
/// Batches waiting for the sender.
const QUEUED: usize = 4;

/// Generated sales, encoded: their keys and values in one buffer.
#[derive(Default)]
pub struct Encoded {
    text: String,
    sales: Vec<Item>,
}

struct Item {
    key: Range<usize>,
    value: Range<usize>,
    time: Timestamp,
    partition: u32,
}

/// One encoded sale.
pub struct EncodedSale<'a> {
    pub key: &'a str,
    pub value: &'a [u8],
    /// The sale's own time (event time).
    pub time: Timestamp,
    /// Its partition with the generator's partitioner.
    pub partition: u32,
}

impl Encoded {
    fn clear(&mut self) {
        self.text.clear();
        self.sales.clear();
    }

    fn push(&mut self, g: &GeneratedSale, shape: Option<&SaleShape>) -> Result<(), String> {
        let start = self.text.len();
        self.text.push_str(&g.key);
        let key = start..self.text.len();
        match shape {
            None => g.sale.write_json(&mut self.text),
            Some(shape) => self.text.push_str(
                &serde_json::to_string(&shape.encode(&g.sale))
                    .map_err(|e| format!("cannot encode a sale: {e}"))?,
            ),
        }
        self.sales.push(Item {
            value: key.end..self.text.len(),
            key,
            time: g.sale.event_time(),
            partition: g.partition,
        });
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = EncodedSale<'_>> {
        self.sales.iter().map(|i| EncodedSale {
            key: &self.text[i.key.clone()],
            value: self.text[i.value.clone()].as_bytes(),
            time: i.time,
            partition: i.partition,
        })
    }

    pub fn len(&self) -> usize {
        self.sales.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sales.is_empty()
    }
}

/// What the generating thread hands over; the end of the sales is the channel's end.
pub enum Generated {
    Sales(Encoded),
    /// Encoding failed: the text names why.
    Failed(String),
}

/// What to generate: until `limit` sales, `end` (sale time) or `stop`; `paced` follows
/// the wall clock from `t0` (sale times from `start`), otherwise as fast as possible.
pub struct Plan {
    pub paced: bool,
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub limit: u64,
    pub shape: Option<Arc<SaleShape>>,
}

/// The generating thread and its batches.
pub struct Sales {
    pub rx: Receiver<Generated>,
    recycle: SyncSender<Encoded>,
    /// Tells the thread to end (it may be waiting for the next sale's time).
    quit: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sales {
    pub fn start(mut gen: SaleGenerator, plan: Plan, stop: Arc<AtomicBool>, t0: Instant) -> Sales {
        let (tx, rx) = sync_channel(QUEUED);
        let (recycle, recycled) = sync_channel::<Encoded>(QUEUED + 2);
        let quit = Arc::new(AtomicBool::new(false));
        let quitting = quit.clone();
        let thread = std::thread::Builder::new()
            .name("hopscope-generate".into())
            .spawn(move || {
                let mut g = GeneratedSale::empty();
                let mut batch = Encoded::default();
                let mut made = 0u64;
                // Hands `batch` over (and takes a fresh one); false once the caller is gone.
                let hand_over = |batch: &mut Encoded| {
                    let mut next = recycled.try_recv().unwrap_or_default();
                    next.clear();
                    tx.send(Generated::Sales(std::mem::replace(batch, next)))
                        .is_ok()
                };
                while made < plan.limit
                    && !stop.load(Ordering::SeqCst)
                    && !quitting.load(Ordering::Relaxed)
                {
                    let now = if plan.paced {
                        let wall = plan.start.plus(Span(t0.elapsed().as_millis() as i64));
                        if plan.end.is_some_and(|e| wall >= e) {
                            break;
                        }
                        wall
                    } else {
                        plan.end
                            .unwrap_or(plan.start.plus(Span::minutes(100 * 365 * 1_440)))
                    };
                    if !gen.poll_into(now, &mut g) {
                        if !plan.paced {
                            break;
                        }
                        if !batch.is_empty() && !hand_over(&mut batch) {
                            return;
                        }
                        let wait = gen.next_arrival().since(now).0.clamp(1, 100);
                        std::thread::sleep(Duration::from_millis(wait as u64));
                        continue;
                    }
                    if plan.end.is_some_and(|e| g.sale.event_time() >= e) {
                        break;
                    }
                    if let Err(e) = batch.push(&g, plan.shape.as_deref()) {
                        let _ = tx.send(Generated::Failed(e));
                        return;
                    }
                    made += 1;
                    if batch.len() >= BATCH && !hand_over(&mut batch) {
                        return;
                    }
                }
                if !batch.is_empty() {
                    hand_over(&mut batch);
                }
            })
            .expect("spawning the generator");
        Sales {
            rx,
            recycle,
            quit,
            thread: Some(thread),
        }
    }

    /// Gives a batch back for reuse.
    pub fn recycle(&self, batch: Encoded) {
        let _ = self.recycle.try_send(batch);
    }
}

impl Drop for Sales {
    fn drop(&mut self) {
        // The thread ends within a sleep, or at its next hand-over once the receiver is
        // gone.
        self.quit.store(true, Ordering::Relaxed);
        let (_, dead) = sync_channel(0);
        self.rx = dead;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::generate::GeneratorConfig;
    use hopscope_core::Catalog;
    use std::sync::mpsc::RecvTimeoutError;

    fn generator(rate: f64, start: Timestamp) -> SaleGenerator {
        SaleGenerator::new(
            Catalog::embedded(),
            &GeneratorConfig {
                seed: 7,
                rate,
                start,
                partitions: 6,
            },
        )
    }

    fn plan(paced: bool, start: Timestamp, limit: u64) -> Plan {
        Plan {
            paced,
            start,
            end: None,
            limit,
            shape: None,
        }
    }

    /// Waits (generously) for the next batch; `None` at the end of the sales.
    fn next(sales: &Sales) -> Option<Encoded> {
        match sales.rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Generated::Sales(b)) => Some(b),
            Ok(Generated::Failed(e)) => panic!("{e}"),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("no batch within a minute"),
        }
    }

    #[test]
    fn batches_hold_every_sale_in_the_generators_order() {
        let start = Timestamp(1_767_225_600_000);
        let stop = Arc::new(AtomicBool::new(false));
        let sales = Sales::start(
            generator(100.0, start),
            plan(false, start, 2500),
            stop,
            Instant::now(),
        );
        let mut reference = generator(100.0, start);
        let mut g = GeneratedSale::empty();
        let far = start.plus(Span::minutes(100 * 365 * 1_440));
        let (mut sizes, mut json) = (vec![], String::new());
        while let Some(batch) = next(&sales) {
            sizes.push(batch.len());
            for s in batch.iter() {
                assert!(reference.poll_into(far, &mut g));
                json.clear();
                g.sale.write_json(&mut json);
                assert_eq!(
                    (s.key, s.value, s.time, s.partition),
                    (
                        g.key.as_str(),
                        json.as_bytes(),
                        g.sale.event_time(),
                        g.partition
                    )
                );
            }
            sales.recycle(batch);
        }
        assert_eq!(sizes, [BATCH, BATCH, 2500 - 2 * BATCH]);
    }

    #[test]
    fn a_paced_run_hands_over_a_due_sale_without_waiting_for_a_batch() {
        // The generator's gaps come from its seed. The paced clock starts at its first
        // sale, so that one is due at once; the second is due seconds later, so a batch
        // waiting to fill would hold the first one back that long.
        let rate = 0.02;
        let t = Timestamp(1_767_225_600_000);
        let mut reference = generator(rate, t);
        let first = reference.next_arrival();
        let mut g = GeneratedSale::empty();
        assert!(reference.poll_into(first, &mut g));
        let gap = reference.next_arrival().since(first);
        assert!(
            gap.0 >= 5_000,
            "seed 7's second sale comes {gap:?} after its first"
        );
        let stop = Arc::new(AtomicBool::new(false));
        let sales = Sales::start(
            generator(rate, t),
            plan(true, first, 2),
            stop,
            Instant::now(),
        );
        let batch = next(&sales).expect("the first sale");
        assert_eq!(batch.len(), 1, "the due sale went out alone, at once");
        assert_eq!(
            batch.iter().next().map(|s| s.key.to_string()),
            Some(g.key.clone())
        );
    }

    #[test]
    fn dropping_ends_a_thread_that_waits_for_the_next_sale() {
        // One sale every 100 s: the thread sleeps between polls; dropping must not wait
        // for the next sale.
        let start = crate::wall_now();
        let stop = Arc::new(AtomicBool::new(false));
        let sales = Sales::start(
            generator(0.01, start),
            plan(true, start, 10),
            stop,
            Instant::now(),
        );
        let (done, dropped) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(sales);
            let _ = done.send(());
        });
        assert!(
            dropped.recv_timeout(Duration::from_secs(60)).is_ok(),
            "the generator thread ended when its Sales was dropped"
        );
    }
}
