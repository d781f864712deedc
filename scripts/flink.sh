#!/usr/bin/env bash
# hopscope's Flink SQL job (flink/) on a local Flink mini-cluster — PyFlink from PyPI and
# Flink's Kafka SQL connector from Maven Central, both pinned in scripts/setup.sh and
# installed on first use. No Docker, no Flink distribution.
#
#   scripts/flink.sh start [job options]  run the job in the background (log: target/flink/job.log)
#   scripts/flink.sh stop                 stop it
#   scripts/flink.sh status               say whether it runs
#   scripts/flink.sh run [job options]    run it in the foreground (Ctrl-C stops it)
#   scripts/flink.sh sql [job options]    print the job's SQL with the options filled in,
#                                         for `sql-client.sh -j <connector jar> -f job.sql`
#
# Job options (flink/run.py --help): --brokers (HOPSCOPE_KAFKA or 127.0.0.1:9092),
# --topic sales, --windows-topic sales_windows, --size 15m, --slide 1s,
# --time event|processing, --watermark-delay 1ms, --parallelism 3, --from earliest|latest,
# --bounded (stop at the topic's current end), --kafka-config FILE (the client properties file
# hopscope reads: TLS, SASL, client certificates; `sql` prints its secrets as ${KAFKA_…}
# placeholders for envsubst), --field NAME=PATH and --time-format (the topic's shape).
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${FLINK_JOB_HOME:-$PWD/target/flink}
PIDFILE=$DIR/job.pid
LOG=$DIR/job.log
PY=.tools/flink-venv/bin/python

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

job() {
  scripts/setup.sh flink >&2
  local jar
  jar=$(scripts/setup.sh flink-kafka-jar)
  exec "$PY" flink/run.py --connector "$jar" "$@"
}

start() {
  if running; then echo "the Flink job already runs (pid $(cat "$PIDFILE")); scripts/flink.sh stop first"; exit 1; fi
  mkdir -p "$DIR"
  scripts/setup.sh flink
  local jar
  jar=$(scripts/setup.sh flink-kafka-jar)
  # Its own session and process group, so `stop` ends the JVM it starts too.
  setsid "$PY" flink/run.py --connector "$jar" "$@" > "$LOG" 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
  # Submitted when run.py says so; the mini-cluster's JVM takes a few seconds.
  for _ in $(seq 1 120); do
    if grep -q '^flink job: ' "$LOG"; then
      grep '^flink job: ' "$LOG" | head -1
      echo "✅ Flink job running (pid $(cat "$PIDFILE")); log: $LOG; stop: scripts/flink.sh stop"
      return 0
    fi
    if ! running; then
      echo "❌ the Flink job ended while starting; the end of $LOG:" >&2
      tail -20 "$LOG" >&2
      rm -f "$PIDFILE"
      exit 1
    fi
    sleep 0.5
  done
  echo "❌ the Flink job did not start within 60 s; see $LOG" >&2
  stop
  exit 1
}

stop() {
  if ! running; then rm -f "$PIDFILE"; echo "no Flink job runs"; return 0; fi
  local pid
  pid=$(cat "$PIDFILE")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    if ! kill -0 "$pid" 2>/dev/null; then rm -f "$PIDFILE"; echo "Flink job stopped"; return 0; fi
    sleep 0.25
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "Flink job killed (it did not stop within 10 s)"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  start) start "$@" ;;
  stop) stop ;;
  status) if running; then echo "the Flink job runs (pid $(cat "$PIDFILE"))"; else echo "no Flink job runs"; exit 1; fi ;;
  run) job "$@" ;;
  sql) exec python3 flink/run.py --print-sql "$@" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
