//! `hopscope partition`: which partition a Kafka producer's keyed partitioner picks for keys.

use crate::out::{self, Res};
use clap::Parser;
use hopscope_core::partition::Partitioner;
use std::io::Write;
use std::process::ExitCode;

/// Print the partition of each KEY, one per line, exactly as a producer would choose it:
/// by default Kafka's Java client (and librdkafka's murmur2_random),
/// toPositive(murmur2(key)) % partitions; with --partitioner consistent-random,
/// librdkafka's default (confluent-kafka, the seed's producer), crc32(key) % partitions.
#[derive(Parser)]
pub struct Args {
    /// Number of partitions of the topic.
    #[arg(long, short = 'p', default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    partitions: u32,
    /// Which producer's partitioner to follow.
    #[arg(long, value_enum, default_value = "murmur2")]
    partitioner: crate::kafka::PartitionerArg,
    /// Keys (UTF-8), e.g. seller handles.
    #[arg(required = true)]
    keys: Vec<String>,
}

pub fn run(a: Args) -> Res<ExitCode> {
    let mut w = out::stdout();
    for k in &a.keys {
        out::line(
            &mut w,
            &Partitioner::from(a.partitioner)
                .partition(k.as_bytes(), a.partitions)
                .to_string(),
        )?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
