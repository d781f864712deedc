//! The sale record: the seed's JSON schema, decoded strictly and encoded canonically.
//!
//! Decoding is the trust boundary of the whole system (Kafka records, files, WebSocket
//! frames), so it never panics and every error names the field and the rule it broke.
//! Unknown fields are tolerated (producers may add fields); the seed's defaults fill the
//! optional ones.

use crate::money::{Cents, MAX_PRICE};
use crate::time::{IsoTimeError, Micros, Timestamp};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

mod batch;
mod scan;
pub mod shape;

pub use batch::{SaleBatch, SaleView, SharedText, DEFAULT_CATEGORY};
pub use shape::{SaleShape, TimeFormat};

/// Largest quantity one sale may carry. The seed's generator never goes above 10; real
/// shops cap order lines well below this.
pub const MAX_QUANTITY: u32 = 10_000;
/// Longest text field accepted, in bytes. Catalog titles are cut to 100 characters by the
/// seed; 1 KiB leaves room for real data while keeping a hostile record small.
pub const MAX_TEXT_BYTES: usize = 1_024;
/// Largest encoded record accepted, in bytes.
pub const MAX_RECORD_BYTES: usize = 64 * 1_024;

/// One sale, as the seed's producer wrote it (its JSON field names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sale {
    pub id_sale: String,
    pub id_product: String,
    pub nm_product: String,
    pub nm_category: String,
    pub nm_brand: String,
    pub seller: String,
    /// Unit price, exact cents.
    pub price: Cents,
    pub quantity: u32,
    pub tp_payment: String,
    /// When the sale happened, UTC.
    pub sale_date: Micros,
}

impl Sale {
    /// `price × quantity`: the value every window aggregate is computed on.
    pub fn value(&self) -> Cents {
        Cents(self.price.0 * i64::from(self.quantity))
    }

    /// The sale's event time at window resolution (milliseconds).
    pub fn event_time(&self) -> Timestamp {
        self.sale_date.to_timestamp()
    }

    /// Decodes one JSON record. Never panics, whatever the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Sale, SaleError> {
        let text = record_text(bytes)?;
        let top: Top = serde_json::from_str(text)
            .map_err(|e| SaleError::record(SaleErrorKind::NotJson(e.to_string())))?;
        match top {
            Top::Object(fields) => Sale::from_fields(fields),
            Top::Other(kind) => Err(SaleError::record(SaleErrorKind::NotAnObject(kind))),
        }
    }

    /// A sale from named values — a row of a columnar file (Parquet), say — by exactly the
    /// rules of [`Sale::from_json`]: the same required fields, defaults, limits and errors.
    /// Unknown names are ignored; a `Value::Null` is an absent value.
    pub fn from_named<'a>(
        values: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> Result<Sale, SaleError> {
        let mut fields = Fields::default();
        for (name, value) in values {
            if value.is_null() {
                continue;
            }
            if let Some((_, f)) = Field::ALL.iter().find(|(n, _)| *n == name) {
                fields.0[*f as usize] = Some(value);
            }
        }
        Sale::from_fields(fields)
    }

    /// The field names [`Sale::from_named`] reads.
    pub fn field_names() -> impl Iterator<Item = &'static str> {
        Field::ALL.iter().map(|(name, _)| *name)
    }

    /// The fields a sale cannot be without.
    pub const REQUIRED: [&'static str; 5] =
        ["id_sale", "nm_product", "seller", "price", "sale_date"];

    fn from_fields(mut f: Fields) -> Result<Sale, SaleError> {
        let id_product = match f.take(Field::IdProduct) {
            Some(v) => text("id_product", Some(v), Required::No)?,
            // The seed's generator wrote the product id as `asin`.
            None => text("asin", f.take(Field::Asin), Required::No)?,
        };
        let sale = Sale {
            id_sale: text("id_sale", f.take(Field::IdSale), Required::Yes)?,
            id_product,
            nm_product: text("nm_product", f.take(Field::NmProduct), Required::Yes)?,
            nm_category: text_or("nm_category", f.take(Field::NmCategory), DEFAULT_CATEGORY)?,
            nm_brand: text_or("nm_brand", f.take(Field::NmBrand), "Generic")?,
            seller: text("seller", f.take(Field::Seller), Required::Yes)?,
            price: price(f.take(Field::Price))?,
            quantity: quantity(f.take(Field::Quantity))?,
            tp_payment: text_or("tp_payment", f.take(Field::TpPayment), "Credit Card")?,
            sale_date: sale_date(f.take(Field::SaleDate))?,
        };
        Ok(sale)
    }

    /// Canonical JSON, the seed's field order, one line.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(400);
        self.write_json(&mut out);
        out
    }

    /// Appends the sale as one JSON object, byte for byte what its `Serialize` gives
    /// (tested), written directly: a bulk producer encodes every sale, and serde's
    /// per-character escaping and the date and price as temporary values were a fifth
    /// of its work.
    pub fn write_json(&self, out: &mut String) {
        let texts = [
            ("{\"id_sale\":", &self.id_sale),
            (",\"id_product\":", &self.id_product),
            (",\"nm_product\":", &self.nm_product),
            (",\"nm_category\":", &self.nm_category),
            (",\"nm_brand\":", &self.nm_brand),
            (",\"seller\":", &self.seller),
        ];
        for (key, text) in texts {
            out.push_str(key);
            push_json_string(out, text);
        }
        out.push_str(",\"price\":");
        self.price.write_json_dollars(out);
        out.push_str(",\"quantity\":");
        {
            use std::fmt::Write;
            let _ = write!(out, "{}", self.quantity);
        }
        out.push_str(",\"tp_payment\":");
        push_json_string(out, &self.tp_payment);
        out.push_str(",\"sale_date\":\"");
        self.sale_date.write_iso(out);
        out.push_str("\"}");
    }
}

/// A JSON string as serde_json writes it: `"` and `\\` escaped, control characters as
/// `\n`-style escapes or `\u00xx`, everything else (non-ASCII included) as it is.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in text.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[plain..i]);
        plain = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&text[plain..]);
    out.push('"');
}

impl Serialize for Sale {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Sale", 10)?;
        st.serialize_field("id_sale", &self.id_sale)?;
        st.serialize_field("id_product", &self.id_product)?;
        st.serialize_field("nm_product", &self.nm_product)?;
        st.serialize_field("nm_category", &self.nm_category)?;
        st.serialize_field("nm_brand", &self.nm_brand)?;
        st.serialize_field("seller", &self.seller)?;
        st.serialize_field("price", &self.price.dollars())?;
        st.serialize_field("quantity", &self.quantity)?;
        st.serialize_field("tp_payment", &self.tp_payment)?;
        st.serialize_field("sale_date", &self.sale_date.to_iso())?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Sale {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = d.deserialize_map(FieldsVisitor)?;
        Sale::from_fields(fields).map_err(de::Error::custom)
    }
}

/// The keys a sale is read from. Decoding keeps only these (the last occurrence of each,
/// as a JSON object would), skipping unknown keys without storing them: no map of every
/// field is built, which makes decoding about twice as fast — it runs for every record
/// the relay forwards.
#[derive(Clone, Copy)]
enum Field {
    IdSale,
    IdProduct,
    Asin,
    NmProduct,
    NmCategory,
    NmBrand,
    Seller,
    Price,
    Quantity,
    TpPayment,
    SaleDate,
}

impl Field {
    const ALL: [(&'static str, Field); 11] = [
        ("id_sale", Field::IdSale),
        ("id_product", Field::IdProduct),
        ("asin", Field::Asin),
        ("nm_product", Field::NmProduct),
        ("nm_category", Field::NmCategory),
        ("nm_brand", Field::NmBrand),
        ("seller", Field::Seller),
        ("price", Field::Price),
        ("quantity", Field::Quantity),
        ("tp_payment", Field::TpPayment),
        ("sale_date", Field::SaleDate),
    ];
}

/// A record's known fields, each as the JSON value found (if any).
#[derive(Default)]
struct Fields([Option<Value>; Field::ALL.len()]);

impl Fields {
    fn take(&mut self, f: Field) -> Option<Value> {
        self.0[f as usize].take()
    }
}

/// A key of the record: which known field it is, if any.
struct Key(Option<Field>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, k: &str) -> Result<Key, E> {
                Ok(Key(Field::ALL
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, f)| *f)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sale (a JSON object)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut fields = Fields::default();
        while let Some(Key(field)) = map.next_key()? {
            match field {
                Some(f) => fields.0[f as usize] = Some(map.next_value()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fields)
    }
}

/// A whole record: an object's fields, or what kind of JSON value it was instead.
// Made once per record and unpacked at once; boxing would add an allocation per record.
#[allow(clippy::large_enum_variant)]
enum Top {
    Object(Fields),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TopVisitor;
        impl<'de> Visitor<'de> for TopVisitor {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Top, A::Error> {
                FieldsVisitor.visit_map(map).map(Top::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Top::Other("an array"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
                Ok(Top::Other("null"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
                Ok(Top::Other("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
                Ok(Top::Other("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
                Ok(Top::Other("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
                Ok(Top::Other("a number"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
                Ok(Top::Other("a string"))
            }
        }
        d.deserialize_any(TopVisitor)
    }
}

/// Why a record is not a valid sale: which field (none when the record as a whole is
/// unreadable), and what rule it broke.
pub type SaleError = crate::field_error::FieldError<SaleErrorKind>;

/// The rule a record or field broke.
#[derive(Clone, Debug, PartialEq)]
// New kinds may come: matches outside core need a catch-all arm (as globset's).
#[non_exhaustive]
pub enum SaleErrorKind {
    /// The record is over [`MAX_RECORD_BYTES`].
    TooLarge { bytes: usize },
    /// The record is not UTF-8 from this byte on.
    NotUtf8 { offset: usize },
    /// The record is not JSON (serde_json's message, with line and column).
    NotJson(String),
    /// The record is JSON but not an object: what it is instead.
    NotAnObject(&'static str),
    /// A required field is absent.
    Missing,
    /// A required text is empty or blank.
    Empty,
    /// A text over [`MAX_TEXT_BYTES`].
    TooLong { bytes: usize },
    /// A value of the wrong JSON type: what was expected, what came.
    WrongType {
        expected: &'static str,
        got: &'static str,
    },
    /// A price given as text that is not a number.
    NotANumber(String),
    /// A price that is not a finite number.
    NotFinite,
    /// A price under one cent (the dollars given).
    NotPositive(f64),
    /// A price over [`MAX_PRICE`] (the dollars given).
    OverMaxPrice(f64),
    /// A quantity with a fraction (the number given).
    NotWhole(String),
    /// A quantity outside 1..=[`MAX_QUANTITY`].
    QuantityOutOfRange(i64),
    /// A `sale_date` that is not an ISO-8601 date-time.
    BadTime(IsoTimeError),
}

impl SaleError {
    /// A record of `bytes` bytes, over [`MAX_RECORD_BYTES`]: refused before reading it.
    pub fn too_large(bytes: usize) -> SaleError {
        SaleError::record(SaleErrorKind::TooLarge { bytes })
    }
}

impl fmt::Display for SaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            None => write!(f, "record ")?,
            Some(field) => write!(f, "field `{field}` ")?,
        }
        match &self.kind {
            SaleErrorKind::TooLarge { bytes } => {
                write!(
                    f,
                    "is {bytes} bytes, more than the {MAX_RECORD_BYTES} allowed"
                )
            }
            SaleErrorKind::NotUtf8 { offset } => {
                write!(f, "is not valid UTF-8 (bad byte at offset {offset})")
            }
            SaleErrorKind::NotJson(e) => write!(f, "is not valid JSON: {e}"),
            SaleErrorKind::NotAnObject(kind) => write!(f, "must be a JSON object, got {kind}"),
            SaleErrorKind::Missing => write!(f, "is missing"),
            SaleErrorKind::Empty => write!(f, "must not be empty"),
            SaleErrorKind::TooLong { bytes } => {
                write!(
                    f,
                    "is {bytes} bytes, more than the {MAX_TEXT_BYTES} allowed"
                )
            }
            SaleErrorKind::WrongType { expected, got } => {
                write!(f, "must be {expected}, got {got}")
            }
            SaleErrorKind::NotANumber(text) => write!(f, "must be a number, got the text {text:?}"),
            SaleErrorKind::NotFinite => write!(f, "must be a finite number"),
            SaleErrorKind::NotPositive(d) => {
                write!(f, "must be greater than 0 (at least one cent), got {d}")
            }
            SaleErrorKind::OverMaxPrice(d) => {
                write!(f, "must be at most {}, got {d}", MAX_PRICE.display_usd())
            }
            SaleErrorKind::NotWhole(n) => write!(f, "must be a whole number, got {n}"),
            SaleErrorKind::QuantityOutOfRange(n) => {
                write!(f, "must be between 1 and {MAX_QUANTITY}, got {n}")
            }
            SaleErrorKind::BadTime(e) => write!(f, "is unparseable: {e}"),
        }
    }
}

impl std::error::Error for SaleError {}

/// A record's bytes as text, within [`MAX_RECORD_BYTES`]: every decoder's first check.
fn record_text(bytes: &[u8]) -> Result<&str, SaleError> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(SaleError::too_large(bytes.len()));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        SaleError::record(SaleErrorKind::NotUtf8 {
            offset: e.valid_up_to(),
        })
    })
}

#[derive(PartialEq)]
enum Required {
    Yes,
    No,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn text(field: &'static str, value: Option<Value>, req: Required) -> Result<String, SaleError> {
    let err = |kind| SaleError::field(field, kind);
    match value {
        None | Some(Value::Null) if req == Required::No => Ok(String::new()),
        None => Err(err(SaleErrorKind::Missing)),
        Some(Value::String(s)) => {
            if s.len() > MAX_TEXT_BYTES {
                return Err(err(SaleErrorKind::TooLong { bytes: s.len() }));
            }
            if req == Required::Yes && s.trim().is_empty() {
                return Err(err(SaleErrorKind::Empty));
            }
            Ok(s)
        }
        Some(other) => Err(err(SaleErrorKind::WrongType {
            expected: "a string",
            got: kind(&other),
        })),
    }
}

fn text_or(field: &'static str, value: Option<Value>, default: &str) -> Result<String, SaleError> {
    let s = text(field, value, Required::No)?;
    Ok(if s.trim().is_empty() {
        default.to_string()
    } else {
        s
    })
}

fn price(value: Option<Value>) -> Result<Cents, SaleError> {
    let err = |kind| SaleError::field("price", kind);
    let v = value.ok_or_else(|| err(SaleErrorKind::Missing))?;
    let dollars = match &v {
        Value::Number(n) => n.as_f64().ok_or_else(|| err(SaleErrorKind::NotFinite))?,
        // Some producers quote numbers; accept a plain decimal string, nothing fancier.
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| err(SaleErrorKind::NotANumber(s.clone())))?,
        other => {
            return Err(err(SaleErrorKind::WrongType {
                expected: "a number",
                got: kind(other),
            }))
        }
    };
    let cents = Cents::from_dollars(dollars).ok_or_else(|| err(SaleErrorKind::NotFinite))?;
    if cents.0 <= 0 {
        return Err(err(SaleErrorKind::NotPositive(dollars)));
    }
    if cents > MAX_PRICE {
        return Err(err(SaleErrorKind::OverMaxPrice(dollars)));
    }
    Ok(cents)
}

/// A fractional JSON number as a quantity: whole and below 10^15 (exact in a double, far
/// above any quantity, so the range check names it), else not a whole number. The one rule
/// for every reader: the JSON decoders and Parquet's fast path for `DOUBLE` quantities.
pub fn whole_quantity(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}

fn quantity(value: Option<Value>) -> Result<u32, SaleError> {
    let err = |kind| SaleError::field("quantity", kind);
    let Some(v) = value else {
        return Ok(1); // the seed's default
    };
    let n = match v {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(f)) => match whole_quantity(f) {
                Some(i) => i,
                None => return Err(err(SaleErrorKind::NotWhole(n.to_string()))),
            },
            _ => return Err(err(SaleErrorKind::NotWhole(n.to_string()))),
        },
        // Quoted, as some producers write every value (and as Flink's JSON format reads an
        // INT): a plain whole number only, as a quoted price must be a plain decimal.
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(i) => i,
            Err(_) => return Err(err(SaleErrorKind::NotWhole(format!("{s:?}")))),
        },
        other => {
            return Err(err(SaleErrorKind::WrongType {
                expected: "a whole number",
                got: kind(&other),
            }))
        }
    };
    if n < 1 || n > i64::from(MAX_QUANTITY) {
        return Err(err(SaleErrorKind::QuantityOutOfRange(n)));
    }
    Ok(n as u32)
}

fn sale_date(value: Option<Value>) -> Result<Micros, SaleError> {
    let err = |kind| SaleError::field("sale_date", kind);
    match value {
        None => Err(err(SaleErrorKind::Missing)),
        Some(Value::String(s)) => Micros::parse_iso(&s).map_err(|e| err(SaleErrorKind::BadTime(e))),
        // A number is most likely epoch time: say which option reads it.
        Some(other) => Err(err(SaleErrorKind::WrongType {
            expected: match other.is_number() {
                true => "an ISO-8601 string (epoch numbers need --time-format epoch-ms or epoch-s)",
                false => "an ISO-8601 string",
            },
            got: kind(&other),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_json() -> String {
        r#"{"id_sale":"3f1c","id_product":"CE-1","nm_product":"Duracell AA, 40-count",
            "nm_category":"Batteries","nm_brand":"Duracell","seller":"ana.silva","price":20.99,
            "quantity":2,"tp_payment":"PIX","sale_date":"2024-01-21T10:00:00.123456+0000",
            "extra":"tolerated"}"#
            .to_string()
    }

    fn with(field: &str, value: &str) -> Vec<u8> {
        let mut v: Value = serde_json::from_str(&sample_json()).unwrap();
        if value == "<remove>" {
            v.as_object_mut().unwrap().remove(field);
        } else {
            v[field] = serde_json::from_str(value).unwrap();
        }
        serde_json::to_vec(&v).unwrap()
    }

    fn err(bytes: &[u8]) -> SaleError {
        Sale::from_json(bytes).unwrap_err()
    }

    /// Every character class the JSON encoder treats apart, and the prices whose float
    /// form is tricky, written as serde_json writes them.
    #[test]
    fn write_json_escapes_and_prices_as_serde_json() {
        let mut sale = Sale::from_json(sample_json().as_bytes()).unwrap();
        let every_control: String = (0u8..0x20).map(char::from).collect();
        sale.nm_product = format!("{every_control}\"\\\u{7f}é€😀 plain");
        sale.seller = "\u{c}\u{8}".into();
        for cents in [
            0,
            5,
            10,
            99,
            100,
            2099,
            130_000,
            -1,
            -105,
            999_999_999_999_999,
            i64::MIN,
            i64::MAX,
        ] {
            sale.price = Cents(cents);
            assert_eq!(
                sale.to_json(),
                serde_json::to_string(&sale).unwrap(),
                "{cents}"
            );
        }
        assert!(
            sale.to_json().contains(r#""seller":"\f\b""#),
            "{}",
            sale.to_json()
        );
    }

    #[test]
    fn decodes_the_seed_schema_and_tolerates_extra_fields() {
        let s = Sale::from_json(sample_json().as_bytes()).unwrap();
        assert_eq!(s.price, Cents(2099));
        assert_eq!(s.quantity, 2);
        assert_eq!(s.value(), Cents(4198));
        assert_eq!(s.sale_date.to_iso(), "2024-01-21T10:00:00.123456+00:00");
        assert_eq!(s.event_time().to_iso(), "2024-01-21T10:00:00.123Z");
    }

    /// A producer that quotes every value: the price was read, the quantity refused (Flink's
    /// JSON format reads both, so the shipped job counted such a sale and hopscope did not).
    #[test]
    fn a_quoted_whole_quantity_is_read_as_a_quoted_price_is() {
        let quoted = Sale::from_json(&with("quantity", "\" 2 \"")).unwrap();
        assert_eq!(quoted, Sale::from_json(sample_json().as_bytes()).unwrap());
    }

    #[test]
    fn encoding_round_trips_in_field_order() {
        let s = Sale::from_json(sample_json().as_bytes()).unwrap();
        let json = s.to_json();
        assert!(json.starts_with(r#"{"id_sale":"3f1c","id_product":"CE-1","nm_product""#));
        assert!(json.contains(r#""price":20.99,"quantity":2"#));
        assert_eq!(Sale::from_json(json.as_bytes()).unwrap(), s);
    }

    #[test]
    fn named_values_decode_by_the_json_rules() {
        let json = Sale::from_json(sample_json().as_bytes()).unwrap();
        let v: Value = serde_json::from_str(&sample_json()).unwrap();
        let named = Sale::from_named(
            v.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone())),
        )
        .unwrap();
        assert_eq!(named, json);
        // The names are the decoder's own; a missing required one is the same error.
        assert!(Sale::REQUIRED
            .iter()
            .all(|r| Sale::field_names().any(|n| n == *r)));
        let e =
            Sale::from_named([("seller", Value::from("a")), ("price", Value::Null)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            Sale::from_json(br#"{"seller":"a"}"#)
                .unwrap_err()
                .to_string()
        );
    }

    #[test]
    fn seed_defaults_fill_optional_fields() {
        let bytes = br#"{"id_sale":"x","asin":"B0","nm_product":"P","seller":"s","price":1,
                        "sale_date":"2024-01-01T00:00:00Z"}"#;
        let s = Sale::from_json(bytes).unwrap();
        assert_eq!(s.id_product, "B0");
        assert_eq!(s.nm_category, "General Category");
        assert_eq!(s.nm_brand, "Generic");
        assert_eq!(s.tp_payment, "Credit Card");
        assert_eq!(s.quantity, 1);
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("price", "0", "price", "greater than 0"),
            ("price", "-3.5", "price", "greater than 0"),
            ("price", "\"abc\"", "price", "must be a number"),
            ("price", "null", "price", "must be a number"),
            ("price", "1e12", "price", "at most"),
            ("price", "<remove>", "price", "missing"),
            ("quantity", "0", "quantity", "between 1 and"),
            ("quantity", "10001", "quantity", "between 1 and"),
            ("quantity", "1.5", "quantity", "whole number"),
            (
                "quantity",
                "\"2.5\"",
                "quantity",
                "whole number, got \"2.5\"",
            ),
            ("quantity", "\"two\"", "quantity", "whole number"),
            ("quantity", "\"0\"", "quantity", "between 1 and"),
            ("quantity", "true", "quantity", "whole number"),
            ("seller", "\"  \"", "seller", "must not be empty"),
            ("seller", "<remove>", "seller", "missing"),
            ("seller", "7", "seller", "must be a string"),
            ("nm_product", "\"\"", "nm_product", "must not be empty"),
            ("sale_date", "\"yesterday\"", "sale_date", "unparseable"),
            (
                "sale_date",
                "1700000000",
                "sale_date",
                "--time-format epoch-ms",
            ),
            ("sale_date", "true", "sale_date", "ISO-8601 string, got"),
        ];
        for (field, value, want_field, want_text) in cases {
            let e = err(&with(field, value));
            assert_eq!(e.field, Some(*want_field), "{field}={value}: {e}");
            assert!(e.to_string().contains(want_text), "{field}={value}: {e}");
        }
    }

    #[test]
    fn a_repeated_key_counts_once_the_last_value_wins_as_in_any_json_object() {
        let json = sample_json().replacen('{', r#"{"price":"oops","quantity":7,"#, 1);
        let s = Sale::from_json(json.as_bytes()).unwrap();
        assert_eq!((s.price, s.quantity), (Cents(2099), 2));
        let json = sample_json().replacen("\"extra\"", r#""seller":"bruno.souza","extra""#, 1);
        assert_eq!(
            Sale::from_json(json.as_bytes()).unwrap().seller,
            "bruno.souza"
        );
    }

    #[test]
    fn a_record_that_is_not_an_object_says_what_it_is() {
        for (json, kind) in [
            ("null", "null"),
            ("true", "a boolean"),
            ("-3", "a number"),
            ("1.5", "a number"),
            ("\"sale\"", "a string"),
            ("[{\"id_sale\":1}]", "an array"),
        ] {
            let e = err(json.as_bytes());
            assert_eq!(e.field, None);
            assert!(matches!(e.kind, SaleErrorKind::NotAnObject(_)));
            assert!(
                e.to_string().ends_with(&format!("got {kind}")),
                "{json}: {e}"
            );
        }
    }

    #[test]
    fn sales_nested_in_protocol_frames_decode_with_the_same_rules() {
        let frame = format!(r#"{{"sale":{}}}"#, sample_json());
        #[derive(serde::Deserialize)]
        struct Wrapper {
            sale: Sale,
        }
        let w: Wrapper = serde_json::from_str(&frame).unwrap();
        assert_eq!(w.sale, Sale::from_json(sample_json().as_bytes()).unwrap());
        let bad = frame.replace("20.99", "-1");
        let e = serde_json::from_str::<Wrapper>(&bad).err().unwrap();
        assert!(e.to_string().contains("field `price`"), "{e}");
    }

    #[test]
    fn whole_record_problems_are_reported_as_record_errors() {
        assert!(err(b"\xff\xfe").to_string().contains("UTF-8"));
        assert!(err(b"{\"price\":").to_string().contains("not valid JSON"));
        assert!(err(b"[1,2]").to_string().contains("JSON object"));
        let huge = vec![b' '; MAX_RECORD_BYTES + 1];
        assert!(err(&huge).to_string().contains("bytes"));
        let long = format!("\"{}\"", "x".repeat(MAX_TEXT_BYTES + 1));
        let e = err(&with("nm_brand", &long));
        assert_eq!(e.field, Some("nm_brand"));
        assert_eq!(
            e.kind,
            SaleErrorKind::TooLong {
                bytes: MAX_TEXT_BYTES + 1
            }
        );
    }
}
