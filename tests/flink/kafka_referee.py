#!/usr/bin/env python3
"""Kafka referee: Flink SQL reading a real topic against `hopscope analyze --brokers`.

Produces sales with `hopscope produce` to a fresh 6-partition topic on the test broker, then

* Flink (PyFlink + the Kafka SQL connector, parallelism 3 over the 6 partitions, as the
  seed) runs the seed's aggregate as a window TVF in event time. Its Kafka source keeps one
  watermark per partition and the window operator takes their minimum; the job ends at the
  offsets the topic had when it started (`'scan.bounded.mode' = 'latest-offset'`);
* `hopscope analyze --brokers … --from earliest --windows` reads the same topic, partitions
  arriving one fetch after another, far out of event-time order across partitions,

and requires the same windows with the same values. A single watermark for the whole topic
would report most sales late (the failure this guards against).

    .tools/flink-venv/bin/python tests/flink/kafka_referee.py --hopscope target/debug/hopscope \
        --brokers 127.0.0.1:9092 --connector ~/.cache/hopscope/flink-kafka/<jar>
"""
import os
import re
import subprocess
import sys
import time

from referee import compare, kafka_test_args, parse_ms, verdict

PAIRS = [(60, 10), (900, 1)]  # (size, slide) in seconds: window TVF needs slide | size
DELAY_MS = 1  # hopscope's default watermark delay: WATERMARK FOR ts AS ts - 0.001 s

KPI = re.compile(
    r"📈 (\S+) → (\S+) \| (\d+) sales \| \$([\d,]+\.\d\d) revenue \| avg \$([\d,]+\.\d\d) \| "
    r"sellers (\d+) \| categories (\d+) \| products (\d+) \| biggest \$([\d,]+\.\d\d)")




def money(text):
    return float(text.replace(",", ""))


def run_flink(brokers, topic, connector, size, slide):
    from pyflink.table import EnvironmentSettings, TableEnvironment
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    c = env.get_config()
    c.set("parallelism.default", "3")
    c.set("table.local-time-zone", "UTC")
    c.set("pipeline.jars", "file://" + os.path.abspath(connector))
    env.execute_sql(f"""
        CREATE TABLE sales (
            id_sale STRING, nm_product STRING, nm_category STRING, seller STRING,
            price DOUBLE, quantity INT, sale_date STRING,
            ts AS TO_TIMESTAMP(REPLACE(SUBSTRING(sale_date, 1, 23), 'T', ' '), 'yyyy-MM-dd HH:mm:ss.SSS'),
            WATERMARK FOR ts AS ts - INTERVAL '0.001' SECOND
        ) WITH (
            'connector' = 'kafka', 'topic' = '{topic}',
            'properties.bootstrap.servers' = '{brokers}',
            'properties.group.id' = 'hopscope-referee',
            'scan.startup.mode' = 'earliest-offset',
            'scan.bounded.mode' = 'latest-offset',
            'format' = 'json')""")
    q = f"""SELECT window_start, window_end, COUNT(*), ROUND(SUM(price * quantity), 2),
                   ROUND(AVG(price * quantity), 2), COUNT(DISTINCT seller),
                   COUNT(DISTINCT nm_category), COUNT(DISTINCT nm_product), MAX(price * quantity)
            FROM TABLE(HOP(TABLE sales, DESCRIPTOR(ts), INTERVAL '{slide}' SECOND(4), INTERVAL '{size}' SECOND(4)))
            GROUP BY window_start, window_end"""
    rows = {}
    t0 = time.time()
    with env.execute_sql(q).collect() as it:
        for r in it:
            rows[(parse_ms(str(r[0])), parse_ms(str(r[1])))] = (
                r[2], float(r[3]), float(r[4]), r[5], r[6], r[7], float(r[8]))
    return rows, time.time() - t0


def run_hopscope(hopscope, brokers, topic, size, slide):
    out = subprocess.run(
        [hopscope, "analyze", "--brokers", brokers, "--topic", topic, "--from", "earliest",
         "--idle-exit", "3s", "--windows", "--size", f"{size}s", "--slide", f"{slide}s"],
        check=True, capture_output=True, text=True)
    rows = {}
    for line in out.stdout.splitlines():
        m = KPI.match(line)
        if m:
            g = m.groups()
            rows[(parse_ms(g[0]), parse_ms(g[1]))] = (
                int(g[2]), money(g[3]), money(g[4]), int(g[5]), int(g[6]), int(g[7]), money(g[8]))
    summary = next((l for l in out.stdout.splitlines() if l.startswith("📋")), "")
    return rows, summary




def main():
    args, hopscope, topic = kafka_test_args(__doc__.splitlines()[0], "referee")
    subprocess.run(
        [hopscope, "produce", "--brokers", args.brokers, "--topic", topic, "--no-pace",
         "--count", "6000", "--rate", "20", "--seed", "21", "--start", "2025-05-01T10:00:00Z",
         "--scenario", "spike@2m,factor=6,for=20s"],
        check=True, capture_output=True)
    print(f"kafka referee: 6000 sales on topic {topic} (6 partitions), Flink parallelism 3")
    passed = failed = 0
    for size, slide in PAIRS:
        flink, secs = run_flink(args.brokers, topic, args.connector, size, slide)
        ours, summary = run_hopscope(hopscope, args.brokers, topic, size, slide)
        problems = compare(flink, ours)
        if "late: 0 joined their unfired windows, 0 dropped" not in summary:
            problems.append(f"hopscope saw late sales: {summary}")
        if len(flink) < 10:
            problems.append(f"only {len(flink)} windows from Flink")
        p, f = verdict(f"test kafka HOP(size={size}s, slide={slide}s): {len(flink)} windows, "
                       f"Flink {secs:.1f}s", problems)
        passed += p
        failed += f
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
