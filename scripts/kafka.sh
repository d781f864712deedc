#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) for hopscope's tests and for trying the
# bridge locally — no Docker: the broker's jars come from Maven Central and run on the JVM.
#
#   scripts/kafka.sh start    fetch jars (once, cached), format target/kafka, start on 127.0.0.1:9092
#   scripts/kafka.sh resume   start again on the existing data (after `stop`), keeping every record
#   scripts/kafka.sh stop     stop the broker started here
#   scripts/kafka.sh status   say whether it answers
#
# Environment: KAFKA_PORT (9092), KAFKA_HOME (target/kafka), KAFKA_JARS (~/.cache/hopscope/kafka-<v>).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' scripts/kafka/pom.xml)
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=$((PORT + 1))
HOME_DIR=${KAFKA_HOME:-$PWD/target/kafka}
JARS=${KAFKA_JARS:-$HOME/.cache/hopscope/kafka-$VERSION}
PIDFILE=$HOME_DIR/broker.pid
LOG=$HOME_DIR/broker.log

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

fetch() {
  if [ ! -f "$JARS/.complete" ]; then
    echo "fetching Apache Kafka $VERSION broker jars from Maven Central into $JARS (once)"
    mkdir -p "$JARS"
    mvn -q -f scripts/kafka/pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$JARS" -DincludeScope=runtime
    touch "$JARS/.complete"
  fi
}

start() {
  if answers; then echo "a broker already answers on 127.0.0.1:$PORT"; return 0; fi
  fetch
  rm -rf "$HOME_DIR" && mkdir -p "$HOME_DIR/data"
  configure
  local cp="$JARS/*"
  java -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" \
    -c "$HOME_DIR/server.properties" > "$HOME_DIR/format.log" 2>&1 \
    || { cat "$HOME_DIR/format.log"; exit 1; }
  launch
}

resume() {
  if answers; then echo "a broker already answers on 127.0.0.1:$PORT"; return 0; fi
  [ -f "$HOME_DIR/server.properties" ] || { echo "nothing to resume in $HOME_DIR: use start"; exit 1; }
  launch
}

configure() {
  cat > "$HOME_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$HOME_DIR/data
num.partitions=6
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
message.max.bytes=2097152
PROPS
  cat > "$HOME_DIR/log4j2.properties" <<'L4J'
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
L4J
}

launch() {
  local cp="$JARS/*"
  local t0=$SECONDS
  nohup java -Xms256m -Xmx1g -Dlog4j2.configurationFile="$HOME_DIR/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$HOME_DIR/server.properties" >> "$LOG" 2>&1 &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 120); do
    if answers; then echo "✅ Kafka $VERSION ready on 127.0.0.1:$PORT (took $((SECONDS - t0))s)"; return 0; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then echo "broker exited:"; tail -30 "$LOG"; exit 1; fi
    sleep 0.5
  done
  echo "broker did not answer within 60 s:"; tail -30 "$LOG"; exit 1
}

stop() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    local pid; pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "broker stopped"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  start) start ;;
  resume) resume ;;
  stop) stop ;;
  status) if answers; then echo "up on 127.0.0.1:$PORT"; else echo "down"; exit 1; fi ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|resume|stop|status|fetch" >&2; exit 2 ;;
esac
