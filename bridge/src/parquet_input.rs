//! Parquet input for `window` and `analyze`: a file is found by its magic bytes (`PAR1`),
//! its footer read once, and each row group decoded on a decoder thread of its own, as
//! blocks of JSON lines are (`input.rs`), so row groups decode in parallel and results
//! keep the file's order.
//!
//! Columns are the seed's field names (`sale_date`, `price`, `seller`, …) or the user's
//! (`--field seller=merchant_id`, a column's name; `--time-format` for a sale_date of text
//! or numbers); each cell becomes the value the JSON decoder would have read (a mapped one
//! through [`SaleShape::normalize`], as a mapped JSON key is) and goes through
//! [`Sale::from_named`] — the same required fields, defaults, limits and error messages
//! as a JSON line. `sale_date` may be an ISO-8601 string or a Parquet timestamp (any
//! unit; with or without a time zone, read as UTC) or date; `price` a double, a decimal
//! or a decimal string. A file missing a required column, or with a column of a type that
//! cannot be a sale's field, is refused when opened, naming the file and the column.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use hopscope_core::partition::partition_for_key;
use hopscope_core::sale::{SaleShape, SharedText, TimeFormat};
use hopscope_core::{Micros, Sale, SaleBatch, SaleError};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
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
    /// The sale fields present: (index among the file's top-level columns, the field, the
    /// column's name).
    columns: Vec<(usize, &'static str, String)>,
    /// `--field`/`--time-format`: each cell the exact path reads is normalised as a mapped
    /// JSON value is ([`SaleShape::normalize`]).
    shape: Option<Arc<SaleShape>>,
    /// The blocks it is read in: (row group, first row in it, rows), at most
    /// [`BLOCK_ROWS`] each, so a file written with huge row groups (Spark's 128 MB) is
    /// held a block at a time, as a JSON file is.
    parts: Vec<(usize, usize, usize)>,
    /// Whether the writer kept a page index: then a block's reader skips the pages before
    /// its first row unread. Without one, skipping rows means decompressing and decoding
    /// their pages, so the blocks of a row group are read in turn by one [`Cursor`].
    paged: bool,
    /// Tells this file from any other a [`Cursor`] has read (an address can be reused).
    id: u64,
}

/// Where a decoding thread left off in a row group, so that the group's next block is read
/// on from there instead of from the group's start. (Reading each 32k-row block of a
/// DuckDB file from its group's start decompressed every page 2.5 times over: a third of
/// the CPU, measured.)
#[derive(Default)]
pub struct Cursor {
    /// (file id, row group, the next row to read).
    at: Option<(u64, usize, usize)>,
    reader: Option<ParquetRecordBatchReader>,
    /// Rows the reader decoded past the last block's end.
    pending: Option<RecordBatch>,
    /// Readers opened (each reads its row group's pages from the start of its selection).
    opened: u64,
}

/// Rows per block, one batch of Arrow's reader ([`BATCH_ROWS`]): measured on 1M sales,
/// 8k rows decoded and windowed fastest of 4k, 8k, 16k and 32k (a block's sales stay in
/// the caches) and the whole run peaked at 57 MB (32k: 95 MB).
const BLOCK_ROWS: usize = 8 * 1024;

fn bad(path: &Path, why: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {why}", path.display()),
    )
}

/// The columns a sale is read from: (index among the file's top-level columns, the sale's
/// field, the column's name) — the seed's names, or where `shape` (`--field`) maps them. A
/// missing required column is refused here, naming it and the file's columns.
fn mapped_columns(
    path: &Path,
    schema: &arrow_schema::Schema,
    shape: Option<&SaleShape>,
) -> io::Result<Vec<(usize, &'static str, String)>> {
    use hopscope_core::sale::shape::Source;
    // The seed's generator wrote the product id as `asin`; a mapped id_product is the id.
    let mapped_id =
        shape.is_some_and(|s| s.source("id_product") != Source::Key("id_product".into()));
    let mut columns = Vec::new();
    let mut missing = Vec::new();
    for name in Sale::field_names() {
        let column = match shape.map(|s| s.source(name)) {
            None => name.to_string(),
            Some(Source::Key(k)) => k,
            Some(Source::Pointer(p)) => {
                return Err(bad(
                    path,
                    format!("--field {name}={p}: a Parquet file's values are in named columns, not at JSON pointers; give the column's name"),
                ))
            }
            Some(Source::RecordTimestamp) => {
                return Err(bad(
                    path,
                    format!("--field {name}=@timestamp: a Parquet file's rows have no record timestamp"),
                ))
            }
        };
        if name == "asin" && mapped_id {
            continue;
        }
        match schema.column_with_name(&column) {
            Some((i, _)) => columns.push((i, name, column)),
            None if Sale::REQUIRED.contains(&name) => missing.push(match column == name {
                true => column,
                false => format!("{column} (its {name})"),
            }),
            None => {}
        }
    }
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
    Ok(columns)
}

impl ParquetFile {
    /// Opens `path`, its columns named by the seed or mapped by `shape` (`--field`; a
    /// `--time-format` applies to a sale_date column of text or numbers — a timestamp
    /// column is read as the time it holds).
    pub fn open(path: &Path, shape: Option<Arc<SaleShape>>) -> io::Result<ParquetFile> {
        let f = File::open(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
        })?;
        // The page index, when the writer kept one, lets a block skip the pages before it.
        let meta = ArrowReaderMetadata::load(
            &f,
            ArrowReaderOptions::new()
                .with_offset_index_policy(parquet::file::metadata::PageIndexPolicy::Optional),
        )
        .map_err(|e| bad(path, format!("not a readable Parquet file: {e}")))?;
        let columns = mapped_columns(path, meta.schema(), shape.as_deref())?;
        let read: Vec<usize> = columns.iter().map(|c| c.0).collect();
        let meta = with_dictionaries(meta, &read).map_err(|e| bad(path, e))?;
        for (i, name, column) in &columns {
            let t = meta.schema().field(*i).data_type();
            if !supported(t) {
                return Err(bad(
                    path,
                    format!(
                        "column {column:?} is {t}, which cannot be a sale's {name} (text, a UUID, a number, a decimal, a timestamp or a date)"
                    ),
                ));
            }
        }
        let mut parts = Vec::new();
        for (g, group) in meta.metadata().row_groups().iter().enumerate() {
            let rows = group.num_rows().max(0) as usize;
            let mut first = 0;
            while first < rows {
                let len = BLOCK_ROWS.min(rows - first);
                parts.push((g, first, len));
                first += len;
            }
        }
        static FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Ok(ParquetFile {
            path: Arc::new(path.to_path_buf()),
            paged: meta.metadata().offset_index().is_some(),
            meta,
            columns,
            shape,
            parts,
            id: FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The blocks the file is read in.
    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    /// Which of `threads` decoding threads should read block `part`: any, in turn, when
    /// the file has a page index; else the thread that reads the rest of its row group
    /// (see [`Cursor`]) — row groups still decode in parallel.
    pub fn thread_for(&self, part: usize, threads: usize) -> usize {
        let key = match self.paged {
            true => part,
            false => self.parts.get(part).map_or(part, |p| p.0),
        };
        key % threads.max(1)
    }

    /// A reader of row group `group` from row `first` to its end.
    fn reader(&self, group: usize, first: usize) -> io::Result<ParquetRecordBatchReader> {
        let file = File::open(self.path.as_ref()).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open {}: {e}", self.path.display()),
            )
        })?;
        let rows = self.meta.metadata().row_group(group).num_rows().max(0) as usize;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone());
        let mask = ProjectionMask::roots(
            builder.parquet_schema(),
            self.columns.iter().map(|(i, ..)| *i),
        );
        let selection = RowSelection::from(vec![
            RowSelector::skip(first),
            RowSelector::select(rows.saturating_sub(first)),
        ]);
        builder
            .with_row_groups(vec![group])
            .with_row_selection(selection)
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| bad(&self.path, e))
    }

    /// Decodes block `part` ([`ParquetFile::parts`]), each row in order: `push(row number
    /// within the block from 1, its checked fields)` for a row the fast path reads, else `f(row number, sale
    /// or why not with the row as a JSON object — what a dead letter keeps)`; the number
    /// of rows. `cursor` is the calling thread's: where it stopped reading this file before
    /// (read on from there when this block starts where the last one ended).
    pub fn decode_part(
        &self,
        part: usize,
        cursor: &mut Cursor,
        mut f: impl FnMut(u64, Result<Sale, (SaleError, String)>),
        mut push: impl FnMut(u64, Checked<'_>),
    ) -> io::Result<u64> {
        let Some(&(group, first, len)) = self.parts.get(part) else {
            return Ok(0);
        };
        let reader = match cursor.reader.as_mut() {
            Some(r) if cursor.at == Some((self.id, group, first)) => r,
            _ => {
                cursor.pending = None;
                cursor.opened += 1;
                cursor.reader.insert(self.reader(group, first)?)
            }
        };
        // Set again once the whole block is read: a failure reopens at the next block.
        cursor.at = None;
        let mut row = 0u64;
        let mut batches = 0;
        while (row as usize) < len {
            batches += 1;
            let batch = match cursor.pending.take() {
                Some(b) => b,
                None => match reader.next() {
                    Some(b) => b.map_err(|e| bad(&self.path, format!("row group {group}: {e}")))?,
                    None => break,
                },
            };
            let want = len - row as usize;
            let batch = match batch.num_rows() > want {
                true => {
                    cursor.pending = Some(batch.slice(want, batch.num_rows() - want));
                    batch.slice(0, want)
                }
                false => batch,
            };
            // The projection keeps the file's column order: find each field by name.
            let cols: Vec<(&'static str, &dyn Array)> = self
                .columns
                .iter()
                .filter_map(|(_, name, column)| batch_column(&batch, column).map(|c| (*name, c)))
                .collect();
            let time = self.shape.as_ref().map_or(TimeFormat::Iso8601, |s| s.time);
            // UUIDs as their text (DuckDB writes a generated id as its UUID type); with a
            // mapping, integer ids as the text a mapped number becomes. Once per batch, so
            // their rows stay on the fast path (the exact path, and the dead letters, read
            // the cells themselves).
            let texts: Vec<(&'static str, ArrayRef)> = cols
                .iter()
                .filter_map(|(name, c)| {
                    let ids = || self.shape.as_ref().and_then(|_| ids_as_text(name, *c));
                    uuids_as_text(*c).or_else(ids).map(|t| (*name, t))
                })
                .collect();
            let fast_cols: Vec<(&'static str, &dyn Array)> = cols
                .iter()
                .map(|(name, c)| match texts.iter().find(|(n, _)| n == name) {
                    Some((_, t)) => (*name, t.as_ref()),
                    None => (*name, *c),
                })
                .collect();
            let typed = Typed::of(&fast_cols, batch.num_rows(), time);
            for r in 0..batch.num_rows() {
                row += 1;
                // The common shapes of the common types straight into the batch; anything
                // else (and every bad row) through the exact decoder.
                if let Some(mut fast) = typed.as_ref().and_then(|t| t.row(r)) {
                    fast.batch = batches;
                    push(row, fast);
                    continue;
                }
                let values = cols.iter().map(|(name, c)| match &self.shape {
                    None => Ok((*name, cell(*c, r))),
                    Some(shape) => shape.normalize(name, cell(*c, r)).map(|v| (*name, v)),
                });
                let sale = values
                    .collect::<Result<Vec<_>, SaleError>>()
                    .and_then(Sale::from_named);
                match sale {
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
        cursor.at = Some((self.id, group, first + len));
        Ok(row)
    }
}

/// `meta` reading every text column that has dictionary pages as a dictionary array: its
/// distinct texts once and an index per row, instead of each row's text copied out of the
/// dictionary (what Arrow's reader does by default — the biggest copy in a DuckDB or
/// Spark file, whose text columns are dictionary-encoded).
fn with_dictionaries(
    meta: ArrowReaderMetadata,
    read: &[usize],
) -> Result<ArrowReaderMetadata, String> {
    let file = meta.metadata();
    let descr = file.file_metadata().schema_descr();
    let mut dictionary = vec![false; meta.schema().fields().len()];
    for group in file.row_groups() {
        for (leaf, chunk) in group.columns().iter().enumerate() {
            if chunk.dictionary_page_offset().is_some() {
                if let Some(d) = dictionary.get_mut(descr.get_column_root_idx(leaf)) {
                    *d = true;
                }
            }
        }
    }
    let fields: Vec<arrow_schema::FieldRef> = meta
        .schema()
        .fields()
        .iter()
        .zip(&dictionary)
        .enumerate()
        .map(|(i, (f, &d))| {
            let value = match f.data_type() {
                DataType::Utf8 | DataType::Utf8View => DataType::Utf8,
                DataType::LargeUtf8 => DataType::LargeUtf8,
                _ => return f.clone(),
            };
            match d && read.contains(&i) {
                true => Arc::new(f.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(value),
                ))),
                false => f.clone(),
            }
        })
        .collect();
    if fields
        .iter()
        .zip(meta.schema().fields())
        .all(|(a, b)| a == b)
    {
        return Ok(meta);
    }
    let schema = Arc::new(arrow_schema::Schema::new_with_metadata(
        fields,
        meta.schema().metadata().clone(),
    ));
    ArrowReaderMetadata::try_new(file.clone(), ArrowReaderOptions::new().with_schema(schema))
        .map_err(|e| format!("its text columns cannot be read: {e}"))
}

/// A sale's fields as the fast path read and checked them (see [`Typed::row`]).
pub struct Checked<'a> {
    pub id_sale: &'a str,
    pub seller: Key<'a>,
    /// `None`: the seed's default category.
    pub category: Option<Key<'a>>,
    pub product: Key<'a>,
    pub sale_date: Micros,
    pub value: hopscope_core::Cents,
    /// Which of the block's batches the row is in: a [`Key::slot`] means the same text
    /// for every row of one batch.
    pub batch: usize,
}

/// A key's text, and its place in its column's dictionary when that dictionary is
/// [`Text::proven`] (so at most as large as the batch).
#[derive(Clone, Copy)]
pub struct Key<'a> {
    pub text: &'a str,
    pub slot: Option<usize>,
}

/// The keys of a block's rows in its [`SaleBatch`]: a dictionary's text copied in once
/// per batch and its seller's partition computed once, not once per row.
#[derive(Default)]
pub struct SharedKeys {
    batch: usize,
    sellers: Vec<Option<(SharedText, u32)>>,
    categories: Vec<Option<SharedText>>,
    products: Vec<Option<SharedText>>,
}

impl SharedKeys {
    /// Row `c` onto `sales`, its partition (of `partitions`) onto `placed`.
    pub fn push(
        &mut self,
        c: &Checked<'_>,
        sales: &mut SaleBatch,
        placed: &mut Vec<u32>,
        partitions: u32,
    ) {
        if c.batch != self.batch {
            self.batch = c.batch;
            self.sellers.clear();
            self.categories.clear();
            self.products.clear();
        }
        let (seller, partition) = cached(&mut self.sellers, c.seller.slot, || {
            (
                sales.share(c.seller.text),
                partition_for_key(c.seller.text.as_bytes(), partitions),
            )
        });
        let mut text = |cache: &mut Vec<Option<SharedText>>, key: Key<'_>| {
            cached(cache, key.slot, || sales.share(key.text))
        };
        let category = c.category.map(|k| text(&mut self.categories, k));
        let product = text(&mut self.products, c.product);
        sales.push_checked(
            c.id_sale,
            &seller,
            category.as_ref(),
            &product,
            c.sale_date,
            c.value,
        );
        placed.push(partition);
    }
}

/// The value kept for dictionary slot `slot`, made (and kept) the first time; made afresh
/// for a key without a slot.
fn cached<T: Clone>(
    cache: &mut Vec<Option<T>>,
    slot: Option<usize>,
    make: impl FnOnce() -> T,
) -> T {
    let Some(slot) = slot else {
        return make();
    };
    if cache.len() <= slot {
        cache.resize(slot + 1, None);
    }
    cache[slot].get_or_insert_with(make).clone()
}

/// A text column of one of Arrow's string layouts.
#[derive(Clone, Copy)]
enum Text<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    /// Indices into a dictionary's texts ([`with_dictionaries`]).
    Dict(&'a arrow_array::Int32Array, Plain<'a>),
}

/// The texts of a dictionary.
#[derive(Clone, Copy)]
enum Plain<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
}

impl<'a> Text<'a> {
    fn of(c: &'a dyn Array) -> Option<Text<'a>> {
        match c.data_type() {
            DataType::Utf8 => Some(Text::Utf8(c.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Text::Large(c.as_string::<i64>())),
            DataType::Utf8View => Some(Text::View(c.as_string_view())),
            DataType::Dictionary(key, _) if **key == DataType::Int32 => {
                let d = c.as_dictionary::<Int32Type>();
                let values = match d.values().data_type() {
                    DataType::Utf8 => Plain::Utf8(d.values().as_string::<i32>()),
                    DataType::LargeUtf8 => Plain::Large(d.values().as_string::<i64>()),
                    _ => return None,
                };
                Some(Text::Dict(d.keys(), values))
            }
            _ => None,
        }
    }

    /// Whether every text a cell can point to is a valid required text (within the limit,
    /// not blank), so that a row needs no check of its own: a dictionary's texts, checked
    /// once per batch when there are no more of them than rows (else each row is checked).
    fn proven(self, rows: usize) -> bool {
        use hopscope_core::sale::MAX_TEXT_BYTES;
        let ok =
            |s: Option<&str>| s.is_some_and(|s| s.len() <= MAX_TEXT_BYTES && !s.trim().is_empty());
        match self {
            Text::Dict(_, Plain::Utf8(a)) => a.len() <= rows.max(1024) && a.iter().all(ok),
            Text::Dict(_, Plain::Large(a)) => a.len() <= rows.max(1024) && a.iter().all(ok),
            _ => false,
        }
    }

    /// Row `r`'s index into its dictionary (`None`: not a dictionary, or a null cell).
    fn slot(self, r: usize) -> Option<usize> {
        match self {
            Text::Dict(keys, _) => usize::try_from(keys.is_valid(r).then(|| keys.value(r))?).ok(),
            _ => None,
        }
    }

    /// `None` for a null cell.
    fn get(self, r: usize) -> Option<&'a str> {
        match self {
            Text::Utf8(a) => a.is_valid(r).then(|| a.value(r)),
            Text::Large(a) => a.is_valid(r).then(|| a.value(r)),
            Text::View(a) => a.is_valid(r).then(|| a.value(r)),
            Text::Dict(keys, values) => {
                let k = usize::try_from(keys.is_valid(r).then(|| keys.value(r))?).ok()?;
                match values {
                    Plain::Utf8(a) => (k < a.len() && a.is_valid(k)).then(|| a.value(k)),
                    Plain::Large(a) => (k < a.len() && a.is_valid(k)).then(|| a.value(k)),
                }
            }
        }
    }
}

/// The columns of one batch, typed once, in the shapes the fast path reads: text as text,
/// price as a double or a decimal of scale 2, quantity as an integer, sale_date as a
/// timestamp or ISO text. Any other type sends the whole batch to the exact decoder.
struct Typed<'a> {
    /// Each with whether it is [`Text::proven`].
    id_sale: (Text<'a>, bool),
    nm_product: (Text<'a>, bool),
    seller: (Text<'a>, bool),
    nm_category: Option<(Text<'a>, bool)>,
    /// Texts a sale keeps nowhere in a window but which must still be valid.
    others: Vec<Text<'a>>,
    price: Price<'a>,
    quantity: Option<Quantity<'a>>,
    sale_date: When<'a>,
}

#[derive(Clone, Copy)]
enum Price<'a> {
    F64(&'a arrow_array::Float64Array),
    F32(&'a arrow_array::Float32Array),
    /// A decimal of scale 2: its unscaled value is the cents.
    Cents(&'a arrow_array::Decimal128Array),
    /// A decimal of another scale (up to 22), with 10^scale.
    Decimal(&'a arrow_array::Decimal128Array, f64),
}

#[derive(Clone, Copy)]
enum Quantity<'a> {
    I32(&'a arrow_array::Int32Array),
    I64(&'a arrow_array::Int64Array),
    /// Any other integer, or a double (pandas writes an integer column with gaps so).
    Other(&'a dyn Array),
}

/// Row `r` of an integer or double column as the exact path reads it for a whole number
/// (`None`: not one it reads, or not whole — the exact path says which).
fn whole(c: &dyn Array, r: usize) -> Option<i64> {
    match c.data_type() {
        DataType::Int8 => Some(i64::from(c.as_primitive::<Int8Type>().value(r))),
        DataType::Int16 => Some(i64::from(c.as_primitive::<Int16Type>().value(r))),
        DataType::UInt8 => Some(i64::from(c.as_primitive::<UInt8Type>().value(r))),
        DataType::UInt16 => Some(i64::from(c.as_primitive::<UInt16Type>().value(r))),
        DataType::UInt32 => Some(i64::from(c.as_primitive::<UInt32Type>().value(r))),
        DataType::UInt64 => i64::try_from(c.as_primitive::<UInt64Type>().value(r)).ok(),
        DataType::Float64 => {
            hopscope_core::sale::whole_quantity(c.as_primitive::<Float64Type>().value(r))
        }
        _ => None,
    }
}

/// A `Date32`'s unit in [`When::Stamp`]: midnight of its day.
const MICROS_PER_DAY: i64 = 86_400_000_000;

#[derive(Clone, Copy)]
enum When<'a> {
    /// Micros per unit (negative: units per micro).
    Stamp(&'a dyn Array, i64),
    Iso(Text<'a>),
    /// Whole milliseconds (`--time-format epoch-ms`) or seconds (`epoch-s`) since the epoch.
    EpochMs(&'a arrow_array::Int64Array),
    EpochS(&'a arrow_array::Int64Array),
}

impl<'a> Typed<'a> {
    /// The batch's columns, `rows` long.
    /// `time`: how a sale_date of text or numbers is written (`--time-format`).
    fn of(
        cols: &[(&'static str, &'a dyn Array)],
        rows: usize,
        time: TimeFormat,
    ) -> Option<Typed<'a>> {
        let col = |name: &str| cols.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
        let text = |name: &str| col(name).map(|c| Text::of(c).map(|t| (t, t.proven(rows))));
        let mut others = Vec::new();
        for name in ["id_product", "asin", "nm_brand", "tp_payment"] {
            match text(name) {
                None | Some(Some((_, true))) => {}
                Some(t) => others.push(t?.0),
            }
        }
        let price = col("price")?;
        let price = match price.data_type() {
            DataType::Float64 => Price::F64(price.as_primitive::<Float64Type>()),
            DataType::Float32 => Price::F32(price.as_primitive::<Float32Type>()),
            DataType::Decimal128(_, 2) => Price::Cents(price.as_primitive::<Decimal128Type>()),
            // Below 10^22 a scale's power of ten is an exact double (see `Price::Decimal`).
            DataType::Decimal128(_, scale @ 0..=22) => Price::Decimal(
                price.as_primitive::<Decimal128Type>(),
                10f64.powi(i32::from(*scale)),
            ),
            _ => return None,
        };
        let quantity = match col("quantity") {
            None => None,
            Some(c) => Some(match c.data_type() {
                DataType::Int32 => Quantity::I32(c.as_primitive::<Int32Type>()),
                DataType::Int64 => Quantity::I64(c.as_primitive::<Int64Type>()),
                DataType::Int8
                | DataType::Int16
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Float64 => Quantity::Other(c),
                _ => return None,
            }),
        };
        let date = col("sale_date")?;
        let sale_date = match date.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => When::Stamp(date, 1_000_000),
            DataType::Timestamp(TimeUnit::Millisecond, _) => When::Stamp(date, 1_000),
            DataType::Timestamp(TimeUnit::Microsecond, _) => When::Stamp(date, 1),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => When::Stamp(date, -1_000),
            DataType::Date32 => When::Stamp(date, MICROS_PER_DAY),
            DataType::Int64 if time == TimeFormat::EpochMs => {
                When::EpochMs(date.as_primitive::<Int64Type>())
            }
            DataType::Int64 if time == TimeFormat::EpochS => {
                When::EpochS(date.as_primitive::<Int64Type>())
            }
            _ if time == TimeFormat::Iso8601 => When::Iso(Text::of(date)?),
            _ => return None,
        };
        Some(Typed {
            id_sale: text("id_sale")??,
            nm_product: text("nm_product")??,
            seller: text("seller")??,
            nm_category: match text("nm_category") {
                None => None,
                Some(t) => Some(t?),
            },
            others,
            price,
            quantity,
            sale_date,
        })
    }

    /// Row `r`'s fields when they are certainly valid by [`Sale::from_json`]'s rules;
    /// `None` sends the row to the exact decoder (which says what is wrong, if anything).
    fn row(&self, r: usize) -> Option<Checked<'a>> {
        use hopscope_core::money::MAX_PRICE;
        use hopscope_core::sale::{MAX_QUANTITY, MAX_TEXT_BYTES};
        let fits = |s: &str| s.len() <= MAX_TEXT_BYTES;
        let required = |(t, proven): (Text<'a>, bool)| match proven {
            true => t.get(r),
            false => t.get(r).filter(|s| fits(s) && !s.trim().is_empty()),
        };
        for t in &self.others {
            if !t.get(r).is_none_or(fits) {
                return None;
            }
        }
        let category = match self
            .nm_category
            .and_then(|(t, proven)| Some((t.get(r)?, proven)))
        {
            None => None,
            Some((s, true)) => Some(s),
            Some((s, false)) if !fits(s) => return None,
            Some((s, false)) if s.trim().is_empty() => None,
            Some((s, false)) => Some(s),
        };
        let price = match self.price {
            Price::F64(a) => {
                hopscope_core::Cents::from_dollars(a.is_valid(r).then(|| a.value(r))?)?
            }
            Price::Cents(a) => {
                hopscope_core::Cents(i64::try_from(a.is_valid(r).then(|| a.value(r))?).ok()?)
            }
            // The exact path reads the cell as a JSON number would be read.
            Price::F32(a) => {
                hopscope_core::Cents::from_dollars(f64::from(a.is_valid(r).then(|| a.value(r))?))?
            }
            Price::Decimal(a, power) => {
                // The exact path parses the decimal's text into the nearest double; below
                // 2^53 the unscaled value is an exact double too, so one division (which
                // IEEE rounds to the nearest) gives that same double.
                let v = a.is_valid(r).then(|| a.value(r))?;
                if v.unsigned_abs() >= 1 << 53 {
                    return None;
                }
                hopscope_core::Cents::from_dollars(v as f64 / power)?
            }
        };
        if price.0 <= 0 || price > MAX_PRICE {
            return None;
        }
        let quantity = match self.quantity {
            None => 1,
            Some(q) => {
                let n = match q {
                    Quantity::I32(a) if a.is_valid(r) => i64::from(a.value(r)),
                    Quantity::I64(a) if a.is_valid(r) => a.value(r),
                    Quantity::Other(a) if a.is_valid(r) => whole(a, r)?,
                    // An empty quantity is the seed's default, as in JSON.
                    _ => 1,
                };
                if !(1..=i64::from(MAX_QUANTITY)).contains(&n) {
                    return None;
                }
                n
            }
        };
        let sale_date = match self.sale_date {
            When::Stamp(a, per) => {
                let v = match per {
                    MICROS_PER_DAY => i64::from(a.as_primitive::<Date32Type>().value(r)),
                    1_000_000 => a.as_primitive::<TimestampSecondType>().value(r),
                    1_000 => a.as_primitive::<TimestampMillisecondType>().value(r),
                    1 => a.as_primitive::<TimestampMicrosecondType>().value(r),
                    _ => a.as_primitive::<TimestampNanosecondType>().value(r),
                };
                if a.is_null(r) {
                    return None;
                }
                let micros = if per > 0 {
                    v.checked_mul(per)?
                } else {
                    v.div_euclid(-per)
                };
                // Years 1 to 9999, which ISO-8601 text (the exact path) can write.
                if !(-62_135_596_800_000_000..253_402_300_800_000_000).contains(&micros) {
                    return None;
                }
                Micros(micros)
            }
            When::Iso(t) => Micros::parse_iso(t.get(r)?).ok()?,
            When::EpochMs(a) => epoch_micros(a.is_valid(r).then(|| a.value(r))? as f64)?,
            When::EpochS(a) => epoch_micros(a.is_valid(r).then(|| a.value(r))? as f64 * 1000.0)?,
        };
        let key = |t: (Text<'a>, bool)| {
            Some(Key {
                text: required(t)?,
                slot: t.1.then(|| t.0.slot(r)).flatten(),
            })
        };
        Some(Checked {
            id_sale: required(self.id_sale)?,
            seller: key(self.seller)?,
            category: category.map(|text| Key {
                text,
                slot: self
                    .nm_category
                    .and_then(|(t, proven)| proven.then(|| t.slot(r)).flatten()),
            }),
            product: key(self.nm_product)?,
            sale_date,
            value: hopscope_core::Cents(price.0.checked_mul(quantity)?),
            batch: 0,
        })
    }
}

/// An integer column read for a text field (a seller id kept as a BIGINT) as the text a
/// mapped JSON number becomes ([`SaleShape::normalize`]: its decimal digits); `None` for
/// any other column.
fn ids_as_text(field: &str, c: &dyn Array) -> Option<ArrayRef> {
    use arrow_array::StringArray;
    if matches!(field, "price" | "quantity" | "sale_date") {
        return None;
    }
    fn digits<T: arrow_array::ArrowPrimitiveType>(c: &dyn Array) -> ArrayRef
    where
        T::Native: std::fmt::Display,
    {
        let a = c.as_primitive::<T>();
        Arc::new(
            a.iter()
                .map(|v| v.map(|v| v.to_string()))
                .collect::<StringArray>(),
        )
    }
    Some(match c.data_type() {
        DataType::Int8 => digits::<Int8Type>(c),
        DataType::Int16 => digits::<Int16Type>(c),
        DataType::Int32 => digits::<Int32Type>(c),
        DataType::Int64 => digits::<Int64Type>(c),
        DataType::UInt8 => digits::<UInt8Type>(c),
        DataType::UInt16 => digits::<UInt16Type>(c),
        DataType::UInt32 => digits::<UInt32Type>(c),
        DataType::UInt64 => digits::<UInt64Type>(c),
        _ => return None,
    })
}

/// A UUID column (16-byte fixed-size binary) as its texts, each as [`uuid_text`] writes
/// it; `None` for any other column.
fn uuids_as_text(c: &dyn Array) -> Option<ArrayRef> {
    if *c.data_type() != DataType::FixedSizeBinary(16) {
        return None;
    }
    let a = c.as_fixed_size_binary();
    // Every text 36 bytes (a null cell's too, masked by the nulls): the offsets are
    // multiples of 36, and the texts are checked as UTF-8 once, all together.
    let mut texts = vec![0u8; a.len() * 36];
    for (r, out) in texts.chunks_exact_mut(36).enumerate() {
        // Every value of a FixedSizeBinary(16) is 16 bytes.
        uuid_hex(a.value(r).try_into().ok()?, out.try_into().ok()?);
    }
    let offsets = arrow_buffer::OffsetBuffer::from_lengths(std::iter::repeat_n(36, a.len()));
    let texts = arrow_array::StringArray::try_new(offsets, texts.into(), a.nulls().cloned());
    Some(Arc::new(texts.ok()?))
}

/// `1c774512-120f-486b-ae20-ac6082308439`, written into `out`.
fn uuid_into<'a>(b: &[u8; 16], out: &'a mut [u8; 36]) -> &'a str {
    uuid_hex(b, out);
    // Only ASCII was written: no check needed, but the safe conversion costs little.
    std::str::from_utf8(out).unwrap_or_default()
}

/// [`uuid_into`]'s digits and dashes.
fn uuid_hex(b: &[u8; 16], out: &mut [u8; 36]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Where each byte's two digits go: the dashes sit at 8, 13, 18 and 23.
    const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    for (x, at) in b.iter().zip(AT) {
        out[at] = HEX[usize::from(x >> 4)];
        out[at + 1] = HEX[usize::from(x & 15)];
    }
    for at in [8, 13, 18, 23] {
        out[at] = b'-';
    }
}

/// `ms` since the epoch as the exact path reads a mapped number ([`SaleShape::normalize`]:
/// the same float steps), within years 1 to 9999 (else `None`: the exact path decides).
fn epoch_micros(ms: f64) -> Option<Micros> {
    const MAX_MS: f64 = 253_402_300_799_999.0;
    if !(-62_135_596_800_000.0..=MAX_MS).contains(&ms) {
        return None;
    }
    Some(Micros((ms * 1000.0).round() as i64))
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
    ) || matches!(t, DataType::Dictionary(key, value)
            if **key == DataType::Int32 && matches!(**value, DataType::Utf8 | DataType::LargeUtf8))
}

/// A cell as the JSON decoder would have read it (`Null` when empty).
fn cell(c: &dyn Array, r: usize) -> Value {
    if c.is_null(r) {
        return Value::Null;
    }
    let micros = |m: i64| Value::String(Micros(m).to_iso());
    match c.data_type() {
        // A text read as a dictionary ([`with_dictionaries`]): the text it points to.
        DataType::Dictionary(key, _) if **key == DataType::Int32 => {
            let d = c.as_dictionary::<Int32Type>();
            match usize::try_from(d.keys().value(r)) {
                Ok(k) if k < d.values().len() => cell(d.values().as_ref(), k),
                _ => Value::Null,
            }
        }
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
        DataType::Date32 => micros(
            i64::from(c.as_primitive::<Date32Type>().value(r)).saturating_mul(86_400_000_000),
        ),
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

/// `1c774512-120f-486b-ae20-ac6082308439` ([`uuid_into`]); other lengths as plain hex.
fn uuid_text(b: &[u8]) -> String {
    match <&[u8; 16]>::try_from(b) {
        Ok(b) => uuid_into(b, &mut [0; 36]).to_string(),
        Err(_) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

/// The decimal as text; a value no text can hold (a scale beyond 38) as the largest.
fn decimal_text(v: i128, scale: i8) -> String {
    let p = 10i128.checked_pow(u32::from(scale.unsigned_abs()));
    if scale <= 0 {
        return p
            .and_then(|p| v.checked_mul(p))
            .map_or_else(|| "1e39".into(), |x| x.to_string());
    }
    let Some(p) = p else {
        return "0".into();
    };
    let sign = if v < 0 { "-" } else { "" };
    let (a, p) = (v.unsigned_abs(), p.unsigned_abs());
    format!("{sign}{}.{:0width$}", a / p, a % p, width = scale as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path reads a row only when the exact decoder would read it the same way,
    /// with texts as plain strings and as dictionaries (how DuckDB and Spark write them).
    #[test]
    fn the_fast_path_agrees_with_the_exact_decoder_on_every_row() {
        let plain = agreeing_rows(false);
        let dictionaries = agreeing_rows(true);
        assert!(plain >= 6, "the fast path reads the good rows: {plain}");
        assert_eq!(plain, dictionaries, "dictionaries read the same rows fast");
    }

    /// Checks every row of a table of good and bad cells both ways; how many the fast
    /// path read.
    fn agreeing_rows(dictionaries: bool) -> usize {
        use arrow_array::{
            ArrayRef, Decimal128Array, DictionaryArray, Float64Array, Int64Array, StringArray,
            TimestampMicrosecondArray, TimestampNanosecondArray,
        };
        use hopscope_core::sale::MAX_TEXT_BYTES;
        let long = "x".repeat(MAX_TEXT_BYTES + 1);
        let texts = |v: Vec<Option<&str>>| -> ArrayRef {
            match dictionaries {
                true => Arc::new(v.into_iter().collect::<DictionaryArray<Int32Type>>()),
                false => Arc::new(StringArray::from(v)),
            }
        };
        let n = 9;
        let id = texts(vec![
            Some("a"),
            Some(" "),
            None,
            Some("d"),
            Some("e"),
            Some("f"),
            Some("g"),
            Some(long.as_str()),
            Some("i"),
        ]);
        // Every text valid (a dictionary proven once), one cell missing.
        let mut product = vec![Some("p"); n];
        product[5] = None;
        let product = texts(product);
        let payment = texts([Some("PIX"), None, Some("Card")].repeat(3));
        let seller = texts(vec![
            Some("s"),
            Some("s"),
            Some("s"),
            Some(""),
            Some("s"),
            Some("s"),
            Some("s"),
            Some("s"),
            Some("s"),
        ]);
        let category = texts(vec![
            None,
            Some(" "),
            Some("c"),
            Some("c"),
            Some(long.as_str()),
            Some("c"),
            Some("c"),
            Some("c"),
            Some(" "),
        ]);
        let brand = texts(vec![
            Some("b"),
            None,
            Some(long.as_str()),
            Some("b"),
            Some("b"),
            Some("b"),
            Some("b"),
            Some("b"),
            Some("b"),
        ]);
        let f64_price = Float64Array::from(vec![
            Some(20.99),
            Some(0.004),
            Some(1.0),
            None,
            Some(f64::NAN),
            Some(-3.0),
            Some(1e12),
            Some(5.0),
            Some(2.5),
        ]);
        let dec_price = Decimal128Array::from(vec![
            Some(2099),
            Some(0),
            Some(100),
            None,
            Some(1),
            Some(-300),
            Some(i128::MAX),
            Some(500),
            Some(250),
        ])
        .with_precision_and_scale(38, 2)
        .unwrap();
        let quantity = Int64Array::from(vec![
            Some(2),
            None,
            Some(0),
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(20_000),
            Some(3),
        ]);
        let micros = TimestampMicrosecondArray::from(vec![
            Some(1_705_831_200_123_456),
            Some(0),
            Some(1),
            Some(2),
            None,
            Some(4),
            Some(5),
            Some(6),
            Some(i64::MAX),
        ]);
        let nanos = TimestampNanosecondArray::from(vec![
            Some(1_705_831_200_123_456_789),
            Some(-1),
            Some(1),
            Some(2),
            None,
            Some(4),
            Some(5),
            Some(6),
            Some(7),
        ]);
        let iso = texts(vec![
            Some("2024-01-21T10:00:00.123456+00:00"),
            Some("junk"),
            None,
            Some("2024-01-21T10:00:00Z"),
            Some("2024-01-21 10:00:00"),
            Some("2024-01-21T10:00:00Z"),
            Some("2024-01-21T10:00:00Z"),
            Some("2024-01-21T10:00:00Z"),
            Some("2024-01-21T10:00:00Z"),
        ]);
        let f32_price = arrow_array::Float32Array::from(vec![
            Some(20.99),
            Some(0.004),
            Some(1.0),
            None,
            Some(f32::INFINITY),
            Some(-3.0),
            Some(1e12),
            Some(5.0),
            Some(2.5),
        ]);
        let decimal = |scale: i8, v: Vec<Option<i128>>| {
            Decimal128Array::from(v)
                .with_precision_and_scale(38, scale)
                .unwrap()
        };
        // Half a cent rounds up, as the decimal's text does; 2^53 and beyond to the exact path.
        let milli_price = decimal(
            3,
            vec![
                Some(20_995),
                Some(4),
                Some(1_000),
                None,
                Some(5),
                Some(-3_000),
                Some(i128::MAX),
                Some(9_007_199_254_740_993),
                Some(2_499),
            ],
        );
        let whole_price = decimal(
            0,
            vec![
                Some(21),
                Some(0),
                Some(1),
                None,
                Some(1),
                Some(-3),
                Some(10i128.pow(18)),
                Some(5),
                Some(3),
            ],
        );
        let atto_price = decimal(
            18,
            vec![
                Some(20_990_000_000_000_000_000),
                Some(4_000_000_000_000_000),
                Some(5_000_000_000_000_000),
                None,
                Some(1),
                Some(-3),
                Some(2_500_000_000_000_000),
                Some(1_234_567_890_123_456),
                Some(7_000_000_000_000_000),
            ],
        );
        // The same quantities as a SMALLINT.
        let small_quantity: arrow_array::Int16Array = quantity
            .iter()
            .map(|q| q.and_then(|q| i16::try_from(q).ok()))
            .collect();
        // pandas writes an integer column with gaps as doubles.
        let float_quantity = Float64Array::from(vec![
            Some(2.0),
            None,
            Some(1.0),
            Some(1.0),
            Some(f64::NAN),
            Some(1.0),
            Some(1.0),
            Some(1e300),
            Some(1.5),
        ]);
        let days = arrow_array::Date32Array::from(vec![
            Some(19_743),
            Some(-719_162),
            Some(-719_163),
            Some(2),
            None,
            Some(4),
            Some(2_932_896),
            Some(2_932_897),
            Some(i32::MIN),
        ]);
        let prices: [(&str, &dyn Array); 6] = [
            ("f64", &f64_price),
            ("decimal(38,2)", &dec_price),
            ("f32", &f32_price),
            ("decimal(38,3)", &milli_price),
            ("decimal(38,0)", &whole_price),
            ("decimal(38,18)", &atto_price),
        ];
        let quantities: [(&str, &dyn Array); 3] = [
            ("i64", &quantity),
            ("i16", &small_quantity),
            ("f64 quantity", &float_quantity),
        ];
        let dates: [(&str, &dyn Array); 4] = [
            ("micros", &micros),
            ("nanos", &nanos),
            ("iso", iso.as_ref()),
            ("date32", &days),
        ];
        let mut fast = 0;
        // Every kind of column has rows on the fast path.
        let mut fast_by_kind = std::collections::BTreeMap::<&str, usize>::new();
        let cases = prices
            .iter()
            .flat_map(|p| quantities.iter().map(move |q| (*p, *q)));
        for ((price_kind, price), (quantity_kind, quantity)) in cases {
            for (date_kind, date) in dates {
                let cols: Vec<(&'static str, &dyn Array)> = vec![
                    ("id_sale", id.as_ref()),
                    ("nm_product", product.as_ref()),
                    ("nm_category", category.as_ref()),
                    ("nm_brand", brand.as_ref()),
                    ("tp_payment", payment.as_ref()),
                    ("seller", seller.as_ref()),
                    ("price", price),
                    ("quantity", quantity),
                    ("sale_date", date),
                ];
                let typed = Typed::of(&cols, n, TimeFormat::Iso8601).expect("common types");
                for r in 0..n {
                    let exact = Sale::from_named(cols.iter().map(|(k, c)| (*k, cell(*c, r))));
                    let Some(c) = typed.row(r) else { continue };
                    fast += 1;
                    for kind in [price_kind, quantity_kind, date_kind] {
                        *fast_by_kind.entry(kind).or_default() += 1;
                    }
                    let case = format!("row {r}, {price_kind} price, {quantity_kind}, {date_kind}");
                    let sale = exact.unwrap_or_else(|e| {
                        panic!("{case}: fast read a row the exact decoder refuses: {e}")
                    });
                    assert_eq!(c.id_sale, sale.id_sale);
                    assert_eq!(c.seller.text, sale.seller);
                    assert_eq!(c.product.text, sale.nm_product);
                    assert_eq!(
                        c.category
                            .map_or(hopscope_core::sale::DEFAULT_CATEGORY, |k| k.text),
                        sale.nm_category
                    );
                    // Only a proven dictionary's rows name their slot.
                    assert_eq!(c.product.slot.is_some(), dictionaries);
                    assert_eq!(c.seller.slot, None);
                    assert_eq!(c.sale_date, sale.sale_date, "{case}");
                    assert_eq!(c.value, sale.value(), "{case}");
                }
            }
        }
        assert_eq!(
            fast_by_kind.len(),
            prices.len() + quantities.len() + dates.len(),
            "{fast_by_kind:?}"
        );
        fast
    }

    /// Writes `rows` generated sales as Parquet with row groups of `group_rows` (text
    /// dictionary-encoded, as writers do by default); their ids in order.
    fn sales_parquet(
        path: &Path,
        rows: usize,
        group_rows: usize,
        page_index: bool,
        seed: u64,
    ) -> Vec<String> {
        use arrow_array::{
            ArrayRef, Float64Array, Int32Array, StringArray, TimestampMicrosecondArray,
        };
        use hopscope_core::{Catalog, GeneratorConfig, SaleGenerator, Timestamp};
        let config = GeneratorConfig {
            seed,
            ..GeneratorConfig::default()
        };
        let mut generator = SaleGenerator::new(Catalog::embedded(), &config);
        let sales: Vec<Sale> = (0..rows)
            .map(|_| generator.poll(Timestamp(i64::MAX)).expect("a sale").sale)
            .collect();
        let text = |f: fn(&Sale) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(sales.iter().map(f)))
        };
        let batch = RecordBatch::try_from_iter([
            ("id_sale", text(|s| &s.id_sale)),
            ("nm_product", text(|s| &s.nm_product)),
            ("nm_category", text(|s| &s.nm_category)),
            ("seller", text(|s| &s.seller)),
            (
                "price",
                Arc::new(Float64Array::from_iter_values(
                    sales.iter().map(|s| s.price.0 as f64 / 100.0),
                )) as ArrayRef,
            ),
            (
                "quantity",
                Arc::new(Int32Array::from_iter_values(
                    sales.iter().map(|s| s.quantity as i32),
                )) as ArrayRef,
            ),
            (
                "sale_date",
                Arc::new(TimestampMicrosecondArray::from_iter_values(
                    sales.iter().map(|s| s.sale_date.0),
                )) as ArrayRef,
            ),
        ])
        .unwrap();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(group_rows))
            .set_statistics_enabled(match page_index {
                true => parquet::file::properties::EnabledStatistics::Page,
                false => parquet::file::properties::EnabledStatistics::Chunk,
            })
            .set_offset_index_disabled(!page_index)
            .build();
        let mut w = parquet::arrow::ArrowWriter::try_new(
            File::create(path).unwrap(),
            batch.schema(),
            Some(props),
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        sales.into_iter().map(|s| s.id_sale).collect()
    }

    /// The ids `file`'s blocks `parts` give, read in that order with `cursor`.
    fn read_ids(
        file: &ParquetFile,
        parts: impl IntoIterator<Item = usize>,
        cursor: &mut Cursor,
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for part in parts {
            let ids = std::cell::RefCell::new(&mut ids);
            file.decode_part(
                part,
                cursor,
                |row, sale| panic!("row {row} not read fast: {:?}", sale.err()),
                |_, c| ids.borrow_mut().push(c.id_sale.to_string()),
            )
            .unwrap();
        }
        ids
    }

    /// A row group of more rows than a block is read on from where its last block ended,
    /// by one reader per row group (reopening it at each block decompressed its pages again
    /// and again), and a block read out of turn — another row group, another file — is
    /// still read right.
    #[test]
    fn blocks_of_a_row_group_are_read_on_by_one_reader() {
        let dir = std::env::temp_dir().join(format!("hopscope-parquet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.parquet"), dir.join("b.parquet"));
        let want = sales_parquet(&a, 2 * BLOCK_ROWS + 1000, BLOCK_ROWS + 5000, false, 1);
        let other = sales_parquet(&b, 100, 64, true, 2);
        // The same shape as `a`, other sales: where a cursor stopped in one is not the other.
        let twin = dir.join("twin.parquet");
        let twin_ids = sales_parquet(&twin, 2 * BLOCK_ROWS + 1000, BLOCK_ROWS + 5000, false, 3);
        let twin = ParquetFile::open(&twin, None).unwrap();
        let (a, b) = (
            ParquetFile::open(&a, None).unwrap(),
            ParquetFile::open(&b, None).unwrap(),
        );
        // Groups of a block and 5,000 rows, and of 4,192 rows: three blocks.
        assert_eq!(a.parts(), 3);
        assert!(!a.paged && b.paged);
        // A row group's blocks go to one thread (without a page index), else in turn.
        assert_eq!((b.thread_for(0, 2), b.thread_for(1, 2)), (0, 1));
        assert_eq!(
            (a.thread_for(0, 2), a.thread_for(1, 2), a.thread_for(2, 2)),
            (0, 0, 1)
        );

        let mut cursor = Cursor::default();
        assert_eq!(read_ids(&a, 0..3, &mut cursor), want);
        assert_eq!(cursor.opened, 2, "one reader per row group");

        // Out of turn: each block alone, then interleaved with another file's.
        let mut alone = Vec::new();
        for part in [0, 1, 2] {
            alone.extend(read_ids(&a, [part], &mut Cursor::default()));
        }
        assert_eq!(alone, want);
        let mut cursor = Cursor::default();
        let mut mixed = read_ids(&a, [0], &mut cursor);
        assert_eq!(read_ids(&b, 0..b.parts(), &mut cursor), other);
        mixed.extend(read_ids(&a, [1, 2], &mut cursor));
        assert_eq!(mixed, want);
        assert_eq!(
            read_ids(&a, [1], &mut cursor),
            want[BLOCK_ROWS..BLOCK_ROWS + 5000]
        );
        read_ids(&a, [0], &mut cursor);
        assert_eq!(
            read_ids(&twin, [1], &mut cursor),
            twin_ids[BLOCK_ROWS..BLOCK_ROWS + 5000]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A dictionary's text is copied into the block once per batch and its rows point to
    /// it; the same slot in the next batch (another dictionary) is another text.
    #[test]
    fn rows_of_a_batch_share_their_dictionary_texts() {
        let (mut sales, mut placed, mut keys) =
            (SaleBatch::new(), Vec::new(), SharedKeys::default());
        let rows = [
            (1, "ana", Some(0), "TV", Some(0)),
            (1, "bia", Some(1), "TV", Some(0)),
            (1, "ana", Some(0), "Radio", None),
            (2, "caio", Some(0), "Fan", Some(0)),
            (2, "ana", None, "Fan", Some(0)),
        ];
        for (batch, seller, seller_slot, product, product_slot) in rows {
            let c = Checked {
                id_sale: "id",
                seller: Key {
                    text: seller,
                    slot: seller_slot,
                },
                category: None,
                product: Key {
                    text: product,
                    slot: product_slot,
                },
                sale_date: Micros(0),
                value: hopscope_core::Cents(1),
                batch,
            };
            keys.push(&c, &mut sales, &mut placed, 6);
        }
        let read: Vec<(&str, &str)> = sales.iter().map(|s| (s.seller, s.nm_product)).collect();
        let want: Vec<(&str, &str)> = rows.iter().map(|r| (r.1, r.3)).collect();
        assert_eq!(read, want);
        // Copied once: rows with one slot in one batch read the same bytes.
        assert_eq!(sales.get(0).seller.as_ptr(), sales.get(2).seller.as_ptr());
        assert_eq!(
            sales.get(0).nm_product.as_ptr(),
            sales.get(1).nm_product.as_ptr()
        );
        assert_ne!(
            sales.get(1).nm_product.as_ptr(),
            sales.get(3).nm_product.as_ptr()
        );
        let partition = |s: &str| partition_for_key(s.as_bytes(), 6);
        assert_eq!(placed, rows.map(|r| partition(r.1)));
    }

    /// A table in its own names (`--field`): a seller id as a number, times in epoch
    /// milliseconds; each row is the sale the mapped JSON record gives.
    #[test]
    fn mapped_columns_read_as_mapped_json_does() {
        use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
        use hopscope_core::sale::TimeFormat;
        let dir = std::env::temp_dir().join(format!("hopscope-mapped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("orders.parquet");
        let batch = RecordBatch::try_from_iter([
            (
                "order_id",
                Arc::new(StringArray::from(vec!["o-1", "o-2", "o-3"])) as ArrayRef,
            ),
            (
                "item",
                Arc::new(StringArray::from(vec!["TV", "Fan", "TV"])) as ArrayRef,
            ),
            (
                "merchant",
                Arc::new(Int64Array::from(vec![42, 7, 42])) as ArrayRef,
            ),
            (
                "amount",
                Arc::new(Float64Array::from(vec![20.5, 3.0, -1.0])) as ArrayRef,
            ),
            (
                "ts",
                Arc::new(Int64Array::from(vec![
                    1_705_831_200_123,
                    1_705_831_201_000,
                    1_705_831_202_000,
                ])) as ArrayRef,
            ),
        ])
        .unwrap();
        write_parquet(&path, &batch);
        let specs: Vec<String> = [
            "id_sale=order_id",
            "nm_product=item",
            "seller=merchant",
            "price=amount",
            "sale_date=ts",
        ]
        .map(String::from)
        .to_vec();
        let shape = Arc::new(SaleShape::new(&specs, TimeFormat::EpochMs).unwrap());
        let file = ParquetFile::open(&path, Some(shape.clone())).unwrap();
        // Each row: the sale the exact path read (or why not), or the fast path's fields.
        type Fast = (String, String, String, Micros, hopscope_core::Cents);
        let rows = std::cell::RefCell::new(Vec::new());
        file.decode_part(
            0,
            &mut Cursor::default(),
            |row, sale| rows.borrow_mut().push((row, Ok(sale))),
            |row, c| {
                let fast: Fast = (
                    c.id_sale.into(),
                    c.seller.text.into(),
                    c.product.text.into(),
                    c.sale_date,
                    c.value,
                );
                rows.borrow_mut().push((row, Err(fast)))
            },
        )
        .unwrap();
        let rows = rows.into_inner();
        let json = |i: usize| {
            format!(
                r#"{{"order_id":"o-{}","item":"{}","merchant":{},"amount":{},"ts":{}}}"#,
                i + 1,
                ["TV", "Fan", "TV"][i],
                [42, 7, 42][i],
                [20.5, 3.0, -1.0][i],
                [1_705_831_200_123i64, 1_705_831_201_000, 1_705_831_202_000][i]
            )
        };
        assert_eq!(rows.len(), 3);
        let mut fast = 0;
        for (i, (row, read)) in rows.into_iter().enumerate() {
            assert_eq!(row, i as u64 + 1);
            let want = shape.decode(json(i).as_bytes(), None);
            match (read, want) {
                (Ok(Ok(got)), Ok(want)) => assert_eq!(got, want),
                (Ok(Err((got, _))), Err(want)) => assert_eq!(got, want, "row {row}"),
                (Err(got), Ok(want)) => {
                    fast += 1;
                    let want: Fast = (
                        want.id_sale.clone(),
                        want.seller.clone(),
                        want.nm_product.clone(),
                        want.sale_date,
                        want.value(),
                    );
                    assert_eq!(got, want, "row {row}");
                }
                (got, want) => panic!("row {row}: {got:?} vs the JSON's {want:?}"),
            }
        }
        // Integer sellers and epoch milliseconds stay on the fast path.
        assert_eq!(fast, 2);

        // A pointer, and a mapped column the file lacks, are refused naming the cause.
        let open = |specs: &[&str]| {
            let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
            let shape = SaleShape::new(&specs, TimeFormat::Iso8601).unwrap();
            ParquetFile::open(&path, Some(Arc::new(shape)))
                .err()
                .map(|e| e.to_string())
        };
        let e = open(&["seller=/merchant/id"]).unwrap();
        assert!(
            e.contains("--field seller=/merchant/id") && e.contains("named columns"),
            "{e}"
        );
        let e = open(&[
            "id_sale=order_id",
            "nm_product=item",
            "seller=merchant",
            "price=amount",
            "sale_date=when",
        ])
        .unwrap();
        assert!(
            e.contains("no column when (its sale_date)") && e.contains("its columns: order_id"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// `batch` as a Parquet file at `path`, the writer's defaults.
    fn write_parquet(path: &Path, batch: &RecordBatch) {
        let file = File::create(path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        w.write(batch).unwrap();
        w.close().unwrap();
    }

    /// A decimal price of any scale up to 22 is read fast as the exact path reads its text:
    /// the nearest double, then cents rounded half up — swept over scales and magnitudes.
    #[test]
    fn decimal_prices_of_any_scale_read_fast_as_their_text() {
        use arrow_array::{Decimal128Array, StringArray, TimestampMicrosecondArray};
        let n = 4_000;
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let texts = StringArray::from(vec!["a"; n]);
        let when = TimestampMicrosecondArray::from(vec![1_705_831_200_000_000; n]);
        let mut fast = 0;
        for scale in [0i8, 1, 3, 4, 5, 6, 9, 12, 18, 22] {
            let values: Vec<i128> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Every magnitude up to 2^53 and a little past it, half-cent ties too.
                    let v = (x >> (i % 60)) as i128;
                    if i % 7 == 0 {
                        v / 10 * 10 + 5
                    } else {
                        v
                    }
                })
                .collect();
            let price = Decimal128Array::from(values)
                .with_precision_and_scale(38, scale)
                .unwrap();
            let cols: Vec<(&'static str, &dyn Array)> = vec![
                ("id_sale", &texts),
                ("nm_product", &texts),
                ("seller", &texts),
                ("price", &price),
                ("sale_date", &when),
            ];
            let typed = Typed::of(&cols, n, TimeFormat::Iso8601).expect("a decimal price");
            for r in 0..n {
                let exact = Sale::from_named(cols.iter().map(|(k, c)| (*k, cell(*c, r))));
                let small = price.value(r).unsigned_abs() < 1 << 53;
                match (typed.row(r), exact) {
                    (None, Ok(_)) if small => {
                        panic!("{:?} at scale {scale}: not read fast", cell(&price, r))
                    }
                    (Some(c), Ok(sale)) => {
                        fast += 1;
                        assert_eq!(
                            c.value,
                            sale.value(),
                            "{:?} at scale {scale}",
                            cell(&price, r)
                        );
                    }
                    (Some(_), Err(e)) => panic!(
                        "{:?}: fast read what the exact path refuses: {e}",
                        cell(&price, r)
                    ),
                    (None, _) => {}
                }
            }
        }
        assert!(fast > n, "prices of every scale read: {fast}");
    }

    /// A sale id kept as a UUID (DuckDB's type for a generated id) is read on the fast
    /// path as the text the exact path writes for it; a missing one is still refused.
    #[test]
    fn uuid_ids_read_fast_as_their_text() {
        use arrow_array::TimestampMicrosecondArray;
        use arrow_array::{ArrayRef, FixedSizeBinaryArray, Float64Array, StringArray};
        let dir = std::env::temp_dir().join(format!("hopscope-uuid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("uuids.parquet");
        let first: [u8; 16] = [
            0x1c, 0x77, 0x45, 0x12, 0x12, 0x0f, 0x48, 0x6b, 0xae, 0x20, 0xac, 0x60, 0x82, 0x30,
            0x84, 0x39,
        ];
        let ids = [Some(first), None, Some([0xff; 16]), Some([0; 16])];
        let n = ids.len();
        let id_sale =
            FixedSizeBinaryArray::try_from_sparse_iter_with_size(ids.iter().copied(), 16).unwrap();
        let batch = RecordBatch::try_from_iter([
            ("id_sale", Arc::new(id_sale) as ArrayRef),
            (
                "nm_product",
                Arc::new(StringArray::from(vec!["TV"; n])) as ArrayRef,
            ),
            (
                "seller",
                Arc::new(StringArray::from(vec!["s"; n])) as ArrayRef,
            ),
            (
                "price",
                Arc::new(Float64Array::from(vec![2.5; n])) as ArrayRef,
            ),
            (
                "sale_date",
                Arc::new(TimestampMicrosecondArray::from(vec![
                    1_705_831_200_000_000;
                    n
                ])) as ArrayRef,
            ),
        ])
        .unwrap();
        write_parquet(&path, &batch);
        let file = ParquetFile::open(&path, None).unwrap();
        let (fast, exact) = (
            std::cell::RefCell::new(Vec::new()),
            std::cell::RefCell::new(Vec::new()),
        );
        file.decode_part(
            0,
            &mut Cursor::default(),
            |row, sale| {
                exact
                    .borrow_mut()
                    .push((row, sale.map_err(|(e, _)| e.to_string())))
            },
            |row, c| fast.borrow_mut().push((row, c.id_sale.to_string())),
        )
        .unwrap();
        let col = batch.column(0).as_ref();
        let want = |r: usize| match cell(col, r) {
            Value::String(s) => s,
            v => panic!("row {r}: {v}"),
        };
        assert_eq!(
            fast.into_inner(),
            vec![(1, want(0)), (3, want(2)), (4, want(3))],
            "the rows with an id, on the fast path"
        );
        assert_eq!(want(0), "1c774512-120f-486b-ae20-ac6082308439");
        assert_eq!(want(2), "ffffffff-ffff-ffff-ffff-ffffffffffff");
        let exact = exact.into_inner();
        assert_eq!(exact.len(), 1);
        assert_eq!(exact[0].0, 2);
        let e = exact[0].1.as_ref().unwrap_err();
        assert!(e.contains("id_sale"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Whole epoch milliseconds and seconds (`--time-format`) are read fast exactly as the
    /// exact path reads the mapped number, and only within the years it can write.
    #[test]
    fn epoch_numbers_read_fast_as_the_exact_path_reads_them() {
        use arrow_array::{Float64Array, Int64Array, StringArray};
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (time, per_ms) in [(TimeFormat::EpochMs, 1), (TimeFormat::EpochS, 1000)] {
            let mut values = vec![
                0,
                1,
                -1,
                1_705_831_200_123 / per_ms,
                -62_135_596_800_000 / per_ms,
                -62_135_596_800_000 / per_ms - 1,
                253_402_300_799_999 / per_ms,
                253_402_300_799_999 / per_ms + 1,
                i64::MAX,
                i64::MIN,
            ];
            for _ in 0..20_000 {
                values.push(
                    (next() % 315_000_000_000_000) as i64 / per_ms - 62_000_000_000_000 / per_ms,
                );
            }
            let n = values.len();
            let (id, product, seller) = (
                StringArray::from(vec!["a"; n]),
                StringArray::from(vec!["p"; n]),
                StringArray::from(vec!["s"; n]),
            );
            let price = Float64Array::from(vec![1.0; n]);
            let when = Int64Array::from(values);
            let cols: Vec<(&'static str, &dyn Array)> = vec![
                ("id_sale", &id),
                ("nm_product", &product),
                ("seller", &seller),
                ("price", &price),
                ("sale_date", &when),
            ];
            let shape = SaleShape::new(&[], time).unwrap();
            let typed = Typed::of(&cols, n, time).expect("an integer time column");
            let mut fast = 0;
            for r in 0..n {
                let exact = cols
                    .iter()
                    .map(|(k, c)| shape.normalize(k, cell(*c, r)).map(|v| (*k, v)))
                    .collect::<Result<Vec<_>, _>>()
                    .and_then(Sale::from_named);
                let Some(c) = typed.row(r) else { continue };
                fast += 1;
                let sale = exact.unwrap_or_else(|e| {
                    panic!(
                        "{:?}: fast read what the exact path refuses: {e}",
                        when.value(r)
                    )
                });
                assert_eq!(c.sale_date, sale.sale_date, "{time:?} {}", when.value(r));
            }
            assert!(fast > n * 9 / 10, "{time:?}: {fast} of {n} fast");
        }
    }

    #[test]
    fn decimals_are_written_exactly() {
        assert_eq!(decimal_text(2099, 2), "20.99");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(decimal_text(7, -2), "700");
        // Scales no decimal can have do not panic: the price decoder refuses the text.
        assert_eq!(decimal_text(i128::MAX, -100), "1e39");
        assert_eq!(decimal_text(1, 100), "0");
    }
}
