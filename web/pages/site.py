"""What every page says about the site itself: the area it covers and, while the catalogue holds
demo data, that the listings are invented."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache

from sqlalchemy import exists
from sqlmodel import Session, col, select

from app.catalogue.codes import read_csv
from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Service
from app.settings import Settings
from web.i18n import gettext

DEMO_CHECK_TTL_SECONDS = 60.0
_demo_cache: dict[str, tuple[float, bool]] = {}


@dataclass(frozen=True)
class Area:
    names: tuple[str, ...]  # the counties served, then single municipalities
    municipality_count: int
    codes: frozenset[str] = frozenset()


@cache
def _area(counties: tuple[str, ...], municipalities: tuple[str, ...], locale: str) -> Area:
    county_names = {
        row["code"]: row.get(f"name_{locale}") or row["name_fi"] for row in read_csv("wellbeing_counties.csv")
    }
    served: set[str] = set()
    single: list[str] = []
    for row in read_csv("municipalities.csv"):
        if row["wellbeing_county_code"] in counties:
            served.add(row["code"])
        elif row["code"] in municipalities:
            served.add(row["code"])
            single.append(row.get(f"name_{locale}") or row["name_fi"])
    names = tuple(county_names[code] for code in counties if code in county_names) + tuple(sorted(single))
    return Area(names, len(served), frozenset(served))


def area_of(settings: Settings, locale: str) -> Area:
    return _area(tuple(settings.wellbeing_counties), tuple(settings.municipalities), locale)


def served_municipalities(settings: Settings) -> set[str]:
    """The municipality codes of the area served (from the code tables the app ships)."""
    return set(area_of(settings, "fi").codes)


def area_text(settings: Settings, locale: str) -> str:
    """ "Päijät-Hämeen hyvinvointialue and Keski-Uudenmaan hyvinvointialue (16 municipalities)"."""
    area = area_of(settings, locale)
    if not area.names:
        return ""
    names = list(area.names)
    joined = (
        names[0]
        if len(names) == 1
        else gettext(locale, "%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
    )
    return gettext(locale, "%(area)s (%(num)s municipalities)", area=joined, num=str(area.municipality_count))


def catalogue_has_demo_data(session: Session, key: str) -> bool:
    """Whether any listing shown is demo data; checked at most once a minute per database."""
    now = time.monotonic()
    cached = _demo_cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    statement = select(
        exists().where(col(Service.is_demo).is_(True), col(Service.status) != ServiceStatus.RETIRED.value)
    )
    value = bool(session.exec(statement).one())
    _demo_cache[key] = (now + DEMO_CHECK_TTL_SECONDS, value)
    return value


def last_known_demo(key: str) -> bool:
    """The last answer for a database, for pages rendered without a session (error pages)."""
    cached = _demo_cache.get(key)
    return bool(cached and cached[1])


def clear_cache() -> None:
    _demo_cache.clear()
