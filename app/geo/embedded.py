"""The default geocoder: postal codes, post offices, municipalities, streets and building addresses,
from data on disk and in the database, with no service to call.

- postal codes and post office names: app/catalogue/data/postal_codes.csv (a point per code);
- municipality names (fi/sv/en): app/catalogue/data/municipalities.csv, placed at the mean of their
  postal codes' points;
- building addresses: the `address_point` table, filled by `tarjotin geodata load` from DVV's open
  building address file; without it, the street addresses of the catalogue's own places.

"street, town" is looked up within that town only; a street in several towns without one is ambiguous
and answered with the choices, never with the first town in alphabetical order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from app.catalogue.codes import PostalCode, load_postal_codes, read_csv
from app.catalogue.models import Location
from app.geo.geocoder import (
    NOT_FOUND,
    Geocoded,
    Place,
    Precision,
    fold,
    split_house_number,
)
from app.geo.models import AddressPoint

_POSTAL_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


@dataclass(frozen=True)
class Town:
    """What a town name stands for: municipalities and/or post office areas, and its point."""

    name: str
    municipality_codes: frozenset[str]
    postal_codes: frozenset[str]
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _Point:
    municipality_code: str | None
    street: str
    house_number: str | None
    latitude: float
    longitude: float


def _mean(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return (
        round(sum(p[0] for p in points) / len(points), 5),
        round(sum(p[1] for p in points) / len(points), 5),
    )


@cache
def municipality_names() -> dict[str, tuple[str, str, str]]:
    """code -> (fi, sv, en) names."""
    return {
        row["code"]: (row["name_fi"], row["name_sv"], row["name_en"])
        for row in read_csv("municipalities.csv")
    }


@cache
def _towns() -> dict[str, Town]:
    """Folded town name -> Town, for municipality names (fi/sv/en) and post office names (fi/sv)."""
    postal = load_postal_codes()
    by_municipality: dict[str, list[PostalCode]] = {}
    by_office: dict[str, list[PostalCode]] = {}
    for code in postal.values():
        by_municipality.setdefault(code.municipality_code, []).append(code)
        for name in {code.name_fi, code.name_sv}:
            if name:
                by_office.setdefault(fold(name), []).append(code)
    towns: dict[str, Town] = {}
    for key, codes in by_office.items():
        latitude, longitude = _mean([(c.latitude, c.longitude) for c in codes])
        towns[key] = Town(
            name=codes[0].name_fi.title() if fold(codes[0].name_fi) == key else codes[0].name_sv.title(),
            municipality_codes=frozenset(c.municipality_code for c in codes),
            postal_codes=frozenset(c.postal_code for c in codes),
            latitude=latitude,
            longitude=longitude,
        )
    # A municipality's own name wins over a post office of the same name (Lahti the town, not only
    # the 151xx post office), and covers all of its postal codes.
    for municipality, names in municipality_names().items():
        areas = by_municipality.get(municipality)
        if not areas:
            continue
        latitude, longitude = _mean([(c.latitude, c.longitude) for c in areas])
        for name in names:
            if name:
                towns[fold(name)] = Town(
                    name=name,
                    municipality_codes=frozenset({municipality}),
                    postal_codes=frozenset(c.postal_code for c in areas),
                    latitude=latitude,
                    longitude=longitude,
                )
    return towns


def find_town(text: str) -> Town | None:
    return _towns().get(fold(text))


def _municipality_name(code: str | None, fallback: str = "") -> str:
    names = municipality_names().get(code or "")
    return names[0] if names else fallback


class EmbeddedGeocoder:
    def __init__(self, session: Session) -> None:
        self.session = session

    def geocode(self, text: str) -> Geocoded:
        typed = " ".join(text.split()).strip(" ,")
        if not typed:
            return NOT_FOUND
        postal_match = _POSTAL_CODE.search(typed)
        if postal_match:
            return self._with_postal_code(typed, postal_match)
        town = find_town(typed)
        if town is not None:
            return Geocoded(self._town_place(town))
        street, town_text = self._split_town(typed)
        if town_text is not None:
            town = find_town(town_text)
            if town is None:
                return NOT_FOUND
            found = self._street(street, town.municipality_codes)
            if found.place is not None or found.alternatives:
                return found
            # The town is known, the street in it is not: the town, saying so.
            return Geocoded(self._town_place(town, approximate=True))
        return self._street(street, None)

    # -- parts ---------------------------------------------------------------------------------

    @staticmethod
    def _town_place(town: Town, *, approximate: bool = False) -> Place:
        municipality = next(iter(town.municipality_codes)) if len(town.municipality_codes) == 1 else None
        return Place(
            label=town.name,
            latitude=town.latitude,
            longitude=town.longitude,
            precision=Precision.MUNICIPALITY,
            municipality_code=municipality,
            approximate=approximate,
        )

    @staticmethod
    def _split_town(typed: str) -> tuple[str, str | None]:
        """ "Hämeenkatu 10, Lahti" and "Hämeenkatu 10 Lahti" -> ("Hämeenkatu 10", "Lahti")."""
        if "," in typed:
            street, _, town = typed.partition(",")
            return street.strip(), town.strip() or None
        words = typed.split(" ")
        for size in (3, 2, 1):  # "Hämeenkatu 10 Lahti", town names of up to three words
            if len(words) > size and find_town(" ".join(words[-size:])) is not None:
                return " ".join(words[:-size]), " ".join(words[-size:])
        return typed, None

    def _with_postal_code(self, typed: str, match: re.Match[str]) -> Geocoded:
        code = load_postal_codes().get(match[1])
        if code is None:
            return NOT_FOUND
        # "Aleksanterinkatu 18 15140 Lahti": what follows the code is its post office.
        before = typed[: match.start()].strip(" ,")
        area = Place(
            label=f"{code.postal_code} {code.name_fi.title()}",
            latitude=code.latitude,
            longitude=code.longitude,
            precision=Precision.POSTAL_CODE,
            municipality_code=code.municipality_code,
        )
        if not before:
            return Geocoded(area)
        found = self._street(before, frozenset({code.municipality_code}))
        if found.place is not None:
            return found
        return Geocoded(
            Place(
                label=area.label,
                latitude=area.latitude,
                longitude=area.longitude,
                precision=Precision.POSTAL_CODE,
                municipality_code=area.municipality_code,
                approximate=True,
            )
        )

    def _street(self, typed_street: str, municipalities: frozenset[str] | None) -> Geocoded:
        name, number = split_house_number(typed_street)
        if len(name) < 3 or not any(ch.isalpha() for ch in name):
            return NOT_FOUND
        points = self._address_points(name, municipalities) or self._catalogue_points(name, municipalities)
        if not points:
            return NOT_FOUND
        by_municipality: dict[str | None, list[_Point]] = {}
        for point in points:
            by_municipality.setdefault(point.municipality_code, []).append(point)
        if len(by_municipality) > 1:
            # The same street name in several towns: ask which, never pick one.
            return Geocoded(
                alternatives=tuple(
                    f"{points_of[0].street}, {_municipality_name(code)}"
                    for code, points_of in sorted(
                        by_municipality.items(), key=lambda item: _municipality_name(item[0])
                    )
                    if code
                )
            )
        municipality, street_points = next(iter(by_municipality.items()))
        town = _municipality_name(municipality)
        street_label = street_points[0].street
        if number is not None:
            exact = [p for p in street_points if p.house_number == number]
            if exact:
                return Geocoded(
                    Place(
                        label=f"{street_label} {number.upper()}, {town}"
                        if town
                        else f"{street_label} {number}",
                        latitude=exact[0].latitude,
                        longitude=exact[0].longitude,
                        precision=Precision.ADDRESS,
                        municipality_code=municipality,
                    )
                )
        latitude, longitude = _mean([(p.latitude, p.longitude) for p in street_points])
        return Geocoded(
            Place(
                label=f"{street_label}, {town}" if town else street_label,
                latitude=latitude,
                longitude=longitude,
                precision=Precision.STREET,
                municipality_code=municipality,
                approximate=number is not None,
            )
        )

    def _address_points(self, name: str, municipalities: Iterable[str] | None) -> list[_Point]:
        key = fold(name)
        statement = select(
            col(AddressPoint.municipality_code),
            col(AddressPoint.street_fi),
            col(AddressPoint.street_sv),
            col(AddressPoint.street_fi_key),
            col(AddressPoint.house_number),
            col(AddressPoint.latitude),
            col(AddressPoint.longitude),
        ).where(or_(col(AddressPoint.street_fi_key) == key, col(AddressPoint.street_sv_key) == key))
        if municipalities is not None:
            statement = statement.where(col(AddressPoint.municipality_code).in_(sorted(municipalities)))
        rows = self.session.execute(statement.limit(5000)).all()
        return [
            _Point(
                municipality_code=row[0],
                street=(row[1] if row[3] == key else row[2]) or row[1] or name,
                house_number=row[4],
                latitude=row[5],
                longitude=row[6],
            )
            for row in rows
        ]

    def _catalogue_points(self, name: str, municipalities: Iterable[str] | None) -> list[_Point]:
        """Streets of the catalogue's own places: "Hämeenkatu" matches "Hämeenkatu 40", not "Hämeenkatuntie"."""
        key = fold(name)
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = select(
            col(Location.municipality_code),
            col(Location.street_address_fi),
            col(Location.street_address_sv),
            col(Location.latitude),
            col(Location.longitude),
        ).where(
            or_(
                func.lower(Location.street_address_fi) == key,
                func.lower(Location.street_address_fi).like(f"{escaped} %", escape="\\"),
                func.lower(Location.street_address_sv) == key,
                func.lower(Location.street_address_sv).like(f"{escaped} %", escape="\\"),
            ),
            col(Location.latitude).is_not(None),
            col(Location.longitude).is_not(None),
        )
        if municipalities is not None:
            statement = statement.where(col(Location.municipality_code).in_(sorted(municipalities)))
        points = []
        for municipality, street_fi, street_sv, latitude, longitude in self.session.execute(
            statement.limit(500)
        ):
            for street in (street_fi, street_sv):
                if not street:
                    continue
                street_name, number = split_house_number(street)
                if fold(street_name) == key:
                    points.append(_Point(municipality, street_name, number, latitude, longitude))
                    break
        return points


def nearest_municipality(latitude: float, longitude: float) -> str | None:
    """The municipality of the postal code whose point is nearest (for points a service returned)."""
    best: tuple[float, str] | None = None
    scale = 0.5  # cos(60°): a degree of longitude is about half a degree of latitude here
    for code in load_postal_codes().values():
        distance = (code.latitude - latitude) ** 2 + ((code.longitude - longitude) * scale) ** 2
        if best is None or distance < best[0]:
            best = (distance, code.municipality_code)
    return best[1] if best else None
