"""Runs the teaching view's SQL, exactly as the page shows it, in Apache Flink (PyFlink) on
the lesson's own sales file, and prints the rows Flink emits — the e2e test compares them
with the rows the page's table shows.

usage: lesson_sql.py CASE_DIR... [--tvf SIZE_MS SLIDE_MS]

Each CASE_DIR holds `lesson.sql` (the page's text) and `lesson-sales.jsonl` (the page's
download). The SQL names the file by a relative path, as a learner's SQL client reads it
from the folder it was started in: this script runs in a fresh working folder and copies
each case's file there before running its SQL, so the text runs unchanged. `SET`
statements go to the table config, as the SQL client applies them.

Prints one JSON object per case: {"case": DIR, "rows": [[window_start, window_end,
window_time, sales_in_window, revenue, avg_ticket, biggest_sale, active_sellers], ...]}
with timestamps as Flink's SQL client prints them; with --tvf, also {"tvf_error": TEXT},
Flink's refusal of a HOP window TVF of that shape.
"""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "flink"))
from run import statements_of  # noqa: E402  (the shipped job's own statement splitter)

SETTING = re.compile(r"SET\s+'([^']+)'\s*=\s*'([^']*)'", re.I)


def stamp(t):
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def money(d):
    return f"{d:.2f}"


def run_case(sql):
    from pyflink.table import EnvironmentSettings, TableEnvironment
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    rows = []
    for s in statements_of(sql):
        if m := SETTING.fullmatch(s):
            env.get_config().set(m.group(1), m.group(2))
        elif s.upper().startswith("SELECT"):
            with env.execute_sql(s).collect() as it:
                for r in it:
                    rows.append([stamp(r[0]), stamp(r[1]), stamp(r[2]), int(r[3]),
                                 money(r[4]), money(r[5]), money(r[6]), int(r[7])])
        else:
            env.execute_sql(s)
    return rows


def tvf_error(sql, size_ms, slide_ms):
    """Flink's error for a HOP window TVF of this shape over the case's source table."""
    from pyflink.table import EnvironmentSettings, TableEnvironment
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    for s in statements_of(sql):
        if s.upper().startswith("CREATE TABLE"):
            env.execute_sql(s)
    q = (f"SELECT window_start, COUNT(*) FROM TABLE(HOP(TABLE sales, DESCRIPTOR(sale_ts), "
         f"INTERVAL '{slide_ms / 1000:.3f}' SECOND(6, 3), INTERVAL '{size_ms / 1000:.3f}' SECOND(6, 3))) "
         f"GROUP BY window_start, window_end")
    try:
        with env.execute_sql(q).collect() as it:
            for _ in it:
                pass
    except Exception as e:  # the refusal is what we want to read
        text = str(e)
        m = re.search(r"HOP table function[^\n]*", text)
        return m.group(0).strip() if m else text.splitlines()[0]
    return None


def main():
    args = sys.argv[1:]
    tvf = None
    if "--tvf" in args:
        i = args.index("--tvf")
        tvf = (int(args[i + 1]), int(args[i + 2]))
        args = args[:i] + args[i + 3:]
    cases = [os.path.abspath(a) for a in args]
    work = tempfile.mkdtemp(prefix="lesson-sql-")
    os.chdir(work)  # before the JVM starts: Flink resolves the relative path against it
    try:
        for case in cases:
            shutil.copy(os.path.join(case, "lesson-sales.jsonl"), "lesson-sales.jsonl")
            with open(os.path.join(case, "lesson.sql")) as f:
                sql = f.read()
            print(json.dumps({"case": case, "rows": run_case(sql)}), flush=True)
        if tvf:
            print(json.dumps({"tvf_error": tvf_error(sql, *tvf)}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
