#!/usr/bin/env python3
"""hopscope next to its peers on the same files: DuckDB SQL and Polars, on JSON lines or
on Parquet (--input parquet: DuckDB writes it from the same sales).

    .tools/bench-venv/bin/python tests/bench/peers.py [--sales 1000000] [--hours 3]
        [--shapes 15m/5m,15m/1s] [--peers duckdb,polars] [--runs 3] [--input parquet]

`scripts/bench.sh` installs the venv (DuckDB and Polars from PyPI). For each window shape
every tool reads the same generated file end to end (JSON decoding included) and computes
the hopping windows' count, revenue, biggest sale and distinct sellers, categories and
products. Each peer's windows are checked equal to hopscope's (exact cents, every window)
before any time is printed; one line per shape and peer:

    peers sales=1000000 hop=15m/5m hopscope_s=0.26 hopscope_eps=3.8M duckdb_s=0.84 \
        duckdb_eps=1.19M windows=38 equal=yes ratio=3.2x

Times are the best of --runs; hopscope uses both cores (a decoding thread per spare
core), and so do the peers (their own thread pools).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

UNITS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000}


def ms(text):
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit) and text[: -len(unit)].isdigit():
            return int(text[: -len(unit)]) * UNITS[unit]
    sys.exit(f"not a duration: {text}")


def iso_ms(text):
    # 2024-01-21T09:50:00.000Z → epoch milliseconds (UTC)
    from datetime import datetime, timezone
    t = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return int(t.timestamp() * 1000 + 0.5)


def cents(x):
    return int(round(float(x) * 100))


def best_of(runs, fn):
    best, result = None, None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    return best, result


def run_hopscope(hopscope, path, size, slide):
    """Timed: the process, writing its JSON lines to a file (as a user would)."""
    with tempfile.TemporaryFile() as out:
        subprocess.run([hopscope, "window", "--size", size, "--slide", slide, path],
                       check=True, stdout=out, stderr=subprocess.DEVNULL)
        return out


def hopscope_windows(hopscope, path, size, slide):
    out = subprocess.run([hopscope, "window", "--size", size, "--slide", slide, path],
                         check=True, capture_output=True, text=True).stdout
    windows = {}
    for line in out.splitlines():
        w = json.loads(line)
        windows[iso_ms(w["window_start"])] = (
            w["sales_in_window"], cents(w["revenue"]), cents(w["biggest_sale"]),
            w["active_sellers"], w["active_categories"], w["active_products"])
    return windows


# The windows containing a sale at t (ms): every multiple of the slide in (t - size, t].
DUCKDB_SQL = """
WITH sales AS (
  SELECT epoch_us(CAST(sale_date AS TIMESTAMPTZ)) // 1000 AS t,
         CAST(price AS DECIMAL(18, 2)) * quantity AS v, seller, nm_category, nm_product
  FROM read_json('{path}', format = 'newline_delimited',
       columns = {{sale_date: 'VARCHAR', price: 'DOUBLE', quantity: 'INTEGER',
                   seller: 'VARCHAR', nm_category: 'VARCHAR', nm_product: 'VARCHAR'}})
), placed AS (
  SELECT unnest(range((t // {slide}) * {slide} - {size} + {slide},
                      (t // {slide}) * {slide} + {slide}, {slide})) AS ws, *
  FROM sales
)
SELECT ws, count(*), sum(v), max(v), count(DISTINCT seller),
       count(DISTINCT nm_category), count(DISTINCT nm_product)
FROM placed GROUP BY ws ORDER BY ws
"""


# The same query on a Parquet file whose sale_date is a TIMESTAMPTZ (as DuckDB wrote it).
DUCKDB_PARQUET_SQL = DUCKDB_SQL.replace(
    "epoch_us(CAST(sale_date AS TIMESTAMPTZ)) // 1000", "epoch_us(sale_date) // 1000").replace(
    """read_json('{path}', format = 'newline_delimited',
       columns = {{sale_date: 'VARCHAR', price: 'DOUBLE', quantity: 'INTEGER',
                   seller: 'VARCHAR', nm_category: 'VARCHAR', nm_product: 'VARCHAR'}})""",
    "read_parquet('{path}')")


def run_duckdb(path, size_ms, slide_ms):
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    sql = DUCKDB_PARQUET_SQL if path.endswith(".parquet") else DUCKDB_SQL
    rows = con.execute(sql.format(path=path, size=size_ms, slide=slide_ms)).fetchall()
    con.close()
    return {ws: (n, cents(rev), cents(big), sel, cat, prod)
            for ws, n, rev, big, sel, cat, prod in rows}


def run_polars(path, size_ms, slide_ms):
    import polars as pl
    if path.endswith(".parquet"):
        scan = pl.scan_parquet(path)
        t = pl.col("sale_date").dt.epoch("ms")
    else:
        scan = pl.scan_ndjson(path, schema={
            "sale_date": pl.String, "price": pl.Float64, "quantity": pl.Int64,
            "seller": pl.String, "nm_category": pl.String, "nm_product": pl.String})
        t = pl.col("sale_date").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_unit="ms").dt.epoch("ms")
    sales = (scan
        .select(
            t=t,
            v=(pl.col("price") * 100).round(0).cast(pl.Int64) * pl.col("quantity"),
            seller="seller", nm_category="nm_category", nm_product="nm_product")
        .sort("t"))
    # Windows start at multiples of the slide; `offset` lets the first windows begin
    # before the first sale, as Flink's and hopscope's do.
    out = (sales.group_by_dynamic(
        "t", every=f"{slide_ms}i", period=f"{size_ms}i", offset=f"{slide_ms - size_ms}i",
        closed="left", label="left", start_by="window")
        .agg(n=pl.len(), rev=pl.col("v").sum(), big=pl.col("v").max(),
             sel=pl.col("seller").n_unique(), cat=pl.col("nm_category").n_unique(),
             prod=pl.col("nm_product").n_unique())
        .collect())
    return {ws: (n, rev, big, sel, cat, prod)
            for ws, n, rev, big, sel, cat, prod in out.iter_rows() if n > 0}


PEERS = {"duckdb": run_duckdb, "polars": run_polars}


def first_difference(ours, theirs):
    for ws in sorted(set(ours) | set(theirs)):
        if ours.get(ws) != theirs.get(ws):
            return f"window at {ws}: hopscope {ours.get(ws)}, peer {theirs.get(ws)}"
    return None


def eps(n, secs):
    return f"{n / secs / 1e6:.2f}M" if n / secs >= 1e6 else f"{n / secs / 1e3:.0f}k"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopscope", default="target/release/hopscope")
    ap.add_argument("--sales", type=int, default=1_000_000)
    ap.add_argument("--hours", type=float, default=3)
    ap.add_argument("--shapes", default="15m/5m,15m/1s")
    ap.add_argument("--peers", default="duckdb,polars")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--input", choices=["jsonl", "parquet", "parquet-auto"], default="jsonl",
                    help="the file every tool reads: JSON lines, or Parquet DuckDB wrote from them "
                         "(sale_date a TIMESTAMPTZ, price a DOUBLE), or Parquet in the types "
                         "DuckDB infers by itself (read_json_auto: id_sale a UUID)")
    a = ap.parse_args()
    hopscope = os.path.abspath(a.hopscope)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sales.jsonl")
        rate = a.sales / (a.hours * 3600)
        with open(path, "w") as f:
            subprocess.run([hopscope, "generate", "--seed", "7", "--rate", f"{rate:.4f}",
                            "--duration", f"{int(a.hours * 3600)}s"], check=True, stdout=f)
        with open(path, "rb") as f:
            sales = sum(1 for _ in f)
        if a.input == "parquet-auto":
            import duckdb
            jsonl, path = path, os.path.join(tmp, "sales.parquet")
            duckdb.connect().execute(
                f"COPY (SELECT * FROM read_json_auto('{jsonl}')) TO '{path}' (FORMAT parquet)")
        if a.input == "parquet":
            import duckdb
            jsonl, path = path, os.path.join(tmp, "sales.parquet")
            con = duckdb.connect()
            con.execute(
                f"COPY (SELECT * REPLACE (CAST(sale_date AS TIMESTAMPTZ) AS sale_date) FROM read_json('{jsonl}', "
                "format = 'newline_delimited', columns = {id_sale: 'VARCHAR', id_product: 'VARCHAR', "
                "nm_product: 'VARCHAR', nm_category: 'VARCHAR', nm_brand: 'VARCHAR', seller: 'VARCHAR', "
                "price: 'DOUBLE', quantity: 'INTEGER', tp_payment: 'VARCHAR', sale_date: 'VARCHAR'})) "
                f"TO '{path}' (FORMAT parquet)")
            con.close()
        for shape in a.shapes.split(","):
            size, slide = shape.split("/")
            ours_s, _ = best_of(a.runs, lambda: run_hopscope(hopscope, path, size, slide))
            ours = hopscope_windows(hopscope, path, size, slide)
            line = (f"peers input={a.input} sales={sales} hop={shape} hopscope_s={ours_s:.2f} "
                    f"hopscope_eps={eps(sales, ours_s)}")
            for peer in a.peers.split(","):
                # The peers are one to two orders of magnitude slower at a 1 s slide: one run.
                runs = a.runs if ms(size) // ms(slide) <= 60 else 1
                theirs_s, theirs = best_of(runs, lambda: PEERS[peer](path, ms(size), ms(slide)))
                diff = first_difference(ours, theirs)
                if diff:
                    failed = True
                    print(f"peers hop={shape} {peer}: windows differ: {diff}", file=sys.stderr)
                line += (f" {peer}_s={theirs_s:.2f} {peer}_eps={eps(sales, theirs_s)}"
                         f" {peer}_equal={'no' if diff else 'yes'}"
                         f" vs_{peer}={theirs_s / ours_s:.1f}x")
            print(line + f" windows={len(ours)}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
