//! Sales decoded side by side: what the windows and detection read, in one buffer.
//!
//! A [`SaleBatch`] holds a run of records decoded from JSON lines: for each, its time and
//! value, and its four texts (id, seller, category, product) copied into one shared
//! string. No allocation per record once the batch has grown to its working size, and
//! the engine reads the keys of consecutive sales from neighbouring memory — the layout
//! the window benchmark measures as fastest. Other fields are validated, not kept.

use super::scan::{scan, Scanned};
use super::{Sale, SaleError};
use crate::money::Cents;
use crate::time::{Micros, Timestamp};
use std::ops::Range;

/// The category a sale without one is filed under (the seed's default).
pub const DEFAULT_CATEGORY: &str = "General Category";

/// What the windows and detection read of one sale, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaleView<'a> {
    pub id_sale: &'a str,
    pub seller: &'a str,
    pub nm_category: &'a str,
    pub nm_product: &'a str,
    /// `price × quantity`, exact.
    pub value: Cents,
    /// When the sale happened, UTC.
    pub sale_date: Micros,
}

impl SaleView<'_> {
    /// The sale's event time at window resolution (milliseconds).
    pub fn event_time(&self) -> Timestamp {
        self.sale_date.to_timestamp()
    }
}

impl<'a> From<&'a Sale> for SaleView<'a> {
    fn from(s: &'a Sale) -> SaleView<'a> {
        SaleView {
            id_sale: &s.id_sale,
            seller: &s.seller,
            nm_category: &s.nm_category,
            nm_product: &s.nm_product,
            value: s.value(),
            sale_date: s.sale_date,
        }
    }
}

/// A text in a [`SaleBatch`] that many rows can point to ([`SaleBatch::share`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedText(Range<usize>);

/// A run of decoded sales. Clear and reuse it: its buffers keep their capacity.
#[derive(Clone, Debug, Default)]
pub struct SaleBatch {
    text: String,
    rows: Vec<Row>,
    fast: u64,
    exact: u64,
}

#[derive(Clone, Debug)]
struct Row {
    sale_date: Micros,
    value: Cents,
    id_sale: Range<usize>,
    seller: Range<usize>,
    category: Option<Range<usize>>,
    product: Range<usize>,
}

impl SaleBatch {
    /// An empty batch.
    pub fn new() -> SaleBatch {
        SaleBatch::default()
    }

    /// Decodes one JSON record onto the end of the batch, by the same rules as
    /// [`Sale::from_json`] (which it falls back to for anything but the common shape, and
    /// whose error it returns). On error the batch is unchanged.
    pub fn push_json(&mut self, bytes: &[u8]) -> Result<(), SaleError> {
        match scan(bytes, &mut self.text) {
            Some(s) => {
                self.fast += 1;
                self.push_scanned(s);
                Ok(())
            }
            None => {
                self.exact += 1;
                self.push_sale(&Sale::from_json(bytes)?);
                Ok(())
            }
        }
    }

    /// Copies a decoded sale onto the end of the batch.
    pub fn push_sale(&mut self, sale: &Sale) {
        let mut copy = |s: &str| {
            let start = self.text.len();
            self.text.push_str(s);
            start..self.text.len()
        };
        let row = Row {
            sale_date: sale.sale_date,
            value: sale.value(),
            id_sale: copy(&sale.id_sale),
            seller: copy(&sale.seller),
            category: Some(copy(&sale.nm_category)),
            product: copy(&sale.nm_product),
        };
        self.rows.push(row);
    }

    /// Copies `s` into the batch once, for any number of rows to point to until the batch
    /// is cleared: a columnar reader's dictionary text is copied once per batch instead of
    /// once per row, and the windows then read the same bytes for every row that has it.
    pub fn share(&mut self, s: &str) -> SharedText {
        let start = self.text.len();
        self.text.push_str(s);
        SharedText(start..self.text.len())
    }

    /// Adds a sale whose fields a columnar reader has already checked by the rules of
    /// [`Sale::from_json`] (its caller proves it: `bridge`'s Parquet fast path is tested
    /// against [`Sale::from_named`]). `category: None` is the seed's default. The keys
    /// are texts [`SaleBatch::share`]d since this batch was last cleared (one from another
    /// batch makes reading the row panic, like indexing out of bounds).
    pub fn push_checked(
        &mut self,
        id_sale: &str,
        seller: &SharedText,
        category: Option<&SharedText>,
        product: &SharedText,
        sale_date: Micros,
        value: Cents,
    ) {
        let id_sale = self.share(id_sale).0;
        let row = Row {
            sale_date,
            value,
            id_sale,
            seller: seller.0.clone(),
            category: category.map(|c| c.0.clone()),
            product: product.0.clone(),
        };
        self.rows.push(row);
    }

    fn push_scanned(&mut self, s: Scanned) {
        self.rows.push(Row {
            sale_date: s.sale_date,
            value: s.value,
            id_sale: s.id_sale,
            seller: s.seller,
            category: s.category,
            product: s.product,
        });
    }

    /// Sales in the batch.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the batch holds no sale.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Empties the batch, keeping its capacity (the decode counts stay).
    pub fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }

    /// The `i`th sale; panics when `i >= len()`, like indexing a slice.
    pub fn get(&self, i: usize) -> SaleView<'_> {
        self.view(&self.rows[i])
    }

    /// The sales in the order they were pushed.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = SaleView<'_>> + '_ {
        self.rows.iter().map(|r| self.view(r))
    }

    /// Records decoded by the fast scanner and by the exact decoder (counting those it
    /// rejected) since the batch was made: how often the fast path applies.
    pub fn decode_counts(&self) -> (u64, u64) {
        (self.fast, self.exact)
    }

    fn view<'a>(&'a self, r: &Row) -> SaleView<'a> {
        SaleView {
            id_sale: &self.text[r.id_sale.clone()],
            seller: &self.text[r.seller.clone()],
            nm_category: r
                .category
                .clone()
                .map_or(DEFAULT_CATEGORY, |c| &self.text[c]),
            nm_product: &self.text[r.product.clone()],
            value: r.value,
            sale_date: r.sale_date,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_gives_back_what_the_exact_decoder_reads_and_keeps_order() {
        let good = r#"{"id_sale":"a","nm_product":"P \"q\"","seller":"s","price":2.5,"quantity":3,"sale_date":"2024-01-21T10:00:00.5Z"}"#;
        // A quoted price takes the exact decoder's path; the batch still holds it in order.
        let quoted = good.replace("2.5", "\"2.5\"").replace("\"a\"", "\"b\"");
        let bad = good.replace("\"s\"", "\"\"");
        let mut batch = SaleBatch::new();
        batch.push_json(good.as_bytes()).unwrap();
        let e = batch.push_json(bad.as_bytes()).unwrap_err();
        assert_eq!(e, Sale::from_json(bad.as_bytes()).unwrap_err());
        batch.push_json(quoted.as_bytes()).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.decode_counts(), (1, 2));
        for (view, line) in batch.iter().zip([good, quoted.as_str()]) {
            let exact = Sale::from_json(line.as_bytes()).unwrap();
            assert_eq!(view, SaleView::from(&exact));
        }
        assert_eq!(batch.get(0).nm_category, DEFAULT_CATEGORY);
        assert_eq!(batch.get(1).id_sale, "b");
        batch.clear();
        assert!(batch.is_empty());
    }

    #[test]
    fn rows_share_a_text_copied_once() {
        let mut batch = SaleBatch::new();
        let seller = batch.share("ana");
        let (tv, radio) = (batch.share("TV"), batch.share("Radio"));
        let category = batch.share("Audio");
        for (i, product) in [&tv, &radio, &tv].into_iter().enumerate() {
            let id = format!("sale-{i}");
            let category = (i != 1).then_some(&category);
            batch.push_checked(
                &id,
                &seller,
                category,
                product,
                Micros(i as i64),
                Cents(100),
            );
        }
        let read: Vec<(&str, &str, &str, &str)> = batch
            .iter()
            .map(|s| (s.id_sale, s.seller, s.nm_category, s.nm_product))
            .collect();
        assert_eq!(
            read,
            [
                ("sale-0", "ana", "Audio", "TV"),
                ("sale-1", "ana", DEFAULT_CATEGORY, "Radio"),
                ("sale-2", "ana", "Audio", "TV"),
            ]
        );
        // The shared texts once, then each row's own id.
        assert_eq!(
            batch.text.len(),
            "anaTVRadioAudio".len() + 3 * "sale-0".len()
        );
    }
}
