#!/usr/bin/env python3
"""Differential test: `hopscope window` against Apache Flink (PyFlink) on the same input.

For several HOP(size, slide) pairs, runs the seed's aggregate query as a Flink window TVF

    SELECT window_start, window_end, COUNT(*), ROUND(SUM(price*quantity),2),
           ROUND(AVG(price*quantity),2), COUNT(DISTINCT seller), COUNT(DISTINCT nm_category),
           COUNT(DISTINCT nm_product), MAX(price*quantity)
    FROM TABLE(HOP(TABLE sales, DESCRIPTOR(ts), slide, size)) GROUP BY window_start, window_end

over a JSON-lines file, runs `hopscope window` over the same file, and requires the same set
of windows with equal values (money within $0.01). Two inputs:

* in order within the watermark delay: generated sales with events exactly on (and 1 ms
  either side of) window edges, neighbours swapped within the delay, and a gap of hours;
* late: one sale in six arrives 2 s to 90 s after sales newer than it, far behind the
  watermark, so late sales join the windows not fired yet and are dropped only when all
  theirs have fired (Flink's slicing and group-window operators).

Flink runs with `pipeline.auto-watermark-interval: 0`, so its watermark follows every
element, as hopscope's does: late-event results are then deterministic.

    .tools/flink-venv/bin/python tests/flink/differential.py --hopscope target/debug/hopscope
"""
import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from referee import compare, parse_ms, verdict

PAIRS = [  # (size, slide) in seconds
    (900, 1),   # the seed's 15 min / 1 s
    (10, 2),    # divisible
    (10, 3),    # slide does not divide size
    (7, 7),     # tumbling as a hop
    (60, 25),   # large, non-divisible
]
LATENESS_S = 3
LATE_PAIRS = [(10, 2), (10, 3), (60, 5)]


def iso_ms(ms):
    t = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}000+00:00"




def build_input(hopscope, path):
    out = subprocess.run(
        [hopscope, "generate", "--seed", "11", "--rate", "5", "--duration", "8m",
         "--scenario", "spike@2m,factor=5,for=20s"],
        check=True, capture_output=True, text=True).stdout
    sales = [json.loads(l) for l in out.splitlines()]
    rnd = random.Random(7)
    start = parse_ms(sales[0]["sale_date"][:23])
    # Events exactly on window edges and 1 ms either side of them.
    edges = []
    for k in range(1, 40):
        edge = (start // 1000 + k * 7) * 1000
        for delta in (-1, 0, 1):
            s = dict(rnd.choice(sales))
            s["id_sale"] = f"edge-{k}-{delta}"
            s["sale_date"] = iso_ms(edge + delta)
            edges.append(s)
    # A gap: the last third of the stream happens three hours later.
    cut = len(sales) * 2 // 3
    for s in sales[cut:]:
        s["sale_date"] = iso_ms(parse_ms(s["sale_date"][:23]) + 3 * 3600 * 1000)
    events = sorted(sales + edges, key=lambda s: s["sale_date"])
    # Out of order, but never by more than the allowed lateness: swap neighbours.
    for i in range(1, len(events), 3):
        a, b = parse_ms(events[i - 1]["sale_date"][:23]), parse_ms(events[i]["sale_date"][:23])
        if b - a < (LATENESS_S - 1) * 1000:
            events[i - 1], events[i] = events[i], events[i - 1]
    with open(path, "w") as f:
        for s in events:
            f.write(json.dumps(s) + "\n")
    return len(events)


def build_late_input(hopscope, path):
    """Sales whose arrival order puts one in six 2 s to 90 s behind newer ones."""
    out = subprocess.run(
        [hopscope, "generate", "--seed", "12", "--rate", "4", "--duration", "6m"],
        check=True, capture_output=True, text=True).stdout
    sales = [json.loads(l) for l in out.splitlines()]
    rnd = random.Random(13)
    keyed = []
    for i, s in enumerate(sales):
        t = parse_ms(s["sale_date"][:23])
        delay = rnd.choice([2_000, 5_000, 9_000, 15_000, 40_000, 90_000]) if i % 6 == 0 else 0
        keyed.append((t + delay, i, s))
    keyed.sort(key=lambda k: (k[0], k[1]))
    with open(path, "w") as f:
        for _, _, s in keyed:
            f.write(json.dumps(s) + "\n")
    return len(keyed)


def interval(seconds):
    return f"INTERVAL '{seconds // 60}' MINUTE" if seconds % 60 == 0 else f"INTERVAL '{seconds}' SECOND(4)"


AGGREGATES = """COUNT(*), ROUND(SUM(price * quantity), 2), ROUND(AVG(price * quantity), 2),
       COUNT(DISTINCT seller), COUNT(DISTINCT nm_category), COUNT(DISTINCT nm_product),
       MAX(price * quantity)"""


def query(size, slide):
    """Flink's window TVF where it applies; Flink refuses HOP TVFs whose slide does not
    divide the size, so those pairs use Flink's group-window HOP, the other API for the
    same windows (the seed's own query used it)."""
    if size % slide == 0:
        return f"""SELECT window_start, window_end, {AGGREGATES}
            FROM TABLE(HOP(TABLE sales, DESCRIPTOR(ts), {interval(slide)}, {interval(size)}))
            GROUP BY window_start, window_end"""
    return f"""SELECT HOP_START(ts, {interval(slide)}, {interval(size)}),
                      HOP_END(ts, {interval(slide)}, {interval(size)}), {AGGREGATES}
            FROM sales GROUP BY HOP(ts, {interval(slide)}, {interval(size)})"""


def run_flink(path, pairs):
    from pyflink.table import EnvironmentSettings, TableEnvironment
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "1")
    env.get_config().set("table.local-time-zone", "UTC")
    env.get_config().set("pipeline.auto-watermark-interval", "0 ms")
    env.execute_sql(f"""
        CREATE TABLE sales (
            id_sale STRING, nm_product STRING, nm_category STRING, seller STRING,
            price DOUBLE, quantity INT, sale_date STRING,
            ts AS TO_TIMESTAMP(REPLACE(SUBSTRING(sale_date, 1, 23), 'T', ' '), 'yyyy-MM-dd HH:mm:ss.SSS'),
            WATERMARK FOR ts AS ts - INTERVAL '{LATENESS_S}' SECOND
        ) WITH ('connector' = 'filesystem', 'path' = '{path}', 'format' = 'json')""")
    results = {}
    for size, slide in pairs:
        q = query(size, slide)
        t0 = time.time()
        rows = {}
        try:
            with env.execute_sql(q).collect() as it:
                for r in it:
                    key = (parse_ms(str(r[0])), parse_ms(str(r[1])))
                    rows[key] = (r[2], float(r[3]), float(r[4]), r[5], r[6], r[7], float(r[8]))
        except Exception as e:  # a query Flink refuses is reported, not hidden
            rows = e
        results[(size, slide)] = (rows, time.time() - t0)
    return results


def run_hopscope(hopscope, path, size, slide):
    out = subprocess.run(
        [hopscope, "window", "--size", f"{size}s", "--slide", f"{slide}s", "--time", "event",
         "--watermark-delay", f"{LATENESS_S}s", path],
        check=True, capture_output=True, text=True)
    rows = {}
    for line in out.stdout.splitlines():
        w = json.loads(line)
        key = (parse_ms(w["window_start"]), parse_ms(w["window_end"]))
        rows[key] = (w["sales_in_window"], w["revenue"], w["avg_ticket"], w["active_sellers"],
                     w["active_categories"], w["active_products"], w["biggest_sale"])
    return rows, out.stderr




def late_counts(stderr):
    """(joined, dropped) from hopscope's summary line."""
    import re
    m = re.search(r"late: (\d+) joined their unfired windows, (\d+) dropped", stderr)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def check(label, hopscope, path, pairs, flink, want_late):
    passed = failed = 0
    for size, slide in pairs:
        rows, secs = flink[(size, slide)]
        ours, stderr = run_hopscope(hopscope, path, size, slide)
        joined, dropped = late_counts(stderr)
        if isinstance(rows, Exception):
            problems = [f"Flink refused the query: " + " | ".join(l for l in str(rows).splitlines() if "Exception" in l)[:600]]
        else:
            problems = compare(rows, ours)
            if joined is None:
                problems.append(f"no late summary from hopscope: {stderr.strip()[-300:]}")
            elif not want_late and (joined, dropped) != (0, 0):
                problems.append(f"hopscope saw late events in in-order input: {stderr.strip()[-300:]}")
            elif want_late and (joined == 0 or dropped == 0):
                problems.append(f"the late input must exercise both rules: joined={joined} dropped={dropped}")
        count = len(rows) if not isinstance(rows, Exception) else 0
        api = "window TVF" if size % slide == 0 else "group window"
        p, f = verdict(f"test {label} HOP(size={size}s, slide={slide}s) [{api}]: {count} windows, "
                       f"late joined {joined}, dropped {dropped}, Flink {secs:.1f}s", problems)
        passed += p
        failed += f
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hopscope", default="target/debug/hopscope")
    args = ap.parse_args()
    hopscope = os.path.abspath(args.hopscope)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sales.jsonl")
        n = build_input(hopscope, path)
        late_path = os.path.join(tmp, "late.jsonl")
        n_late = build_late_input(hopscope, late_path)
        print(f"flink differential: {n} in-order events and {n_late} with late arrivals, "
              f"watermark delay {LATENESS_S}s, pairs {PAIRS} and {LATE_PAIRS}")
        p1, f1 = check("in-order", hopscope, path, PAIRS, run_flink(path, PAIRS), False)
        p2, f2 = check("late", hopscope, late_path, LATE_PAIRS, run_flink(late_path, LATE_PAIRS), True)
        passed, failed = p1 + p2, f1 + f2
        print(f"{passed} passed, {failed} failed")
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
