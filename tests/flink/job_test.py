#!/usr/bin/env python3
"""The shipped Flink job (flink/) end to end: real broker → Flink → results topic → hopscope.

* `hopscope produce` writes sales with a spike to a fresh 6-partition topic, followed by
  dirty records (quantity 0, a negative price, a blank seller, a missing price, …, and some
  hopscope accepts with a default: no quantity, a blank category);
* `flink/run.py --bounded` — the job users run, parallelism 3 — computes the windows in event
  time and writes one JSON row per window to a results topic;
* `hopscope analyze --windows-topic` runs detection on Flink's rows, and
  `hopscope analyze --brokers` computes the windows itself from the raw sales.

Required: hopscope refuses exactly the dirty records that are not sales; the same windows
with the same values (every KPI line equal: Flink counted the same records), the same alerts on
every window the raw run analysed (at the end of a bounded read hopscope fires the windows
reaching past the last sale without analysing them; Flink's end-of-input watermark fires
them too, so they are compared as windows only), no row of Flink's refused, and at least
one alert compared. The processing-time variant of the job is planned by Flink's planner
(`--explain`); its windows depend on when records are read, so they are not compared.

    .tools/flink-venv/bin/python tests/flink/job_test.py --hopscope target/debug/hopscope \
        --brokers 127.0.0.1:9092 --connector ~/.cache/hopscope/flink-kafka/<jar>
"""
import json
import os
import subprocess
import sys
import time

from referee import kafka_test_args, verdict

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "..", "..", "flink", "run.py")
NOT_ANALYSED = " (input ended: not analysed)"


def blocks(stdout):
    """[(kpi line, analysed?, [alert block, ...])]: alerts precede their window's KPI line."""
    out, pending, current = [], [], []
    for line in stdout.splitlines():
        if line.startswith("🚨"):
            current = [line]
            pending.append(current)
        elif line.startswith("   ") and current:
            current.append(line)
        elif line.startswith("📈"):
            analysed = not line.endswith(NOT_ANALYSED)
            out.append((line.removesuffix(NOT_ANALYSED), analysed, ["\n".join(b) for b in pending]))
            pending, current = [], []
        else:
            current = []
    return out


# Records after the last generated sale (10:07:29.95), in time order: what hopscope refuses
# must not count in Flink's windows either, and what it accepts with a default must count
# the same. (value, hopscope counts it)
def dirty_records():
    base = {"id_sale": "d", "id_product": "P1", "nm_product": "Dirty Widget",
            "nm_category": "Dirty Things", "nm_brand": "Acme", "seller": "dirty.seller",
            "price": 12.5, "quantity": 2, "tp_payment": "Pix"}
    cases = [
        ({"quantity": 0}, False), ({"quantity": 10001}, False), ({"price": -5}, False),
        ({"price": 0.001}, False), ({"price": 20000000}, False), ({"seller": ""}, False),
        ({"seller": " \t "}, False), ({"nm_product": None}, False), ({"id_sale": ""}, False),
        ({"price": None}, False), ({"sale_date": None}, False),
        ({"quantity": None}, True), ({"quantity": " 3 "}, True),
        ({"nm_category": None}, True),
        ({"nm_category": "  "}, True), ({}, True),
    ]
    out = []
    for i, (change, counted) in enumerate(cases):
        r = dict(base, id_sale=f"dirty-{i}", sale_date=f"2025-05-01T10:07:{31 + i}.000Z")
        r.update(change)
        out.append((json.dumps({k: v for k, v in r.items() if v is not None}), counted))
    return out


def produce_raw(connector, brokers, topic, lines):
    """Each line as one record of `topic`, through Flink's own Kafka sink (the test's only
    Kafka client that writes arbitrary bytes)."""
    from pyflink.table import EnvironmentSettings, TableEnvironment
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("pipeline.jars", "file://" + os.path.abspath(connector))
    env.execute_sql(f"CREATE TABLE raw_out (v STRING) WITH ('connector' = 'kafka', "
                    f"'topic' = '{topic}', 'properties.bootstrap.servers' = '{brokers}', "
                    "'format' = 'raw')")
    values = ", ".join("('" + line.replace("'", "''") + "')" for line in lines)
    env.execute_sql(f"INSERT INTO raw_out VALUES {values}").wait()


def analyze(hopscope, brokers, source, size, slide):
    out = subprocess.run(
        [hopscope, "analyze", "--brokers", brokers, *source, "--from", "earliest",
         "--idle-exit", "3s", "--windows", "--size", size, "--slide", slide],
        check=True, capture_output=True, text=True)
    return out.stdout, out.stderr


def main():
    args, hopscope, topic = kafka_test_args(__doc__.splitlines()[0], "job")
    size, slide = "60s", "10s"
    subprocess.run(
        [hopscope, "produce", "--brokers", args.brokers, "--topic", topic, "--no-pace",
         "--count", "9000", "--rate", "20", "--seed", "33", "--start", "2025-05-01T10:00:00Z",
         "--scenario", "spike@2m,factor=6,for=20s", "--scenario", "concentration@3m,for=40s",
         "--scenario", "surge@4m", "--scenario", "outlier@210s"],
        check=True, capture_output=True)
    dirty = dirty_records()
    produce_raw(args.connector, args.brokers, topic, [line for line, _ in dirty])
    refused = sum(1 for _, counted in dirty if not counted)
    print(f"flink job test: 9000 sales (spike, concentration, category surge, outlier) and "
          f"{len(dirty)} dirty records ({refused} not sales) on topic {topic}; HOP {size} / {slide}")
    passed = failed = 0

    t0 = time.time()
    job = subprocess.run(
        [sys.executable, RUN, "--connector", args.connector, "--brokers", args.brokers,
         "--topic", topic, "--windows-topic", topic + "-windows", "--size", size,
         "--slide", slide, "--bounded", "--group-id", topic],
        capture_output=True, text=True)
    secs = time.time() - t0
    problems = [] if job.returncode == 0 else [f"the job failed: {job.stderr[-2000:]}"]
    flink_out, flink_err = analyze(hopscope, args.brokers, ["--windows-topic", topic + "-windows"],
                                   size, slide) if not problems else ("", "")
    ours_out, _ = analyze(hopscope, args.brokers, ["--topic", topic], size, slide)
    # The 9000 sales and the dirty records were read; hopscope refused exactly the ones it
    # should (the windows below say Flink counted the same ones).
    if f"{9000 + len(dirty)} records ({refused} not valid sales)" not in ours_out:
        problems.append(f"hopscope did not read {9000 + len(dirty)} records and refuse the "
                        f"{refused} that are not sales: "
                        f"{[l for l in ours_out.splitlines() if 'Summary' in l]}")
    flink, ours = blocks(flink_out), blocks(ours_out)
    flink_kpis = [k for k, _, _ in flink]
    ours_kpis = [k for k, _, _ in ours]
    if flink_kpis != ours_kpis:
        only_f = [k for k in flink_kpis if k not in ours_kpis]
        only_o = [k for k in ours_kpis if k not in flink_kpis]
        problems.append(f"windows differ: {len(flink_kpis)} from Flink, {len(ours_kpis)} from "
                        f"hopscope; only Flink: {only_f[:2]}; only hopscope: {only_o[:2]}")
    if len(flink_kpis) < 20:
        problems.append(f"only {len(flink_kpis)} windows from Flink")
    if "0 not valid windows, 0 repeated or out of order" not in flink_out:
        problems.append(f"rows refused: {flink_err.strip()[:500]}")
    p, f = verdict(f"test flink job → {topic}-windows: {len(flink_kpis)} windows equal to "
                   f"hopscope's from the raw topic (job {secs:.1f}s)", problems)
    passed, failed = passed + p, failed + f

    problems, compared = [], 0
    by_kpi = {k: alerts for k, _, alerts in flink}
    for kpi, analysed, alerts in ours:
        if not analysed:
            continue
        compared += len(alerts)
        if by_kpi.get(kpi) != alerts:
            problems.append(f"window {kpi[:60]}…: hopscope {alerts} vs on Flink's rows {by_kpi.get(kpi)}")
    kinds = {a.splitlines()[0] for _, analysed, alerts in ours if analysed for a in alerts}
    if len(kinds) < 5:
        problems.append(f"too few kinds of alert to compare ({sorted(kinds)}): the scenarios should raise more")
    p, f = verdict(f"test analyze --windows-topic: the same {compared} alerts ({len(kinds)} kinds) "
                   "as analyze on the raw sales", problems)
    passed, failed = passed + p, failed + f

    plan = subprocess.run(
        [sys.executable, RUN, "--connector", args.connector, "--time", "processing", "--explain"],
        capture_output=True, text=True)
    problems = [] if plan.returncode == 0 and "WindowAggregate" in plan.stdout else [
        f"Flink refused the processing-time job: {plan.stderr[-1500:]}"]
    p, f = verdict("test the processing-time job plans in Flink", problems)
    passed, failed = passed + p, failed + f

    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
