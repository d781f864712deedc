#!/usr/bin/env bash
# Fuzzes the decoders of outside input with cargo fuzz (libFuzzer + AddressSanitizer).
#   scripts/fuzz.sh                      every target for 20 s each (what `make test` runs)
#   scripts/fuzz.sh 3600 sale_json       one target for an hour
# Targets: sale_json (Kafka record values; the fast path against the exact decoder), client_message (browser → bridge frames),
# server_message (bridge → browser frames), relay_session (a client session in serve),
# catalog (user catalog files for generate --catalog), window_row (results-topic rows for
# analyze --windows-topic).
# Seeds are in fuzz/seeds/<target>; what the
# fuzzer learns accumulates in fuzz/corpus/<target> (not committed), and a failing input
# is written to fuzz/artifacts/<target>/ with the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh fuzz

seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sale_json client_message server_message relay_session catalog window_row)

cd fuzz # its rust-toolchain.toml selects the pinned nightly
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "fuzzing $t for ${seconds}s"
  # -O: optimised build, so the short run in the tests covers more inputs per second.
  if ! cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $t failed: the input is in fuzz/artifacts/$t/ (replay: cd fuzz && cargo fuzz run $t <file>)" >&2
    exit 1
  fi
  grep -E '^(Done|stat::peak_rss_mb)' "$log" | tr '\n' ' '; echo
done
