//! `hopscope partition`: which partition Kafka's default partitioner picks for keys.

use crate::out::{self, Res};
use clap::Parser;
use hopscope_core::partition::partition_for_key;
use std::io::Write;
use std::process::ExitCode;

/// Print the partition of each KEY, one per line, exactly as Kafka's Java client (and
/// librdkafka's murmur2_random) would choose it: toPositive(murmur2(key)) % partitions.
#[derive(Parser)]
pub struct Args {
    /// Number of partitions of the topic.
    #[arg(long, short = 'p', default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    partitions: u32,
    /// Keys (UTF-8), e.g. seller handles.
    #[arg(required = true)]
    keys: Vec<String>,
}

pub fn run(a: Args) -> Res<ExitCode> {
    let mut w = out::stdout();
    for k in &a.keys {
        out::line(
            &mut w,
            &partition_for_key(k.as_bytes(), a.partitions).to_string(),
        )?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
