#!/usr/bin/env bash
# The live demo in one command (`make live`): a Kafka broker, a producer, the bridge and the
# page, together.
#
#   make live [RATE=20] [SCENARIO=spike@2m,factor=10,for=30s] [BROKERS=host:port]
#             [PORT=8081] [TOPIC=sales] [KAFKA_PORT=9092]
#
# Uses the broker at BROKERS, or starts the local one (scripts/kafka.sh) unless one already
# answers on KAFKA_PORT; builds the page if it is missing or older than its sources; produces
# sales at RATE (with the optional SCENARIO) to TOPIC; serves the page and the WebSocket
# relay on 127.0.0.1:PORT; prints the URL that opens the page in live mode. A bridge already
# serving TOPIC on PORT (an earlier run still going) is reused. Ctrl-C stops what this run
# started: the producer (flushing what is in flight), the bridge, and the broker if it
# started one — nothing is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

RATE=${RATE:-20}
SCENARIO=${SCENARIO:-}
PORT=${PORT:-8081}
TOPIC=${TOPIC:-sales}
export KAFKA_PORT=${KAFKA_PORT:-9092}
BIN=${HOPSCOPE_BIN:-target/release/hopscope}

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }
die() { printf '\033[1;31m✖ %s\033[0m\n' "$*" >&2; exit 1; }
answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
# GET a path from 127.0.0.1:PORT with plain bash; prints the response.
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
  timeout 3 cat <&3 || true
  exec 3>&-
}

producer="" bridge="" started_broker=0
# Stops a child with Ctrl-C's signal, repeated each second: a child interrupted while still
# starting has not installed its handler yet (background children start with SIGINT
# ignored), so one signal may go unheard. Killed after 15 s.
stop_child() {
  local pid=$1
  for i in $(seq 0 149); do
    kill -0 "$pid" 2>/dev/null || break
    if [ $((i % 10)) -eq 0 ]; then kill -INT "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  # A second Ctrl-C (the terminal sends one to every process of the job) must not cut the
  # clean-up short: nothing may be left behind.
  trap '' INT TERM
  trap - EXIT
  echo
  if [ -n "$producer" ] && kill -0 "$producer" 2>/dev/null; then
    say "stopping the producer (flushing what is in flight)"
    stop_child "$producer"
  fi
  if [ -n "$bridge" ] && kill -0 "$bridge" 2>/dev/null; then
    say "stopping the bridge"
    stop_child "$bridge"
  fi
  if [ "$started_broker" = 1 ]; then
    say "stopping the Kafka broker this run started"
    scripts/kafka.sh stop >/dev/null 2>&1 || true
  fi
  say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The broker.
if [ -n "${BROKERS:-}" ]; then
  first=${BROKERS%%,*}
  answers "${first%:*}" "${first##*:}" \
    || die "no Kafka broker answers at $BROKERS (check the address, or leave BROKERS unset for a local one)"
  say "using the Kafka broker at $BROKERS"
else
  BROKERS=127.0.0.1:$KAFKA_PORT
  if answers 127.0.0.1 "$KAFKA_PORT"; then
    say "reusing the Kafka broker already on $BROKERS"
  else
    command -v java >/dev/null \
      || die "the local Kafka broker needs Java 17 (apt-get install openjdk-17-jre-headless), or set BROKERS=host:port"
    command -v mvn >/dev/null || [ -f "${KAFKA_JARS:-$HOME/.cache/hopscope/kafka-x}/.complete" ] \
      || die "fetching the Kafka broker needs Maven (apt-get install maven), or set BROKERS=host:port"
    say "starting a local Kafka broker on $BROKERS"
    scripts/kafka.sh start
    started_broker=1
  fi
fi

# 2. The page and the binary.
if [ ! -f dist/index.html ] || [ -n "$(find web/src static index.html Trunk.toml -newer dist/index.html 2>/dev/null | head -1)" ]; then
  say "building the page (trunk build --release; the first time takes several minutes)"
  scripts/setup.sh web
  trunk build --release
fi
if [ -z "${HOPSCOPE_BIN:-}" ]; then
  scripts/setup.sh bridge
  cargo build -q --release -p hopscope-bridge
fi
[ -x "$BIN" ] || die "no hopscope binary at $BIN"

# 3. The producer (it creates the topic the bridge waits for).
args=(produce --brokers "$BROKERS" --topic "$TOPIC" --rate "$RATE")
[ -z "$SCENARIO" ] || args+=(--scenario "$SCENARIO")
"$BIN" "${args[@]}" &
producer=$!

# 4. The bridge, unless one already serves this topic on PORT.
url="http://127.0.0.1:$PORT/?source=live&bridge=ws%3A%2F%2F127.0.0.1%3A$PORT%2Fws"
ready() { http_get "$PORT" /healthz 2>/dev/null | grep -q '^ok$'; }
if answers 127.0.0.1 "$PORT"; then
  if http_get "$PORT" /healthz 2>/dev/null | grep -q '^ok$\|^unavailable: .*Kafka'; then
    say "reusing the bridge already serving on 127.0.0.1:$PORT"
  else
    die "port $PORT is busy with another program: set PORT=another"
  fi
else
  "$BIN" serve --brokers "$BROKERS" --topic "$TOPIC" --bind "127.0.0.1:$PORT" --web dist &
  bridge=$!
  # It listens at once and answers 503 with the cause until Kafka accepts it.
  for _ in $(seq 1 600); do
    ready && break
    kill -0 "$bridge" 2>/dev/null || die "the bridge exited (see above)"
    sleep 0.1
  done
  ready || die "the bridge is not ready after 60 s: $(http_get "$PORT" /healthz 2>/dev/null | tail -1)"
fi

say "live: $RATE sales/s to topic $TOPIC on $BROKERS${SCENARIO:+, scenario $SCENARIO}"
echo "open: $url"
echo "(Ctrl-C stops the producer, the bridge and the broker this run started)"
wait "$producer"
