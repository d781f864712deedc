#!/usr/bin/env python3
"""Run hopscope's Flink SQL job (the seed's hopping windows) on a local Flink mini-cluster.

The job reads sale JSON from a Kafka topic and writes one JSON record per window to a results
topic with the field names `hopscope window` writes; `hopscope analyze --windows-topic` and
`hopscope serve --windows-topic` read it. scripts/flink.sh installs PyFlink and the Kafka SQL
connector and calls this; `--print-sql` prints the filled-in SQL for a real cluster instead
(`sql-client.sh -j <connector.jar> -f job.sql`).

    python flink/run.py --connector flink-sql-connector-kafka.jar --brokers 127.0.0.1:9092
"""
import argparse
import os
import re
import string
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kafka_config  # noqa: E402
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def millis(text, what):
    """'15m' / '1s' / '500ms' -> milliseconds; units are required, as in hopscope."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*", text)
    if not m:
        raise SystemExit(f"flink/run.py: {what} {text!r} is not a duration such as 15m, 1s or 500ms")
    ms = float(m.group(1)) * UNITS[m.group(2)] * 1000
    if ms != int(ms):
        raise SystemExit(f"flink/run.py: {what} {text!r} is finer than a millisecond")
    return int(ms)


def seconds(ms):
    return f"{ms // 1000}.{ms % 1000:03d}"


def statements_of(text):
    """SQL text -> statements: `--` comments dropped and `;` split, outside quoted strings
    only (a JAAS line ends with `;`, a PEM key's lines start with `--`)."""
    out, cur, i, quoted = [], [], 0, False
    while i < len(text):
        c = text[i]
        if quoted:
            cur.append(c)
            if c == "'":
                if text[i + 1:i + 2] == "'":
                    cur.append("'")
                    i += 1
                else:
                    quoted = False
        elif c == "'":
            quoted = True
            cur.append(c)
        elif text.startswith("--", i):
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
            continue
        elif c == ";":
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append("".join(cur).strip())
    return [s for s in out if s]


def job_sql(a, placeholders=False):
    """The job's statements with every placeholder filled, in order. With `placeholders`
    (printing), secrets stay `${KAFKA_…}` placeholders for envsubst."""
    size, slide = millis(a.size, "--size"), millis(a.slide, "--slide")
    delay = millis(a.watermark_delay, "--watermark-delay")
    if size <= 0 or slide <= 0:
        raise SystemExit("flink/run.py: --size and --slide must be positive")
    if size % slide:
        # Flink's window TVF refuses it; hopscope itself accepts any slide.
        raise SystemExit(f"flink/run.py: Flink's HOP window needs the size ({a.size}) to be a "
                         f"multiple of the slide ({a.slide})")
    if size // 1000 >= 10**6:
        raise SystemExit("flink/run.py: --size must be under 1,000,000 s")
    opts, secrets, file_brokers = (kafka_config.connector_options(a.kafka_config)
                                   if a.kafka_config else ({}, {}, None))
    brokers = a.brokers or file_brokers or os.environ.get("HOPSCOPE_KAFKA", "127.0.0.1:9092")
    if a.time_format not in kafka_config.TIME_FORMATS:
        raise SystemExit(f"flink/run.py: --time-format {a.time_format!r}: one of "
                         f"{', '.join(kafka_config.TIME_FORMATS)}")
    columns = kafka_config.source_columns(kafka_config.parse_fields(a.field), a.time_format,
                                          a.time == "event")
    values = {
        "SALES_TOPIC": a.topic, "WINDOWS_TOPIC": a.windows_topic, "BROKERS": brokers,
        "COLUMNS": columns,
        "KAFKA_PROPERTIES": kafka_config.with_options(opts, secrets, placeholders),
        "GROUP_ID": a.group_id, "STARTUP_MODE": f"{a.start}-offset",
        "SCAN_BOUNDED": "'scan.bounded.mode' = 'latest-offset'," if a.bounded else "",
        "WATERMARK_DELAY": seconds(delay), "SIZE_SECONDS": seconds(size),
        "SLIDE_SECONDS": seconds(slide), "PARALLELISM": str(a.parallelism),
        "STATE_TTL": "10 min",
    }
    mode = "event_time" if a.time == "event" else "processing_time"
    text = ""
    for name in (f"source_{mode}.sql", "windows.sql", f"insert_{mode}.sql"):
        with open(os.path.join(HERE, name)) as f:
            text += string.Template(f.read()).substitute(values) + "\n"
    if placeholders and secrets:
        names = ", ".join("${" + kafka_config.placeholder(k) + "}" for k in secrets)
        print(f"flink/run.py: the SQL names its secrets as {names}: set them and fill them in "
              "with envsubst on the cluster", file=sys.stderr)
    return statements_of(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brokers", default=None,
                    help="bootstrap servers (default: bootstrap.servers of --kafka-config, "
                         "$HOPSCOPE_KAFKA, 127.0.0.1:9092)")
    ap.add_argument("--kafka-config", default=os.environ.get("HOPSCOPE_KAFKA_CONFIG") or None,
                    metavar="FILE",
                    help="the client properties file hopscope reads (librdkafka or Java names): "
                         "TLS, SASL, client certificates for the source and the results topic")
    ap.add_argument("--field", action="append", default=[], metavar="NAME=PATH",
                    help="read a sale field from another key or JSON pointer, as hopscope's --field")
    ap.add_argument("--time-format", default="iso8601",
                    help="how sale_date is written: iso8601, epoch-ms, epoch-s, sql")
    ap.add_argument("--topic", default="sales", help="topic of sale JSON records")
    ap.add_argument("--windows-topic", default="sales_windows", help="where window rows go")
    ap.add_argument("--size", default="15m", help="window size (the seed: 15m)")
    ap.add_argument("--slide", default="1s", help="window slide (the seed: 1s); must divide the size")
    ap.add_argument("--time", choices=["event", "processing"], default="event",
                    help="event: sale_date behind per-partition watermarks; processing: the seed's PROCTIME()")
    ap.add_argument("--watermark-delay", default="1ms",
                    help="event time: the watermark trails the newest sale_date by this (hopscope's default 1ms)")
    ap.add_argument("--parallelism", type=int, default=3, help="the seed: 3 (over 6 partitions)")
    ap.add_argument("--from", dest="start", choices=["earliest", "latest"], default="earliest",
                    help="where the job starts reading the sales topic")
    ap.add_argument("--bounded", action="store_true",
                    help="stop at the offsets the topic has when the job starts (tests, benchmarks)")
    ap.add_argument("--group-id", default="hopscope-flink")
    ap.add_argument("--connector", help="the flink-sql-connector-kafka jar (scripts/setup.sh flink-kafka-jar)")
    ap.add_argument("--print-sql", action="store_true", help="print the filled-in SQL and exit")
    ap.add_argument("--explain", action="store_true",
                    help="plan the job with Flink's planner, print the plan and exit (checks the SQL)")
    a = ap.parse_args()
    if a.parallelism < 1:
        raise SystemExit("flink/run.py: --parallelism must be at least 1")
    statements = job_sql(a, placeholders=a.print_sql)
    if a.print_sql:
        print(";\n\n".join(statements) + ";")
        return
    if not a.connector or not os.path.isfile(a.connector):
        raise SystemExit(f"flink/run.py: --connector {a.connector!r} is not a file "
                         "(scripts/setup.sh flink-kafka-jar prints its path)")
    from pyflink.table import EnvironmentSettings, TableEnvironment
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("pipeline.jars", "file://" + os.path.abspath(a.connector))
    setting = re.compile(r"SET\s+'([^']+)'\s*=\s*'([^']*)'", re.I)
    insert = None
    for s in statements:
        if m := setting.fullmatch(s):
            env.get_config().set(m.group(1), m.group(2))
        elif s.upper().startswith("INSERT"):
            insert = s
        else:
            env.execute_sql(s)
    if a.explain:
        print(env.explain_sql(insert))
        return
    print(f"flink job: {a.time} time, HOP {a.size} / {a.slide}, parallelism {a.parallelism}: "
          f"{a.topic} → {a.windows_topic}", flush=True)
    env.execute_sql(insert).wait()
    print("flink job: finished", flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
