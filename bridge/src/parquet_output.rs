//! `hopscope window --format parquet --output FILE`: the window rows as a Parquet file
//! DuckDB, Polars and Spark read directly — typed columns (timestamps in UTC, money as
//! exact decimals), the JSON row's fields flattened (`top_category` → its name, count and
//! share), zstd pages, a row group per [`ROWS_PER_GROUP`] windows.

use arrow_array::builder::{
    Decimal128Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMillisecondBuilder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use hopscope_core::window::TopKey;
use hopscope_core::{Cents, WindowResult};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Windows buffered before they are written as a batch.
const ROWS_PER_GROUP: usize = 64 * 1024;

/// Money: `DECIMAL(18, 2)`, exact as the cents it holds.
const MONEY: DataType = DataType::Decimal128(18, 2);

fn schema() -> Schema {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    let f = |name: &str, t: DataType, null: bool| Field::new(name, t, null);
    Schema::new(vec![
        f("window_start", ts.clone(), false),
        f("window_end", ts, false),
        f("sales_in_window", DataType::UInt64, false),
        f("revenue", MONEY, false),
        f("avg_ticket", MONEY, false),
        f("active_sellers", DataType::UInt64, false),
        f("active_categories", DataType::UInt64, false),
        f("active_products", DataType::UInt64, false),
        f("biggest_sale", MONEY, false),
        f("top_category", DataType::Utf8, true),
        f("top_category_count", DataType::UInt64, true),
        f("top_category_share", DataType::Float64, true),
        f("top_seller", DataType::Utf8, true),
        f("top_seller_count", DataType::UInt64, true),
        f("top_seller_share", DataType::Float64, true),
        f(
            "sales_per_partition",
            DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
            false,
        ),
        f("ticket_stddev", DataType::Float64, false),
    ])
}

/// Window rows on their way into a Parquet file.
pub struct WindowParquet {
    writer: ArrowWriter<File>,
    path: PathBuf,
    rows: Vec<WindowResult>,
    schema: Arc<Schema>,
    pub written: u64,
}

impl WindowParquet {
    pub fn create(path: &Path) -> io::Result<WindowParquet> {
        let file = File::create(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))
        })?;
        let schema = Arc::new(schema());
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        Ok(WindowParquet {
            writer,
            path: path.to_path_buf(),
            rows: Vec::new(),
            schema,
            written: 0,
        })
    }

    pub fn push(&mut self, row: WindowResult) -> io::Result<()> {
        self.rows.push(row);
        if self.rows.len() >= ROWS_PER_GROUP {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Writes what is buffered and the file's footer; the file is complete only then.
    pub fn finish(mut self) -> io::Result<u64> {
        self.write_batch()?;
        self.writer
            .close()
            .map_err(|e| io::Error::other(format!("{}: {e}", self.path.display())))?;
        Ok(self.written)
    }

    fn write_batch(&mut self) -> io::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let batch = batch(&self.rows, self.schema.clone())
            .map_err(|e| io::Error::other(format!("{}: {e}", self.path.display())))?;
        self.writer
            .write(&batch)
            .map_err(|e| io::Error::other(format!("{}: {e}", self.path.display())))?;
        self.written += self.rows.len() as u64;
        self.rows.clear();
        Ok(())
    }
}

fn batch(
    rows: &[WindowResult],
    schema: Arc<Schema>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let ts = |f: fn(&WindowResult) -> i64| -> ArrayRef {
        let mut b = TimestampMillisecondBuilder::with_capacity(rows.len()).with_timezone("UTC");
        rows.iter().for_each(|r| b.append_value(f(r)));
        Arc::new(b.finish())
    };
    let count = |f: fn(&WindowResult) -> u64| -> ArrayRef {
        let mut b = UInt64Builder::with_capacity(rows.len());
        rows.iter().for_each(|r| b.append_value(f(r)));
        Arc::new(b.finish())
    };
    let money = |f: fn(&WindowResult) -> Cents| -> Result<ArrayRef, arrow_schema::ArrowError> {
        let mut b = Decimal128Builder::with_capacity(rows.len());
        rows.iter().for_each(|r| b.append_value(i128::from(f(r).0)));
        Ok(Arc::new(b.finish().with_data_type(MONEY)))
    };
    let top = |f: fn(&WindowResult) -> Option<&TopKey>| -> [ArrayRef; 3] {
        let mut name = StringBuilder::new();
        let mut n = UInt64Builder::with_capacity(rows.len());
        let mut share = Float64Builder::with_capacity(rows.len());
        for r in rows {
            let t = f(r);
            name.append_option(t.map(|t| t.name.as_str()));
            n.append_option(t.map(|t| t.count));
            share.append_option(t.map(|t| t.share));
        }
        [
            Arc::new(name.finish()),
            Arc::new(n.finish()),
            Arc::new(share.finish()),
        ]
    };
    let mut parts = ListBuilder::new(Int64Builder::new());
    for r in rows {
        for p in &r.sales_per_partition {
            parts.values().append_value(*p as i64);
        }
        parts.append(true);
    }
    let mut stddev = Float64Builder::with_capacity(rows.len());
    rows.iter()
        .for_each(|r| stddev.append_value(r.ticket_stddev));
    let [cat, cat_n, cat_share] = top(|r| r.top_category.as_ref());
    let [sel, sel_n, sel_share] = top(|r| r.top_seller.as_ref());
    RecordBatch::try_new(
        schema,
        vec![
            ts(|r| r.window_start.0),
            ts(|r| r.window_end.0),
            count(|r| r.sales_in_window),
            money(|r| r.revenue)?,
            money(|r| r.avg_ticket)?,
            count(|r| r.active_sellers),
            count(|r| r.active_categories),
            count(|r| r.active_products),
            money(|r| r.biggest_sale)?,
            cat,
            cat_n,
            cat_share,
            sel,
            sel_n,
            sel_share,
            Arc::new(parts.finish()),
            Arc::new(stddev.finish()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column of the window row is a Parquet column of the same name (the top
    /// category and seller flattened beside theirs), so DuckDB's `SELECT revenue` reads
    /// what `hopscope window` writes as `revenue`.
    #[test]
    fn the_parquet_columns_are_the_rows_columns() {
        let schema = schema();
        for c in &hopscope_core::window::COLUMNS {
            assert!(schema.field_with_name(c.name).is_ok(), "{}", c.name);
        }
        let batch = batch(&[WindowResult::default()], Arc::new(schema)).unwrap();
        assert_eq!(batch.num_rows(), 1);
    }
}
