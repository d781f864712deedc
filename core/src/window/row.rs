//! Reading a window row someone else computed: one JSON object per window, as `hopscope
//! window` writes it and as the Flink job in `flink/` writes it to its results topic.
//!
//! Why not `serde` derive: a results topic is outside input. A row with a wrong type or a
//! missing field must be reported naming that field (and skipped by the caller), and the
//! numbers Flink writes (`DECIMAL` as plain numbers, `BIGINT`, `DOUBLE`) must be held to
//! what hopscope's own windows allow — whole non-negative counts, money to the cent, shares
//! in 0..=1 — so detection never runs on a value it could not have produced itself.

use super::result::{TopKey, WindowResult};
use crate::money::Cents;
use crate::time::Timestamp;
use serde_json::{Map, Value};
use std::fmt;

/// Why a window row could not be read: the field at fault (none when the record as a whole
/// is unreadable) and the cause.
pub type WindowRowError = crate::field_error::FieldError<WindowRowErrorKind>;

/// What is wrong with a results-topic row or one of its fields.
#[derive(Clone, Debug, PartialEq)]
// New kinds may come: matches outside core need a catch-all arm (as globset's).
#[non_exhaustive]
pub enum WindowRowErrorKind {
    /// The bytes are not JSON (the parser's message).
    NotJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// A required field is absent (or `null`).
    Missing,
    /// The field holds another JSON type than the one named.
    WrongType { expected: &'static str },
    /// The type is right, the value is not (the reason).
    Invalid(String),
}

impl fmt::Display for WindowRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.field {
            Some(field) => format!("window row field {field:?}"),
            None => "window row".to_string(),
        };
        match &self.kind {
            WindowRowErrorKind::NotJson(e) => write!(f, "{what} is not valid JSON: {e}"),
            WindowRowErrorKind::NotAnObject => write!(f, "{what} is not a JSON object"),
            WindowRowErrorKind::Missing => write!(f, "{what} is missing"),
            WindowRowErrorKind::WrongType { expected } => write!(f, "{what} must be {expected}"),
            WindowRowErrorKind::Invalid(why) => write!(f, "{what} {why}"),
        }
    }
}

impl std::error::Error for WindowRowError {}

fn err(field: &'static str, kind: WindowRowErrorKind) -> WindowRowError {
    WindowRowError::field(field, kind)
}

fn wrong(field: &'static str, expected: &'static str) -> WindowRowError {
    err(field, WindowRowErrorKind::WrongType { expected })
}

fn invalid(field: &'static str, why: impl Into<String>) -> WindowRowError {
    err(field, WindowRowErrorKind::Invalid(why.into()))
}

fn required<'a>(
    o: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a Value, WindowRowError> {
    match o.get(field) {
        None | Some(Value::Null) => Err(err(field, WindowRowErrorKind::Missing)),
        Some(v) => Ok(v),
    }
}

fn time(o: &Map<String, Value>, field: &'static str) -> Result<Timestamp, WindowRowError> {
    let text = required(o, field)?
        .as_str()
        .ok_or_else(|| wrong(field, "an ISO-8601 time as text"))?;
    Timestamp::parse_iso(text).map_err(|e| invalid(field, format!("is not an ISO-8601 time: {e}")))
}

fn count_value(v: &Value, field: &'static str) -> Result<u64, WindowRowError> {
    v.as_u64()
        .ok_or_else(|| wrong(field, "a whole number of 0 or more"))
}

fn count(o: &Map<String, Value>, field: &'static str) -> Result<u64, WindowRowError> {
    count_value(required(o, field)?, field)
}

fn money(o: &Map<String, Value>, field: &'static str) -> Result<Cents, WindowRowError> {
    let dollars = required(o, field)?
        .as_f64()
        .ok_or_else(|| wrong(field, "a number of dollars"))?;
    let cents = Cents::from_dollars(dollars).ok_or_else(|| {
        invalid(
            field,
            format!("{dollars} is not a finite amount of dollars"),
        )
    })?;
    if cents.0 < 0 {
        return Err(invalid(field, format!("{dollars} is negative")));
    }
    Ok(cents)
}

fn top(o: &Map<String, Value>, field: &'static str) -> Result<Option<TopKey>, WindowRowError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => top_key(v, field).map(Some),
    }
}

fn top_key(v: &Value, field: &'static str) -> Result<TopKey, WindowRowError> {
    let t = v
        .as_object()
        .ok_or_else(|| wrong(field, "an object {name, count, share}"))?;
    let name = t
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(field, "needs a text \"name\""))?;
    let count = t
        .get("count")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid(field, "needs a whole \"count\" of 0 or more"))?;
    let share = t
        .get("share")
        .and_then(Value::as_f64)
        .ok_or_else(|| invalid(field, "needs a number \"share\""))?;
    if !(0.0..=1.0).contains(&share) {
        return Err(invalid(field, format!("share {share} is not within 0..=1")));
    }
    Ok(TopKey {
        name: name.to_string(),
        count,
        share,
    })
}

fn top_list(o: &Map<String, Value>, field: &'static str) -> Result<Vec<TopKey>, WindowRowError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| top_key(v, field)).collect(),
        Some(_) => Err(wrong(field, "a list of {name, count, share}")),
    }
}

impl WindowResult {
    /// Reads one window row (the inverse of [`WindowResult::to_json`]). Required: the
    /// window bounds, the seed's seven aggregates and `ticket_stddev`; optional (absent or
    /// `null`): the top keys, `top_categories`/`top_sellers` and `sales_per_partition`.
    pub fn from_json(bytes: &[u8]) -> Result<WindowResult, WindowRowError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| WindowRowError::record(WindowRowErrorKind::NotJson(e.to_string())))?;
        let o = value
            .as_object()
            .ok_or(WindowRowError::record(WindowRowErrorKind::NotAnObject))?;
        let window_start = time(o, "window_start")?;
        let window_end = time(o, "window_end")?;
        if window_end <= window_start {
            return Err(invalid(
                "window_end",
                format!("{window_end} is not after window_start {window_start}"),
            ));
        }
        let sales_in_window = count(o, "sales_in_window")?;
        let active_sellers = count(o, "active_sellers")?;
        let active_categories = count(o, "active_categories")?;
        let active_products = count(o, "active_products")?;
        for (field, n) in [
            ("active_sellers", active_sellers),
            ("active_categories", active_categories),
            ("active_products", active_products),
        ] {
            if n > sales_in_window {
                return Err(invalid(
                    field,
                    format!("{n} is more than the window's {sales_in_window} sales"),
                ));
            }
        }
        let ticket_stddev = required(o, "ticket_stddev")?
            .as_f64()
            .ok_or_else(|| wrong("ticket_stddev", "a number"))?;
        if !(ticket_stddev >= 0.0 && ticket_stddev.is_finite()) {
            return Err(invalid(
                "ticket_stddev",
                format!("{ticket_stddev} is not a finite number of 0 or more"),
            ));
        }
        let sales_per_partition = match o.get("sales_per_partition") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| count_value(v, "sales_per_partition"))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(wrong("sales_per_partition", "a list of whole numbers")),
        };
        Ok(WindowResult {
            window_start,
            window_end,
            sales_in_window,
            revenue: money(o, "revenue")?,
            avg_ticket: money(o, "avg_ticket")?,
            active_sellers,
            active_categories,
            active_products,
            biggest_sale: money(o, "biggest_sale")?,
            top_category: top(o, "top_category")?,
            top_seller: top(o, "top_seller")?,
            top_categories: top_list(o, "top_categories")?,
            top_sellers: top_list(o, "top_sellers")?,
            sales_per_partition,
            ticket_stddev,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLINK_ROW: &str = r#"{"window_start":"2025-05-01T10:00:00.000Z","window_end":"2025-05-01T10:01:00.000Z","sales_in_window":57,"revenue":31234.50,"avg_ticket":547.97,"active_sellers":15,"active_categories":8,"active_products":40,"biggest_sale":4999.99,"top_category":{"name":"TVs","count":19,"share":0.3333333333333333},"top_seller":{"name":"TechWorld","count":7,"share":0.12280701754385964},"ticket_stddev":812.25}"#;

    #[test]
    fn reads_the_rows_flinks_job_writes() {
        let w = WindowResult::from_json(FLINK_ROW.as_bytes()).unwrap();
        assert_eq!(
            w.window_start,
            Timestamp::parse_iso("2025-05-01T10:00:00Z").unwrap()
        );
        assert_eq!(w.window_end.0 - w.window_start.0, 60_000);
        assert_eq!(w.sales_in_window, 57);
        assert_eq!(w.revenue, Cents(3_123_450));
        assert_eq!(w.avg_ticket, Cents(54_797));
        assert_eq!(w.biggest_sale, Cents(499_999));
        assert_eq!(w.top_seller.as_ref().unwrap().name, "TechWorld");
        assert_eq!(w.top_category.as_ref().unwrap().count, 19);
        assert!(w.sales_per_partition.is_empty());
        assert_eq!(w.ticket_stddev, 812.25);
    }

    #[test]
    fn reads_back_what_hopscope_window_writes() {
        let mut w = WindowResult::from_json(FLINK_ROW.as_bytes()).unwrap();
        w.sales_per_partition = vec![10, 0, 47];
        w.top_sellers = vec![w.top_seller.clone().unwrap()];
        assert_eq!(WindowResult::from_json(w.to_json().as_bytes()).unwrap(), w);
    }

    /// Every column of the one table (`COLUMNS`) is read: a wrong value in any is named,
    /// and a missing one is refused unless it is one of the optional top keys — so a
    /// column added to the table and not read here fails this test.
    #[test]
    fn every_column_of_the_table_is_read_and_named_when_bad() {
        const OPTIONAL: [&str; 2] = ["top_category", "top_seller"];
        for c in &crate::window::COLUMNS {
            let e = error_of(|o| {
                o.insert(c.name.to_string(), Value::from(vec![Value::Null]));
            });
            assert_eq!(e.field, Some(c.name), "{}: {e}", c.name);
            let mut v: Value = serde_json::from_str(FLINK_ROW).unwrap();
            v.as_object_mut().unwrap().remove(c.name);
            let read = WindowResult::from_json(v.to_string().as_bytes());
            if OPTIONAL.contains(&c.name) {
                assert!(read.is_ok(), "{} is optional", c.name);
            } else {
                assert_eq!(
                    read.unwrap_err().field,
                    Some(c.name),
                    "{} is required",
                    c.name
                );
            }
        }
    }

    fn error_of(edit: impl Fn(&mut Map<String, Value>)) -> WindowRowError {
        let mut v: Value = serde_json::from_str(FLINK_ROW).unwrap();
        edit(v.as_object_mut().unwrap());
        WindowResult::from_json(v.to_string().as_bytes()).unwrap_err()
    }

    #[test]
    fn each_bad_field_is_named() {
        let e = error_of(|o| {
            o.remove("revenue");
        });
        assert_eq!(
            (e.field, &e.kind),
            (Some("revenue"), &WindowRowErrorKind::Missing)
        );
        assert_eq!(e.to_string(), "window row field \"revenue\" is missing");
        let e = error_of(|o| {
            o.insert("sales_in_window".into(), Value::from("57"));
        });
        assert_eq!(e.field, Some("sales_in_window"));
        assert!(matches!(e.kind, WindowRowErrorKind::WrongType { .. }));
        let e = error_of(|o| {
            o.insert("sales_in_window".into(), Value::from(-3));
        });
        assert_eq!(e.field, Some("sales_in_window"));
        let e = error_of(|o| {
            o.insert("window_start".into(), Value::from("yesterday"));
        });
        assert_eq!(e.field, Some("window_start"));
        let e = error_of(|o| {
            o.insert("window_end".into(), Value::from("2025-05-01T09:00:00.000Z"));
        });
        assert_eq!(e.field, Some("window_end"));
        let e = error_of(|o| {
            o.insert("active_sellers".into(), Value::from(58));
        });
        assert_eq!(e.field, Some("active_sellers"));
        let e = error_of(|o| {
            o.insert("biggest_sale".into(), Value::from(-1.5));
        });
        assert_eq!(e.field, Some("biggest_sale"));
        let e = error_of(|o| {
            o.insert(
                "top_seller".into(),
                serde_json::json!({"name": "x", "count": 1, "share": 7}),
            );
        });
        assert_eq!(e.field, Some("top_seller"));
        let e = error_of(|o| {
            o.insert("ticket_stddev".into(), Value::from("wide"));
        });
        assert_eq!(e.field, Some("ticket_stddev"));
        let e = error_of(|o| {
            o.insert("sales_per_partition".into(), serde_json::json!([1, "2"]));
        });
        assert_eq!(e.field, Some("sales_per_partition"));
    }

    /// Found by the `window_row` fuzz target: serde_json's default float parser is not
    /// correctly rounded past 15 or so digits, so a float may come back one unit in the last
    /// place off — everything else must come back exactly, and the floats within 1e-15.
    #[test]
    fn rows_round_trip_through_hopscopes_json() {
        let row = r#"{"window_start":"2025-05-01T10:02:20.000Z","window_end":"2025-05-01T10:03:20.000Z","sales_in_window":1224,"revenue":1624158.08,"avg_ticket":1326.93,"active_sellers":16,"active_categories":22,"active_products":399,"biggest_sale":25799.94,"top_cate_pegory":{"name":"TVs","count":368,"share":0.3535947712418},"toseller":{"name":"natalia.carvalho","countia.carvshare":0.2900326797385621},"sales_per_partition":[66,8],"ticket_stddev":211113.024081190187}
"#;
        let w = WindowResult::from_json(row.as_bytes()).unwrap();
        let mut again = WindowResult::from_json(w.to_json().as_bytes()).unwrap();
        assert!(
            w.ticket_stddev
                .to_bits()
                .abs_diff(again.ticket_stddev.to_bits())
                <= 1
        );
        again.ticket_stddev = w.ticket_stddev;
        assert_eq!(again, w, "{}", w.to_json());
    }

    #[test]
    fn unreadable_records_name_no_field() {
        let e = WindowResult::from_json(b"{\"window_start\":").unwrap_err();
        assert_eq!(e.field, None);
        assert!(matches!(e.kind, WindowRowErrorKind::NotJson(_)));
        let e = WindowResult::from_json(b"[1, 2]").unwrap_err();
        assert_eq!((e.field, e.kind), (None, WindowRowErrorKind::NotAnObject));
        assert!(WindowResult::from_json(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn null_top_keys_are_an_empty_window_not_an_error() {
        let w = WindowResult::from_json(
            FLINK_ROW
                .replace(
                    r#""top_category":{"name":"TVs","count":19,"share":0.3333333333333333}"#,
                    r#""top_category":null"#,
                )
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(w.top_category, None);
    }
}
