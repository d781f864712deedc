//! `--field NAME=PATH` and `--time-format`: the user's topic shape, for every command that
//! reads sales (files and topics). The seed's shape keeps the fast decoder; a mapping reads
//! each record through core's [`SaleShape`].

use hopscope_core::sale::{SaleShape, TimeFormat};
use hopscope_core::{Sale, SaleError, Timestamp};
use std::sync::Arc;

#[derive(clap::Args, Clone, Debug, Default)]
pub struct ShapeArgs {
    /// Read a sale field from another key (repeatable): NAME=PATH, NAME one of id_sale,
    /// id_product, nm_product, nm_category, nm_brand, seller, price, quantity, tp_payment,
    /// sale_date; PATH a top-level key or a JSON pointer such as /merchant/id.
    /// `sale_date=@timestamp` takes the Kafka record's timestamp.
    #[arg(long = "field", value_name = "NAME=PATH")]
    pub fields: Vec<String>,
    /// How sale_date is written: iso8601 (the seed's), epoch-ms, epoch-s, or sql
    /// (`2025-05-01 10:00:00.123`, UTC).
    #[arg(long, value_name = "FORMAT", default_value = "iso8601", value_parser = parse_time_format)]
    pub time_format: TimeFormat,
}

fn parse_time_format(text: &str) -> Result<TimeFormat, String> {
    TimeFormat::parse(text).map_err(|e| e.to_string())
}

impl ShapeArgs {
    /// The mapping, or `None` for the seed's own shape (the fast path).
    pub fn shape(&self) -> Result<Option<Arc<SaleShape>>, String> {
        let shape = SaleShape::new(&self.fields, self.time_format).map_err(|e| e.to_string())?;
        Ok((!shape.is_seed()).then(|| Arc::new(shape)))
    }

    /// The mapping for a file, which has no record timestamps.
    pub fn file_shape(&self) -> Result<Option<Arc<SaleShape>>, String> {
        let shape = self.shape()?;
        if shape.as_ref().is_some_and(|s| s.uses_record_timestamp()) {
            return Err(
                "--field sale_date=@timestamp takes a Kafka record's timestamp; lines of a file have none"
                    .into(),
            );
        }
        Ok(shape)
    }
}

/// One record in the seed's shape or the user's.
pub fn decode(
    shape: Option<&SaleShape>,
    bytes: &[u8],
    record_time: Option<Timestamp>,
) -> Result<Sale, SaleError> {
    match shape {
        None => Sale::from_json(bytes),
        Some(s) => s.decode(bytes, record_time),
    }
}
