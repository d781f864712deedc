#!/usr/bin/env bash
# Benchmarks (not tests): each prints one summary line. Results go in BENCHMARKS.md.
#   scripts/bench.sh            engine native + wasm, `hopscope window` end to end next to
#                               DuckDB and Polars, the PyFlink speed ratio, and the bridge
#                               against a real Kafka broker (produce, relay, latency, stalled
#                               and idle clients: memory and threads), and the Flink job
#                               (flink/) against hopscope on the same topic
#   scripts/bench.sh criterion  also the criterion benchmarks (slower, with statistics)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
scripts/setup.sh test >/dev/null

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
cargo run -q --release -p hopscope-core --example window_throughput
cargo run -q --release -p hopscope-core --example checkpoint_cost
cargo test --release -p hopscope-core --target wasm32-unknown-unknown --test wasm_bench -- --nocapture 2>&1 \
  | grep wasm_window_throughput
cargo build -q --release -p hopscope-bridge
# End to end from the same JSON lines, next to DuckDB and Polars (windows checked equal).
scripts/setup.sh bench
.tools/bench-venv/bin/python tests/bench/peers.py --sales "${PEER_SALES:-1000000}"
.tools/bench-venv/bin/python tests/bench/peers.py --sales "${PEER_SALES:-1000000}" --input parquet
.tools/bench-venv/bin/python tests/bench/peers.py --sales "${PEER_SALES:-1000000}" --input parquet-auto --shapes 15m/5m
.tools/flink-venv/bin/python tests/flink/speed.py --events "${FLINK_EVENTS:-100000}"
trunk build --release >/dev/null 2>&1
node e2e/perf.mjs

# The bridge against a broker of its own (stopped when this script ends).
trap 'scripts/kafka.sh stop >/dev/null 2>&1 || true' EXIT
scripts/kafka.sh start >/dev/null
export HOPSCOPE_KAFKA=127.0.0.1:${KAFKA_PORT:-9092}
cargo bench -q -p hopscope-bridge --bench kafka 2>/dev/null | grep '^bench='
# The shipped Flink job (flink/) next to hopscope on the same topic.
.tools/flink-venv/bin/python tests/flink/job_bench.py --hopscope target/release/hopscope \
  --brokers "$HOPSCOPE_KAFKA" --connector "$(scripts/setup.sh flink-kafka-jar)" --sales "${JOB_SALES:-200000}"
# … and at 15 min / 5 min on the million-sale topic of the read bench (#25).
.tools/flink-venv/bin/python tests/flink/job_bench.py --hopscope target/release/hopscope \
  --brokers "$HOPSCOPE_KAFKA" --connector "$(scripts/setup.sh flink-kafka-jar)" \
  --sales "${JOB_BIG_SALES:-1000000}" --shapes 15m/5m

if [ "${1:-}" = criterion ]; then
  cargo bench -p hopscope-core --bench window
  cargo bench -p hopscope-core --bench codec
fi
