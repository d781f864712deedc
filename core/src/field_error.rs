//! One shape for "this record — or this field of it — broke this rule": a sale
//! ([`crate::SaleError`]) and a window row ([`crate::window::WindowRowError`]) alike. Each
//! kind enum says its rules and its words; the field and the record-or-field choice are
//! here once.

/// Which field (none when the record as a whole is at fault) and what it broke.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError<K> {
    pub field: Option<&'static str>,
    pub kind: K,
}

impl<K> FieldError<K> {
    /// The record as a whole.
    pub fn record(kind: K) -> FieldError<K> {
        FieldError { field: None, kind }
    }

    /// One field of it.
    pub fn field(field: &'static str, kind: K) -> FieldError<K> {
        FieldError {
            field: Some(field),
            kind,
        }
    }
}
