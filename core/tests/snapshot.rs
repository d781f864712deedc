//! Restore is invisible: a run snapshotted and restored at any point — any number of
//! times — gives exactly the outputs (windows, alerts, held-back alerts, late sales) of a
//! run that never stopped. Random shops (with a spike and a concentration, so alerts and
//! the cooldown are exercised), random windows, event time with one watermark per
//! partition and idle timeouts, or processing time; out-of-order arrival; random cuts.
#![cfg(not(target_arch = "wasm32"))]

use hopscope_core::detect::DetectConfig;
use hopscope_core::generate::{GeneratorConfig, Scenario};
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, AnalyticsOutput};
use hopscope_core::snapshot::RestoreErrorKind;
use hopscope_core::window::{EventTime, TimeMode, WindowConfig};
use hopscope_core::{Catalog, Sale, SaleGenerator, Span, Timestamp};
use proptest::prelude::*;

/// What the source does next.
#[derive(Clone, Debug)]
enum Step {
    /// A sale read from `partition`, arriving at `now`.
    Sale(Sale, u32, Timestamp),
    /// The clock moves (idle timeouts, processing-time windows).
    Advance(Timestamp),
}

fn shop(seed: u64, minutes: i64, partitions: u32) -> Vec<Step> {
    let start = Timestamp(1_700_000_000_000);
    let mut g = SaleGenerator::new(
        Catalog::embedded(),
        &GeneratorConfig {
            seed,
            rate: 4.0,
            start,
            partitions,
        },
    );
    g.trigger(Scenario::spike(), start.plus(Span::minutes(minutes / 2)));
    g.trigger(
        Scenario::concentration(),
        start.plus(Span::minutes(minutes / 3)),
    );
    let end = start.plus(Span::minutes(minutes));
    let mut steps = Vec::new();
    let mut k = 0u64;
    while let Some(s) = g.poll(end) {
        k += 1;
        // Arrival a little after the sale, not always in order.
        let now = s.sale.event_time().plus(Span((k * 7919 % 1_500) as i64));
        steps.push(Step::Sale(s.sale, s.partition, now));
        if k % 17 == 0 {
            steps.push(Step::Advance(now.plus(Span::seconds(2))));
        }
    }
    // A partition goes quiet for a while: idle timeouts free the watermark.
    if let Some(Step::Sale(_, _, now)) = steps.last().cloned() {
        steps.push(Step::Advance(now.plus(Span::minutes(1))));
    }
    steps
}

fn config(size_s: i64, slide_s: i64, event: bool, idle: Option<i64>) -> AnalyticsConfig {
    AnalyticsConfig {
        window: WindowConfig {
            time: if event {
                TimeMode::Event(EventTime::per_partition(
                    Span::seconds(2),
                    idle.map(Span::seconds),
                ))
            } else {
                TimeMode::Processing
            },
            top_n: 3,
            ..WindowConfig::hop(
                Span::seconds(size_s),
                Span::seconds(slide_s),
                TimeMode::Processing,
            )
        },
        detect: DetectConfig::default(),
        ..AnalyticsConfig::default()
    }
}

fn apply(a: &mut Analytics, step: &Step, out: &mut Vec<AnalyticsOutput>) {
    match step {
        Step::Sale(s, p, now) => a.push(s, *p, *now),
        Step::Advance(now) => a.advance(*now),
    }
    while let Some(o) = a.poll() {
        out.push(o);
    }
}

/// Runs `steps`, snapshotting and restoring at each of `cuts` (indices into `steps`).
fn run(config: &AnalyticsConfig, steps: &[Step], cuts: &[usize]) -> Vec<AnalyticsOutput> {
    let mut a = Analytics::new(config.clone()).unwrap();
    for p in 0..3 {
        a.declare_partition(p, Timestamp(1_700_000_000_000));
    }
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        if cuts.contains(&i) {
            let bytes = a.snapshot();
            a = Analytics::restore(config, &bytes).expect("restores its own snapshot");
        }
        apply(&mut a, step, &mut out);
    }
    if cuts.contains(&steps.len()) {
        a = Analytics::restore(config, &a.snapshot()).unwrap();
    }
    a.flush();
    while let Some(o) = a.poll() {
        out.push(o);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn restore_of_a_snapshot_continues_exactly_as_the_run_that_never_stopped(
        seed in 0u64..1_000,
        (size, slide) in prop_oneof![Just((60i64, 10i64)), Just((30, 3)), Just((20, 7)), Just((45, 15))],
        event in any::<bool>(),
        idle in prop_oneof![Just(None), Just(Some(5i64)), Just(Some(30))],
        cuts in proptest::collection::vec(0.0f64..1.0, 1..4),
    ) {
        let steps = shop(seed, 8, 3);
        let cfg = config(size, slide, event, idle);
        let cuts: Vec<usize> = cuts.iter().map(|c| (c * steps.len() as f64) as usize).collect();
        let whole = run(&cfg, &steps, &[]);
        let cut = run(&cfg, &steps, &cuts);
        prop_assert!(whole.iter().any(|o| matches!(o, AnalyticsOutput::Window(_))));
        prop_assert_eq!(whole.len(), cut.len());
        for (w, c) in whole.iter().zip(&cut) {
            prop_assert_eq!(w, c);
        }
    }
}

#[test]
fn the_shop_raises_alerts_so_the_cooldown_is_in_the_snapshots() {
    let steps = shop(7, 8, 3);
    let out = run(&config(60, 10, true, Some(30)), &steps, &[steps.len() / 2]);
    assert!(
        out.iter().any(|o| matches!(o, AnalyticsOutput::Alert(_))),
        "alerts"
    );
}

#[test]
fn a_snapshot_of_another_query_or_version_or_no_snapshot_at_all_is_refused_with_the_reason() {
    let cfg = config(60, 10, true, Some(30));
    let mut a = Analytics::new(cfg.clone()).unwrap();
    for step in shop(3, 2, 3).iter().take(200) {
        apply(&mut a, step, &mut Vec::new());
    }
    let bytes = a.snapshot();
    let refused = |c: &AnalyticsConfig, b: &[u8]| match Analytics::restore(c, b) {
        Ok(a) => panic!("restored with {:?}", a.engine().config()),
        Err(e) => e.kind,
    };
    match refused(&config(60, 5, true, Some(30)), &bytes) {
        RestoreErrorKind::Mismatch {
            setting,
            snapshot,
            given,
        } => {
            assert_eq!(
                (setting, snapshot.as_str(), given.as_str()),
                ("--slide", "10s", "5s")
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        refused(&config(60, 10, false, None), &bytes),
        RestoreErrorKind::Mismatch {
            setting: "--time",
            ..
        }
    ));
    let mut delay = cfg.clone();
    delay.window.time = TimeMode::Event(EventTime::per_partition(
        Span::seconds(5),
        Some(Span::seconds(30)),
    ));
    assert!(matches!(
        refused(&delay, &bytes),
        RestoreErrorKind::Mismatch {
            setting: "--watermark-delay",
            ..
        }
    ));
    // Truncated, corrupted, another format or version.
    assert!(matches!(
        refused(&cfg, &bytes[..bytes.len() / 2]),
        RestoreErrorKind::NotASnapshot(_)
    ));
    let mut flipped = bytes.clone();
    let i = flipped.len() / 3;
    flipped[i] = b'#';
    assert!(matches!(
        refused(&cfg, &flipped),
        RestoreErrorKind::NotASnapshot(_)
    ));
    // A byte changed inside a product name is still valid JSON: the checksum tells.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let renamed = text.replacen("larissa", "larisss", 1);
    assert_ne!(renamed, text);
    match refused(&cfg, renamed.as_bytes()) {
        RestoreErrorKind::NotASnapshot(e) => assert!(e.contains("checksum"), "{e}"),
        other => panic!("{other:?}"),
    }
    // A snapshot written by another version (version 1 held the panes' aggregates as
    // separate fields) is refused by name, not misread.
    let current = format!("\"version\":{}", hopscope_core::snapshot::VERSION);
    let older = text.replacen(&current, "\"version\":1", 1);
    assert_ne!(older, text);
    assert_eq!(
        refused(&cfg, older.as_bytes()),
        RestoreErrorKind::Version {
            found: 1,
            expected: hopscope_core::snapshot::VERSION
        }
    );
    assert!(matches!(
        refused(
            &cfg,
            b"{\"format\":\"other\",\"version\":1,\"length\":0,\"checksum\":\"\"}\n"
        ),
        RestoreErrorKind::NotASnapshot(_)
    ));
    assert!(matches!(
        refused(&cfg, b""),
        RestoreErrorKind::NotASnapshot(_)
    ));
    // Its size is O(panes + keys), not O(sales).
    assert!(bytes.len() < 400_000, "{} bytes", bytes.len());
}

#[test]
fn after_a_restart_every_partition_counts_again_until_its_idle_timeout_passes_anew() {
    // Both partitions deliver until the checkpoint; the job restarts two minutes later
    // (wall time) with their backlogs still to read. Flink forgets idleness on a restore:
    // each partition holds the watermark again until it delivers or idles anew, so the
    // backlog of the one read second is not late. Without that, the first tick after the
    // restart finds both silent for two minutes — idle — and partition 0's first record
    // moves the watermark past partition 1's waiting ones.
    let cfg = config(10, 2, true, Some(5));
    let t0 = Timestamp(1_700_000_000_000);
    let sale = |id: &str, t: Timestamp| {
        Sale::from_json(
            format!(
                r#"{{"id_sale":"{id}","nm_product":"P","seller":"s","price":2,"sale_date":"{}"}}"#,
                t.to_iso()
            )
            .as_bytes(),
        )
        .unwrap()
    };
    let mut a = Analytics::new(cfg.clone()).unwrap();
    a.declare_partition(0, t0);
    a.declare_partition(1, t0);
    for k in 1..=10 {
        let t = t0.plus(Span::seconds(k));
        a.push(&sale("a", t), (k % 2) as u32, t);
        a.advance(t);
    }
    let snapshot = a.snapshot();
    let later = t0.plus(Span::minutes(2));
    let resume = |restart: bool| {
        let mut b = Analytics::restore(&cfg, &snapshot).unwrap();
        if restart {
            b.restarted(later);
        }
        b.advance(later.plus(Span::seconds(1)));
        b.push(
            &sale("p0", t0.plus(Span::seconds(30))),
            0,
            later.plus(Span::seconds(1)),
        );
        b.push(
            &sale("p1", t0.plus(Span::seconds(11))),
            1,
            later.plus(Span::seconds(1)),
        );
        let mut late = 0;
        while let Some(o) = b.poll() {
            late += usize::from(matches!(o, AnalyticsOutput::Late(_)));
        }
        late
    };
    assert_eq!(resume(true), 0, "partition 1's backlog is on time");
    assert_eq!(
        resume(false),
        1,
        "(without the restart, it would have been late)"
    );
}
