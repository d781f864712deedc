//! Writing to stdout: buffered, and quiet when the reader goes away (`| head`).

use std::error::Error;
use std::io::{self, BufWriter, Stdout, Write};

pub type Res<T> = Result<T, Box<dyn Error>>;

pub fn stdout() -> BufWriter<Stdout> {
    BufWriter::with_capacity(64 * 1024, io::stdout())
}

pub fn is_broken_pipe(e: &(dyn Error + 'static)) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

pub fn line(w: &mut impl Write, text: &str) -> io::Result<()> {
    w.write_all(text.as_bytes())?;
    w.write_all(b"\n")
}
