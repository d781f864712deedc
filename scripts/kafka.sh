#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) for hopscope's tests and for trying the
# bridge locally — no Docker: the broker's jars come from Maven Central and run on the JVM.
#
#   scripts/kafka.sh start [--secured]  fetch jars (once, cached), format a fresh broker
#                                       directory, start on 127.0.0.1:$KAFKA_PORT
#   scripts/kafka.sh resume   start again on the existing data (after `stop`), keeping every record
#   scripts/kafka.sh stop     stop the broker started here
#   scripts/kafka.sh status   say whether it answers
#
# --secured (or HOPSCOPE_KAFKA_SECURED=1) adds the listeners managed Kafka services use, with a
# CA, broker and client certificates made by openssl at start (PEM stores):
#   PORT+2  SASL_SSL   PLAIN and SCRAM-SHA-512, user alice (password generated at start)
#   PORT+3  SSL        client certificates required (mTLS)
#   PORT+4  SSL        a certificate for another host name (to test host name checks)
# and writes client properties files for each to $HOPSCOPE_KAFKA_DIR/client/ (scram, plain,
# mtls; java-scram and java-mtls in the Java client's syntax).
#
# Environment: KAFKA_PORT (9092), HOPSCOPE_KAFKA_DIR (target/kafka), HOPSCOPE_KAFKA_JARS
# (~/.cache/hopscope/kafka-<v>). KAFKA_HOME is deliberately not read: it names a user's own
# Kafka installation. `start` deletes only a directory this script created (it carries a
# .hopscope-kafka marker) and refuses any other that is not empty.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' scripts/kafka/pom.xml)
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=$((PORT + 1))
SASL_PORT=$((PORT + 2))
MTLS_PORT=$((PORT + 3))
MISMATCH_PORT=$((PORT + 4))
DIR=${HOPSCOPE_KAFKA_DIR:-$PWD/target/kafka}
JARS=${HOPSCOPE_KAFKA_JARS:-$HOME/.cache/hopscope/kafka-$VERSION}
MARKER=.hopscope-kafka
PIDFILE=$DIR/broker.pid
LOG=$DIR/broker.log
SECURED=${HOPSCOPE_KAFKA_SECURED:-0}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() {
  if [ ! -f "$JARS/.complete" ]; then
    echo "fetching Apache Kafka $VERSION broker jars from Maven Central into $JARS (once)"
    mkdir -p "$JARS"
    mvn -q -f scripts/kafka/pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$JARS" -DincludeScope=runtime
    touch "$JARS/.complete"
  fi
}

# A fresh broker directory. Only ever deletes a directory this script made.
fresh_dir() {
  if [ -e "$DIR" ]; then
    if [ -f "$DIR/$MARKER" ]; then
      rm -rf "$DIR"
    elif [ -d "$DIR" ] && [ -z "$(ls -A "$DIR")" ]; then
      rmdir "$DIR"
    else
      echo "refusing to use $DIR: it exists and was not made by scripts/kafka.sh (no $MARKER);" \
           "set HOPSCOPE_KAFKA_DIR to another directory" >&2
      exit 1
    fi
  fi
  mkdir -p "$DIR/data"
  echo "made by hopscope's scripts/kafka.sh; deleted by its next start" > "$DIR/$MARKER"
}

start() {
  if answers "$PORT"; then echo "a broker already answers on 127.0.0.1:$PORT"; return 0; fi
  fetch
  fresh_dir
  local cp="$JARS/*" scram=()
  if [ "$SECURED" = 1 ]; then
    secrets
    scram=(--add-scram "SCRAM-SHA-512=[name=alice,password=$(cat "$DIR/client/password")]")
  fi
  configure
  java -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" \
    -c "$DIR/server.properties" "${scram[@]}" > "$DIR/format.log" 2>&1 \
    || { cat "$DIR/format.log"; exit 1; }
  launch
}

resume() {
  if answers "$PORT"; then echo "a broker already answers on 127.0.0.1:$PORT"; return 0; fi
  [ -f "$DIR/server.properties" ] || { echo "nothing to resume in $DIR: use start"; exit 1; }
  launch
}

# A CA, the broker's certificate (localhost, 127.0.0.1), one for another host name, a client
# certificate, an unrelated CA, a password; then the client properties files.
secrets() {
  local tls=$DIR/tls client=$DIR/client
  mkdir -p "$tls" "$client"
  chmod 700 "$client"
  (
    cd "$tls"
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    ca() { # name subject
      key "$1.key"
      openssl req -x509 -new -key "$1.key" -days 30 -subj "/CN=$2" -out "$1.pem" 2>/dev/null
    }
    leaf() { # name subject san
      key "$1.key"
      openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
      printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" > "$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
      cat "$1.key" "$1.pem" ca.pem > "$1-keystore.pem"
    }
    ca ca "hopscope test CA"
    ca other-ca "some other CA"
    leaf broker localhost "DNS:localhost,IP:127.0.0.1"
    leaf mismatch broker.invalid "DNS:broker.invalid"
    leaf client hopscope-client "DNS:hopscope-client"
    rm -f ./*.csr ./*.ext
  )
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$client/password"
  local pw; pw=$(cat "$client/password")
  local common="ssl.ca.location=$tls/ca.pem"
  cat > "$client/scram.properties" <<P
# SCRAM-SHA-512 over TLS (librdkafka's names)
bootstrap.servers=127.0.0.1:$SASL_PORT
security.protocol=SASL_SSL
sasl.mechanisms=SCRAM-SHA-512
sasl.username=alice
sasl.password=$pw
$common
P
  sed -e 's/SCRAM-SHA-512 over/PLAIN over/' -e 's/=SCRAM-SHA-512/=PLAIN/' "$client/scram.properties" > "$client/plain.properties"
  cat > "$client/mtls.properties" <<P
# TLS with a client certificate (librdkafka's names)
bootstrap.servers=127.0.0.1:$MTLS_PORT
security.protocol=SSL
$common
ssl.certificate.location=$tls/client.pem
ssl.key.location=$tls/client.key
P
  cat > "$client/java-scram.properties" <<P
# The Java client's syntax, as for kafka-console-consumer --command-config
bootstrap.servers=127.0.0.1:$SASL_PORT
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
    username='alice' password='$pw';
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
P
  cat > "$client/java-mtls.properties" <<P
bootstrap.servers=127.0.0.1:$MTLS_PORT
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
ssl.keystore.type=PEM
ssl.keystore.location=$tls/client-keystore.pem
P
  printf 'plaintext=127.0.0.1:%s\nsasl_ssl=127.0.0.1:%s\nmtls=127.0.0.1:%s\nmismatch=127.0.0.1:%s\njars=%s\ntls=%s\n' \
    "$PORT" "$SASL_PORT" "$MTLS_PORT" "$MISMATCH_PORT" "$JARS" "$tls" > "$client/cluster"
  chmod 600 "$client"/*
}

configure() {
  local listeners="PLAINTEXT://127.0.0.1:$PORT" map="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if [ "$SECURED" = 1 ]; then
    listeners="$listeners,SASL_SSL://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$MTLS_PORT,MISMATCH://127.0.0.1:$MISMATCH_PORT"
    map="$map,SASL_SSL:SASL_SSL,SSL:SSL,MISMATCH:SSL"
  fi
  cat > "$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=$listeners,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$map
log.dirs=$DIR/data
num.partitions=6
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
message.max.bytes=2097152
PROPS
  if [ "$SECURED" = 1 ]; then
    local tls=$DIR/tls pw; pw=$(cat "$DIR/client/password")
    cat >> "$DIR/server.properties" <<PROPS
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="$pw";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$tls/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
listener.name.ssl.ssl.client.auth=required
listener.name.mismatch.ssl.keystore.type=PEM
listener.name.mismatch.ssl.keystore.location=$tls/mismatch-keystore.pem
PROPS
    chmod 600 "$DIR/server.properties"
  fi
  cat > "$DIR/log4j2.properties" <<'L4J'
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
  nohup java -Xms256m -Xmx1g -Dlog4j2.configurationFile="$DIR/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$DIR/server.properties" >> "$LOG" 2>&1 &
  echo $! > "$PIDFILE"
  local ports=("$PORT")
  grep -q '^sasl.enabled.mechanisms' "$DIR/server.properties" && ports+=("$SASL_PORT" "$MTLS_PORT" "$MISMATCH_PORT")
  for _ in $(seq 1 120); do
    local up=1
    for p in "${ports[@]}"; do answers "$p" || up=0; done
    if [ $up = 1 ]; then
      echo "✅ Kafka $VERSION ready on 127.0.0.1:$PORT$([ ${#ports[@]} -gt 1 ] && echo " (secured: SASL_SSL $SASL_PORT, mTLS $MTLS_PORT; client settings in $DIR/client)") (took $((SECONDS - t0))s)"
      return 0
    fi
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

verb=${1:-}
[ $# -gt 0 ] && shift
for opt in "$@"; do
  case "$opt" in
    --secured) SECURED=1 ;;
    *) echo "unknown option $opt" >&2; exit 2 ;;
  esac
done
case "$verb" in
  start) start ;;
  resume) resume ;;
  stop) stop ;;
  status) if answers "$PORT"; then echo "up on 127.0.0.1:$PORT"; else echo "down"; exit 1; fi ;;
  fetch) fetch ;;
  *) echo "usage: $0 start [--secured]|resume|stop|status|fetch" >&2; exit 2 ;;
esac
