#!/usr/bin/env bash
# Installs what hopscope's commands need, idempotently. Usage: scripts/setup.sh web|fuzz|test
#   (`scripts/setup.sh flink-kafka-jar` fetches Flink's Kafka connector and prints its path)
#   flink: a Python venv with PyFlink + Flink's Kafka SQL connector jar (scripts/flink.sh)
#   bridge: the system OpenSSL the bridge links (libssl-dev, pkg-config)
#   web  : wasm32 target, trunk, wasm-bindgen-cli, npm tools (binaryen's wasm-opt)
#   fuzz : the nightly toolchain pinned in fuzz/rust-toolchain.toml, and cargo-fuzz
#   test : web + fuzz + Debian chromium/chromedriver + a Python venv with PyFlink + Flink's
#          Kafka SQL connector jar
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
CARGO_FUZZ_VERSION=0.13.2
# Must equal wasm-bindgen in Cargo.lock and [tools] wasm_bindgen in Trunk.toml.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
FLINK_VERSION=2.3.0
# Flink's Kafka SQL connector from Maven Central; 5.0.0-2.2 (built for Flink 2.2) runs with
# PyFlink 2.3.0 here. Used by tests/flink/kafka_referee.py and the Flink job (flink/).
FLINK_KAFKA_CONNECTOR=5.0.0-2.2
FLINK_KAFKA_JAR=${HOPSCOPE_CACHE:-$HOME/.cache/hopscope}/flink-kafka/flink-sql-connector-kafka-$FLINK_KAFKA_CONNECTOR.jar
TOOLS=.tools

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

need_rust_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

need_cargo_tool() { # binary version crate [--locked]
  local bin=$1 version=$2 crate=$3 locked=${4:-}
  if ! command -v "$bin" >/dev/null || ! "$bin" --version 2>/dev/null | grep -q " $version"; then
    say "installing $crate $version (a few minutes, once)"
    cargo install $locked --version "$version" "$crate"
  fi
}

need_npm_tools() {
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
     || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm tools (binaryen wasm-opt, playwright-core)"
    npm ci --no-audit --no-fund
  fi
}

need_apt() { # packages...
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  fi
}

need_flink_venv() {
  local venv=$TOOLS/flink-venv
  if ! "$venv/bin/python" -c "import pyflink" >/dev/null 2>&1; then
    say "installing PyFlink $FLINK_VERSION into $venv (about 2 minutes, once)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "apache-flink==$FLINK_VERSION"
  fi
}

# The peers `make bench` compares hopscope with (tests/bench/peers.py), pinned.
need_bench_venv() {
  local venv=$TOOLS/bench-venv
  if ! "$venv/bin/python" -c "import duckdb, polars" >/dev/null 2>&1; then
    say "installing DuckDB and Polars into $venv (once)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "duckdb==2.0.1" "polars==2.1.0"
  fi
}

need_flink_kafka() {
  if [ ! -f "$FLINK_KAFKA_JAR" ]; then
    say "fetching Flink's Kafka SQL connector $FLINK_KAFKA_CONNECTOR from Maven Central (once)"
    mkdir -p "$(dirname "$FLINK_KAFKA_JAR")"
    mvn -q dependency:copy \
      -Dartifact="org.apache.flink:flink-sql-connector-kafka:$FLINK_KAFKA_CONNECTOR" \
      -DoutputDirectory="$(dirname "$FLINK_KAFKA_JAR")"
  fi
}

setup_fuzz() {
  local nightly
  nightly=$(sed -n 's/^channel = "\(.*\)"/\1/p' fuzz/rust-toolchain.toml)
  if ! rustup toolchain list | grep -q "^$nightly"; then
    say "installing Rust $nightly for cargo fuzz (pinned in fuzz/rust-toolchain.toml)"
    rustup toolchain install "$nightly" --profile minimal
  fi
  need_cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz --locked
}

# The bridge links the system's OpenSSL (librdkafka's TLS and SASL) and libcurl (OAUTHBEARER
# OIDC); kafka.sh --secured
# makes certificates with the openssl tool.
setup_bridge() {
  need_apt libssl-dev libcurl4-openssl-dev pkg-config openssl
}

setup_web() {
  need_rust_target
  need_cargo_tool trunk "$TRUNK_VERSION" trunk --locked
  # No --locked: wasm-bindgen-cli's own lockfile pins a crate version the registry lacks.
  need_cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
  need_npm_tools
}

case "${1:-}" in
  web) setup_web ;;
  fuzz) setup_fuzz ;;
  bridge) setup_bridge ;;
  test)
    setup_bridge
    setup_web
    setup_fuzz
    need_apt chromium chromium-driver
    need_flink_venv
    need_flink_kafka
    # DuckDB and Polars write the Parquet inputs and read the Parquet outputs back.
    need_bench_venv
    ;;
  flink) need_flink_venv; need_flink_kafka ;;
  flink-kafka-jar) need_flink_kafka >&2; echo "$FLINK_KAFKA_JAR" ;;
  # kcat: the raw-read peer of the Kafka read bench (Debian's package).
  bench) need_bench_venv; need_apt kcat ;;
  *) echo "usage: $0 bridge|web|fuzz|test|flink|flink-kafka-jar|bench" >&2; exit 2 ;;
esac
