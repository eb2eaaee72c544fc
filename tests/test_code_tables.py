"""The municipality, region and county code tables against published facts (Statistics Finland 2025)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select

from app.catalogue.codes import read_csv, served_municipality_codes
from app.catalogue.models import Municipality
from app.settings import Settings

# Municipalities per wellbeing services county (Helsinki 90 and Åland 91 included), as published
# by Statistics Finland for 2025, the year Pertunmaa joined Mäntyharju.
MUNICIPALITIES_PER_COUNTY = {
    "01": 7,
    "02": 6,
    "03": 10,
    "04": 2,
    "05": 27,
    "06": 16,
    "07": 11,
    "08": 23,
    "09": 10,
    "10": 6,
    "11": 9,
    "12": 11,
    "13": 19,
    "14": 13,
    "15": 22,
    "16": 18,
    "17": 14,
    "18": 8,
    "19": 30,
    "20": 8,
    "21": 21,
    "90": 1,
    "91": 16,
}

MUNICIPALITIES_PER_REGION = {
    "01": 26,
    "02": 27,
    "04": 16,
    "05": 11,
    "06": 23,
    "07": 10,
    "08": 6,
    "09": 9,
    "10": 11,
    "11": 19,
    "12": 13,
    "13": 22,
    "14": 18,
    "15": 14,
    "16": 8,
    "17": 30,
    "18": 8,
    "19": 21,
    "21": 16,
}


@pytest.fixture(scope="module")
def municipalities() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in read_csv("municipalities.csv")}


def test_every_current_municipality_is_listed_once(municipalities: dict[str, dict[str, str]]) -> None:
    rows = list(read_csv("municipalities.csv"))
    assert len(rows) == len(municipalities) == 308
    for code, row in municipalities.items():
        assert len(code) == 3 and code.isdigit(), code
        assert row["name_fi"] and row["name_sv"] and row["name_en"], code


def test_counts_per_wellbeing_services_county(municipalities: dict[str, dict[str, str]]) -> None:
    counts = Counter(row["wellbeing_county_code"] for row in municipalities.values())
    assert dict(counts) == MUNICIPALITIES_PER_COUNTY


def test_counts_per_region(municipalities: dict[str, dict[str, str]]) -> None:
    counts = Counter(row["region_code"] for row in municipalities.values())
    assert dict(counts) == MUNICIPALITIES_PER_REGION


def test_every_code_refers_to_a_listed_region_and_county(municipalities: dict[str, dict[str, str]]) -> None:
    regions = {row["code"] for row in read_csv("regions.csv")}
    counties = {row["code"] for row in read_csv("wellbeing_counties.csv")}
    assert {row["region_code"] for row in municipalities.values()} == regions
    assert {row["wellbeing_county_code"] for row in municipalities.values()} == counties


@pytest.mark.parametrize(
    ("code", "name_fi", "region", "county"),
    [
        ("142", "Iitti", "07", "09"),  # moved from Kymenlaakso to Päijät-Häme in 2021
        ("858", "Tuusula", "01", "02"),
        ("753", "Sipoo", "01", "01"),
        ("091", "Helsinki", "01", "90"),  # Helsinki organises the services itself
        ("092", "Vantaa", "01", "04"),
        ("049", "Espoo", "01", "03"),
        ("478", "Maarianhamina", "21", "91"),
        ("785", "Vaala", "17", "19"),  # moved from Kainuu to Pohjois-Pohjanmaa in 2016
        ("291", "Kuhmoinen", "06", "08"),  # moved from Keski-Suomi to Pirkanmaa in 2021
        ("171", "Joroinen", "11", "13"),  # moved from Etelä-Savo to Pohjois-Savo in 2021
        ("090", "Heinävesi", "12", "14"),  # moved from Etelä-Savo to Pohjois-Karjala in 2021
    ],
)
def test_known_facts(
    municipalities: dict[str, dict[str, str]], code: str, name_fi: str, region: str, county: str
) -> None:
    row = municipalities[code]
    assert (row["name_fi"], row["region_code"], row["wellbeing_county_code"]) == (name_fi, region, county)


def test_every_aland_municipality_is_in_aland(municipalities: dict[str, dict[str, str]]) -> None:
    aland = {code for code, row in municipalities.items() if row["region_code"] == "21"}
    assert aland == {code for code, row in municipalities.items() if row["wellbeing_county_code"] == "91"}
    assert "035" in aland  # Brändö


@pytest.mark.parametrize("merged_away", ["099", "911", "588"])
def test_merged_municipalities_are_gone(municipalities: dict[str, dict[str, str]], merged_away: str) -> None:
    # Honkajoki (2021 → Kankaanpää), Valtimo (2020 → Nurmes), Pertunmaa (2025 → Mäntyharju).
    assert merged_away not in municipalities


def test_swedish_names_of_bilingual_municipalities(municipalities: dict[str, dict[str, str]]) -> None:
    assert municipalities["186"]["name_sv"] == "Träskända"
    assert municipalities["106"]["name_sv"] == "Hyvinge"
    assert municipalities["398"]["name_sv"] == "Lahtis"


def test_the_database_holds_the_table_and_the_served_area(session: Session, tmp_path) -> None:
    assert len(session.exec(select(Municipality)).all()) == 308
    settings = Settings(data_dir=tmp_path, wellbeing_counties=["09", "02"], _env_file=None)  # type: ignore[call-arg]
    served = served_municipality_codes(session, settings)
    assert served == {
        "016", "081", "098", "111", "142", "316", "398", "560", "576", "781",
        "106", "186", "505", "543", "611", "858",
    }  # fmt: skip
    only_lahti = Settings(data_dir=tmp_path, wellbeing_counties=[], municipalities=["398"], _env_file=None)  # type: ignore[call-arg]
    assert served_municipality_codes(session, only_lahti) == {"398"}
