#!/usr/bin/env python3
"""Speed ratio: `hopscope window` vs PyFlink on the seed's query, HOP(15 min, 1 s).

    .tools/flink-venv/bin/python tests/flink/speed.py [--events 100000]

Prints one summary line: `flink_speed events=N hopscope_eps=… flink_eps=… speedup=…x`.
Flink's time includes its job start-up, which is part of what a user waits for; the JVM
itself is already running (started once for the session).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import differential  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--hopscope", default="target/release/hopscope")
    a = ap.parse_args()
    hopscope = os.path.abspath(a.hopscope)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sales.jsonl")
        with open(path, "w") as f:
            subprocess.run([hopscope, "generate", "--seed", "5", "--rate", "100", "--count", str(a.events)],
                           check=True, stdout=f)
        t0 = time.time()
        out = subprocess.run([hopscope, "window", "--size", "15m", "--slide", "1s", "--lateness", "3s", path],
                             check=True, capture_output=True, text=True)
        ours = time.time() - t0
        n_ours = len(out.stdout.splitlines())
        flink = differential.run_flink(path, [(900, 1)])
        rows, flink_s = flink[(900, 1)]
        if isinstance(rows, Exception):
            sys.exit(f"Flink failed: {rows}")
        if len(rows) != n_ours:
            sys.exit(f"window counts differ: Flink {len(rows)}, hopscope {n_ours}")
        print(f"flink_speed events={a.events} windows={n_ours} hopscope_s={ours:.2f} flink_s={flink_s:.1f} "
              f"hopscope_eps={a.events / ours:.0f} flink_eps={a.events / flink_s:.0f} speedup={flink_s / ours:.0f}x")


if __name__ == "__main__":
    main()
