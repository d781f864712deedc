//! Reading sale JSON lines from files (plain, gzip or zstd: see `sources.rs`) and Parquet
//! files (`parquet_input.rs`: blocks of at most 8k rows), folders,
//! globs or stdin: threads read and decode, the caller windows.
//!
//! `hopscope window` and `analyze` on a file spent their time decoding JSON, not
//! windowing, so the input is read and decoded off the caller's thread: a reader cuts it
//! into blocks of whole lines (about 1 MiB) and deals them in turn to the decoders (one
//! per spare core), which turn each line into a sale in a [`SaleBatch`] (the fast scanner,
//! falling back to the exact decoder) or a reason it is not one. The caller takes the
//! blocks back in the order they were dealt, so results and their order are exactly those
//! of decoding every line in order on one thread, and bad lines are reported at their
//! place among the sales. Channels are bounded and blocks are reused: memory is a few
//! blocks per decoder, whatever the input.
//!
//! Lines are read as bytes, so a line that is not UTF-8 is one bad record, not the end of
//! the input. A line longer than a block is reported with its length and skipped without
//! being held in memory.

use crate::parquet_input::ParquetFile;
use crate::sources::{self, Source};
use hopscope_core::partition::partition_for_key;
use hopscope_core::sale::{SaleError, SaleShape};
use hopscope_core::{SaleBatch, SaleView, Timestamp};
use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Bytes read per block: large enough that handing a block over costs nothing per sale
/// (about 3,000 sales), small enough that the first windows appear at once. A line
/// longer than this is reported and skipped without being held.
const CHUNK_BYTES: usize = 1 << 20;
/// Blocks waiting in each channel (reader → decoder, decoder → windows).
const QUEUED: usize = 2;

/// A run of whole lines as read, then as decoded. Blocks circulate: the reader fills
/// `raw`, a decoder fills the rest, the caller windows them and sends the block back to
/// the reader, so buffers are allocated once.
#[derive(Default)]
struct Block {
    raw: Vec<u8>,
    /// Instead of lines: one line of this many bytes, too long to be a record.
    too_long: Option<usize>,
    /// A read error ends the input here.
    error: Option<io::Error>,
    sales: SaleBatch,
    partitions: Vec<u32>,
    /// Each sale's line: (line number within the block, start, end in `raw`).
    spans: Vec<(u64, usize, usize)>,
    /// `(sales before it in this block, line number within the block, why, start, end)`.
    bad: Vec<(usize, u64, SaleError, usize, usize)>,
    /// Lines in this block.
    lines: u64,
    /// Which input it is from (index into [`FileInput::names`]); a block never spans two.
    file: usize,
    /// Instead of lines: a block of a Parquet file's rows, to decode (`parquet_input.rs`).
    parquet: Option<(Arc<ParquetFile>, usize)>,
    /// Its records are a Parquet file's rows (reports say "row"; `raw` holds only the bad
    /// ones, as JSON objects).
    rows: bool,
}

/// An input opened: lines to cut into blocks, or a Parquet file's blocks of rows.
enum Opened {
    Lines(Box<dyn Read + Send>),
    Parquet(Arc<ParquetFile>),
}

/// Opens `source`: a Parquet file by its magic bytes (its columns named by the seed or by
/// `shape`), anything else as (compressed) lines.
fn open_source(source: &Source, shape: Option<&Arc<SaleShape>>) -> io::Result<Opened> {
    if let Source::File(p) = source {
        if crate::parquet_input::is_parquet(p) {
            return Ok(Opened::Parquet(Arc::new(ParquetFile::open(
                p,
                shape.cloned(),
            )?)));
        }
    }
    sources::open(source).map(Opened::Lines)
}

/// The sales of a file or stdin, read and decoded on threads of their own.
pub struct FileInput {
    /// One channel per decoder.
    decoded: Vec<Receiver<Block>>,
    /// Which decoder each block went to, in the input's order: the next block comes from
    /// the next decoder named here (in turn for lines; a Parquet file's blocks by
    /// [`ParquetFile::thread_for`]).
    route: Receiver<usize>,
    recycle: SyncSender<Block>,
    threads: Vec<JoinHandle<()>>,
    /// The inputs' names, when there are several: reports say which file a line is in.
    names: Option<Vec<String>>,
}

impl FileInput {
    /// The inputs the command line names ([`sources::expand`]: files, folders, globs;
    /// `-` or none means stdin), read one after another as one stream. `partitions` places
    /// each sale as the producer would (by its seller key); `shape` reads lines in the
    /// user's shape (`None`: the seed's).
    pub fn open(
        paths: &[PathBuf],
        partitions: u32,
        shape: Option<Arc<SaleShape>>,
    ) -> io::Result<FileInput> {
        let list = sources::expand(paths).map_err(io::Error::other)?;
        // The first opens now, so a missing or unreadable input fails at once.
        let first = open_source(&list[0], shape.as_ref())?;
        let names = (list.len() > 1).then(|| list.iter().map(Source::name).collect());
        let mut input = FileInput::from_sources(
            first,
            list.into_iter().skip(1).collect(),
            partitions,
            CHUNK_BYTES,
            shape,
        );
        input.names = names;
        Ok(input)
    }

    #[cfg(test)]
    fn from_reader(
        source: Box<dyn Read + Send>,
        partitions: u32,
        chunk: usize,
        shape: Option<Arc<SaleShape>>,
    ) -> FileInput {
        FileInput::from_sources(
            Opened::Lines(source),
            VecDeque::new(),
            partitions,
            chunk,
            shape,
        )
    }

    /// Decoding uses every core but one for the caller's windows, at least one and at
    /// most four (past that, reading is the bound). Blocks are `chunk` bytes. `source` is
    /// read first, then each of `more`, opened in turn.
    fn from_sources(
        source: Opened,
        more: VecDeque<Source>,
        partitions: u32,
        chunk: usize,
        shape: Option<Arc<SaleShape>>,
    ) -> FileInput {
        let decoders = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
        let (recycle, recycled) = sync_channel(decoders * (2 * QUEUED + 1) + 2);
        let mut to_decoders = Vec::new();
        let mut decoded = Vec::new();
        let mut threads = Vec::new();
        for k in 0..decoders {
            let (tx, rx) = sync_channel::<Block>(QUEUED);
            let (out, back) = sync_channel::<Block>(QUEUED);
            let shape = shape.clone();
            to_decoders.push(tx);
            decoded.push(back);
            threads.push(spawn(&format!("hopscope-decode-{k}"), move || {
                let mut cursor = crate::parquet_input::Cursor::default();
                for mut block in rx {
                    decode(&mut block, partitions, shape.as_deref(), &mut cursor);
                    if out.send(block).is_err() {
                        return;
                    }
                }
            }));
        }
        let pool = decoders * (2 * QUEUED + 1) + 2;
        // Never more routes waiting than blocks exist.
        let (routes, route) = sync_channel(pool);
        let shaped = shape.clone();
        let (source, parquet): (Box<dyn Read + Send>, _) = match source {
            Opened::Lines(r) => (r, None),
            Opened::Parquet(f) => (Box::new(io::empty()), Some((f, 0))),
        };
        threads.push(spawn("hopscope-read", move || {
            Reader {
                source,
                parquet,
                shaped,
                more,
                file: 0,
                chunk,
                to_decoders,
                routes,
                recycled,
                made: 0,
                pool,
            }
            .run()
        }));
        FileInput {
            decoded,
            route,
            recycle,
            threads,
            names: None,
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .expect("spawning an input thread")
}

/// The reading thread: cuts the input into blocks of whole lines, in turn to each decoder.
struct Reader {
    source: Box<dyn Read + Send>,
    /// Reading a Parquet file instead: it, and its next block of rows.
    parquet: Option<(Arc<ParquetFile>, usize)>,
    /// `--field`/`--time-format`, for the Parquet files opened in turn.
    shaped: Option<Arc<SaleShape>>,
    /// The inputs after this one, opened when their turn comes.
    more: VecDeque<Source>,
    /// The index of the input being read.
    file: usize,
    chunk: usize,
    to_decoders: Vec<SyncSender<Block>>,
    /// Which decoder each block went to, in order (see [`FileInput::route`]).
    routes: SyncSender<usize>,
    recycled: Receiver<Block>,
    made: usize,
    pool: usize,
}

impl Reader {
    fn run(mut self) {
        let mut sent = 0usize;
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let Some(mut block) = self.block() else {
                return; // the caller is gone
            };
            block.file = self.file;
            // A Parquet file: blocks of its rows, decoded where lines are.
            if let Some((file, next)) = self.parquet.as_mut() {
                let mut error = None;
                if *next < file.parts() {
                    block.parquet = Some((file.clone(), *next));
                    *next += 1;
                } else {
                    // Its end: the next input, if any.
                    self.parquet = None;
                    match self.more.pop_front() {
                        None => return,
                        Some(src) => match open_source(&src, self.shaped.as_ref()) {
                            Ok(opened) => {
                                self.file += 1;
                                self.start(opened);
                                let _ = self.recycled_back(block);
                                continue;
                            }
                            Err(e) => {
                                block.file = self.file + 1;
                                error = Some(e);
                            }
                        },
                    }
                }
                let failed = error.is_some();
                block.error = error;
                let k = match &block.parquet {
                    Some((file, part)) => file.thread_for(*part, self.to_decoders.len()),
                    None => sent % self.to_decoders.len(),
                };
                if self.send(k, block).is_none() || failed {
                    return;
                }
                sent += 1;
                continue;
            }
            block.raw.extend_from_slice(&carry);
            carry.clear();
            let mut end = false;
            match self.fill(&mut block.raw) {
                Ok(more) => end = !more,
                Err(e) => block.error = Some(e),
            }
            if block.error.is_none() && !end {
                match memchr::memrchr(b'\n', &block.raw) {
                    Some(last) => {
                        carry.extend_from_slice(&block.raw[last + 1..]);
                        block.raw.truncate(last + 1);
                    }
                    // A whole chunk without a line end: one line too long to keep.
                    None => match self.skip_line(block.raw.len()) {
                        Ok((bytes, rest, more)) => {
                            block.raw.clear();
                            block.too_long = Some(bytes);
                            carry = rest;
                            end = !more && carry.is_empty();
                        }
                        Err(e) => block.error = Some(e),
                    },
                }
            }
            // The end of this input: the next one, if any, follows in blocks of its own
            // (its line numbers start at 1); one that cannot be opened ends the input.
            let mut next_error = None;
            if end && block.error.is_none() {
                if let Some(src) = self.more.pop_front() {
                    match open_source(&src, self.shaped.as_ref()) {
                        Ok(opened) => {
                            self.start(opened);
                            self.file += 1;
                            end = false;
                            carry.clear();
                        }
                        Err(e) => next_error = Some(e),
                    }
                }
            }
            let stop = end || block.error.is_some() || next_error.is_some();
            let empty = block.raw.is_empty() && block.too_long.is_none() && block.error.is_none();
            if !empty {
                let k = sent % self.to_decoders.len();
                if self.send(k, block).is_none() {
                    return;
                }
                sent += 1;
            }
            if let Some(e) = next_error {
                let Some(mut failed) = self.block() else {
                    return;
                };
                failed.file = self.file + 1;
                failed.error = Some(e);
                let k = sent % self.to_decoders.len();
                let _ = self.send(k, failed);
                return;
            }
            if stop {
                return;
            }
        }
    }

    /// Hands `block` to decoder `k`, its route first (`None`: the caller is gone).
    fn send(&self, k: usize, block: Block) -> Option<()> {
        self.routes.send(k).ok()?;
        self.to_decoders[k].send(block).ok()
    }

    /// Reads `opened` next.
    fn start(&mut self, opened: Opened) {
        match opened {
            Opened::Lines(r) => {
                self.source = r;
                self.parquet = None;
            }
            Opened::Parquet(f) => {
                self.source = Box::new(io::empty());
                self.parquet = Some((f, 0));
            }
        }
    }

    /// An unused block back to the pool.
    fn recycled_back(&mut self, block: Block) -> Option<()> {
        self.made = self.made.saturating_sub(1);
        drop(block);
        Some(())
    }

    /// An empty block: a recycled one, a new one while the pool is not full, else the
    /// next one the caller returns (`None` once it is gone).
    fn block(&mut self) -> Option<Block> {
        let mut block = match self.recycled.try_recv() {
            Ok(b) => b,
            Err(_) if self.made < self.pool => {
                self.made += 1;
                Block::default()
            }
            Err(_) => self.recycled.recv().ok()?,
        };
        block.raw.clear();
        block.too_long = None;
        block.error = None;
        block.sales.clear();
        block.partitions.clear();
        block.spans.clear();
        block.bad.clear();
        block.lines = 0;
        block.file = 0;
        block.parquet = None;
        block.rows = false;
        Some(block)
    }

    /// Reads until `raw` holds a chunk; `false` at the end of the input. (`read_to_end`
    /// reads into the spare capacity without zeroing it first, which matters for pipes
    /// that hand out 64 KiB at a time.)
    fn fill(&mut self, raw: &mut Vec<u8>) -> io::Result<bool> {
        let want = self.chunk.saturating_sub(raw.len());
        raw.reserve(want);
        let got = (&mut self.source).take(want as u64).read_to_end(raw)?;
        Ok(got == want)
    }

    /// Reads past the end of an over-long line, keeping none of it: its length, what
    /// follows its end in the last read, and whether there is more to read.
    fn skip_line(&mut self, seen: usize) -> io::Result<(usize, Vec<u8>, bool)> {
        let mut bytes = seen;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match self.source.read(&mut buf) {
                Ok(0) => return Ok((bytes, Vec::new(), false)),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            match memchr::memchr(b'\n', &buf[..n]) {
                Some(nl) => return Ok((bytes + nl, buf[nl + 1..n].to_vec(), true)),
                None => bytes += n,
            }
        }
    }
}

/// A decoding thread's work on one block: every line to a sale or a reason.
fn decode(
    block: &mut Block,
    partitions: u32,
    shape: Option<&SaleShape>,
    cursor: &mut crate::parquet_input::Cursor,
) {
    if let Some((file, part)) = block.parquet.take() {
        let b = &mut *block;
        let b = std::cell::RefCell::new(b);
        let mut keys = crate::parquet_input::SharedKeys::default();
        let rows = file.decode_part(
            part,
            cursor,
            |row, sale| {
                let b = &mut *b.borrow_mut();
                match sale {
                    Ok(sale) => {
                        b.sales.push_sale(&sale);
                        b.partitions
                            .push(partition_for_key(sale.seller.as_bytes(), partitions));
                        b.spans.push((row, 0, 0));
                    }
                    Err((e, record)) => {
                        let start = b.raw.len();
                        b.raw.extend_from_slice(record.as_bytes());
                        b.bad.push((b.sales.len(), row, e, start, b.raw.len()));
                    }
                }
            },
            |row, c| {
                let b = &mut *b.borrow_mut();
                keys.push(&c, &mut b.sales, &mut b.partitions, partitions);
                b.spans.push((row, 0, 0));
            },
        );
        block.rows = true;
        match rows {
            Ok(n) => block.lines = n,
            Err(e) => block.error = Some(e),
        }
        return;
    }
    if let Some(bytes) = block.too_long {
        block.bad.push((0, 1, SaleError::too_large(bytes), 0, 0));
        block.lines = 1;
        return;
    }
    let raw = std::mem::take(&mut block.raw);
    let mut line_no = 0u64;
    let mut start = 0;
    while start < raw.len() {
        let end = memchr::memchr(b'\n', &raw[start..]).map_or(raw.len(), |n| start + n);
        let line = raw[start..end].trim_ascii();
        // The trimmed line's place in the block (what was decoded, for dead letters).
        let at = line.as_ptr() as usize - raw.as_ptr() as usize;
        let span = (at, at + line.len());
        start = end + 1;
        line_no += 1;
        if line.is_empty() {
            continue;
        }
        let pushed = match shape {
            None => block.sales.push_json(line),
            Some(shape) => shape.decode(line, None).map(|s| block.sales.push_sale(&s)),
        };
        match pushed {
            Ok(()) => {
                let seller = block.sales.get(block.sales.len() - 1).seller;
                block
                    .partitions
                    .push(partition_for_key(seller.as_bytes(), partitions));
                block.spans.push((line_no, span.0, span.1));
            }
            Err(e) => block
                .bad
                .push((block.sales.len(), line_no, e, span.0, span.1)),
        }
    }
    block.lines = line_no;
    block.raw = raw;
}

/// What a pass over the input saw.
#[derive(Default, Debug)]
pub struct Summary {
    pub lines: u64,
    /// Parquet rows (not lines).
    pub rows: u64,
    pub sales: u64,
    pub malformed: u64,
}

impl Summary {
    pub fn describe(&self) -> String {
        let read = match (self.lines, self.rows) {
            (l, 0) => format!("{l} lines"),
            (0, r) => format!("{r} rows"),
            (l, r) => format!("{l} lines and {r} rows"),
        };
        format!(
            "{read}: {} sales, {} malformed (skipped)",
            self.sales, self.malformed
        )
    }
}

/// A line of the input: its number (in its file), its file when there are several, and
/// its bytes as read (without the line end).
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    pub number: u64,
    pub file: Option<&'a str>,
    pub raw: &'a [u8],
    /// A Parquet file's row rather than a line.
    pub row: bool,
}

impl Line<'_> {
    /// Where it is, for reports and dead letters.
    pub fn at(&self) -> crate::report::At<'_> {
        match self.row {
            false => crate::report::At::Line {
                file: self.file,
                number: self.number,
            },
            true => crate::report::At::Row {
                file: self.file,
                number: self.number,
            },
        }
    }
}

/// Calls `f(sale, partition, arrival, line)` for every valid sale in order and `bad(line,
/// why)` for every line that is not one, in its place. `arrival` is the replay clock: the
/// newest `sale_date` seen so far (what "processing time" means for a file).
pub fn for_each_sale(
    input: &mut FileInput,
    mut f: impl FnMut(SaleView<'_>, u32, Timestamp, Line<'_>) -> io::Result<()>,
    mut bad: impl FnMut(Line<'_>, &SaleError) -> io::Result<()>,
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut clock = Timestamp(i64::MIN);
    let names = input.names.clone();
    let (mut file, mut file_lines) = (usize::MAX, 0u64);
    while let Ok(k) = input.route.recv() {
        let Ok(mut block) = input.decoded[k].recv() else {
            break; // a decoder stopped: said when its thread is joined below
        };
        if block.file != file {
            (file, file_lines) = (block.file, 0);
        }
        let name = names.as_ref().and_then(|n| n.get(file)).map(String::as_str);
        let raw = &block.raw;
        let rows = block.rows;
        let base = file_lines;
        let mut report =
            |summary: &mut Summary,
             (_, line_no, e, a, b): &(usize, u64, SaleError, usize, usize)| {
                summary.malformed += 1;
                let line = Line {
                    number: base + line_no,
                    file: name,
                    raw: raw.get(*a..*b).unwrap_or_default(),
                    row: rows,
                };
                bad(line, e)
            };
        let mut errors = block.bad.iter().peekable();
        for (i, ((sale, &partition), &(line_no, a, b))) in block
            .sales
            .iter()
            .zip(&block.partitions)
            .zip(&block.spans)
            .enumerate()
        {
            while let Some(e) = errors.next_if(|(at, ..)| *at == i) {
                report(&mut summary, e)?;
            }
            summary.sales += 1;
            clock = clock.max(sale.event_time());
            let line = Line {
                number: base + line_no,
                file: name,
                raw: &raw[a..b],
                row: rows,
            };
            f(sale, partition, clock, line)?;
        }
        for e in errors {
            report(&mut summary, e)?;
        }
        match rows {
            true => summary.rows += block.lines,
            false => summary.lines += block.lines,
        }
        file_lines += block.lines;
        if let Some(e) = block.error.take() {
            return Err(e);
        }
        // The reader may have stopped; then the block is simply dropped.
        let _ = input.recycle.try_send(block);
    }
    // The channels closed: the threads finished, or one failed without saying why. Ours
    // are closed too before waiting, so that no thread still waits on the caller (after a
    // decoder's failure the reader may wait for a block back or a route taken).
    input.decoded.clear();
    input.route = sync_channel(0).1;
    input.recycle = sync_channel(0).0;
    for t in input.threads.drain(..) {
        t.join()
            .map_err(|_| io::Error::other("an input thread stopped unexpectedly"))?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::{Catalog, GeneratorConfig, Sale, SaleGenerator};
    use std::io::Cursor;

    /// Hands out at most `step` bytes per read, then fails after `fail_after` bytes.
    struct Trickle {
        data: Cursor<Vec<u8>>,
        step: usize,
        fail_after: Option<u64>,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.fail_after.is_some_and(|at| self.data.position() >= at) {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.step);
            self.data.read(&mut buf[..n])
        }
    }

    /// What one thread decoding every line in order sees: `(line, id_sale, partition)`
    /// for sales, `(line, error)` for the rest.
    #[derive(Debug, PartialEq, Default)]
    struct Seen {
        sales: Vec<(u64, String, u32)>,
        bad: Vec<(u64, String)>,
    }

    fn sequential(input: &[u8], partitions: u32) -> Seen {
        let mut seen = Seen::default();
        let mut lines: Vec<&[u8]> = input.split(|&c| c == b'\n').collect();
        if input.last() == Some(&b'\n') {
            lines.pop();
        }
        for (i, line) in lines.iter().enumerate() {
            let line_no = i as u64 + 1;
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            match Sale::from_json(line) {
                Ok(s) => seen.sales.push((
                    line_no,
                    s.id_sale.clone(),
                    partition_for_key(s.seller.as_bytes(), partitions),
                )),
                Err(e) => seen.bad.push((line_no, e.to_string())),
            }
        }
        seen
    }

    fn threaded(source: Trickle, chunk: usize) -> (Seen, io::Result<Summary>) {
        let mut input = FileInput::from_reader(Box::new(source), 6, chunk, None);
        let seen = std::cell::RefCell::new(Seen::default());
        let summary = for_each_sale(
            &mut input,
            |sale, partition, _, line| {
                // The line handed over is the sale's own text.
                let again = Sale::from_json(line.raw).expect("a sale's line decodes");
                assert_eq!(again.id_sale, sale.id_sale);
                seen.borrow_mut()
                    .sales
                    .push((line.number, sale.id_sale.to_string(), partition));
                Ok(())
            },
            |line, e| {
                // The line handed over is the one judged (a line too long to keep is not
                // held: it comes empty).
                if !line.raw.is_empty() {
                    let again = Sale::from_json(line.raw).expect_err("a bad line stays bad");
                    assert_eq!(again.to_string(), e.to_string(), "line {}", line.number);
                }
                seen.borrow_mut().bad.push((line.number, e.to_string()));
                Ok(())
            },
        );
        (seen.into_inner(), summary)
    }

    /// Generated sales with every kind of awkward line mixed in.
    fn awkward_input() -> Vec<u8> {
        let mut generator = SaleGenerator::new(Catalog::embedded(), &GeneratorConfig::default());
        let mut out = Vec::new();
        let long = [b"\n".as_slice(), &[b'x'; 70_000], b"\n"].concat();
        for i in 0..3_000u32 {
            let sale = generator.poll(Timestamp(i64::MAX)).expect("a sale").sale;
            out.extend_from_slice(sale.to_json().as_bytes());
            out.extend_from_slice(match i % 500 {
                7 => b"\r\n\n   \n".as_slice(), // CRLF, blank lines
                11 => b"\n{\"id_sale\":\"x\"}\n", // missing fields
                13 => b"\nnot json at all\n\xff\xfe\n", // not JSON, not UTF-8
                17 => b"\n{\"price\":\"1.5\",\"id_sale\":\"q\",\"seller\":\"s\",\"nm_product\":\"p\",\"sale_date\":\"2024-01-21T10:00:00Z\"}\n",
                // Longer than a record may be, and longer than a block.
                19 => &long,
                _ => b"\n".as_slice(),
            });
        }
        out.extend_from_slice(b"{\"last line\": \"without a newline\"}");
        out
    }

    #[test]
    fn threads_see_what_one_thread_reading_in_order_sees() {
        let input = awkward_input();
        let want = sequential(&input, 6);
        assert!(want.bad.len() >= 6 * 4 && want.sales.len() > 3_000);
        // Blocks smaller than some lines, reads cut at every odd place.
        for (chunk, step) in [(4_096, 1_000), (65_536, 7), (CHUNK_BYTES, 1 << 16)] {
            let source = Trickle {
                data: Cursor::new(input.clone()),
                step,
                fail_after: None,
            };
            let (seen, summary) = threaded(source, chunk);
            let summary = summary.unwrap();
            assert_eq!(seen.bad, want.bad, "chunk {chunk}, reads of {step}");
            let ids = |s: &Seen| {
                s.sales
                    .iter()
                    .map(|(_, id, p)| (id.clone(), *p))
                    .collect::<Vec<_>>()
            };
            assert_eq!(ids(&seen), ids(&want));
            assert_eq!(summary.sales as usize, want.sales.len());
            assert_eq!(summary.malformed as usize, want.bad.len());
            assert_eq!(summary.lines, input.split(|&c| c == b'\n').count() as u64);
        }
        // The line too long for a block is reported with its length, not kept.
        assert!(want.bad.iter().any(|(_, e)| e.contains("70000 bytes")));
    }

    #[test]
    fn a_read_error_ends_the_input_after_the_sales_before_it() {
        let input = awkward_input();
        let source = Trickle {
            data: Cursor::new(input),
            step: 1_000,
            fail_after: Some(300_000),
        };
        let (seen, summary) = threaded(source, 4_096);
        assert_eq!(summary.unwrap_err().to_string(), "disk on fire");
        assert!(
            !seen.sales.is_empty(),
            "the sales read before the error are windowed"
        );
    }

    #[test]
    fn stopping_early_stops_the_threads() {
        let source = Trickle {
            data: Cursor::new(awkward_input()),
            step: 4_096,
            fail_after: None,
        };
        let mut input = FileInput::from_reader(Box::new(source), 6, 4_096, None);
        let mut n = 0;
        let r = for_each_sale(
            &mut input,
            |_, _, _, _| {
                n += 1;
                if n == 10 {
                    return Err(io::Error::other("stdout closed"));
                }
                Ok(())
            },
            |_, _| Ok(()),
        );
        assert_eq!(r.unwrap_err().to_string(), "stdout closed");
        let threads = std::mem::take(&mut input.threads);
        drop(input);
        for t in threads {
            t.join()
                .expect("an input thread ends once its output is gone");
        }
    }
}
