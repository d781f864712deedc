//! The fast path of the sale decoder: one pass over the bytes, no allocation per field.
//!
//! [`Sale::from_json`](super::Sale::from_json) is the exact decoder — serde_json into
//! owned fields, every rule checked, an error naming the field. It costs about a
//! microsecond per record, which made JSON decoding, not windowing, the bottleneck of
//! `hopscope window` (the engine alone runs at over 10 M events/s).
//!
//! This scanner reads the shape real producers write — one flat object, plain strings,
//! plain decimal numbers — and copies only the four texts the windows read into the
//! caller's buffer. Anything else (a `null`, a quoted number, an exponent, a nested value
//! in an unknown field, a `\u` surrogate, a number with many digits, any error at all)
//! makes it answer `None`, and the caller runs the exact decoder, which either accepts the
//! record or says exactly what is wrong with it.
//!
//! **Invariant (fuzzed by `fuzz/fuzz_targets/sale_scan.rs`, property-tested below):**
//! when the scanner accepts a record, the exact decoder accepts it too and yields the same
//! values. The scanner may decline anything; it may never disagree.

use crate::money::{Cents, MAX_PRICE};
use crate::sale::{MAX_QUANTITY, MAX_RECORD_BYTES, MAX_TEXT_BYTES};
use crate::time::Micros;
use std::ops::Range;

/// What the scanner read from one record: the values the windows and detection need,
/// texts as ranges of the caller's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scanned {
    pub sale_date: Micros,
    pub value: Cents,
    pub id_sale: Range<usize>,
    pub seller: Range<usize>,
    /// `None` when blank: the seed's default category applies.
    pub category: Option<Range<usize>>,
    pub product: Range<usize>,
}

/// Scans one record, appending its texts to `text`. On `None`, `text` is as it was.
pub(crate) fn scan(line: &[u8], text: &mut String) -> Option<Scanned> {
    let mark = text.len();
    let scanned = scan_inner(line, text);
    if scanned.is_none() {
        text.truncate(mark);
    }
    scanned
}

fn scan_inner(line: &[u8], text: &mut String) -> Option<Scanned> {
    if line.len() > MAX_RECORD_BYTES {
        return None;
    }
    // One validation of the whole line (ASCII runs at memory speed); every string below
    // is then a slice of valid UTF-8 between ASCII quotes.
    let line = std::str::from_utf8(line).ok()?;
    let mut s = Scanner {
        b: line.as_bytes(),
        src: line,
        i: 0,
    };
    let mut id_sale = None;
    let mut seller = None;
    let mut category = None;
    let mut product = None;
    let mut price = None;
    let mut quantity = None;
    let mut sale_date = None;
    // Fields only validated (the windows do not read them): `id_product` (or the seed's
    // `asin`), `nm_brand`, `tp_payment`.
    s.ws();
    s.eat(b'{')?;
    s.ws();
    if s.peek()? == b'}' {
        return None; // no fields: the exact decoder says which one is missing
    }
    loop {
        s.eat(b'"')?;
        let key = s.plain_key()?;
        s.ws();
        s.eat(b':')?;
        s.ws();
        match key {
            b"id_sale" => id_sale = Some(s.text(text)?),
            b"seller" => seller = Some(s.text(text)?),
            b"nm_category" => category = Some(s.text(text)?),
            b"nm_product" => product = Some(s.text(text)?),
            b"id_product" | b"asin" | b"nm_brand" | b"tp_payment" => s.skip_text()?,
            b"price" => price = Some(s.price()?),
            b"quantity" => quantity = Some(s.quantity()?),
            b"sale_date" => sale_date = Some(Micros::parse_iso(s.plain_text()?).ok()?),
            _ => s.skip_scalar()?,
        }
        s.ws();
        match s.next()? {
            b',' => s.ws(),
            b'}' => break,
            _ => return None,
        }
    }
    s.ws();
    if s.i != s.b.len() {
        return None; // trailing bytes: not one JSON value
    }
    let required = |r: Option<Range<usize>>| r.filter(|r| !blank(&text[r.clone()]));
    let quantity = quantity.unwrap_or(1); // the seed's default
    Some(Scanned {
        sale_date: sale_date?,
        value: Cents(price?.0 * i64::from(quantity)),
        id_sale: required(id_sale)?,
        seller: required(seller)?,
        category: category.filter(|r| !blank(&text[r.clone()])),
        product: required(product)?,
    })
}

/// Empty or only whitespace, as `str::trim` sees it (Unicode's), with the common case —
/// a visible ASCII first character — decided without trimming.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(c) if c.is_ascii_graphic() => false,
        _ => s.trim().is_empty(),
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    src: &'a str,
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// JSON's four whitespace bytes.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A key after its opening quote; keys with escapes are left to the exact decoder.
    fn plain_key(&mut self) -> Option<&'a [u8]> {
        let src = self.src;
        self.plain_rest().map(|r| &src.as_bytes()[r])
    }

    /// After an opening quote: the string's range in the source when it has no escape
    /// (the cursor then past its closing quote), `None` otherwise.
    fn plain_rest(&mut self) -> Option<Range<usize>> {
        let start = self.i;
        let end = start + special_byte(&self.b[start..])?;
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        Some(start..end)
    }

    /// A string value, unescaped onto `text`; its range there. At most
    /// [`MAX_TEXT_BYTES`] once unescaped, as the exact decoder requires.
    fn text(&mut self, text: &mut String) -> Option<Range<usize>> {
        self.eat(b'"')?;
        let start = text.len();
        loop {
            let run = special_byte(&self.b[self.i..])?;
            text.push_str(&self.src[self.i..self.i + run]);
            self.i += run;
            match self.next()? {
                b'"' => break,
                b'\\' => unescape(self, text)?,
                _ => return None, // a control byte: not valid JSON
            }
        }
        (text.len() - start <= MAX_TEXT_BYTES).then_some(start..text.len())
    }

    /// A string value without escapes, borrowed; `None` for anything else.
    fn plain_text(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let src = self.src;
        self.plain_rest().map(|r| &src[r])
    }

    /// A string value the windows do not read: checked as [`Scanner::text`] checks it
    /// (a string, at most [`MAX_TEXT_BYTES`] unescaped), kept nowhere.
    fn skip_text(&mut self) -> Option<()> {
        let start = self.i;
        match self.plain_text() {
            Some(t) => (t.len() <= MAX_TEXT_BYTES).then_some(()),
            None => {
                // Escapes: unescape into a scratch buffer to learn the length.
                self.i = start;
                self.text(&mut String::new()).map(|_| ())
            }
        }
    }

    /// A plain decimal (`1499.97`, `20`, `0.5`) as exact cents, in (0, MAX_PRICE].
    ///
    /// Up to 8 integer and 6 fraction digits: 14 significant digits parse to the nearest
    /// double exactly and print back as the same decimal, so rounding the digits half-up
    /// here gives what `Cents::from_dollars` gives for the exact decoder's `f64`.
    fn price(&mut self) -> Option<Cents> {
        let (int, int_digits) = self.int(8)?;
        let mut cents = int * 100;
        if self.peek() == Some(b'.') {
            self.i += 1;
            let (frac, frac_digits) = self.digits(6)?;
            if frac_digits == 0 {
                return None;
            }
            let scale = 10i64.pow(frac_digits as u32);
            // Half-up at two places, on the digits as written.
            let hundredths = frac * 100;
            let mut c = hundredths / scale;
            if (hundredths % scale) * 2 >= scale {
                c += 1;
            }
            cents += c;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) || int_digits == 0 {
            return None;
        }
        (cents > 0 && cents <= MAX_PRICE.0).then_some(Cents(cents))
    }

    /// A plain whole number in [1, MAX_QUANTITY].
    fn quantity(&mut self) -> Option<u32> {
        let (n, digits) = self.int(5)?;
        if digits == 0 || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        (1..=i64::from(MAX_QUANTITY))
            .contains(&n)
            .then_some(n as u32)
    }

    /// Up to `max` decimal digits, their value and count; `None` when there are more.
    fn digits(&mut self, max: usize) -> Option<(i64, usize)> {
        let start = self.i;
        let mut n = 0i64;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            if self.i - start == max {
                return None;
            }
            n = n * 10 + i64::from(d - b'0');
            self.i += 1;
        }
        Some((n, self.i - start))
    }

    /// The integer part of a JSON number: digits with no leading zero before another
    /// (`007` is not JSON).
    fn int(&mut self, max: usize) -> Option<(i64, usize)> {
        let leading_zero = self.peek() == Some(b'0');
        let (n, count) = self.digits(max)?;
        (!(leading_zero && count > 1)).then_some((n, count))
    }

    /// The value of a key the sale does not read: a string, a short plain number,
    /// `true`, `false` or `null`. Objects, arrays and long or exponent numbers go to the
    /// exact decoder.
    fn skip_scalar(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.eat(b'"')?;
                loop {
                    self.i += special_byte(&self.b[self.i..])?;
                    match self.next()? {
                        b'"' => return Some(()),
                        b'\\' => skip_escape(self)?,
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => {
                if self.peek() == Some(b'-') {
                    self.i += 1;
                }
                let (_, int_digits) = self.int(15)?;
                if int_digits == 0 {
                    return None;
                }
                if self.peek() == Some(b'.') {
                    self.i += 1;
                    if self.digits(15)?.1 == 0 {
                        return None;
                    }
                }
                (!matches!(self.peek(), Some(b'e' | b'E'))).then_some(())
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.b.get(self.i..self.i + 4)?;
        let mut n = 0;
        for &d in digits {
            n = n * 16 + (d as char).to_digit(16)?;
        }
        self.i += 4;
        Some(n)
    }
}

/// After a backslash: one escape, decoded onto `text`. Surrogates (`\ud83d…`) are left
/// to the exact decoder.
fn unescape(s: &mut Scanner<'_>, text: &mut String) -> Option<()> {
    let c = match s.next()? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => char::from_u32(s.hex4()?)?, // None for surrogates
        _ => return None,
    };
    text.push(c);
    Some(())
}

/// After a backslash in a string nobody reads: check the escape, keep nothing.
fn skip_escape(s: &mut Scanner<'_>) -> Option<()> {
    match s.next()? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(()),
        b'u' => char::from_u32(s.hex4()?).map(|_| ()),
        _ => None,
    }
}

/// Index of the first `"`, `\` or control byte (< 0x20) in `b`, eight bytes at a time.
///
/// Per 8-byte word the classic "has a byte less than n" test: subtracting 0x01.. borrows
/// into a byte's top bit only at a match or above one, so the lowest flagged byte (the
/// first, little-endian) is always a real match.
fn special_byte(b: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let less = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let hits = less(x, 0x20)
            | less(x ^ (ONES * u64::from(b'"')), 1)
            | less(x ^ (ONES * u64::from(b'\\')), 1);
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::Sale;

    /// The invariant, for one input: declined, or the exact decoder agrees.
    pub(crate) fn check_agrees(line: &[u8]) -> bool {
        let mut text = String::from("prefix");
        let Some(s) = scan(line, &mut text) else {
            assert_eq!(
                text, "prefix",
                "a declined record leaves the buffer as it was"
            );
            return false;
        };
        let exact = Sale::from_json(line).unwrap_or_else(|e| {
            panic!("scanner accepted what the exact decoder rejects ({e}): {line:?}")
        });
        assert_eq!(s.sale_date, exact.sale_date);
        assert_eq!(s.value, exact.value());
        assert_eq!(&text[s.id_sale], exact.id_sale);
        assert_eq!(&text[s.seller], exact.seller);
        assert_eq!(&text[s.product], exact.nm_product);
        match s.category {
            Some(r) => assert_eq!(&text[r], exact.nm_category),
            None => assert_eq!(exact.nm_category, "General Category"),
        }
        true
    }

    fn sample() -> String {
        r#"{"id_sale":"968d9f00","id_product":"CE-720eff5624","nm_product":"Surface 14.4\" Touchscreen","nm_category":"Laptops & Notebook Computers","nm_brand":"Microsoft","seller":"rafael.araujo","price":1499.97,"quantity":2,"tp_payment":"Bank Slip","sale_date":"2024-01-21T10:00:00.018182+00:00"}"#.to_string()
    }

    #[test]
    fn reads_what_the_generator_writes() {
        let mut text = String::new();
        let s = scan(sample().as_bytes(), &mut text).expect("the common shape is scanned");
        assert_eq!(s.value, Cents(299_994));
        assert_eq!(&text[s.product.clone()], "Surface 14.4\" Touchscreen");
        assert!(check_agrees(sample().as_bytes()));
        // Every generated sale takes the fast path.
        let mut generator = crate::SaleGenerator::new(
            crate::Catalog::embedded(),
            &crate::GeneratorConfig::default(),
        );
        for _ in 0..2_000 {
            let sale = generator
                .poll(crate::Timestamp(i64::MAX))
                .expect("a sale")
                .sale;
            assert!(
                check_agrees(sale.to_json().as_bytes()),
                "{}",
                sale.to_json()
            );
        }
    }

    #[test]
    fn declines_what_only_the_exact_decoder_can_judge_and_agrees_on_the_rest() {
        let base = sample();
        let variants = [
            base.replace("1499.97", "\"1499.97\""), // quoted number
            base.replace("1499.97", "1.49997e3"),   // exponent
            base.replace("1499.97", "1499.975"),    // rounds half up
            base.replace("1499.97", "0.004"),       // rounds to 0: an error
            base.replace("1499.97", "01499.97"),    // not JSON
            base.replace("1499.97", "-1"),          // negative: an error
            base.replace("1499.97", "123456789.5"), // too many digits for the fast path
            base.replace("1499.97", "10000000"),    // at MAX_PRICE
            base.replace("1499.97", "10000000.01"), // above it
            base.replace("\"quantity\":2", "\"quantity\":2.0"),
            base.replace("\"quantity\":2", "\"quantity\":0"),
            base.replace("\"quantity\":2", "\"quantity\":10001"),
            base.replace("\"quantity\":2,", ""),  // default 1
            base.replace("rafael.araujo", "   "), // blank required text
            base.replace("rafael.araujo", "r\\u00e1fael"),
            base.replace("rafael.araujo", "r\\ud83dfael"), // lone surrogate
            base.replace("rafael.araujo", "tab\there"),    // raw control byte
            base.replace("Laptops & Notebook Computers", " "), // default category
            base.replace("\"nm_brand\"", "\"extra\":[1],\"nm_brand\""),
            base.replace("\"nm_brand\"", "\"extra\":{\"a\":1},\"nm_brand\""),
            base.replace(
                "\"nm_brand\"",
                "\"extra\":-12.5,\"extra2\":null,\"x\":true,\"nm_brand\"",
            ),
            base.replace("\"nm_brand\"", "\"extra\":\"a\\\"b\\u0041\",\"nm_brand\""),
            base.replace("\"nm_brand\"", "\"extra\":1e5,\"nm_brand\""),
            base.replace("\"nm_brand\"", "\"seller\":\"first\",\"nm_brand\""), // repeated key
            base.replace(",\"", " ,\r\n\t\""),
            base.replace("{", "{\"price\":\"oops\","), // the last value wins
            base.replace(
                "\"sale_date\":\"2024-01-21T10:00:00.018182+00:00\"",
                "\"sale_date\":\"2024-02-30T10:00:00Z\"",
            ),
            base.replace("\"id_product\"", "\"asin\""),
            base.replace("\"id_product\":\"CE-720eff5624\"", "\"id_product\":null"),
            base.replace(
                "\"Microsoft\"",
                &format!("\"{}\"", "x".repeat(MAX_TEXT_BYTES + 1)),
            ),
            base.replace(
                "\"Microsoft\"",
                &format!("\"{}\"", "\\\"".repeat(MAX_TEXT_BYTES)),
            ),
            format!("{base} x"),
            format!("{base}}}"),
            format!("  {base}\n"),
            "{}".to_string(),
            "[]".to_string(),
            String::new(),
        ];
        let mut accepted = 0;
        for v in &variants {
            accepted += usize::from(check_agrees(v.as_bytes()));
        }
        // Not a fixed number to chase: a floor showing the fast path covers the ordinary
        // variations (whitespace, defaults, unknown fields, escapes, repeated keys).
        assert!(
            accepted >= 12,
            "only {accepted} variants took the fast path"
        );
    }

    #[test]
    fn special_byte_finds_the_first_quote_backslash_or_control_byte() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\', 0x00, 0x1f] {
                    let mut v = vec![b'a'; len];
                    v[at] = c;
                    if at + 1 < len {
                        v[at + 1] = b'"';
                    }
                    assert_eq!(special_byte(&v), Some(at), "len {len} at {at} byte {c}");
                }
            }
            assert_eq!(special_byte(&vec![0x20; len]), None);
            assert_eq!(special_byte(&vec![0xff; len]), None);
        }
    }

    proptest::proptest! {
        #[test]
        fn never_disagrees_with_the_exact_decoder(
            fields in proptest::collection::vec(
                (proptest::sample::select(vec!["id_sale", "seller", "nm_category", "nm_product",
                    "price", "quantity", "sale_date", "asin", "nm_brand", "x"]),
                 proptest::prop_oneof![
                    "\"[ -~]{0,6}\"",
                    "-?[0-9]{1,10}(\\.[0-9]{0,7})?",
                    proptest::sample::select(vec!["null".to_string(), "true".to_string(),
                        "\"2024-01-21T10:00:00Z\"".to_string(), "\"2024-13-01 00:00:00\"".to_string(),
                        "\"a\\\\b\\u00e9\"".to_string(), "[]".to_string()]),
                 ]),
                0..10),
        ) {
            // A valid sale, then fields that override its values (the last one wins) or
            // add unknown ones: most lines are sales, many with a broken field.
            let mut body = vec![
                r#""id_sale":"i","seller":"s","nm_product":"p","price":1,"sale_date":"2024-01-21T10:00:00Z""#
                    .to_string(),
            ];
            body.extend(fields.iter().map(|(k, v)| format!("\"{k}\":{v}")));
            let line = format!("{{{}}}", body.join(","));
            check_agrees(line.as_bytes());
        }
    }
}
