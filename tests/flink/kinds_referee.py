#!/usr/bin/env python3
"""Referee for the teaching view's window kinds: TUMBLE, HOP, CUMULATE and SESSION (with and
without PARTITION BY seller), Flink's window table-valued functions, run in Apache Flink
(PyFlink) and by hopscope's exact kinds engine (`core/src/window/kinds.rs`, through
`cargo run -p hopscope-core --example kinds`) on the same sales, rows compared.

Three inputs, each in arrival order with one watermark trailing the newest sale by 2 s:

* in order: sales a few hundred ms apart with quiet stretches longer than the session gap;
* out of order within the delay: neighbours swapped, never more than 1.5 s back;
* late: one sale in five goes 3 to 12 s back, far behind the watermark, so it joins only
  the windows (or the session) not fired yet, or none.

Flink runs with `pipeline.auto-watermark-interval: 0` (a watermark after every record),
as the engine moves it: late-event results are then deterministic.

    .tools/flink-venv/bin/python tests/flink/kinds_referee.py --kinds target/debug/examples/kinds
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

from referee import verdict

DELAY_MS = 2000
KINDS = [  # (name, engine arguments, the TVF call)
    ("TUMBLE 4 s", {"kind": "tumble", "size_ms": 4000},
     "TUMBLE(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '4' SECOND)"),
    ("HOP 6 s every 2 s", {"kind": "hop", "size_ms": 6000, "slide_ms": 2000},
     "HOP(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND)"),
    ("CUMULATE 1 s steps to 4 s", {"kind": "cumulate", "step_ms": 1000, "size_ms": 4000},
     "CUMULATE(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '1' SECOND, INTERVAL '4' SECOND)"),
    ("CUMULATE 2 s steps to 10 s", {"kind": "cumulate", "step_ms": 2000, "size_ms": 10000},
     "CUMULATE(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)"),
    ("SESSION gap 1.5 s", {"kind": "session", "gap_ms": 1500, "per_seller": False},
     "SESSION(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '1.500' SECOND(6, 3))"),
    ("SESSION gap 3 s PARTITION BY seller", {"kind": "session", "gap_ms": 3000, "per_seller": True},
     "SESSION(TABLE sales PARTITION BY seller, DESCRIPTOR(sale_ts), INTERVAL '3' SECOND)"),
]
SELLERS = ["ana", "bo", "cy", "dee"]


def inputs():
    """(name, [(time_ms, cents, seller)] in arrival order)."""
    rnd = random.Random(5)
    t, base = 1_000, []
    for i in range(140):
        t += rnd.choice([150, 300, 600, 900]) + (4_000 if i % 17 == 16 else 0)
        base.append((t, rnd.randint(100, 90_000), rnd.choice(SELLERS)))
    swapped = list(base)
    for i in range(1, len(swapped), 3):
        if swapped[i][0] - swapped[i - 1][0] <= 1_500:
            swapped[i - 1], swapped[i] = swapped[i], swapped[i - 1]
    late = list(base)
    for i in range(4, len(late), 5):
        t, v, s = late[i]
        late[i] = (t - rnd.randint(3_000, 12_000), v, s)
    return [("in order", base), ("out of order within the delay", swapped), ("late", late)]


def iso(ms):
    s, m = divmod(ms, 1000)
    import datetime as dt
    t = dt.datetime(2024, 1, 21, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m:03d}Z"


EPOCH_MS = 1705795200000  # 2024-01-21T00:00:00Z: the files' times are offsets from it


def flink_rows(env, tvf, per_seller):
    key = "seller, " if per_seller else ""
    q = (f"SELECT window_start, window_end, COUNT(*), SUM(price), ROUND(AVG(price), 2), MAX(price), "
         f"COUNT(DISTINCT seller) {', seller' if per_seller else ''} FROM TABLE({tvf}) "
         f"GROUP BY {key}window_start, window_end")
    rows = []
    with env.execute_sql(q).collect() as it:
        for r in it:
            ms = lambda d: int(round((d.replace(tzinfo=None) - __import__("datetime").datetime(1970, 1, 1))
                                     .total_seconds() * 1000)) - EPOCH_MS
            cents = lambda x: int(round(float(x) * 100))
            rows.append((ms(r[0]), ms(r[1]), r[7] if per_seller else None, int(r[2]), cents(r[3]),
                         cents(r[4]), cents(r[5]), int(r[6])))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2] or ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kinds", default="target/debug/examples/kinds")
    args = ap.parse_args()
    from pyflink.table import EnvironmentSettings, TableEnvironment
    work = tempfile.mkdtemp(prefix="kinds-referee-")
    passed = failed = 0
    for name, events in inputs():
        path = os.path.join(work, "sales.jsonl")
        with open(path, "w") as f:
            for i, (t, v, s) in enumerate(events):
                f.write(json.dumps({"id_sale": str(i), "seller": s, "price": f"{v // 100}.{v % 100:02d}",
                                    "sale_date": iso(t)}) + "\n")
        env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        env.get_config().set("parallelism.default", "1")
        env.get_config().set("pipeline.auto-watermark-interval", "0 ms")
        env.execute_sql(f"""CREATE TABLE sales (id_sale STRING, seller STRING, price DECIMAL(10, 2),
            sale_date STRING,
            sale_ts AS TO_TIMESTAMP(REPLACE(SUBSTRING(sale_date, 1, 23), 'T', ' '), 'yyyy-MM-dd HH:mm:ss.SSS'),
            WATERMARK FOR sale_ts AS sale_ts - INTERVAL '2' SECOND)
            WITH ('connector' = 'filesystem', 'path' = '{path}', 'format' = 'json')""")
        cases = [dict(engine, delay_ms=DELAY_MS, events=[[t, v, s] for t, v, s in events])
                 for _, engine, _ in KINDS]
        out = subprocess.run([args.kinds], input="\n".join(json.dumps(c) for c in cases) + "\n",
                             capture_output=True, text=True, check=True).stdout.splitlines()
        for (kind, engine, tvf), line in zip(KINDS, out):
            got = json.loads(line)
            ours = sorted((tuple(r) for r in got["rows"]), key=lambda r: (r[0], r[1], r[2] or ""))
            theirs = flink_rows(env, tvf, engine.get("per_seller", False))
            problems = []
            if len(ours) != len(theirs):
                problems.append(f"{len(theirs)} rows in Flink, {len(ours)} in hopscope")
            for f_row, o_row in zip(theirs, ours):
                if f_row != o_row:
                    problems.append(f"Flink {f_row} hopscope {o_row}")
            if not theirs:
                problems.append("no rows at all")
            # The late input must really exercise late sales: some in no window, and (where
            # a sale has several windows) some joining only those not fired yet.
            if name == "late" and (got["dropped"] == 0 or (engine["kind"] != "tumble"
                                                           and got["late_joined"] == 0)):
                problems.append(f"the late input did not test late sales: {got['dropped']} dropped, "
                                f"{got['late_joined']} joined some windows")
            p, f = verdict(f"{kind}, {name} ({len(theirs)} rows; {got['late_joined']} late sales joined "
                           f"windows not fired, {got['dropped']} in none)", problems)
            passed, failed = passed + p, failed + f
    print(f"kinds referee: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
