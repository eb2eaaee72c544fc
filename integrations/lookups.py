"""Municipalities by name and by region, for sources that give place names instead of codes.

Lähellä.fi regions are `city/FI/<kunta>` and `state/FI/<maakunta>` and its addresses carry a city
name; Swedish and English names occur too. Read once per run from the code tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.catalogue.codes import read_csv


def name_key(name: str) -> str:
    """Names compared without case, hyphens or repeated spaces ("Mänttä-Vilppula" = "mänttä vilppula")."""
    return " ".join(name.casefold().replace("-", " ").split())


@dataclass(frozen=True)
class MunicipalityNames:
    by_name: dict[str, str] = field(default_factory=dict)  # name_key(fi/sv/en name) -> code
    region_members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name_key(region) -> codes

    def code_for_name(self, name: str | None) -> str | None:
        return self.by_name.get(name_key(name)) if name else None

    def codes_for_region(self, name: str | None) -> tuple[str, ...]:
        return self.region_members.get(name_key(name), ()) if name else ()


def load_municipality_names() -> MunicipalityNames:
    municipalities = list(read_csv("municipalities.csv"))
    by_name: dict[str, str] = {}
    for row in municipalities:
        for column in ("name_en", "name_sv", "name_fi"):  # Finnish last, so it wins a clash
            by_name[name_key(row[column])] = row["code"]
    members: dict[str, tuple[str, ...]] = {}
    for region in read_csv("regions.csv"):
        codes = tuple(row["code"] for row in municipalities if row["region_code"] == region["code"])
        for column in ("name_en", "name_sv", "name_fi"):
            members[name_key(region[column])] = codes
    return MunicipalityNames(by_name=by_name, region_members=members)
