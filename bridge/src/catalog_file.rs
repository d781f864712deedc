//! `--catalog PATH`: load a catalog from disk (core only parses text).
//!
//! PATH may be the seed's Kaggle "Amazon Products Dataset 2023" — a folder holding
//! `amazon_products.csv` and `amazon_categories.csv`, or the products file with the
//! categories file beside it — or a file in hopscope's own format (`data/catalog.csv`).

use hopscope_core::Catalog;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn load(path: Option<&Path>) -> Result<Arc<Catalog>, String> {
    let Some(path) = path else {
        return Ok(Catalog::embedded());
    };
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read catalog {}: {e}", p.display()))
    };
    let (products, categories): (PathBuf, PathBuf) = if path.is_dir() {
        (
            path.join("amazon_products.csv"),
            path.join("amazon_categories.csv"),
        )
    } else {
        let text = read(path)?;
        let header = text.lines().next().unwrap_or("");
        if header.contains("price_cents") {
            return Catalog::from_hopscope_csv(&text)
                .map(Arc::new)
                .map_err(|e| format!("{}: {e}", path.display()));
        }
        if !header.contains("asin") {
            return Err(format!(
                "{}: not a catalog: the first line has neither hopscope's columns (id,title,category,brand,price_cents,rating,reviews) nor the Amazon Products Dataset's (asin,title,…,category_id)",
                path.display()
            ));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let categories = dir.join("amazon_categories.csv");
        if !categories.exists() {
            return Err(format!(
                "{}: an Amazon Products Dataset file needs amazon_categories.csv beside it, and {} does not exist",
                path.display(),
                categories.display()
            ));
        }
        (path.to_path_buf(), categories)
    };
    Catalog::from_amazon_csv(&read(&products)?, &read(&categories)?)
        .map(Arc::new)
        .map_err(|e| format!("{}: {e}", products.display()))
}
