//! A producer whose events (delivery reports, logs, errors) are served on a thread of its
//! own, like rust-rdkafka's `ThreadedProducer`, without its waits.
//!
//! Why: rust-rdkafka's `poll` returns only when its timeout has passed, however many
//! events came meanwhile. `ThreadedProducer`'s thread polls in steps of 100 ms, and its
//! drop waits for the step to end; its `flush` polls for 100 ms whenever anything is
//! still in flight. Every `produce` lost 100 – 200 ms to these at its end, per client: a
//! third of a bulk load of 300k sales with the throughput profile (BENCHMARKS.md,
//! "Reading a topic as fast as a file"); and a short step is no cure, as the poll spins
//! on the clock through the last millisecond of each. Here the thread sleeps until
//! librdkafka says its event queue has something (`rd_kafka_queue_cb_event_enable`), then
//! serves what is there and sleeps again; stopping it wakes it. [`PolledProducer::flush`]
//! is librdkafka's own, which waits on the count of messages in flight (delivery reports
//! are events that this thread serves, so when the count is zero every report has
//! reached the context).

use rdkafka::bindings as rd;
use rdkafka::config::{ClientConfig, FromClientConfigAndContext};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::producer::{BaseProducer, Producer, ProducerContext};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

/// The longest the event thread sleeps without being woken (a safety net: librdkafka
/// wakes it when events arrive).
const NAP: Duration = Duration::from_millis(100);

/// The producer's event queue (librdkafka's main queue), shared with the event thread.
struct Events(*mut rd::rd_kafka_queue_t);

// SAFETY: librdkafka's queue handles may be used from any thread.
unsafe impl Send for Events {}
unsafe impl Sync for Events {}

impl Events {
    fn waiting(&self) -> bool {
        // SAFETY: a live queue handle (destroyed in PolledProducer's drop, after the thread).
        unsafe { rd::rd_kafka_queue_length(self.0) > 0 }
    }
}

/// Called by librdkafka (holding the queue's lock) when its event queue stops being
/// empty: wakes the event thread.
unsafe extern "C" fn wake(_: *mut rd::rd_kafka_t, thread: *mut std::ffi::c_void) {
    // SAFETY: `thread` points to the boxed handle registered in `create`, freed only
    // after this callback was disabled (under the same lock).
    unsafe { (*(thread as *const Thread)).unpark() };
}

pub struct PolledProducer<C: ProducerContext + 'static> {
    producer: Arc<BaseProducer<C>>,
    events: Arc<Events>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// The event thread's handle, registered with librdkafka (which holds a pointer to it
    /// until drop disables the callback).
    _woken: Box<Thread>,
}

impl<C: ProducerContext + 'static> PolledProducer<C> {
    /// Creates the producer and starts serving its events.
    pub fn create(config: &ClientConfig, context: C) -> KafkaResult<PolledProducer<C>> {
        let producer = Arc::new(BaseProducer::from_config_and_context(config, context)?);
        // SAFETY: the client is alive; the handle is destroyed in drop.
        let events = Arc::new(Events(unsafe {
            rd::rd_kafka_queue_get_main(producer.client().native_ptr())
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (producer, events, stop) = (producer.clone(), events.clone(), stop.clone());
            std::thread::Builder::new()
                .name("hopscope-producer-events".into())
                .spawn(move || loop {
                    // One event per call: rust-rdkafka's poll with a zero timeout.
                    while events.waiting() {
                        producer.poll(Duration::ZERO);
                    }
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    std::thread::park_timeout(NAP);
                })
                .expect("spawning the producer's event thread")
        };
        let woken = Box::new(thread.thread().clone());
        let opaque = &*woken as *const Thread as *mut std::ffi::c_void;
        // SAFETY: the queue handle is live; the boxed handle stays where it is until the
        // callback is disabled in drop.
        unsafe { rd::rd_kafka_queue_cb_event_enable(events.0, Some(wake), opaque) };
        Ok(PolledProducer {
            producer,
            events,
            stop,
            thread: Some(thread),
            _woken: woken,
        })
    }

    /// Waits until every message handed over is delivered or failed, and its report
    /// served (the linger time does not apply meanwhile), at most `timeout`.
    pub fn flush(&self, timeout: Duration) -> KafkaResult<()> {
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: the client is alive (this struct holds it).
        let err = unsafe { rd::rd_kafka_flush(self.producer.client().native_ptr(), ms) };
        match err {
            rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR => Ok(()),
            e => Err(KafkaError::Flush(e.into())),
        }
    }
}

impl<C: ProducerContext + 'static> std::ops::Deref for PolledProducer<C> {
    type Target = BaseProducer<C>;
    fn deref(&self) -> &BaseProducer<C> {
        &self.producer
    }
}

impl<C: ProducerContext + 'static> Drop for PolledProducer<C> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
        // SAFETY: disabling takes the queue's lock, under which the callback runs: once it
        // returns the callback neither runs nor will, so `woken` may be freed after this
        // (with the other fields); the queue handle is released once (the thread that
        // shared it has ended).
        unsafe {
            rd::rd_kafka_queue_cb_event_enable(self.events.0, None, std::ptr::null_mut());
            rd::rd_kafka_queue_destroy(self.events.0);
        }
    }
}
