//! Where `window` and `analyze` read sales from: files, folders (their files, sorted by
//! name), globs (`'hourly/*.jsonl.gz'`, for when the shell did not expand them) and stdin,
//! read one after another as one stream. Each is opened when its turn comes, its
//! compression found by its magic bytes — gzip and zstd, whatever the file is called — and
//! a UTF-8 byte-order mark skipped; UTF-16 text is refused naming the encoding.
//!
//! Every error names the input: a missing file, a folder with no files, a glob that
//! matches nothing, compressed data that is damaged or cut short (with how far into the
//! compressed file it got) — a read that fails is never "0 sales".

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// One input, before it is opened.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    /// How reports name it.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "stdin".into(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// The inputs the command line names, in order: `-` or nothing is stdin; a folder is its
/// files sorted by name (hidden ones left out); a name with `*` or `?` in its last part is
/// a glob over its folder, sorted.
pub fn expand(args: &[PathBuf]) -> Result<Vec<Source>, String> {
    if args.is_empty() {
        return Ok(vec![Source::Stdin]);
    }
    let mut out = Vec::new();
    for a in args {
        if a.as_os_str() == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let name = a.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.as_deref().is_some_and(|n| n.contains(['*', '?'])) && !a.exists() {
            let dir = a
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let pattern = name.unwrap_or_default();
            let matched = files_in(dir)?
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| glob_match(&pattern, &n.to_string_lossy()))
                })
                .collect::<Vec<_>>();
            if matched.is_empty() {
                return Err(format!("{}: no file matches", a.display()));
            }
            out.extend(matched.into_iter().map(Source::File));
            continue;
        }
        let meta = std::fs::metadata(a).map_err(|e| format!("{}: {e}", a.display()))?;
        if meta.is_dir() {
            let files = files_in(a)?;
            if files.is_empty() {
                return Err(format!("{}: a folder with no files to read", a.display()));
            }
            out.extend(files.into_iter().map(Source::File));
        } else {
            out.push(Source::File(a.clone()));
        }
    }
    Ok(out)
}

/// The regular, not hidden files of `dir`, sorted by name.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    files.sort();
    Ok(files)
}

/// `*` (any run) and `?` (any one character) against a whole file name.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// How a source is stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Encoding {
    Plain,
    Gzip,
    Zstd,
}

/// Counts the bytes read from the file under a decompressor, for error positions.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A decompressed source whose errors name it and the position in the compressed file.
struct Named {
    inner: Box<dyn Read + Send>,
    name: String,
    encoding: Encoding,
    read: Arc<AtomicU64>,
    size: Option<u64>,
}

impl Read for Named {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let what = match self.encoding {
                Encoding::Gzip => "gzip",
                Encoding::Zstd => "zstd",
                // A plain file's read error is the system's: say it with the name.
                Encoding::Plain => return io::Error::new(e.kind(), format!("{}: {e}", self.name)),
            };
            let at = self.read.load(Ordering::Relaxed);
            let of = self.size.map(|s| format!(" of {s}")).unwrap_or_default();
            io::Error::new(
                e.kind(),
                format!(
                    "{}: the {what} data is damaged or cut short (near byte {at}{of} of the compressed input): {e}",
                    self.name
                ),
            )
        })
    }
}

/// Opens `source` for reading decompressed, BOM-free bytes.
pub fn open(source: &Source) -> io::Result<Box<dyn Read + Send>> {
    let name = source.name();
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = match source {
        Source::Stdin => (Box::new(io::stdin()), None),
        Source::File(p) => {
            let f = File::open(p).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot open {}: {e}", p.display()))
            })?;
            let size = f.metadata().ok().map(|m| m.len());
            (Box::new(f), size)
        }
    };
    let read = Arc::new(AtomicU64::new(0));
    let mut buffered = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: raw,
            read: read.clone(),
        },
    );
    let head = buffered
        .fill_buf()
        .map_err(|e| io::Error::new(e.kind(), format!("{name}: {e}")))?;
    let encoding = match head {
        [0x1f, 0x8b, ..] => Encoding::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Encoding::Zstd,
        _ => Encoding::Plain,
    };
    let decoded: Box<dyn Read + Send> = match encoding {
        // Concatenated gzip members (`cat a.gz b.gz`) are one stream, as gunzip reads them.
        Encoding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(buffered)),
        Encoding::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(buffered)
                .map_err(|e| io::Error::new(e.kind(), format!("{name}: {e}")))?,
        ),
        Encoding::Plain => Box::new(buffered),
    };
    let named = Named {
        inner: decoded,
        name: name.clone(),
        encoding,
        read,
        size,
    };
    // The text itself: a UTF-8 byte-order mark is skipped, UTF-16 is refused.
    let mut text = BufReader::with_capacity(64 * 1024, named);
    let head = text.fill_buf()?;
    let utf16 = match head {
        [0xff, 0xfe, ..] => Some("UTF-16 little-endian"),
        [0xfe, 0xff, ..] => Some("UTF-16 big-endian"),
        _ => None,
    };
    if let Some(enc) = utf16 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{name}: the text is {enc} (its byte-order mark says so); hopscope reads UTF-8 — convert it first, e.g. `iconv -f UTF-16 -t UTF-8`"),
        ));
    }
    if head.starts_with(b"PAR1") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name}: this is Parquet, which is read from a file (its footer is at the end): give its path"),
        ));
    }
    if head.starts_with(&[0xef, 0xbb, 0xbf]) {
        text.consume(3);
    }
    Ok(Box::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("*.jsonl.gz", "2024-01-01T10.jsonl.gz"));
        assert!(glob_match("sales-??.jsonl", "sales-07.jsonl"));
        assert!(!glob_match("sales-??.jsonl", "sales-7.jsonl"));
        assert!(!glob_match("*.gz", "a.gz.tmp"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
    }
}
