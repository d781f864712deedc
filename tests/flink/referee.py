"""What both Flink referees share: time parsing, window comparison, the verdict line."""
import argparse
import datetime as dt
import os
import time

NAMES = ["sales_in_window", "revenue", "avg_ticket", "active_sellers", "active_categories",
         "active_products", "biggest_sale"]


def parse_ms(text):
    """'2024-01-21T10:00:00.123Z' or '2024-01-21 10:00:00.123' -> epoch ms."""
    text = text.replace("T", " ").rstrip("Z")
    base, _, frac = text.partition(".")
    t = dt.datetime.strptime(base, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp()) * 1000 + int((frac or "0").ljust(3, "0")[:3])


def compare(flink, ours):
    """Every difference between two {(start, end): values} maps (money within $0.01)."""
    problems = []
    if set(flink) != set(ours):
        only_f, only_o = sorted(set(flink) - set(ours)), sorted(set(ours) - set(flink))
        problems.append(f"window sets differ: {len(only_f)} only in Flink (e.g. {only_f[:3]}), "
                        f"{len(only_o)} only in hopscope (e.g. {only_o[:3]})")
    for key in sorted(set(flink) & set(ours)):
        for name, f, o in zip(NAMES, flink[key], ours[key]):
            equal = abs(f - o) <= 0.01 + 1e-9 if isinstance(f, float) else f == o
            if not equal:
                problems.append(f"window {key}: {name} Flink={f} hopscope={o}")
    return problems


def verdict(line, problems):
    """Prints `line ... ok|FAILED` and the first problems; returns (passed, failed)."""
    print(f"{line} ... {'ok' if not problems else 'FAILED'}")
    for p in problems[:10]:
        print("    " + p)
    return int(not problems), int(bool(problems))


def kafka_test_args(description, topic_prefix):
    """The options every Kafka-backed Flink test takes, the hopscope binary as an absolute
    path, and a fresh topic name: (args, hopscope, topic)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--hopscope", default="target/debug/hopscope")
    ap.add_argument("--brokers", default=os.environ.get("HOPSCOPE_KAFKA", "127.0.0.1:9092"))
    ap.add_argument("--connector", required=True, help="flink-sql-connector-kafka jar")
    args = ap.parse_args()
    topic = f"{topic_prefix}-{os.getpid()}-{int(time.time())}"
    return args, os.path.abspath(args.hopscope), topic
