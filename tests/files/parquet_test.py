#!/usr/bin/env python3
"""Files as data engineers keep them, read by `hopscope window` and checked by outside
tools: the same sales as JSON lines, gzip, and Parquet written by DuckDB (text dates and
UUIDs; timestamps with a time zone, decimal prices, small row groups decoded in parallel)
and by Polars give exactly the same windows; a folder mixing JSON and Parquet is one
stream; a Parquet file missing a column, Parquet on stdin and a bad row get clear errors;
and `window --format parquet --output FILE` is read back by DuckDB and Polars with the
values of the JSON rows.

    .tools/bench-venv/bin/python tests/files/parquet_test.py --hopscope target/debug/hopscope
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

import duckdb
import polars as pl

SHAPES = [["--size", "15m", "--slide", "5m"], ["--size", "60s", "--slide", "20s"]]


def iso_ms(text):
    """2024-01-21T09:50:00.000615+00:00 → epoch milliseconds (a whole number, as tables keep them)."""
    from datetime import datetime
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(t.timestamp() * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopscope", default="target/debug/hopscope")
    args = ap.parse_args()
    h = os.path.abspath(args.hopscope)
    work = tempfile.mkdtemp(prefix="hopscope-files-")
    os.chdir(work)
    failures = []

    def check(ok, what):
        print(f"{what} ... {'ok' if ok else 'FAILED'}", flush=True)
        if not ok:
            failures.append(what)

    def window(*a, stdin=None):
        return subprocess.run([h, "window", *a], capture_output=True, stdin=stdin)

    sales = subprocess.run([h, "generate", "--seed", "8", "--rate", "40", "--duration", "40m"],
                           capture_output=True, check=True).stdout
    open("sales.jsonl", "wb").write(sales)
    with gzip.open("sales.jsonl.gz", "wb") as f:
        f.write(sales)
    con = duckdb.connect()
    con.execute("COPY (SELECT * FROM read_json_auto('sales.jsonl')) TO 'duck_text.parquet' (FORMAT parquet)")
    typed = ("SELECT * REPLACE (CAST(sale_date AS TIMESTAMPTZ) AS sale_date, CAST(price AS DECIMAL(10,2)) AS price) "
             "FROM read_json_auto('sales.jsonl', columns={'id_sale':'VARCHAR','id_product':'VARCHAR',"
             "'nm_product':'VARCHAR','nm_category':'VARCHAR','nm_brand':'VARCHAR','seller':'VARCHAR',"
             "'price':'DOUBLE','quantity':'INTEGER','tp_payment':'VARCHAR','sale_date':'VARCHAR'})")
    con.execute(f"COPY ({typed}) TO 'duck_typed.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048)")
    groups = con.execute("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('duck_typed.parquet')").fetchone()[0]
    check(groups > 4, f"DuckDB wrote {groups} row groups (decoded in parallel)")
    biggest = con.execute("SELECT max(row_group_num_rows) FROM parquet_metadata('duck_text.parquet')").fetchone()[0]
    check(biggest > 8 * 1024, f"a row group of {biggest} rows: read in blocks of at most 8k rows")
    pl.read_ndjson("sales.jsonl").write_parquet("polars.parquet")
    # Types other writers choose: the id a UUID (DuckDB infers it), the price a DECIMAL of
    # scale 4, the quantity a SMALLINT, and then a DOUBLE (pandas, for a column with gaps).
    wide = ("SELECT * REPLACE (CAST(price AS DECIMAL(18,4)) AS price, CAST(quantity AS SMALLINT) AS quantity, "
            "CAST(sale_date AS TIMESTAMPTZ) AS sale_date) FROM read_json_auto('sales.jsonl')")
    con.execute(f"COPY ({wide}) TO 'duck_wide.parquet' (FORMAT parquet)")
    con.execute("COPY (SELECT * REPLACE (CAST(quantity AS DOUBLE) AS quantity) FROM read_json_auto('sales.jsonl')) "
                "TO 'duck_float_quantity.parquet' (FORMAT parquet)")
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM 'duck_wide.parquet')").fetchall())
    check(types["id_sale"] == "UUID" and types["price"] == "DECIMAL(18,4)",
          f"DuckDB wrote id_sale as {types['id_sale']}, price as {types['price']}")

    for shape in SHAPES:
        want = window(*shape, "sales.jsonl")
        check(want.returncode == 0 and want.stdout.count(b"\n") > 3, f"{' '.join(shape)}: JSON gives windows")
        for f in ["sales.jsonl.gz", "duck_text.parquet", "duck_typed.parquet", "polars.parquet",
                  "duck_wide.parquet", "duck_float_quantity.parquet"]:
            got = window(*shape, f)
            check(got.returncode == 0 and got.stdout == want.stdout,
                  f"{' '.join(shape)}: {f} gives exactly the JSON's windows")

    # A text column dictionary-encoded in one row group and plain in the next (writers fall
    # back when a group has too many distinct values): still the JSON's windows.
    recs = [json.loads(l) for l in sales.splitlines()]
    half = len(recs) // 2
    for i, r in enumerate(recs[half:]):
        r["seller"] = f"{r['seller']}-{i}"
    open("mixed.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in recs))
    con.execute(f"COPY (SELECT * FROM read_json_auto('mixed.jsonl')) TO 'mixed.parquet' "
                f"(FORMAT parquet, ROW_GROUP_SIZE {half})")
    encodings = [e for (e,) in con.execute(
        "SELECT encodings FROM parquet_metadata('mixed.parquet') WHERE path_in_schema = 'seller' "
        "ORDER BY row_group_id").fetchall()]
    check("DICTIONARY" in encodings[0] and "DICTIONARY" not in encodings[-1],
          f"DuckDB wrote the sellers as a dictionary, then plain: {encodings}")
    for shape in SHAPES:
        got, want = window(*shape, "mixed.parquet"), window(*shape, "mixed.jsonl")
        check(got.returncode == 0 and want.stdout.count(b"\n") > 3 and got.stdout == want.stdout,
              f"{' '.join(shape)}: dictionary and plain row groups give the JSON's windows")

    # A table in its own names (--field): a numeric seller id, times in epoch milliseconds,
    # beside the same mapping on JSON lines; and a mapping Parquet cannot follow is refused.
    mapping = ["--field", "seller=merchant", "--field", "price=amount", "--field", "sale_date=ts",
               "--time-format", "epoch-ms"]
    own = []
    for i, line in enumerate(sales.splitlines()):
        r = json.loads(line)
        r["merchant"] = 1000 + sum(map(ord, r.pop("seller")))
        r["amount"] = r.pop("price")
        r["ts"] = iso_ms(r.pop("sale_date"))
        own.append(r)
    open("own.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in own))
    con.execute("COPY (SELECT * FROM read_json_auto('own.jsonl')) TO 'own.parquet' (FORMAT parquet)")
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM 'own.parquet')").fetchall())
    for shape in SHAPES:
        got, want = window(*shape, *mapping, "own.parquet"), window(*shape, *mapping, "own.jsonl")
        check(got.returncode == 0 and want.stdout.count(b"\n") > 3 and got.stdout == want.stdout,
              f"{' '.join(shape)}: --field on Parquet ({types['merchant']} seller, {types['ts']} ms) gives the mapped JSON's windows")
    e = window(*SHAPES[0], "--field", "seller=/merchant/id", "own.parquet")
    check(e.returncode != 0 and "named columns" in e.stderr.decode(),
          f"a JSON pointer on Parquet is refused: {e.stderr.decode().strip()}")
    e = window(*SHAPES[0], *mapping[:4], "--field", "sale_date=when", "own.parquet")
    check(e.returncode != 0 and "no column when (its sale_date)" in e.stderr.decode(),
          f"a mapped column the file lacks is named: {e.stderr.decode().strip()[:160]}")

    # A folder of hourly files, JSON and Parquet mixed, is one stream in name order.
    os.mkdir("hours")
    lines = sales.splitlines(keepends=True)
    half = len(lines) // 2
    open("hours/1.jsonl", "wb").writelines(lines[:half])
    open("hours/2.jsonl", "wb").writelines(lines[half:])
    con.execute("COPY (SELECT * FROM read_json_auto('hours/2.jsonl')) TO 'hours/2.parquet' (FORMAT parquet)")
    os.remove("hours/2.jsonl")
    mixed = window(*SHAPES[0], "hours")
    check(mixed.returncode == 0 and mixed.stdout == window(*SHAPES[0], "sales.jsonl").stdout,
          "a folder of JSON and Parquet files is one stream")

    # Errors: name the file and the cause, exit non-zero, lose nothing silently.
    con.execute("COPY (SELECT * EXCLUDE (seller) FROM read_json_auto('sales.jsonl')) TO 'noseller.parquet' (FORMAT parquet)")
    e = window("noseller.parquet")
    err = e.stderr.decode()
    check(e.returncode != 0 and "noseller.parquet: no column seller" in err and "its columns: id_sale" in err,
          f"a Parquet file missing a column: {err.strip()}")
    with open("duck_text.parquet", "rb") as f:
        e = window(stdin=f)
    check(e.returncode != 0 and "this is Parquet" in e.stderr.decode(), "Parquet on stdin is refused by name")
    con.execute("COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 5 THEN -1.0 ELSE price END AS price) "
                "FROM read_json_auto('sales.jsonl')) TO 'bad_row.parquet' (FORMAT parquet)")
    e = window(*SHAPES[1], "bad_row.parquet", "--dead-letter", "dead.jsonl")
    err = e.stderr.decode()
    check(e.returncode == 0 and "row 5: field `price` must be greater than 0" in err and " rows: " in err
          and " 1 malformed" in err,
          f"a bad row is reported by its row and skipped: {[l for l in err.splitlines() if 'price' in l][:1]}")
    dead = [json.loads(l) for l in open("dead.jsonl")]
    check(len(dead) == 1 and dead[0].get("row") == 5 and json.loads(dead[0]["record"])["price"] == -1.0,
          f"... and kept whole in the dead letters: {json.dumps(dead)[:200]}")

    # Window rows as Parquet, read back by DuckDB and Polars.
    for shape in SHAPES:
        out = window(*shape, "sales.jsonl", "--format", "parquet", "--output", "w.parquet")
        check(out.returncode == 0, f"{' '.join(shape)}: --format parquet")
        rows = [json.loads(l) for l in window(*shape, "sales.jsonl").stdout.splitlines()]
        duck = con.execute(
            "SELECT strftime(window_start AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') || 'Z', "
            "strftime(window_end AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') || 'Z', sales_in_window, "
            "revenue, avg_ticket, active_sellers, active_categories, active_products, biggest_sale, "
            "top_category, top_seller, sales_per_partition, ticket_stddev FROM 'w.parquet' ORDER BY window_start").fetchall()
        want = [(r["window_start"], r["window_end"], r["sales_in_window"], r["revenue"], r["avg_ticket"],
                 r["active_sellers"], r["active_categories"], r["active_products"], r["biggest_sale"],
                 r["top_category"]["name"], r["top_seller"]["name"], r["sales_per_partition"], r["ticket_stddev"])
                for r in rows]
        norm = [tuple(float(x) if type(x).__name__ == "Decimal" else x for x in r) for r in duck]
        check(len(norm) == len(want) and all(
            a[:12] == b[:12] and abs(a[12] - b[12]) < 1e-9 for a, b in zip(norm, want)),
            f"{' '.join(shape)}: DuckDB reads the {len(duck)} window rows with the JSON's values")
        df = pl.read_parquet("w.parquet")
        check(df.height == len(rows) and df["sales_in_window"].to_list() == [r["sales_in_window"] for r in rows]
              and str(df["revenue"].dtype).startswith("Decimal"),
              f"{' '.join(shape)}: Polars reads them (money as decimals)")
    e = window("sales.jsonl", "--format", "parquet")
    check(e.returncode != 0 and "give --output FILE" in e.stderr.decode(), "--format parquet without --output is refused")

    shutil.rmtree(work, ignore_errors=True)
    print(f"files: {'all passed' if not failures else f'{len(failures)} FAILED'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
