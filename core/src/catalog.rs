//! The product catalog sales are drawn from.
//!
//! The default catalog is embedded at compile time (`data/catalog.csv`, rebuilt by
//! `data/rebuild_catalog.py`), so the browser and the native binary sell exactly the same
//! products without touching a file system. Users who own the seed's Kaggle "Amazon
//! Products Dataset 2023" can load it instead with [`Catalog::from_amazon_csv`]; reading the
//! files is the caller's job (core does no IO).

use crate::csv::{self, CsvError};
use crate::money::Cents;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

const EMBEDDED_CSV: &str = include_str!("../../data/catalog.csv");
const BRAND_ALIASES_CSV: &str = include_str!("../../data/brand_aliases.csv");

/// The seed reads only the first 10,000 rows of `amazon_products.csv`.
pub const AMAZON_ROW_LIMIT: usize = 10_000;
/// The seed cuts product names to 100 characters.
pub const TITLE_CHARS: usize = 100;

/// One product a sale can be of: what the generator copies into each sale.
#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    /// Stable id: `CE-…` for the embedded catalog, the ASIN for Amazon data.
    pub id: String,
    pub title: String,
    pub category: String,
    pub brand: String,
    pub price: Cents,
    /// Stars out of 5, when the listing has a rating.
    pub rating: Option<f32>,
    pub reviews: u32,
}

/// The products sales are drawn from, and their categories in first-seen order.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    products: Vec<Product>,
    categories: Vec<String>,
}

impl Catalog {
    /// The embedded Costco electronics catalog (see `data/NOTICE`), parsed once.
    pub fn embedded() -> Arc<Catalog> {
        static CELL: OnceLock<Arc<Catalog>> = OnceLock::new();
        CELL.get_or_init(|| {
            Arc::new(Catalog::from_hopscope_csv(EMBEDDED_CSV).expect("embedded catalog is valid"))
        })
        .clone()
    }

    /// Every product, in file order.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Distinct category names, in first-seen order.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// How many products there are.
    pub fn len(&self) -> usize {
        self.products.len()
    }

    /// Never true for a built catalog ([`Catalog::new`] refuses an empty one).
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    /// Builds a catalog from products; fails when there are none. Titles longer than
    /// [`TITLE_CHARS`] characters are cut here, once, as the seed cut them, so a sale can
    /// copy its product's title as it is.
    pub fn new(mut products: Vec<Product>) -> Result<Catalog, CatalogError> {
        if products.is_empty() {
            return Err(CatalogErrorKind::NoProducts.into());
        }
        for p in &mut products {
            if let Some((at, _)) = p.title.char_indices().nth(TITLE_CHARS) {
                p.title.truncate(at);
            }
        }
        let mut categories: Vec<String> = Vec::new();
        for p in &products {
            if !categories.contains(&p.category) {
                categories.push(p.category.clone());
            }
        }
        Ok(Catalog {
            products,
            categories,
        })
    }

    /// hopscope's own format: `id,title,category,brand,price_cents,rating,reviews`.
    pub fn from_hopscope_csv(text: &str) -> Result<Catalog, CatalogError> {
        let t = csv::parse(text)?;
        let col = |n| t.column(n);
        let (id, title, cat, brand, price, rating, reviews) = (
            col("id")?,
            col("title")?,
            col("category")?,
            col("brand")?,
            col("price_cents")?,
            col("rating")?,
            col("reviews")?,
        );
        let mut products = Vec::with_capacity(t.rows.len());
        for (i, row) in t.rows.iter().enumerate() {
            let line = i + 2;
            let get = |c: usize| {
                row.get(c)
                    .map(String::as_str)
                    .ok_or(CatalogErrorKind::TooFewColumns { row: line })
            };
            let bad = |column, rule| CatalogErrorKind::BadValue {
                row: line,
                column,
                rule,
            };
            let cents: i64 = get(price)?
                .parse()
                .map_err(|_| bad("price_cents", "is not a whole number"))?;
            if cents <= 0 {
                return Err(bad("price_cents", "must be > 0").into());
            }
            products.push(Product {
                id: get(id)?.to_string(),
                title: get(title)?.to_string(),
                category: get(cat)?.to_string(),
                brand: get(brand)?.to_string(),
                price: Cents(cents),
                rating: parse_opt(get(rating)?).map_err(|_| bad("rating", "is not a number"))?,
                reviews: parse_opt(get(reviews)?)
                    .map_err(|_| bad("reviews", "is not a whole number"))?
                    .unwrap_or(0),
            });
        }
        Catalog::new(products)
    }

    /// The seed's dataset: `amazon_products.csv` (asin,title,stars,reviews,price,
    /// listPrice,category_id,…) joined with `amazon_categories.csv` (id,category_name),
    /// cleaned as the seed did: the first 10,000 rows, rows with no title or a price ≤ 0
    /// (or no price) dropped, titles cut to 100 characters.
    pub fn from_amazon_csv(
        products_csv: &str,
        categories_csv: &str,
    ) -> Result<Catalog, CatalogError> {
        const CATEGORIES: &str = "amazon_categories.csv";
        const PRODUCTS: &str = "amazon_products.csv";
        let in_file = |file| move |e: CsvError| CatalogError::in_file(file, e.into());
        let cats = csv::parse(categories_csv).map_err(in_file(CATEGORIES))?;
        let (cid, cname) = (
            cats.column("id").map_err(in_file(CATEGORIES))?,
            cats.column("category_name").map_err(in_file(CATEGORIES))?,
        );
        let names: HashMap<&str, &str> = cats
            .rows
            .iter()
            .filter_map(|r| Some((r.get(cid)?.trim(), r.get(cname)?.as_str())))
            .collect();
        // Only the rows the seed kept are read at all.
        let t = csv::parse_head(products_csv, AMAZON_ROW_LIMIT).map_err(in_file(PRODUCTS))?;
        let col = |n| t.column(n).map_err(in_file(PRODUCTS));
        let (asin, title, stars, reviews, price, cat) = (
            col("asin")?,
            col("title")?,
            col("stars")?,
            col("reviews")?,
            col("price")?,
            col("category_id")?,
        );
        let aliases = brand_aliases();
        let mut products = Vec::new();
        for row in t.rows.iter().take(AMAZON_ROW_LIMIT) {
            let field = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
            let name = field(title);
            let Ok(dollars) = field(price).parse::<f64>() else {
                continue;
            };
            let Some(cents) = Cents::from_dollars(dollars) else {
                continue;
            };
            if name.is_empty() || cents.0 <= 0 {
                continue;
            }
            let category = names.get(field(cat)).map_or_else(
                || crate::sale::DEFAULT_CATEGORY.to_string(),
                |s| s.to_string(),
            );
            products.push(Product {
                id: field(asin).to_string(),
                title: name.chars().take(TITLE_CHARS).collect(),
                category,
                brand: brand_with(&aliases, name),
                price: cents,
                rating: field(stars).parse::<f32>().ok().filter(|s| *s > 0.0),
                reviews: field(reviews).parse().unwrap_or(0),
            });
        }
        Catalog::new(products).map_err(|e| CatalogError::in_file(PRODUCTS, e.kind))
    }
}

/// Why a catalog cannot be built: the file at fault (when there are several) and what is
/// wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError {
    /// `amazon_products.csv` or `amazon_categories.csv` for the seed's dataset.
    pub file: Option<&'static str>,
    pub kind: CatalogErrorKind,
}

/// What is wrong with a catalog file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogErrorKind {
    /// Not readable as CSV, or a column is missing.
    Csv(CsvError),
    /// Nothing left to sell (every row dropped, or none at all).
    NoProducts,
    /// A row (1-based line of the file) shorter than the header.
    TooFewColumns { row: usize },
    /// A value that breaks its column's rule: `price_cents` "must be > 0".
    BadValue {
        row: usize,
        column: &'static str,
        rule: &'static str,
    },
}

impl CatalogError {
    fn in_file(file: &'static str, kind: CatalogErrorKind) -> CatalogError {
        CatalogError {
            file: Some(file),
            kind,
        }
    }
}

impl From<CatalogErrorKind> for CatalogError {
    fn from(kind: CatalogErrorKind) -> CatalogError {
        CatalogError { file: None, kind }
    }
}

impl From<CsvError> for CatalogErrorKind {
    fn from(e: CsvError) -> CatalogErrorKind {
        CatalogErrorKind::Csv(e)
    }
}

impl From<CsvError> for CatalogError {
    fn from(e: CsvError) -> CatalogError {
        CatalogErrorKind::Csv(e).into()
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = self.file {
            write!(f, "{file}: ")?;
        }
        match &self.kind {
            CatalogErrorKind::Csv(e) => write!(f, "{e}"),
            CatalogErrorKind::NoProducts => write!(f, "catalog has no usable products"),
            CatalogErrorKind::TooFewColumns { row } => {
                write!(f, "catalog row {row}: too few columns")
            }
            CatalogErrorKind::BadValue { row, column, rule } => {
                write!(f, "catalog row {row}: {column} {rule}")
            }
        }
    }
}

impl std::error::Error for CatalogError {}

fn parse_opt<T: std::str::FromStr>(s: &str) -> Result<Option<T>, T::Err> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        s.trim().parse().map(Some)
    }
}

fn brand_aliases() -> HashMap<String, String> {
    let t = csv::parse(BRAND_ALIASES_CSV).expect("embedded brand aliases are valid CSV");
    t.rows
        .iter()
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].to_lowercase(), r[1].clone()))
        .collect()
}

fn brand_with(aliases: &HashMap<String, String>, title: &str) -> String {
    let first = title
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| c == ',' || c == ':' || c == '-');
    if first.is_empty() {
        return "Generic".into();
    }
    aliases
        .get(&first.to_lowercase())
        .cloned()
        .unwrap_or_else(|| first.to_string())
}

/// The brand of a product title: its first word, with product lines mapped to their
/// maker (`MacBook` → `Apple`), from `data/brand_aliases.csv`.
pub fn brand_of(title: &str) -> String {
    brand_with(&brand_aliases(), title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_is_the_real_costco_listing() {
        let c = Catalog::embedded();
        assert_eq!(c.len(), 640);
        assert_eq!(c.categories().len(), 23);
        let ids: std::collections::HashSet<_> = c.products().iter().map(|p| &p.id).collect();
        assert_eq!(ids.len(), c.len(), "ids are unique");
        let duracell = &c.products()[0];
        assert_eq!(
            duracell.title,
            "Duracell Coppertop Alkaline AA Batteries, 40-count"
        );
        assert_eq!(duracell.price, Cents(2099));
        assert!(c.products().iter().all(|p| p.price.0 > 0));
        assert!(c
            .products()
            .iter()
            .any(|p| p.rating.is_some() && p.reviews > 0));
    }

    #[test]
    fn brands_map_product_lines_to_makers() {
        assert_eq!(brand_of("MacBook Air 13\" M2"), "Apple");
        assert_eq!(brand_of("iPad Pro"), "Apple");
        assert_eq!(brand_of("Xbox Series X"), "Microsoft");
        assert_eq!(brand_of("Samsung 65\" TV"), "Samsung");
        assert_eq!(brand_of("Roland FP-30X"), "Roland");
        assert_eq!(brand_of(""), "Generic");
    }

    #[test]
    fn amazon_dataset_is_cleaned_as_the_seed_did() {
        let products = "asin,title,imgUrl,productURL,stars,reviews,price,listPrice,category_id,isBestSeller,boughtInLastMonth\n\
            B01,\"Echo Dot (5th Gen, 2022 release) | Smart speaker, \"\"Alexa\"\"\",u,u,4.7,1200,49.99,0,1,True,1000\n\
            B02,,u,u,4.1,10,19.99,0,1,False,0\n\
            B03,Free sample,u,u,0,0,0,0,2,False,0\n\
            B04,MacBook Air,u,u,4.8,300,999.0,1099.0,2,False,50\n\
            B05,Mystery Box,u,u,,,12.5,0,99,False,0\n";
        let categories = "id,category_name\n1,Smart Home\n2,Laptops\n";
        let c = Catalog::from_amazon_csv(products, categories).unwrap();
        let got: Vec<_> = c.products().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(got, ["B01", "B04", "B05"]);
        let echo = &c.products()[0];
        assert_eq!(echo.brand, "Amazon");
        assert_eq!(echo.category, "Smart Home");
        assert_eq!(echo.price, Cents(4999));
        assert!(echo.title.contains("\"Alexa\""));
        assert_eq!(c.products()[1].brand, "Apple");
        assert_eq!(c.products()[2].category, "General Category");
        assert_eq!(c.products()[2].rating, None);
    }

    #[test]
    fn amazon_loader_keeps_only_the_first_ten_thousand_rows_and_cuts_titles() {
        let long = "x".repeat(150);
        let mut csv = String::from("asin,title,stars,reviews,price,category_id\n");
        for i in 0..AMAZON_ROW_LIMIT + 5 {
            csv.push_str(&format!("A{i},{long},4,1,1.5,1\n"));
        }
        let c = Catalog::from_amazon_csv(&csv, "id,category_name\n1,C\n").unwrap();
        assert_eq!(c.len(), AMAZON_ROW_LIMIT);
        assert_eq!(c.products()[0].title.chars().count(), TITLE_CHARS);
    }

    #[test]
    fn any_catalog_cuts_long_titles_to_whole_characters() {
        let product = |title: String| Product {
            id: "x".into(),
            title,
            category: "c".into(),
            brand: "b".into(),
            price: Cents(100),
            rating: None,
            reviews: 0,
        };
        let c = Catalog::new(vec![product("é".repeat(150)), product("short".into())]).unwrap();
        assert_eq!(c.products()[0].title, "é".repeat(TITLE_CHARS));
        assert_eq!(c.products()[1].title, "short");
    }

    #[test]
    fn unusable_amazon_files_say_why() {
        let e = Catalog::from_amazon_csv("asin,title\n", "id,category_name\n").unwrap_err();
        assert_eq!(e.file, Some("amazon_products.csv"));
        assert!(
            matches!(&e.kind, CatalogErrorKind::Csv(c) if matches!(&c.kind, csv::CsvErrorKind::NoColumn { name, .. } if name == "stars"))
        );
        assert!(
            e.to_string()
                .starts_with("amazon_products.csv: CSV has no column \"stars\""),
            "{e}"
        );
        let e = Catalog::from_amazon_csv(
            "asin,title,stars,reviews,price,category_id\nA,,1,1,0,1\n",
            "id,category_name\n",
        )
        .unwrap_err();
        assert_eq!(e.kind, CatalogErrorKind::NoProducts);
        assert!(e.to_string().contains("no usable products"), "{e}");
        let e = Catalog::from_amazon_csv("asin\n", "id\n").unwrap_err();
        assert_eq!(e.file, Some("amazon_categories.csv"), "{e}");
    }

    #[test]
    fn bad_rows_of_a_hopscope_catalog_name_row_and_column() {
        let header = "id,title,category,brand,price_cents,rating,reviews\n";
        let cases = [
            ("a,b,c,d,0,,\n", "price_cents", "must be > 0"),
            ("a,b,c,d,1.5,,\n", "price_cents", "is not a whole number"),
            ("a,b,c,d,150,x,\n", "rating", "is not a number"),
            ("a,b,c,d,150,4.5,-3\n", "reviews", "is not a whole number"),
        ];
        for (row, want_column, want_rule) in cases {
            let e = Catalog::from_hopscope_csv(&format!("{header}{row}")).unwrap_err();
            assert_eq!(
                e.kind,
                CatalogErrorKind::BadValue {
                    row: 2,
                    column: want_column,
                    rule: want_rule
                },
                "{row}"
            );
            assert_eq!(
                e.to_string(),
                format!("catalog row 2: {want_column} {want_rule}")
            );
        }
        let e = Catalog::from_hopscope_csv(&format!("{header}a,b\n")).unwrap_err();
        assert_eq!(e.kind, CatalogErrorKind::TooFewColumns { row: 2 });
    }
}
