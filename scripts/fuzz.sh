#!/usr/bin/env bash
# Fuzzes the decoders of outside input with cargo fuzz (libFuzzer + AddressSanitizer).
#   scripts/fuzz.sh                      every target for 20 s each (what `make test` runs)
#   scripts/fuzz.sh 3600 sale_json       one target for an hour
# Targets: every fuzz/fuzz_targets/<target>.rs (each says what it fuzzes; fuzz/Cargo.toml
# names its binary), so a new target is fuzzed by `make test` once it is there.
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
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi

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
