#!/usr/bin/env bash
# Every test hopscope has, from a fresh machine: `make test` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# One build of everything, so no incremental caches (a gigabyte of disk, never read again
# in a fresh clone's run).
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

step() { printf '\n\033[1;34m=== [%4ss] %s\033[0m\n' "$SECONDS" "$*"; }

# A full run writes several GiB (builds, the broker's logs, Flink's and the browser's files):
# say so up front when the disk is short, rather than fail half an hour in on ENOSPC.
free_gib=$(( $(df -Pk . | awk 'NR==2 {print $4}') / 1048576 ))
if [ "$free_gib" -lt 8 ]; then
  echo "warning: ${free_gib} GiB free on $(df -P . | awk 'NR==2 {print $6}'); make test needs about 8 GiB (the run may fail with 'No space left on device')" >&2
fi

step "set-up (idempotent)"
scripts/setup.sh test

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p hopscope-web --target wasm32-unknown-unknown -- -D warnings

step "catalog: data/catalog.csv is what data/rebuild_catalog.py builds"
python3 data/rebuild_catalog.py --check

step "a real Apache Kafka broker for the bridge tests, secured listeners too (stopped when this script ends)"
trap 'scripts/kafka.sh stop >/dev/null 2>&1 || true' EXIT
scripts/kafka.sh start --secured
export HOPSCOPE_KAFKA=127.0.0.1:${KAFKA_PORT:-9092}
# SASL_SSL (PLAIN, SCRAM-SHA-512) and mTLS listeners: client settings and certificates.
export HOPSCOPE_KAFKA_SECURED=${HOPSCOPE_KAFKA_DIR:-$PWD/target/kafka}/client
# Here the Kafka tests may not skip themselves (a plain `cargo test` without a broker does).
export HOPSCOPE_REQUIRE_KAFKA=1

step "native tests (core, bridge against Kafka, web)"
cargo test --workspace

step "core in headless Chromium (wasm32)"
cargo test -p hopscope-core --target wasm32-unknown-unknown --test wasm --test keys
cargo test -p hopscope-web --target wasm32-unknown-unknown --test components

step "fuzz the decoders of outside input (20 s each; longer runs: scripts/fuzz.sh SECONDS)"
scripts/fuzz.sh 20

step "files as data engineers keep them: gzip, Parquet from DuckDB and Polars, window rows as Parquet read back"
cargo build -p hopscope-bridge
.tools/bench-venv/bin/python tests/files/parquet_test.py --hopscope target/debug/hopscope

step "differential test against Apache Flink (PyFlink): in-order and late events, and a real Kafka topic"
cargo build -p hopscope-bridge
export FLINK_KAFKA_JAR
FLINK_KAFKA_JAR=$(scripts/setup.sh flink-kafka-jar)
.tools/flink-venv/bin/python tests/flink/differential.py --hopscope target/debug/hopscope
cargo build -p hopscope-core --example kinds
.tools/flink-venv/bin/python tests/flink/kinds_referee.py --kinds target/debug/examples/kinds
.tools/flink-venv/bin/python tests/flink/kafka_referee.py --hopscope target/debug/hopscope \
  --brokers "$HOPSCOPE_KAFKA" --connector "$FLINK_KAFKA_JAR"

step "the shipped Flink job (flink/): broker → Flink → results topic → analyze --windows-topic"
.tools/flink-venv/bin/python tests/flink/job_test.py --hopscope target/debug/hopscope \
  --brokers "$HOPSCOPE_KAFKA" --connector "$FLINK_KAFKA_JAR"
.tools/flink-venv/bin/python tests/flink/secured_job_test.py --hopscope target/debug/hopscope \
  --secured "$HOPSCOPE_KAFKA_SECURED" --connector "$FLINK_KAFKA_JAR"

step "web: release build and end-to-end tests in Debian's Chromium (screenshots in target/screenshots)"
trunk build --release
node --test e2e/

step "all tests passed"
