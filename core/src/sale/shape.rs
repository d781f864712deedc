//! The user's topic shape: which JSON key or pointer holds each of the seed's fields, and how
//! `sale_date` is written. **API boundary**: real topics do not use the seed's names.
//!
//! A [`SaleShape`] reads a record into the same [`Sale`] the seed's shape gives, through the
//! same strict field rules (so a mapped record is judged exactly as a seed record is), and
//! is used only when the user asks for a mapping: the seed's shape keeps its fast scanner.

use super::{Field, Fields, Sale, SaleError, SaleErrorKind};
use crate::time::{Micros, Timestamp};
use serde_json::Value;
use std::fmt;

/// Where one field's value is found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A top-level key.
    Key(String),
    /// A JSON pointer (RFC 6901), e.g. `/merchant/id`.
    Pointer(String),
    /// The Kafka record's own timestamp (`sale_date=@timestamp`).
    RecordTimestamp,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Key(k) | Source::Pointer(k) => f.write_str(k),
            Source::RecordTimestamp => f.write_str("@timestamp"),
        }
    }
}

/// How `sale_date` is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// `2025-05-01T10:00:00.123Z` (the seed's).
    #[default]
    Iso8601,
    /// Milliseconds since the epoch, a number or a numeric string.
    EpochMs,
    /// Seconds since the epoch, fractions allowed.
    EpochS,
    /// `2025-05-01 10:00:00[.fff]`, UTC (SQL's TIMESTAMP text).
    Sql,
}

impl TimeFormat {
    pub const NAMES: [&'static str; 4] = ["iso8601", "epoch-ms", "epoch-s", "sql"];

    pub fn parse(text: &str) -> Result<TimeFormat, ShapeError> {
        match text.trim() {
            "iso8601" | "iso" => Ok(TimeFormat::Iso8601),
            "epoch-ms" => Ok(TimeFormat::EpochMs),
            "epoch-s" => Ok(TimeFormat::EpochS),
            "sql" => Ok(TimeFormat::Sql),
            other => Err(ShapeError::new(ShapeErrorKind::UnknownTimeFormat(
                other.to_string(),
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeFormat::Iso8601 => "iso8601",
            TimeFormat::EpochMs => "epoch-ms",
            TimeFormat::EpochS => "epoch-s",
            TimeFormat::Sql => "sql",
        }
    }
}

/// The seed's fields a mapping may name, in the seed's order.
pub const FIELDS: [&str; 10] = [
    "id_sale",
    "id_product",
    "nm_product",
    "nm_category",
    "nm_brand",
    "seller",
    "price",
    "quantity",
    "tp_payment",
    "sale_date",
];

/// Why a mapping is not usable.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeError {
    pub kind: ShapeErrorKind,
}

#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ShapeErrorKind {
    /// Not `NAME=PATH`.
    NotAnAssignment(String),
    /// NAME is not one of [`FIELDS`].
    UnknownField(String),
    /// An empty path, or a pointer that does not start with `/`.
    BadPath(String),
    /// `@timestamp` for another field than sale_date.
    TimestampElsewhere(String),
    /// A field mapped twice.
    Twice(String),
    /// Two fields written to the same place, or one inside the other (writing only).
    Overlap {
        first: (&'static str, String),
        second: (&'static str, String),
    },
    UnknownTimeFormat(String),
}

impl ShapeError {
    fn new(kind: ShapeErrorKind) -> ShapeError {
        ShapeError { kind }
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ShapeErrorKind::NotAnAssignment(s) => {
                write!(
                    f,
                    "--field {s:?}: expected NAME=PATH, e.g. seller=/merchant/id"
                )
            }
            ShapeErrorKind::UnknownField(n) => write!(
                f,
                "--field {n}: not one of the sale's fields ({})",
                FIELDS.join(", ")
            ),
            ShapeErrorKind::BadPath(s) => write!(
                f,
                "--field {s:?}: the path must be a key (amount) or a JSON pointer (/order/amount)"
            ),
            ShapeErrorKind::TimestampElsewhere(n) => write!(
                f,
                "--field {n}=@timestamp: only sale_date can take the record's timestamp"
            ),
            ShapeErrorKind::Twice(n) => write!(f, "--field {n} is given twice"),
            ShapeErrorKind::Overlap { first, second } => write!(
                f,
                "--field: {} ({}) and {} ({}) are written to the same place in a record, so one would overwrite the other: give each a path of its own",
                first.0, first.1, second.0, second.1
            ),
            ShapeErrorKind::UnknownTimeFormat(t) => write!(
                f,
                "--time-format {t:?}: one of {}",
                TimeFormat::NAMES.join(", ")
            ),
        }
    }
}

impl std::error::Error for ShapeError {}

/// Where each of the seed's fields is read from, and how `sale_date` is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaleShape {
    /// Indexed like [`FIELDS`]; `None` reads the seed's own key.
    sources: [Option<Source>; 10],
    /// Indexed like [`FIELDS`]: another field reads the same place, or one inside or
    /// around it (`id_product=sku` and `nm_product=sku`; `/merchant` and `/merchant/id`),
    /// so the value is copied out of the record rather than taken. Derived from `sources`.
    shared: [bool; 10],
    pub time: TimeFormat,
}

impl SaleShape {
    /// From `--field NAME=PATH` options and `--time-format`.
    pub fn new(specs: &[String], time: TimeFormat) -> Result<SaleShape, ShapeError> {
        let mut shape = SaleShape {
            time,
            ..SaleShape::default()
        };
        for spec in specs {
            let (name, path) = spec
                .split_once('=')
                .ok_or_else(|| ShapeError::new(ShapeErrorKind::NotAnAssignment(spec.clone())))?;
            let (name, path) = (name.trim(), path.trim());
            let i = FIELDS
                .iter()
                .position(|f| *f == name)
                .ok_or_else(|| ShapeError::new(ShapeErrorKind::UnknownField(name.to_string())))?;
            let source = match path {
                "@timestamp" if name == "sale_date" => Source::RecordTimestamp,
                "@timestamp" => {
                    return Err(ShapeError::new(ShapeErrorKind::TimestampElsewhere(
                        name.to_string(),
                    )))
                }
                "" | "/" => return Err(ShapeError::new(ShapeErrorKind::BadPath(spec.clone()))),
                p if p.starts_with('/') => Source::Pointer(p.to_string()),
                p => Source::Key(p.to_string()),
            };
            if shape.sources[i].is_some() {
                return Err(ShapeError::new(ShapeErrorKind::Twice(name.to_string())));
            }
            shape.sources[i] = Some(source);
        }
        let paths = shape.paths();
        for (i, shared) in shape.shared.iter_mut().enumerate() {
            *shared = (0..paths.len()).any(|j| j != i && overlap(&paths[i], &paths[j]));
        }
        Ok(shape)
    }

    /// Where each field is in a record, as segments (`None`: the record's timestamp).
    fn paths(&self) -> Vec<Option<Vec<String>>> {
        FIELDS
            .iter()
            .zip(&self.sources)
            .map(|(name, s)| match s {
                None => Some(vec![name.to_string()]),
                Some(Source::Key(k)) => Some(vec![k.clone()]),
                Some(Source::Pointer(p)) => Some(pointer_segments(p)),
                Some(Source::RecordTimestamp) => None,
            })
            .collect()
    }

    /// Refused for writing records ([`SaleShape::encode`]): two fields at one place, or one
    /// inside the other, would overwrite each other. Reading such a shape is fine (each
    /// field gets a copy).
    pub fn check_writable(&self) -> Result<(), ShapeError> {
        let paths = self.paths();
        for i in 0..paths.len() {
            for j in i + 1..paths.len() {
                if overlap(&paths[i], &paths[j]) {
                    let place = |k: usize| (FIELDS[k], self.source(FIELDS[k]).to_string());
                    return Err(ShapeError::new(ShapeErrorKind::Overlap {
                        first: place(i),
                        second: place(j),
                    }));
                }
            }
        }
        Ok(())
    }

    /// The seed's own shape: the fast decoder applies.
    pub fn is_seed(&self) -> bool {
        *self == SaleShape::default()
    }

    /// Whether sale_date is the Kafka record's timestamp (files have none).
    pub fn uses_record_timestamp(&self) -> bool {
        self.sources[9] == Some(Source::RecordTimestamp)
    }

    /// Where `field` (one of [`FIELDS`]) is read from: the mapping, or the seed's key.
    pub fn source(&self, field: &str) -> Source {
        FIELDS
            .iter()
            .position(|f| *f == field)
            .and_then(|i| self.sources[i].clone())
            .unwrap_or_else(|| Source::Key(field.to_string()))
    }

    /// `seller=/merchant/id, sale_date=ts (epoch-ms)`: what differs from the seed's shape.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = FIELDS
            .iter()
            .zip(&self.sources)
            .filter_map(|(f, s)| s.as_ref().map(|s| format!("{f}={s}")))
            .collect();
        if self.time != TimeFormat::Iso8601 {
            parts.push(format!("sale_date as {}", self.time.name()));
        }
        parts.join(", ")
    }

    /// Reads one record in this shape. `record_time` is the Kafka record's timestamp, for
    /// `sale_date=@timestamp`. Never panics, whatever the bytes.
    pub fn decode(&self, bytes: &[u8], record_time: Option<Timestamp>) -> Result<Sale, SaleError> {
        let text = super::record_text(bytes)?;
        let mut root: Value = serde_json::from_str(text)
            .map_err(|e| SaleError::record(SaleErrorKind::NotJson(e.to_string())))?;
        if !root.is_object() {
            return Err(SaleError::record(SaleErrorKind::NotAnObject(super::kind(
                &root,
            ))));
        }
        let mut fields = Fields::default();
        for (i, name) in FIELDS.iter().enumerate() {
            let field = Field::ALL
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, f)| *f)
                .expect("every mapped field is a known field");
            // A place another field reads too is copied; the others are taken (no copy).
            let out = |v: &mut Value| match self.shared[i] {
                true => v.clone(),
                false => v.take(),
            };
            let value = match &self.sources[i] {
                None => root.get_mut(*name).map(out),
                Some(Source::Key(k)) => root.get_mut(k.as_str()).map(out),
                Some(Source::Pointer(p)) => root.pointer_mut(p).map(out),
                Some(Source::RecordTimestamp) => {
                    record_time.map(|t| Value::String(Micros::from_timestamp(t).to_iso()))
                }
            };
            fields.0[field as usize] = value.map(|v| self.normalize(name, v)).transpose()?;
        }
        // The seed's generator wrote the product id as `asin`; a mapped topic has its own.
        if self.sources[1].is_none() && fields.0[Field::IdProduct as usize].is_none() {
            fields.0[Field::Asin as usize] = root.get_mut("asin").map(Value::take);
        }
        Sale::from_fields(fields)
    }

    /// A sale written in this shape: what a producer of such a topic writes, the inverse of
    /// [`decode`](SaleShape::decode). With `sale_date=@timestamp` the time is left out of
    /// the record: the caller sets it as the record's timestamp.
    pub fn encode(&self, sale: &Sale) -> Value {
        let seed = serde_json::to_value(sale).expect("a Sale always serializes");
        let Value::Object(mut seed) = seed else {
            unreachable!("a Sale serializes to an object")
        };
        let mut out = Value::Object(serde_json::Map::new());
        for (i, name) in FIELDS.iter().enumerate() {
            let Some(mut value) = seed.remove(*name) else {
                continue;
            };
            if *name == "sale_date" {
                value = match self.time {
                    TimeFormat::Iso8601 => value,
                    TimeFormat::EpochMs => Value::from(sale.event_time().0),
                    TimeFormat::EpochS => Value::from(sale.event_time().0 as f64 / 1000.0),
                    TimeFormat::Sql => {
                        let iso = sale.event_time().to_iso();
                        Value::String(iso.trim_end_matches('Z').replacen('T', " ", 1))
                    }
                };
            }
            match &self.sources[i] {
                None => put(&mut out, &[name.to_string()], value),
                Some(Source::Key(k)) => put(&mut out, std::slice::from_ref(k), value),
                Some(Source::Pointer(p)) => put(&mut out, &pointer_segments(p), value),
                Some(Source::RecordTimestamp) => {}
            }
        }
        out
    }

    /// A mapped field's value as the strict decoder reads the seed's: `sale_date` in this
    /// shape's time format → ISO text, and ids and names written as numbers (common in
    /// real topics and tables) → text. `field` is one of [`FIELDS`]; the error names it.
    /// Columnar inputs use it too, so a mapped Parquet column is judged as a mapped JSON key.
    pub fn normalize(&self, field: &str, v: Value) -> Result<Value, SaleError> {
        Ok(match v {
            v if field == "sale_date" => self.iso_time(v)?,
            Value::Number(n) if !matches!(field, "price" | "quantity") => {
                Value::String(n.to_string())
            }
            v => v,
        })
    }

    /// `sale_date` in this shape's format → the ISO text the strict decoder reads.
    fn iso_time(&self, v: Value) -> Result<Value, SaleError> {
        let err = |kind| SaleError::field("sale_date", kind);
        let number = |v: &Value| -> Result<f64, SaleError> {
            match v {
                Value::Number(n) => n.as_f64().ok_or_else(|| err(SaleErrorKind::NotFinite)),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| err(SaleErrorKind::NotANumber(s.clone()))),
                other => Err(err(SaleErrorKind::WrongType {
                    expected: "a number",
                    got: super::kind(other),
                })),
            }
        };
        // Years 0..=9999, as ISO-8601 text can say.
        const MAX_MS: f64 = 253_402_300_799_999.0;
        let from_ms = |ms: f64| -> Result<Value, SaleError> {
            if !ms.is_finite() || !(-62_167_219_200_000.0..=MAX_MS).contains(&ms) {
                return Err(err(SaleErrorKind::NotFinite));
            }
            let micros = (ms * 1000.0).round() as i64;
            Ok(Value::String(Micros(micros).to_iso()))
        };
        match self.time {
            TimeFormat::Iso8601 => Ok(v),
            TimeFormat::EpochMs => from_ms(number(&v)?),
            TimeFormat::EpochS => from_ms(number(&v)? * 1000.0),
            TimeFormat::Sql => match v {
                Value::String(s) => {
                    let t = s.trim().replacen(' ', "T", 1);
                    let has_zone = t.ends_with('Z')
                        || t.get(19..).is_some_and(|rest| rest.contains(['+', '-']));
                    Ok(Value::String(if has_zone { t } else { format!("{t}Z") }))
                }
                other => Ok(other),
            },
        }
    }
}

/// `/a/b~1c` → `["a", "b/c"]` (RFC 6901 escapes).
pub fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Whether two places in a record are the same, or one holds the other.
fn overlap(a: &Option<Vec<String>>, b: &Option<Vec<String>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.iter().zip(b).all(|(x, y)| x == y),
        _ => false,
    }
}

/// Sets `value` at `path` in `root`, making the objects (or, for numeric segments, arrays)
/// on the way.
fn put(root: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = root;
    for (i, seg) in parents.iter().enumerate() {
        let next_is_index = path[i + 1].parse::<usize>().is_ok();
        let fresh = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(serde_json::Map::new())
            }
        };
        here = match here {
            Value::Object(map) => map.entry(seg.clone()).or_insert_with(fresh),
            Value::Array(items) => {
                let idx = seg.parse::<usize>().unwrap_or(items.len());
                if items.len() <= idx {
                    items.resize(idx + 1, Value::Null);
                }
                if items[idx].is_null() {
                    items[idx] = fresh();
                }
                &mut items[idx]
            }
            _ => return,
        };
    }
    match here {
        Value::Object(map) => {
            map.insert(last.clone(), value);
        }
        Value::Array(items) => {
            let idx = last.parse::<usize>().unwrap_or(items.len());
            if items.len() <= idx {
                items.resize(idx + 1, Value::Null);
            }
            items[idx] = value;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(specs: &[&str], time: TimeFormat) -> SaleShape {
        SaleShape::new(
            &specs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            time,
        )
        .unwrap()
    }

    const SEED: &str = r#"{"id_sale":"s1","id_product":"p1","nm_product":"Laptop","nm_category":"Computers","nm_brand":"Acme","seller":"ana.silva","price":1299.99,"quantity":2,"tp_payment":"Pix","sale_date":"2025-05-01T10:00:00.123Z"}"#;

    /// A table with one column for the product's id and name (`sku`), or a merchant object
    /// whose id is the seller and whose whole text is the brand: each field gets the value.
    /// Taken out of the record for the first field, the second read null (every record
    /// was refused as "must be a number, got null" or the like).
    #[test]
    fn fields_reading_the_same_place_each_get_its_value() {
        let record = r#"{"id_sale":"s1","sku":"p1","nm_category":"C","m":{"id":"ana"},"seller":"x","price":"12.5","quantity":2,"tp_payment":"Pix","sale_date":"2025-05-01T10:00:00Z"}"#;
        let s = shape(
            &["id_product=sku", "nm_product=sku", "seller=/m/id"],
            TimeFormat::Iso8601,
        );
        let sale = s.decode(record.as_bytes(), None).unwrap();
        assert_eq!(
            (sale.id_product.as_str(), sale.nm_product.as_str()),
            ("p1", "p1")
        );
        assert_eq!(sale.seller, "ana");
        // One inside the other: the brand is the whole merchant object (refused as not a
        // text, rather than missing), the seller its id.
        let s = shape(
            &[
                "nm_brand=/m",
                "seller=/m/id",
                "nm_product=sku",
                "id_product=sku",
            ],
            TimeFormat::Iso8601,
        );
        let e = s.decode(record.as_bytes(), None).unwrap_err().to_string();
        assert!(e.contains("nm_brand") && !e.contains("null"), "{e}");
        // A number's field reading a text's place says what it found.
        let s = shape(
            &["price=seller", "nm_product=sku", "id_product=sku"],
            TimeFormat::Iso8601,
        );
        let e = s.decode(record.as_bytes(), None).unwrap_err().to_string();
        assert!(e.contains(r#"the text "x""#), "{e}");
    }

    /// Writing such a shape would overwrite one field with the other: refused, naming both.
    #[test]
    fn a_shape_with_two_fields_at_one_place_is_refused_for_writing() {
        let s = shape(&["id_product=sku", "nm_product=sku"], TimeFormat::Iso8601);
        let e = s.check_writable().unwrap_err().to_string();
        assert!(e.contains("id_product (sku) and nm_product (sku)"), "{e}");
        let s = shape(&["nm_brand=/m", "seller=/m/id"], TimeFormat::Iso8601);
        assert!(s.check_writable().is_err());
        // A mapped field onto another's own key, unmapped.
        let s = shape(&["price=seller"], TimeFormat::Iso8601);
        assert!(s.check_writable().is_err());
        let s = shape(
            &["seller=/merchant/id", "nm_brand=/merchant/brand"],
            TimeFormat::Iso8601,
        );
        assert_eq!(s.check_writable(), Ok(()));
        assert_eq!(SaleShape::default().check_writable(), Ok(()));
    }

    #[test]
    fn another_shape_reads_to_the_same_sale_as_the_seed_shape() {
        let seed = Sale::from_json(SEED.as_bytes()).unwrap();
        let other = r#"{"order":{"id":"s1","lines":[{"sku":"p1"}]},"title":"Laptop","category":"Computers","brand":"Acme","merchant":{"id":"ana.silva"},"amount":"1299.99","qty":2,"payment":"Pix","ts":1746093600123}"#;
        let s = shape(
            &[
                "id_sale=/order/id",
                "id_product=/order/lines/0/sku",
                "nm_product=title",
                "nm_category=category",
                "nm_brand=brand",
                "seller=/merchant/id",
                "price=amount",
                "quantity=qty",
                "tp_payment=payment",
                "sale_date=ts",
            ],
            TimeFormat::EpochMs,
        );
        assert_eq!(s.decode(other.as_bytes(), None).unwrap(), seed);
        // Written in that shape and read back: the same sale, to the millisecond.
        let mut ms = seed.clone();
        ms.sale_date = Micros::from_timestamp(seed.event_time());
        let written = s.encode(&seed).to_string();
        assert!(
            written.contains("\"merchant\":{\"id\":\"ana.silva\"}"),
            "{written}"
        );
        assert_eq!(s.decode(written.as_bytes(), None).unwrap(), ms);
        for fmt in [TimeFormat::Iso8601, TimeFormat::EpochS, TimeFormat::Sql] {
            let t = shape(&["seller=/m/0/id"], fmt);
            let back = t
                .decode(t.encode(&seed).to_string().as_bytes(), None)
                .unwrap();
            assert_eq!(back.event_time(), seed.event_time(), "{fmt:?}");
            assert_eq!(back.seller, seed.seller);
        }
        assert!(!s.is_seed());
        assert!(SaleShape::default().is_seed());
        assert_eq!(
            SaleShape::default().decode(SEED.as_bytes(), None).unwrap(),
            seed
        );
    }

    #[test]
    fn time_formats_and_the_record_timestamp() {
        let base = r#"{"id_sale":"s1","nm_product":"x","seller":"a","price":1,"sale_date":TIME}"#;
        let at = |time: &str, fmt: TimeFormat| {
            shape(&[], fmt)
                .decode(base.replace("TIME", time).as_bytes(), None)
                .map(|s| s.sale_date.to_iso())
        };
        let want = Micros::parse_iso("2025-05-01T10:00:00.123Z")
            .unwrap()
            .to_iso();
        let want = want.as_str();
        assert_eq!(at("1746093600123", TimeFormat::EpochMs).unwrap(), want);
        assert_eq!(at("\"1746093600123\"", TimeFormat::EpochMs).unwrap(), want);
        assert_eq!(at("1746093600.123", TimeFormat::EpochS).unwrap(), want);
        assert_eq!(
            at("\"2025-05-01 10:00:00.123\"", TimeFormat::Sql).unwrap(),
            want
        );
        assert!(at("\"soon\"", TimeFormat::EpochMs)
            .unwrap_err()
            .to_string()
            .contains("sale_date"));
        assert!(at("1e300", TimeFormat::EpochMs).is_err());
        let s = shape(&["sale_date=@timestamp"], TimeFormat::Iso8601);
        assert!(s.uses_record_timestamp());
        let rec = base.replace(",\"sale_date\":TIME", "");
        let got = s
            .decode(rec.as_bytes(), Some(Timestamp(1_746_093_600_123)))
            .unwrap();
        assert_eq!(got.sale_date.to_iso(), want);
        assert!(
            s.decode(rec.as_bytes(), None).is_err(),
            "no record timestamp"
        );
    }

    #[test]
    fn a_record_the_mapping_cannot_read_names_the_field() {
        let s = shape(&["seller=/merchant/id"], TimeFormat::Iso8601);
        let e = s
            .decode(SEED.replace("\"seller\"", "\"vendor\"").as_bytes(), None)
            .unwrap_err();
        assert_eq!(e.field, Some("seller"));
        assert!(s.decode(b"[1]", None).is_err());
        assert!(s.decode(&[0xff, 0xfe], None).is_err());
    }

    #[test]
    fn bad_mappings_are_refused_with_the_reason() {
        let bad = |spec: &str| {
            SaleShape::new(&[spec.to_string()], TimeFormat::Iso8601)
                .unwrap_err()
                .to_string()
        };
        assert!(bad("seller").contains("NAME=PATH"));
        assert!(bad("vendor=x").contains("not one of"));
        assert!(bad("seller=").contains("path"));
        assert!(bad("seller=@timestamp").contains("only sale_date"));
        assert!(
            SaleShape::new(&["seller=a".into(), "seller=b".into()], TimeFormat::Iso8601).is_err()
        );
        assert!(TimeFormat::parse("epoch-us")
            .unwrap_err()
            .to_string()
            .contains("epoch-ms"));
    }
}
