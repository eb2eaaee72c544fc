"""Lähellä.fi activity -> records: pure functions on the recorded fixtures and small inline payloads."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from app.catalogue.codes import load_postal_codes, read_csv
from integrations.context import MappingContext
from integrations.lahella.mapping import (
    LahellaContext,
    MappedActivity,
    MappingError,
    accessibility_from_codes,
    activity_from_payload,
    ages_from_demographic,
    area_from_regions,
    is_in_area,
    is_published,
    languages_from_locales,
    schedules_from_event,
    themes_from_codes,
)
from integrations.lookups import load_municipality_names
from integrations.records import Text

FIXTURES = Path(__file__).parent / "fixtures" / "lahella"


def _activities() -> dict[str, dict[str, Any]]:
    result = {}
    for path in sorted(FIXTURES.glob("activities_*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["items"]:
            result[item["_key"]] = item
    return result


def mapping_context() -> MappingContext:
    """The code tables as `load_mapping_context` reads them, without a database (Päijät-Häme and Keski-Uusimaa)."""
    themes: dict[tuple[str, str], set[str]] = {}
    for row in read_csv("theme_mapping.csv"):
        themes.setdefault((row["taxonomy"], row["code"]), set()).add(row["theme_code"])
    municipalities = list(read_csv("municipalities.csv"))
    return MappingContext(
        served_municipalities=frozenset(
            row["code"] for row in municipalities if row["wellbeing_county_code"] in {"09", "02"}
        ),
        known_municipalities=frozenset(row["code"] for row in municipalities),
        themes_by_code={key: frozenset(value) for key, value in themes.items()},
        theme_labels={
            row["code"]: Text(fi=row["name_fi"], sv=row["name_sv"], en=row["name_en"])
            for row in read_csv("themes.csv")
        },
        postal_codes=load_postal_codes(),
    )


@pytest.fixture(scope="module")
def context() -> LahellaContext:
    return LahellaContext(
        group="4711",
        organisation_name="Lahden Seniorit ry",
        business_id="0201256-6",
        mapping=mapping_context(),
        names=load_municipality_names(),
    )


@pytest.fixture(scope="module")
def activities() -> dict[str, dict[str, Any]]:
    return _activities()


def _map(activities: dict[str, dict[str, Any]], key: str, context: LahellaContext) -> MappedActivity:
    return activity_from_payload(activities[key], context)


def _terms(mapped: MappedActivity, taxonomy: str) -> list[str]:
    return [term.code for term in mapped.service.terms if term.taxonomy == taxonomy]


def test_weekly_course_is_one_service_with_one_rrule(activities: dict, context: LahellaContext) -> None:
    mapped = _map(activities, "a-1001", context)
    service = mapped.service
    assert service.name == Text(fi="Tuolijumppa ikäihmisille", sv="Stolgympa för seniorer")
    assert service.description.fi == (
        "Jumppaamme tuolilla istuen tiistaisin. Mukaan ei tarvitse ilmoittautua.\n- Ota mukaan vesipullo\n- Sisäkengät"
    )
    assert service.is_free is True
    assert service.min_age == 65 and service.max_age is None
    assert service.languages == ("fi",)
    assert service.area_municipality_codes == ("398",)
    assert service.organisation_business_id == "0201256-6"
    [link] = service.locations
    [session] = link.schedules
    assert session.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260526T205959Z"
    assert (session.dtstart, session.until) == (date(2026, 1, 13), date(2026, 5, 26))
    assert (session.opens_at, session.closes_at) == (time(10), time(11))
    assert session.exdates == ("2026-02-24",)
    [location] = mapped.locations
    assert location.provenance.external_id == link.location_external_id == "a-1001/ch-1"
    assert location.municipality_code == "398"
    assert (location.latitude, location.longitude) == (60.9827, 25.6615)
    assert location.street_address.fi == "Saimaankatu 10"
    assert set(location.accessibility_features) == {"wheelchair", "hearing"}
    assert location.accessibility.fi is not None and "Esteetön WC." in location.accessibility.fi


def test_codes_become_themes_formats_and_labels(activities: dict, context: LahellaContext) -> None:
    mapped = _map(activities, "a-1001", context)
    assert _terms(mapped, "theme") == ["liikunta", "mielen-hyvinvointi"]
    assert _terms(mapped, "lahella_theme") == ["ht_urheilu", "ht_hyvinvointi"]
    assert _terms(mapped, "format") == ["group"]
    theme = next(term for term in mapped.service.terms if term.code == "liikunta")
    assert theme.label.fi == "Liikunta"
    # The activity type "support" maps to peer support through theme_mapping.csv.
    assert "vertaistuki" in _terms(_map(activities, "a-1002", context), "theme")


def test_region_state_becomes_its_municipalities(activities: dict, context: LahellaContext) -> None:
    service = _map(activities, "a-1002", context).service
    assert len(service.area_municipality_codes) == 10  # Päijät-Häme
    assert {"398", "098"} <= set(service.area_municipality_codes)
    [link] = service.locations
    [session] = link.schedules
    assert session.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20260604T205959Z"
    assert service.how_to_join.fi == "Ilmoittaudu sähköpostilla."
    assert [c.value for c in service.contacts] == ["vertaisryhma@lahdenseniorit.example"]
    assert service.price_text == Text()  # "" is missing, not an empty price


def test_online_channel_schedules_stay_on_the_service(activities: dict, context: LahellaContext) -> None:
    mapped = _map(activities, "a-1003", context)
    service = mapped.service
    [single] = service.schedules
    assert single.rrule is None and single.dtstart == single.until == date(2026, 2, 5)
    assert (single.opens_at, single.closes_at) == (time(18), time(20))
    assert _terms(mapped, "format") == ["online"]
    assert service.is_free is False and service.price_text.sv == "10 € / gång"
    assert service.registration_url == "https://lahdenseniorit.example/digipaja"
    assert service.languages == ("fi", "sv")
    assert (service.min_age, service.max_age) == (13, 17)
    [location] = mapped.locations
    # No coordinates: the place still has its address and municipality.
    assert location.latitude is None and location.municipality_code == "186"
    assert location.street_address == Text(fi="Sibeliuksenkatu 15", sv="Sibeliusgatan 15")


def test_language_fallback_without_finnish(activities: dict, context: LahellaContext) -> None:
    mapped = _map(activities, "a-1005", context)
    assert mapped.service.name == Text(sv="Körsång för seniorer", en="Choir for seniors")
    assert mapped.service.name.first() == "Körsång för seniorer"
    [location] = mapped.locations
    # The Swedish city name finds the municipality.
    assert location.municipality_code == "858"
    assert location.street_address.fi == "Hyryläntie 13"
    [session] = mapped.service.locations[0].schedules
    assert session.rrule == "FREQ=MONTHLY;BYDAY=1WE;UNTIL=20260603T205959Z"


def test_area_filter_and_published(activities: dict, context: LahellaContext) -> None:
    assert not is_published(activities["a-1004"])
    served = context.mapping.served_municipalities
    assert is_in_area(_map(activities, "a-1001", context), served)
    assert not is_in_area(_map(activities, "a-1006", context), served)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["ageGroup/range:65-99"], (65, None)),
        (["ageGroup/range:0-6", "ageGroup/range:7-12"], (None, 12)),
        (["ageGroup/range:0-6", "ageGroup/range:65-99"], (None, None)),
        (["ageGroup/young", "gender/female"], (13, 17)),
        (["gender/gender"], (None, None)),
        (["ageGroup/range:oops"], (None, None)),
    ],
)
def test_ages(codes: list[str], expected: tuple[int | None, int | None]) -> None:
    assert ages_from_demographic(codes) == expected


def test_small_code_functions(context: LahellaContext) -> None:
    assert languages_from_locales(["fi-FI", "fisl", "uk-UA", "fi"]) == ("fi", "fse", "uk")
    assert area_from_regions(["city/FI/Lahti", "city/FI/Atlantis", "bogus"], context.names) == ("398",)
    assert area_from_regions([], context.names) == ()
    features, text = accessibility_from_codes(["ac_unknow"])
    assert features == () and text.en == "The organiser does not guarantee accessibility."
    assert accessibility_from_codes([]) == ((), Text())
    assert themes_from_codes("hobby", ["ht_maanpuolustus"], [], context.mapping.themes_by_code) == ()


def test_recurrence_without_weekday_times_and_over_midnight() -> None:
    monday_evening = 1768249800000  # 2026-01-12 22:30 Helsinki
    [weekly] = schedules_from_event({"start": monday_evening, "recurrence": {"period": "P1W"}})
    assert weekly.rrule == "FREQ=WEEKLY;BYDAY=MO" and weekly.until is None
    [late] = schedules_from_event(
        {
            "start": monday_evening,
            "recurrence": {
                "period": "P1W",
                "daySpecificTimes": [{"weekday": 3, "startTime": "22:30", "endTime": "01:00"}],
            },
        }
    )
    assert late.closes_next_day and late.dtstart == date(2026, 1, 14)


@pytest.mark.parametrize(
    "event",
    [
        {"start": "yesterday"},
        {"start": 1768249800000, "timeZone": "Mars/Olympus"},
        {"start": 1768249800000, "recurrence": {"period": "P5Y"}},
        {"start": 1768249800000, "recurrence": {"daySpecificTimes": [{"weekday": 8, "startTime": "10:00"}]}},
        {"start": 1768249800000, "recurrence": {"daySpecificTimes": [{"weekday": 1, "startTime": "ten"}]}},
    ],
)
def test_bad_events_raise_mapping_error(event: dict[str, Any]) -> None:
    with pytest.raises(MappingError):
        schedules_from_event(event)


def test_bad_activities_raise_mapping_error(context: LahellaContext) -> None:
    with pytest.raises(MappingError, match="_key"):
        activity_from_payload({"traits": {}}, context)
    with pytest.raises(MappingError, match="name"):
        activity_from_payload({"_key": "x", "traits": {"translations": {"fi": {"name": "  "}}}}, context)
    with pytest.raises(MappingError, match="not text"):
        activity_from_payload({"_key": "x", "traits": {"translations": {"fi": {"name": 5}}}}, context)
