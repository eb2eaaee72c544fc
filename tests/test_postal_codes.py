"""data/postal_codes.csv and load_postal_codes()."""

from __future__ import annotations

from collections import Counter

import pytest

from app.catalogue.codes import PostalCode, load_postal_codes, read_csv

PAIJAT_HAME = {"016", "081", "098", "111", "142", "316", "398", "560", "576", "781"}
KESKI_UUSIMAA = {"106", "186", "505", "543", "611", "858"}


@pytest.fixture(scope="module")
def postal_codes() -> dict[str, PostalCode]:
    return load_postal_codes()


def test_loader_reads_every_row_once_and_caches(postal_codes: dict[str, PostalCode]) -> None:
    rows = list(read_csv("postal_codes.csv"))
    assert len(postal_codes) == len(rows) > 3000
    assert load_postal_codes() is postal_codes


def test_known_codes(postal_codes: dict[str, PostalCode]) -> None:
    lahti = postal_codes["15100"]
    assert (lahti.name_fi, lahti.municipality_code) == ("Lahti", "398")
    assert 60.9 < lahti.latitude < 61.05 and 25.55 < lahti.longitude < 25.75
    assert postal_codes["04400"].municipality_code == "186"  # Järvenpää
    assert postal_codes["47400"].name_fi == "Kausala"
    assert postal_codes["47400"].municipality_code == "142"  # Iitti
    assert postal_codes["00100"].name_sv == "Helsingfors"
    assert postal_codes["22100"].municipality_code == "478"  # Åland is included


def test_every_code_is_five_digits_in_a_known_municipality(postal_codes: dict[str, PostalCode]) -> None:
    municipalities = {row["code"] for row in read_csv("municipalities.csv")}
    for code, postal in postal_codes.items():
        assert len(code) == 5 and code.isdigit() and postal.postal_code == code
        assert postal.municipality_code in municipalities, code
        assert postal.name_fi and postal.name_sv, code
        # Finland and Åland lie within these bounds.
        assert 59.4 < postal.latitude < 70.2 and 19.0 < postal.longitude < 31.7, code


def test_both_demo_counties_are_covered(postal_codes: dict[str, PostalCode]) -> None:
    counts = Counter(p.municipality_code for p in postal_codes.values())
    for municipality in PAIJAT_HAME | KESKI_UUSIMAA:
        assert counts[municipality] >= 1, municipality
    assert counts["398"] >= 20  # Lahti has some thirty postal codes
    assert sum(counts[m] for m in PAIJAT_HAME | KESKI_UUSIMAA) > 150


def test_merged_municipalities_are_mapped_to_their_successor(postal_codes: dict[str, PostalCode]) -> None:
    # 52700 Mäntyharju and 19430 Pertunmaa: Pertunmaa joined Mäntyharju in 2025.
    assert postal_codes["19430"].municipality_code == "507"
    assert not {"099", "911", "588"} & {p.municipality_code for p in postal_codes.values()}


def test_points_lie_near_the_rest_of_their_municipality(postal_codes: dict[str, PostalCode]) -> None:
    # Guards the build script's filter against GeoNames points filed in the wrong place.
    from statistics import median

    by_municipality: dict[str, list[PostalCode]] = {}
    for postal in postal_codes.values():
        by_municipality.setdefault(postal.municipality_code, []).append(postal)
    for code, members in by_municipality.items():
        lat = median(p.latitude for p in members)
        lon = median(p.longitude for p in members)
        for p in members:
            assert abs(p.latitude - lat) < 1.4 and abs(p.longitude - lon) < 3.0, (code, p.postal_code)


def _build_script():  # type: ignore[no-untyped-def]
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "build_postal_codes.py"
    spec = importlib.util.spec_from_file_location("build_postal_codes", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_cases_names_and_drops_misplaced_points() -> None:
    build = _build_script()
    assert build.name_case("ETELÄ-PETRUMA") == "Etelä-Petruma"
    assert build.name_case("S:T KARINS") == "S:t Karins"
    points = {
        "15100": ("Lahti", "398", 60.97, 25.66),
        "15110": ("Lahti", "398", 60.98, 25.65),
        "15140": ("Lahti", "398", 60.99, 25.66),
        "15101": ("Lahti", "593", 62.15, 27.19),  # filed under Pieksämäki, 150 km away: wrong
        "15200": ("Lahti", "098", 61.05, 25.66),  # filed under Hollola but 8 km away: a border area
    }
    rows = [[code, "Lahti", "Lahtis", "398", f"{p[2]}", f"{p[3]}"] for code, p in points.items()]
    kept = [row[0] for row in build.drop_misplaced(rows, points)]
    assert kept == ["15100", "15110", "15140", "15200"]
