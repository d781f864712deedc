#!/usr/bin/env python3
"""The shipped Flink job on a secured cluster, on a topic in another shape.

* `hopscope produce --kafka-config scram.properties` writes sales over SASL_SSL
  (SCRAM-SHA-512, the test CA) in another shape: the seller nested under `merchant`, the
  product's title under `item`, the time as epoch milliseconds in `ts`;
* `flink/run.py --kafka-config` with the same file (librdkafka's names, turned into the Java
  client's: SASL_SSL, the shaded SCRAM login module, a PEM trust store) and the same
  `--field`/`--time-format` computes the windows and writes them to a results topic over
  SASL_SSL;
* `hopscope analyze --windows-topic` reads Flink's rows, `hopscope analyze` with the mapping
  computes the windows from the raw topic: every KPI line must be equal.

Also planned by Flink (`--explain`): the mTLS file in the Java client's syntax with
`sale_date=@timestamp`. No output of any step may contain the password.

    .tools/flink-venv/bin/python tests/flink/secured_job_test.py --hopscope target/debug/hopscope \
        --secured target/kafka/client --connector ~/.cache/hopscope/flink-kafka/<jar>
"""
import argparse
import os
import subprocess
import sys
import time

from job_test import blocks
from referee import verdict

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "..", "..", "flink", "run.py")
SHAPE = ["--field", "seller=/merchant/id", "--field", "nm_product=/item/title",
         "--field", "sale_date=ts", "--time-format", "epoch-ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hopscope", default="target/debug/hopscope")
    ap.add_argument("--secured", default=os.environ.get("HOPSCOPE_KAFKA_SECURED"),
                    help="the client settings kafka.sh --secured wrote")
    ap.add_argument("--connector", required=True)
    a = ap.parse_args()
    hopscope = os.path.abspath(a.hopscope)
    scram = os.path.join(a.secured, "scram.properties")
    with open(os.path.join(a.secured, "password")) as f:
        password = f.read().strip()
    topic = f"secured-job-{os.getpid()}-{int(time.time())}"
    size, slide = "60s", "10s"
    outputs = []

    def run(cmd, **kw):
        r = subprocess.run(cmd, capture_output=True, text=True, **kw)
        outputs.append((" ".join(cmd[:3]), r.stdout + r.stderr))
        return r

    r = run([hopscope, "produce", "--kafka-config", scram, "--topic", topic, "--no-pace",
             "--count", "6000", "--rate", "20", "--seed", "34", "--start", "2025-05-01T10:00:00Z",
             "--scenario", "spike@2m,factor=6,for=20s", *SHAPE])
    problems = [] if r.returncode == 0 else [f"produce failed: {r.stderr[-800:]}"]
    print(f"secured flink job test: 6000 sales over SASL_SSL in another shape on {topic}; "
          f"HOP {size} / {slide}")

    t0 = time.time()
    if not problems:
        job = run([sys.executable, RUN, "--connector", a.connector, "--kafka-config", scram,
                   "--topic", topic, "--windows-topic", topic + "-windows", "--size", size,
                   "--slide", slide, "--bounded", "--group-id", topic, *SHAPE])
        if job.returncode != 0:
            problems.append(f"the job failed: {job.stderr[-2000:]}")
    secs = time.time() - t0

    def analyze(source):
        r = run([hopscope, "analyze", "--kafka-config", scram, *source, "--from", "earliest",
                 "--idle-exit", "3s", "--windows", "--size", size, "--slide", slide])
        if r.returncode != 0:
            problems.append(f"analyze {source} failed: {r.stderr[-800:]}")
        return r.stdout

    flink_out = analyze(["--windows-topic", topic + "-windows"]) if not problems else ""
    ours_out = analyze(["--topic", topic, *SHAPE]) if not problems else ""
    flink = [k for k, _, _ in blocks(flink_out)]
    ours = [k for k, _, _ in blocks(ours_out)]
    if not problems and flink != ours:
        only_f = [k for k in flink if k not in ours]
        only_o = [k for k in ours if k not in flink]
        problems.append(f"windows differ: {len(flink)} from Flink, {len(ours)} from hopscope; "
                        f"only Flink: {only_f[:2]}; only hopscope: {only_o[:2]}")
    if not problems and len(flink) < 20:
        problems.append(f"only {len(flink)} windows from Flink")
    if not problems and "0 not valid windows, 0 repeated or out of order" not in flink_out:
        problems.append("rows of Flink's refused")
    if not problems and "(0 not valid sales)" not in ours_out:
        problems.append("hopscope could not read every record in the mapped shape")
    p, f = verdict(f"test flink job over SASL_SSL on a topic in another shape: {len(flink)} windows "
                   f"equal to hopscope's (job {secs:.1f}s)", problems)
    passed, failed = p, f

    plan = run([sys.executable, RUN, "--connector", a.connector, "--explain",
                "--kafka-config", os.path.join(a.secured, "java-mtls.properties"),
                "--field", "sale_date=@timestamp", "--field", "seller=/merchant/id"])
    problems = [] if plan.returncode == 0 and "WindowAggregate" in plan.stdout else [
        f"Flink refused the mTLS/@timestamp job: {plan.stderr[-1500:]}"]
    p, f = verdict("test the job with a Java mTLS file and sale_date=@timestamp plans in Flink", problems)
    passed, failed = passed + p, failed + f

    leaks = [what for what, text in outputs if password in text]
    p, f = verdict("test no output of produce, the job or analyze holds the password",
                   [f"the password appears in the output of {w}" for w in leaks])
    passed, failed = passed + p, failed + f

    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
