//! `hopscope`: the native command line. Subcommands only; each lives in `cmd/`.

mod catalog_file;
mod checkpoint;
mod cmd;
mod console;
mod exactly_once;
mod input;
mod kafka;
mod out;
mod parquet_input;
mod parquet_output;
mod report;
mod shape;
mod sources;
mod window_args;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hopscope",
    version,
    about = "E-commerce sales analytics on hopping windows: generate, window and analyze sales; produce to and relay from Kafka",
    long_about = "E-commerce sales analytics on hopping windows.\n\n\
        Offline tools read and write one sale JSON object per line, so they pipe:\n  \
        hopscope generate --rate 20 --duration 30m | hopscope window --size 15m --slide 1s"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Generate(cmd::generate::Args),
    Partition(cmd::partition::Args),
    Window(cmd::window::Args),
    Analyze(cmd::analyze::Args),
    Produce(cmd::produce::Args),
    Serve(cmd::serve::Args),
}

/// The wall clock, for the commands that run live (core takes time as an argument).
pub fn wall_now() -> hopscope_core::Timestamp {
    hopscope_core::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    )
}

fn main() -> ExitCode {
    // --version names the Kafka client library and what it was built with (SSL, SASL, …).
    let long_version: &'static str = Box::leak(
        format!(
            "{}\n{}",
            env!("CARGO_PKG_VERSION"),
            kafka::librdkafka_version()
        )
        .into_boxed_str(),
    );
    let matches = Cli::command().long_version(long_version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Generate(a) => cmd::generate::run(a),
        Command::Partition(a) => cmd::partition::run(a),
        Command::Window(a) => cmd::window::run(a),
        Command::Analyze(a) => cmd::analyze::run(a),
        Command::Produce(a) => cmd::produce::run(a),
        Command::Serve(a) => cmd::serve::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if out::is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hopscope: {e}");
            ExitCode::from(2)
        }
    }
}
