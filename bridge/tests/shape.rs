//! Topics and files in the user's own shape (`--field NAME=PATH`, `--time-format`): other
//! field names, a nested seller, epoch-ms times. The same sales in another shape must give
//! the windows of the seed's shape, and records the mapping cannot read are reported with
//! where they are.

mod common;

use common::{brokers, collect, hopscope, topic};
use hopscope_core::protocol::{RecordValue, StartFrom};
use hopscope_core::Sale;
use rdkafka::producer::{BaseRecord, Producer};
use std::process::Command;
use std::time::Duration;

const GEN: [&str; 8] = [
    "--count",
    "4000",
    "--seed",
    "31",
    "--start",
    "2025-05-01T10:00:00Z",
    "--scenario",
    "spike@5m,factor=8,for=30s",
];

/// The mapping of `reshape`'s records back to the seed's fields.
const FIELDS: [&str; 12] = [
    "--field",
    "id_sale=/order/id",
    "--field",
    "seller=/merchant/id",
    "--field",
    "price=amount",
    "--field",
    "nm_product=title",
    "--field",
    "sale_date=ts",
    "--time-format",
    "epoch-ms",
];

fn seed_sales() -> (Vec<u8>, Vec<Sale>) {
    let mut g = vec!["generate"];
    g.extend_from_slice(&GEN);
    let text = hopscope(&g).stdout;
    let sales = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| Sale::from_json(l).unwrap())
        .collect();
    (text, sales)
}

/// A sale as another shop would write it.
fn reshape(s: &Sale) -> String {
    serde_json::json!({
        "order": {"id": s.id_sale, "channel": "web"},
        "merchant": {"id": s.seller},
        "amount": s.price.dollars(),
        "quantity": s.quantity,
        "title": s.nm_product,
        "nm_category": s.nm_category,
        "nm_brand": s.nm_brand,
        "id_product": s.id_product,
        "tp_payment": s.tp_payment,
        "ts": s.event_time().0,
    })
    .to_string()
}

#[test]
fn a_file_in_another_shape_gives_the_windows_of_the_seed_shape() {
    let (seed, sales) = seed_sales();
    let mut other: String = sales.iter().map(|s| reshape(s) + "\n").collect();
    other.push_str(
        "{\"order\":{\"id\":\"no-merchant\"},\"amount\":1,\"title\":\"x\",\"ts\":1746093600000}\n",
    );
    let (seed_file, other_file) = (
        common::temp_file("seed.jsonl", &seed),
        common::temp_file("other.jsonl", other.as_bytes()),
    );
    let args = ["window", "--size", "2m", "--slide", "10s"];
    let want = hopscope(&[&args[..], &[seed_file.as_str()]].concat());
    let got = hopscope(&[&args[..], &FIELDS[..], &[other_file.as_str()]].concat());
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        String::from_utf8_lossy(&want.stdout)
    );
    assert!(want.stdout.len() > 1000);
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert!(
        stderr.contains(&format!(
            "line {}: field `seller` is missing",
            sales.len() + 1
        )),
        "{stderr}"
    );
    // A file has no record timestamps.
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["window", "--field", "sale_date=@timestamp", &other_file])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("lines of a file have none"));
    // A bad mapping is refused at start, with the fields it could name.
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["analyze", "--field", "vendor=/merchant/id", &other_file])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not one of the sale's fields"));
    for f in [seed_file, other_file] {
        let _ = std::fs::remove_file(f);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_topic_in_another_shape_gives_the_windows_of_the_seed_shape_and_pages_get_ordinary_sales()
{
    if common::skip_without_kafka() {
        return;
    }
    let (seed, sales) = seed_sales();
    let t = topic("other-shape");
    let producer = common::raw_producer();
    let mut bad_at = None;
    for (i, s) in sales.iter().enumerate() {
        let value = reshape(s);
        producer
            .send(BaseRecord::to(&t).key(&s.seller).payload(&value))
            .unwrap();
        if i == 100 {
            // One record the mapping cannot read, on partition 0.
            producer
                .send(BaseRecord::<str, str>::to(&t).partition(0).payload(
                    "{\"order\":{\"id\":\"x\"},\"title\":\"t\",\"amount\":1,\"ts\":1746093600000}",
                ))
                .unwrap();
            bad_at = Some(());
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    assert!(bad_at.is_some());
    let file = common::temp_file("seed.jsonl", &seed);
    let window = ["--windows", "--size", "2m", "--slide", "10s"];
    let want = hopscope(&[&["analyze"][..], &window[..], &[file.as_str()]].concat());
    let b = brokers();
    let got = common::analyze_topic(&t, &[&window[..], &FIELDS[..]].concat());
    let (want_lines, got_lines) = (common::results(&want.stdout), common::results(&got.stdout));
    assert!(want_lines.len() > 20 && want_lines.iter().any(|l| l.starts_with("🚨")));
    assert_eq!(
        got_lines, want_lines,
        "the topic in another shape gives the same windows"
    );
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert!(
        stderr.contains("partition 0 offset") && stderr.contains("field `seller` is missing"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&got.stdout).contains("(1 not valid sales)"),
        "{}",
        String::from_utf8_lossy(&got.stdout)
    );

    // serve relays the same topic as ordinary sales.
    let srv = common::serve(&b, &t, &FIELDS).await;
    let mut ws = common::connect(srv.1, StartFrom::Earliest).await;
    let records = collect(&mut ws, sales.len() + 1).await;
    assert_eq!(records.len(), sales.len() + 1);
    let mut relayed: Vec<Sale> = Vec::new();
    let mut invalid = 0;
    for r in records {
        match r.value {
            RecordValue::Sale(s) => relayed.push(s),
            RecordValue::Invalid { error, .. } => {
                assert!(error.contains("seller"), "{error}");
                invalid += 1;
            }
        }
    }
    assert_eq!(invalid, 1);
    relayed.sort_by(|a, b| a.id_sale.cmp(&b.id_sale));
    // The topic carries milliseconds (epoch-ms): the seed's sales to the millisecond.
    let mut sales: Vec<Sale> = sales
        .into_iter()
        .map(|mut s| {
            s.sale_date = hopscope_core::Micros::from_timestamp(s.event_time());
            s
        })
        .collect();
    sales.sort_by(|a, b| a.id_sale.cmp(&b.id_sale));
    let differ = relayed.iter().zip(&sales).position(|(a, b)| a != b);
    assert_eq!(relayed.len(), sales.len());
    assert!(
        differ.is_none(),
        "pages receive the seed's sales, whatever the topic's shape: {:?} vs {:?}",
        differ.map(|i| &relayed[i]),
        differ.map(|i| &sales[i])
    );
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread")]
async fn produce_writes_a_shape_with_record_timestamps_that_analyze_reads_back() {
    if common::skip_without_kafka() {
        return;
    }
    let (seed, _) = seed_sales();
    let t = topic("record-time");
    let mapping = [
        "--field",
        "seller=/merchant/id",
        "--field",
        "sale_date=@timestamp",
    ];
    let b = brokers();
    let produce = [
        &["produce", "--brokers", &b, "--topic", &t, "--no-pace"][..],
        &GEN[..],
        &mapping[..],
    ]
    .concat();
    hopscope(&produce);
    let file = common::temp_file("seed.jsonl", &seed);
    let window = ["--windows", "--size", "2m", "--slide", "10s"];
    let want = hopscope(&[&["analyze"][..], &window[..], &[file.as_str()]].concat());
    let got = common::analyze_topic(&t, &[&window[..], &mapping[..]].concat());
    let (want, got_lines) = (common::results(&want.stdout), common::results(&got.stdout));
    assert!(want.len() > 20);
    assert_eq!(got_lines, want, "{}", String::from_utf8_lossy(&got.stderr));
    // Read without the mapping, the same records are not sales: counted, not windowed.
    let plain = common::analyze_topic(&t, &[]);
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("4000 records (4000 not valid sales)"),
        "{}",
        String::from_utf8_lossy(&plain.stdout)
    );
    let _ = std::fs::remove_file(file);
}
