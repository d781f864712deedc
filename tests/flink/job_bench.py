#!/usr/bin/env python3
"""Benchmark: the shipped Flink job (flink/) next to hopscope on the same Kafka topic.

Produces N sales to a fresh 6-partition topic, then times, in one run on this machine,
* the Flink job (flink/run.py --bounded: local mini-cluster, parallelism 3, event time),
  from submission until it has written every window to the results topic, and
* `hopscope analyze --brokers … --from earliest --until end` (windows and detection) until
  its summary, and `analyze --windows-topic` (detection on the job's rows) likewise,
for each window shape (--shapes), after checking that both saw the same number of windows.
Prints one line per shape. Not a test: figures go in BENCHMARKS.md.

    .tools/flink-venv/bin/python tests/flink/job_bench.py --hopscope target/release/hopscope \
        --connector ~/.cache/hopscope/flink-kafka/<jar> [--sales 200000]
"""
import argparse
import os
import re
import subprocess
import sys
import time

RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "flink", "run.py")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hopscope", default="target/release/hopscope")
    ap.add_argument("--brokers", default=os.environ.get("HOPSCOPE_KAFKA", "127.0.0.1:9092"))
    ap.add_argument("--connector", required=True)
    ap.add_argument("--sales", type=int, default=200_000)
    ap.add_argument("--shapes", default="15m/1s,15m/5m", help="size/slide,… to run")
    a = ap.parse_args()
    topic = f"bench-job-{os.getpid()}-{int(time.time())}"
    subprocess.run([a.hopscope, "produce", "--brokers", a.brokers, "--topic", topic, "--no-pace",
                    "--count", str(a.sales), "--rate", "100", "--seed", "7",
                    "--start", "2025-05-01T10:00:00Z"], check=True, capture_output=True)
    for size, slide in (s.split("/") for s in a.shapes.split(",")):
        out = f"{topic}-{size}-{slide}"
        t0 = time.time()
        subprocess.run([sys.executable, RUN, "--connector", a.connector, "--brokers", a.brokers,
                        "--topic", topic, "--windows-topic", out, "--size", size, "--slide", slide,
                        "--bounded", "--group-id", out], check=True, capture_output=True)
        flink_s = time.time() - t0
        t0 = time.time()
        rows = subprocess.run([a.hopscope, "analyze", "--brokers", a.brokers, "--windows-topic", out,
                               "--from", "earliest", "--until", "end", "--size", size,
                               "--slide", slide], check=True, capture_output=True, text=True).stdout
        rows_s = time.time() - t0
        flink_windows = int(re.search(r"(\d+) window rows", rows).group(1))
        t0 = time.time()
        ours = subprocess.run([a.hopscope, "analyze", "--brokers", a.brokers, "--topic", topic,
                               "--from", "earliest", "--until", "end", "--size", size,
                               "--slide", slide], check=True, capture_output=True, text=True).stdout
        ours_s = time.time() - t0
        our_windows = int(re.search(r"; (\d+) windows;", ours).group(1))
        same = "same windows" if our_windows == flink_windows else \
            f"WINDOW COUNTS DIFFER ({flink_windows} vs {our_windows})"
        print(f"flink_job: {a.sales} sales from Kafka (6 partitions), HOP {size}/{slide}: "
              f"Flink job {flink_s:.1f} s ({a.sales / flink_s:,.0f} sales/s, JVM start included), "
              f"hopscope analyze {ours_s:.2f} s ({a.sales / ours_s:,.0f} sales/s) → hopscope "
              f"{flink_s / ours_s:.0f}× faster; {flink_windows} windows, {same}; "
              f"detection on the job's rows (--windows-topic) {rows_s:.2f} s", flush=True)


if __name__ == "__main__":
    main()
