//! Parquet input for `window` and `analyze`: a file is found by its magic bytes (`PAR1`),
//! its footer read once, and each row group decoded on a decoder thread of its own, as
//! blocks of JSON lines are (`input.rs`), so row groups decode in parallel and results
//! keep the file's order.
//!
//! Columns are the seed's field names (`sale_date`, `price`, `seller`, …); each cell
//! becomes the value the JSON decoder would have read and goes through
//! [`Sale::from_named`] — the same required fields, defaults, limits and error messages
//! as a JSON line. `sale_date` may be an ISO-8601 string or a Parquet timestamp (any
//! unit; with or without a time zone, read as UTC) or date; `price` a double, a decimal
//! or a decimal string. A file missing a required column, or with a column of a type that
//! cannot be a sale's field, is refused when opened, naming the file and the column.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use hopscope_core::{Micros, Sale, SaleError};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use serde_json::Value;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows decoded at a time within a row group.
const BATCH_ROWS: usize = 8 * 1024;

/// Whether the file at `path` is Parquet (starts with `PAR1`).
pub fn is_parquet(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| &head == b"PAR1")
}

/// An opened Parquet file: its footer and the columns a sale is read from.
pub struct ParquetFile {
    pub path: Arc<PathBuf>,
    meta: ArrowReaderMetadata,
    /// The sale fields present, by their index among the file's top-level columns.
    columns: Vec<(usize, &'static str)>,
    /// Rows before each row group.
    starts: Vec<u64>,
}

fn bad(path: &Path, why: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {why}", path.display()),
    )
}

impl ParquetFile {
    pub fn open(path: &Path) -> io::Result<ParquetFile> {
        let f = File::open(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
        })?;
        let meta = ArrowReaderMetadata::load(&f, ArrowReaderOptions::new())
            .map_err(|e| bad(path, format!("not a readable Parquet file: {e}")))?;
        let schema = meta.schema().clone();
        let mut columns = Vec::new();
        for name in Sale::field_names() {
            if let Some((i, field)) = schema.column_with_name(name) {
                if !supported(field.data_type()) {
                    return Err(bad(
                        path,
                        format!(
                            "column {name:?} is {}, which cannot be a sale's {name} (text, a UUID, a number, a decimal, a timestamp or a date)",
                            field.data_type()
                        ),
                    ));
                }
                columns.push((i, name));
            }
        }
        let missing: Vec<&str> = Sale::REQUIRED
            .iter()
            .copied()
            .filter(|r| !columns.iter().any(|(_, n)| n == r))
            .collect();
        if !missing.is_empty() {
            let has: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(bad(
                path,
                format!(
                    "no column {} (a sale needs {}); its columns: {}",
                    missing.join(", "),
                    Sale::REQUIRED.join(", "),
                    has.join(", ")
                ),
            ));
        }
        let mut starts = Vec::new();
        let mut rows = 0u64;
        for g in meta.metadata().row_groups() {
            starts.push(rows);
            rows += g.num_rows().max(0) as u64;
        }
        Ok(ParquetFile {
            path: Arc::new(path.to_path_buf()),
            meta,
            columns,
            starts,
        })
    }

    pub fn row_groups(&self) -> usize {
        self.starts.len()
    }

    /// Decodes row group `group`: `f(row number within the group from 1, sale or why not
    /// with the row as a JSON object — what a dead letter keeps)` for each row in order;
    /// the number of rows.
    pub fn decode_group(
        &self,
        group: usize,
        mut f: impl FnMut(u64, Result<Sale, (SaleError, String)>),
    ) -> io::Result<u64> {
        let file = File::open(self.path.as_ref()).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open {}: {e}", self.path.display()),
            )
        })?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone());
        let mask = ProjectionMask::roots(
            builder.parquet_schema(),
            self.columns.iter().map(|(i, _)| *i),
        );
        let reader = builder
            .with_row_groups(vec![group])
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| bad(&self.path, e))?;
        let mut row = 0u64;
        for batch in reader {
            let batch = batch.map_err(|e| bad(&self.path, format!("row group {group}: {e}")))?;
            // The projection keeps the file's column order: find each field by name.
            let cols: Vec<(&'static str, &dyn Array)> = self
                .columns
                .iter()
                .filter_map(|(_, name)| batch_column(&batch, name).map(|c| (*name, c)))
                .collect();
            for r in 0..batch.num_rows() {
                row += 1;
                let values = cols.iter().map(|(name, c)| (*name, cell(*c, r)));
                match Sale::from_named(values) {
                    Ok(sale) => f(row, Ok(sale)),
                    // Only a bad row is rebuilt whole, for the report and dead letters.
                    Err(e) => {
                        let record: serde_json::Map<String, Value> = cols
                            .iter()
                            .map(|(name, c)| (name.to_string(), cell(*c, r)))
                            .collect();
                        f(row, Err((e, Value::Object(record).to_string())));
                    }
                }
            }
        }
        Ok(row)
    }
}

fn batch_column<'a>(batch: &'a RecordBatch, name: &str) -> Option<&'a dyn Array> {
    let i = batch.schema().index_of(name).ok()?;
    Some(batch.column(i).as_ref())
}

fn supported(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(..)
            | DataType::Timestamp(..)
            | DataType::Date32
            | DataType::Null
            | DataType::Binary
            | DataType::LargeBinary
            // A UUID (DuckDB writes its UUID type so).
            | DataType::FixedSizeBinary(16)
    )
}

/// A cell as the JSON decoder would have read it (`Null` when empty).
fn cell(c: &dyn Array, r: usize) -> Value {
    if c.is_null(r) {
        return Value::Null;
    }
    let micros = |m: i64| Value::String(Micros(m).to_iso());
    match c.data_type() {
        DataType::Utf8 => Value::from(c.as_string::<i32>().value(r)),
        DataType::LargeUtf8 => Value::from(c.as_string::<i64>().value(r)),
        DataType::Utf8View => Value::from(c.as_string_view().value(r)),
        DataType::Int8 => Value::from(c.as_primitive::<Int8Type>().value(r)),
        DataType::Int16 => Value::from(c.as_primitive::<Int16Type>().value(r)),
        DataType::Int32 => Value::from(c.as_primitive::<Int32Type>().value(r)),
        DataType::Int64 => Value::from(c.as_primitive::<Int64Type>().value(r)),
        DataType::UInt8 => Value::from(c.as_primitive::<UInt8Type>().value(r)),
        DataType::UInt16 => Value::from(c.as_primitive::<UInt16Type>().value(r)),
        DataType::UInt32 => Value::from(c.as_primitive::<UInt32Type>().value(r)),
        DataType::UInt64 => Value::from(c.as_primitive::<UInt64Type>().value(r)),
        DataType::Float32 => Value::from(f64::from(c.as_primitive::<Float32Type>().value(r))),
        DataType::Float64 => Value::from(c.as_primitive::<Float64Type>().value(r)),
        // The exact decimal as text, which the price decoder reads as written.
        DataType::Decimal128(_, scale) => {
            let v = c.as_primitive::<Decimal128Type>().value(r);
            Value::String(decimal_text(v, *scale))
        }
        DataType::Timestamp(unit, _) => {
            let (v, per_micro) = match unit {
                TimeUnit::Second => (c.as_primitive::<TimestampSecondType>().value(r), -1_000_000),
                TimeUnit::Millisecond => (
                    c.as_primitive::<TimestampMillisecondType>().value(r),
                    -1_000,
                ),
                TimeUnit::Microsecond => (c.as_primitive::<TimestampMicrosecondType>().value(r), 1),
                TimeUnit::Nanosecond => {
                    (c.as_primitive::<TimestampNanosecondType>().value(r), 1_000)
                }
            };
            match per_micro {
                n if n < 0 => micros(v.saturating_mul(-n)),
                n => micros(v.div_euclid(n)),
            }
        }
        DataType::Date32 => {
            micros(i64::from(c.as_primitive::<Date32Type>().value(r)) * 86_400_000_000)
        }
        // Text without its UTF-8 annotation: the decoder's own checks apply to it.
        DataType::Binary => Value::from(String::from_utf8_lossy(c.as_binary::<i32>().value(r))),
        DataType::LargeBinary => {
            Value::from(String::from_utf8_lossy(c.as_binary::<i64>().value(r)))
        }
        DataType::FixedSizeBinary(16) => {
            Value::String(uuid_text(c.as_fixed_size_binary().value(r)))
        }
        _ => Value::Null,
    }
}

/// `1c774512-120f-486b-ae20-ac6082308439`
fn uuid_text(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    if hex.len() != 32 {
        return hex;
    }
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn decimal_text(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return (v * 10i128.pow(u32::from(scale.unsigned_abs()))).to_string();
    }
    let p = 10i128.pow(scale as u32);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        a / p.unsigned_abs(),
        a % p.unsigned_abs(),
        width = scale as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_exactly() {
        assert_eq!(decimal_text(2099, 2), "20.99");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(decimal_text(7, -2), "700");
    }
}
