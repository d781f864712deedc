//! Reading sale JSON lines from a file or stdin, one record at a time.
//!
//! Lines are read as bytes, so a line that is not UTF-8 is one bad record (reported with
//! its line number by the caller), not the end of the input.

use hopscope_core::{Sale, SaleError};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

pub struct Lines {
    reader: Box<dyn BufRead>,
    buf: Vec<u8>,
    pub line_no: u64,
}

/// One line of input: a sale, or why it is not one. Blank lines are skipped.
pub enum Record {
    Sale(Box<Sale>),
    Bad(SaleError),
}

impl Lines {
    /// `-` or no path means stdin.
    pub fn open(path: Option<&Path>) -> io::Result<Lines> {
        let reader: Box<dyn Read> = match path {
            None => Box::new(io::stdin()),
            Some(p) if p.as_os_str() == "-" => Box::new(io::stdin()),
            Some(p) => Box::new(File::open(p).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot open {}: {e}", p.display()))
            })?),
        };
        Ok(Lines {
            reader: Box::new(BufReader::with_capacity(256 * 1024, reader)),
            buf: Vec::with_capacity(1024),
            line_no: 0,
        })
    }

    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        loop {
            self.buf.clear();
            if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            let line = self.buf.trim_ascii();
            if line.is_empty() {
                continue;
            }
            return Ok(Some(match Sale::from_json(line) {
                Ok(s) => Record::Sale(Box::new(s)),
                Err(e) => Record::Bad(e),
            }));
        }
    }
}

/// What a pass over the input saw.
#[derive(Default, Debug)]
pub struct Summary {
    pub lines: u64,
    pub sales: u64,
    pub malformed: u64,
}

impl Summary {
    pub fn describe(&self) -> String {
        format!(
            "{} lines: {} sales, {} malformed (skipped)",
            self.lines, self.sales, self.malformed
        )
    }
}

/// Calls `f(sale, partition, arrival)` for every valid sale in order; reports every bad
/// line on stderr with its number and goes on. `arrival` is the replay clock: the newest
/// `sale_date` seen so far (what "processing time" means for a file).
pub fn for_each_sale(
    lines: &mut Lines,
    partitions: u32,
    mut f: impl FnMut(&Sale, u32, hopscope_core::Timestamp) -> io::Result<()>,
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut clock = hopscope_core::Timestamp(i64::MIN);
    while let Some(record) = lines.next_record()? {
        match record {
            Record::Sale(sale) => {
                summary.sales += 1;
                clock = clock.max(sale.event_time());
                let partition =
                    hopscope_core::partition::partition_for_key(sale.seller.as_bytes(), partitions);
                f(&sale, partition, clock)?;
            }
            Record::Bad(e) => {
                summary.malformed += 1;
                eprintln!("hopscope: line {}: {e}", lines.line_no);
            }
        }
    }
    summary.lines = lines.line_no;
    Ok(summary)
}
