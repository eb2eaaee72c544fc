"""The Finnish public holidays PTV names in its holiday hours: their dates in a year, and their names.

PTV v12 gives holiday hours by name (`ChristmasEve`, `MidsummerEve`, ...) and leaves the date to the
reader ("use a date library for movable holidays"). Easter comes from dateutil; the others follow the
rules of the Finnish calendar (midsummer and All Saints' Day fall on the Saturday of a set week).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter

from integrations.records import Text


def _weekday_between(year: int, month: int, day: int, weekday: int) -> date:
    """The date with `weekday` (Monday 0) among the seven days from year-month-day."""
    first = date(year, month, day)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


_DATES: dict[str, Callable[[int], date]] = {
    "NewYearDay": lambda y: date(y, 1, 1),
    "Epiphany": lambda y: date(y, 1, 6),
    "MaundyThursday": lambda y: easter(y) - timedelta(days=3),
    "GoodFriday": lambda y: easter(y) - timedelta(days=2),
    "EasterSunday": easter,
    "EasterMonday": lambda y: easter(y) + timedelta(days=1),
    "MayDayEve": lambda y: date(y, 4, 30),
    "MayDay": lambda y: date(y, 5, 1),
    "AscensionDay": lambda y: easter(y) + timedelta(days=39),
    "WhitSunday": lambda y: easter(y) + timedelta(days=49),
    "MidsummerEve": lambda y: _weekday_between(y, 6, 19, 4),  # the Friday of 19-25 June
    "MidsummerDay": lambda y: _weekday_between(y, 6, 20, 5),  # the Saturday of 20-26 June
    "AllSaintsDay": lambda y: _weekday_between(y, 10, 31, 5),  # the Saturday of 31 Oct - 6 Nov
    "IndependenceDay": lambda y: date(y, 12, 6),
    "ChristmasEve": lambda y: date(y, 12, 24),
    "ChristmasDay": lambda y: date(y, 12, 25),
    "SecondDayOfChristmas": lambda y: date(y, 12, 26),
    "NewYearEve": lambda y: date(y, 12, 31),
}

HOLIDAY_NAMES: dict[str, Text] = {
    "NewYearDay": Text(fi="Uudenvuodenpäivä", sv="Nyårsdagen", en="New Year's Day"),
    "Epiphany": Text(fi="Loppiainen", sv="Trettondagen", en="Epiphany"),
    "MaundyThursday": Text(fi="Kiirastorstai", sv="Skärtorsdagen", en="Maundy Thursday"),
    "GoodFriday": Text(fi="Pitkäperjantai", sv="Långfredagen", en="Good Friday"),
    "EasterSunday": Text(fi="Pääsiäispäivä", sv="Påskdagen", en="Easter Sunday"),
    "EasterMonday": Text(fi="Toinen pääsiäispäivä", sv="Annandag påsk", en="Easter Monday"),
    "MayDayEve": Text(fi="Vappuaatto", sv="Valborgsmässoafton", en="May Day Eve"),
    "MayDay": Text(fi="Vappu", sv="Första maj", en="May Day"),
    "AscensionDay": Text(fi="Helatorstai", sv="Kristi himmelsfärdsdag", en="Ascension Day"),
    "WhitSunday": Text(fi="Helluntaipäivä", sv="Pingstdagen", en="Whit Sunday"),
    "MidsummerEve": Text(fi="Juhannusaatto", sv="Midsommarafton", en="Midsummer Eve"),
    "MidsummerDay": Text(fi="Juhannuspäivä", sv="Midsommardagen", en="Midsummer Day"),
    "AllSaintsDay": Text(fi="Pyhäinpäivä", sv="Alla helgons dag", en="All Saints' Day"),
    "IndependenceDay": Text(fi="Itsenäisyyspäivä", sv="Självständighetsdagen", en="Independence Day"),
    "ChristmasEve": Text(fi="Jouluaatto", sv="Julafton", en="Christmas Eve"),
    "ChristmasDay": Text(fi="Joulupäivä", sv="Juldagen", en="Christmas Day"),
    "SecondDayOfChristmas": Text(fi="Tapaninpäivä", sv="Annandag jul", en="Boxing Day"),
    "NewYearEve": Text(fi="Uudenvuodenaatto", sv="Nyårsafton", en="New Year's Eve"),
}


def holiday_date(name: str, year: int) -> date | None:
    """The date of the holiday PTV calls `name` in `year`; None for a name PTV does not use."""
    rule = _DATES.get(name)
    return rule(year) if rule is not None else None


def holiday_dates(name: str, *, today: date | None, years: list[int] | None) -> list[date]:
    """The dates the hours apply to: the given years', or the next occurrence within a year of today.

    Without `today` (and no years) there is no telling which year is meant: no dates.
    """
    if years:
        found = [holiday_date(name, year) for year in sorted(set(years))]
        return [d for d in found if d is not None and (today is None or d >= today)]
    if today is None:
        return []
    upcoming = [holiday_date(name, year) for year in (today.year, today.year + 1)]
    return [d for d in upcoming if d is not None and today <= d < today + timedelta(days=365)][:1]
