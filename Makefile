# hopscope's commands: serve and live (set up and go), test, bench. Each installs what it needs on first use.
.PHONY: serve live test bench

## Serve the in-browser simulator on http://127.0.0.1:8080 (installs the wasm target, trunk,
## wasm-bindgen-cli and wasm-opt on first use).
serve:
	scripts/setup.sh web
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" trunk serve --release

## The live demo on real Kafka: broker (unless BROKERS=host:port), producer at RATE
## (SCENARIO optional), bridge and page; prints the URL. Ctrl-C stops what it started.
live:
	scripts/live.sh

## Run every test: formatting, lints, native and wasm tests, Flink differential, end-to-end.
test:
	scripts/test.sh

## Benchmarks (not part of `make test`): see BENCHMARKS.md.
bench:
	scripts/bench.sh
