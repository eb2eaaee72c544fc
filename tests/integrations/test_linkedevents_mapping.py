"""LinkedEvents event (+ sub events) -> records: pure functions on the recorded fixtures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.linkedevents.mapping import (
    LinkedEventsContext,
    MappingError,
    Session,
    business_id_from_publisher,
    event_from_payload,
    is_gone,
    is_in_area,
    is_listing,
    organisation_from_payload,
    reference_id,
    schedules_from_sessions,
)
from integrations.lookups import load_municipality_names
from integrations.records import Text
from tests.integrations.test_lahella_mapping import mapping_context

FIXTURES = Path(__file__).parent / "fixtures" / "linkedevents"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def context() -> LinkedEventsContext:
    return LinkedEventsContext(mapping=mapping_context(), names=load_municipality_names())


@pytest.fixture(scope="module")
def events() -> dict[str, dict[str, Any]]:
    return {e["id"]: e for name in ("event_page1.json", "event_page2.json") for e in _load(name)["data"]}


@pytest.fixture(scope="module")
def sub_events() -> list[dict[str, Any]]:
    return [
        e for name in sorted(FIXTURES.glob("event_sub_lahti_agx1_*.json")) for e in _load(name.name)["data"]
    ]


def test_weekly_course_is_one_listing_with_one_rrule(
    events: dict, sub_events: list, context: LinkedEventsContext
) -> None:
    assert len(sub_events) == 10
    mapped = event_from_payload(events["lahti:agx1"], sub_events, context)
    service = mapped.service
    assert service.name == Text(fi="Vesijumppa ikäihmisille", sv="Vattengympa för seniorer")
    assert service.description.fi == "Kokoonnumme tiistaisin klo 10.\n\nEi ennakkoilmoittautumista."
    [link] = service.locations
    [series] = link.schedules
    # Ten Tuesdays over eleven weeks: one rule, the winter-holiday week excluded.
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260324T215959Z"
    assert (series.dtstart, series.until, series.exdates) == (
        date(2026, 1, 13),
        date(2026, 3, 24),
        ("2026-02-24",),
    )
    assert (series.opens_at, series.closes_at) == (time(10), time(11))
    assert link.description.fi == "Pieni allas"
    assert service.is_free is False and service.price_text.fi == "5 € / kerta\nSisältää uintimaksun"
    assert service.min_age == 65 and service.languages == ("fi",)
    assert service.organisation_business_id == "0201256-6"
    assert service.provenance.source_modified_at == datetime(2025, 12, 2, 9, 30, tzinfo=UTC)
    codes = {(term.taxonomy, term.code) for term in service.terms}
    assert {("theme", "liikunta"), ("theme", "ikaantyneet"), ("format", "course")} <= codes
    assert ("linkedevents_keyword", "yso:p916") in codes
    keyword = next(term for term in service.terms if term.code == "yso:p2433")
    assert keyword.label == Text(fi="ikääntyneet", sv="äldre", en="elderly")
    assert mapped.location is not None
    assert mapped.location.municipality_code == "398"
    assert (mapped.location.latitude, mapped.location.longitude) == (60.9859, 25.6581)
    assert mapped.location.street_address == Text(fi="Vesijärvenkatu 4", sv="Vesijärvigatan 4")


def test_standalone_event_is_one_session(events: dict, context: LinkedEventsContext) -> None:
    service = event_from_payload(events["lahti:agx2"], [], context).service
    [link] = service.locations
    [single] = link.schedules
    assert single.rrule is None and single.dtstart == single.until == date(2026, 2, 3)
    assert (single.opens_at, single.closes_at) == (time(17), time(18, 30))
    assert service.is_free is True
    assert service.registration_url == "https://lahdenseniorit.example/luento"
    assert service.description.fi == "Luento unesta & palautumisesta."
    assert {t.code for t in service.terms if t.taxonomy == "theme"} == {"oppiminen", "mielen-hyvinvointi"}


def test_umbrella_is_not_a_listing_but_its_children_are(events: dict, context: LinkedEventsContext) -> None:
    assert not is_listing(events["lahti:agx3"])
    assert is_listing(events["lahti:agx4"])
    walk = event_from_payload(events["lahti:agx4"], [], context)
    # A place given only by reference: the service still has its schedule, without a location row.
    assert walk.location is None and walk.service.schedules


def test_online_event_and_area(events: dict, context: LinkedEventsContext) -> None:
    online = event_from_payload(events["lahti:agx5"], [], context)
    assert online.location is None
    assert {t.code for t in online.service.terms if t.taxonomy == "format"} == {"online", "volunteering"}
    [single] = online.service.schedules
    assert single.closes_at is None
    served = context.mapping.served_municipalities
    assert is_in_area(online, served)
    assert not is_in_area(event_from_payload(events["lahti:agx6"], [], context), served)


def test_deleted_cancelled_and_postponed(events: dict, context: LinkedEventsContext) -> None:
    assert is_gone({"id": "x", "deleted": True})
    assert is_gone({"id": "x", "event_status": "EventCancelled"})
    assert not is_gone(events["lahti:agx2"])
    postponed = {**events["lahti:agx2"], "event_status": "EventPostponed"}
    assert event_from_payload(postponed, [], context).service.status == "temporarily_closed"


def test_cancelled_meetings_drop_out_of_the_series(
    events: dict, sub_events: list, context: LinkedEventsContext
) -> None:
    changed = [dict(e) for e in sub_events]
    changed[-1]["deleted"] = True
    changed[2]["event_status"] = "EventCancelled"
    [link] = event_from_payload(events["lahti:agx1"], changed, context).service.locations
    [series] = link.schedules
    assert series.until == date(2026, 3, 17)
    assert series.exdates == ("2026-01-27", "2026-02-24")


def _meetings(*starts: datetime, minutes: int = 60) -> list[Session]:
    return [Session(start=s, end=s + timedelta(minutes=minutes)) for s in starts]


def test_schedules_from_sessions_fold_and_keep_irregular_apart() -> None:
    tue = datetime(2026, 1, 13, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki
    thu = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
    every_other = _meetings(*(tue + timedelta(weeks=2 * n) for n in range(4)))
    thursdays = _meetings(*(thu + timedelta(weeks=n) for n in range(3)))
    result = schedules_from_sessions(every_other + thursdays)
    assert [s.rrule for s in result] == [
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20260224T215959Z",
        "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260129T215959Z",
    ]
    # Two meetings ten weeks apart are two sessions, not a rule with nine exclusions.
    sparse = schedules_from_sessions(_meetings(tue, tue + timedelta(weeks=10)))
    assert [s.rrule for s in sparse] == [None, None]
    # Summer time: the same 10:00 wall-clock time is one rule across the change.
    across = schedules_from_sessions(
        _meetings(datetime(2026, 3, 24, 8, tzinfo=UTC), datetime(2026, 3, 31, 7, tzinfo=UTC))
    )
    assert [(s.rrule is not None, s.opens_at) for s in across] == [(True, time(10))]
    late = schedules_from_sessions(_meetings(datetime(2026, 1, 13, 20, 30, tzinfo=UTC), minutes=120))
    assert late[0].closes_next_day and late[0].closes_at == time(0, 30)
    assert schedules_from_sessions([]) == ()


def test_small_functions() -> None:
    assert business_id_from_publisher("ytj:0201256-6") == "0201256-6"
    assert business_id_from_publisher("ahjo:00001") is None
    assert business_id_from_publisher("ytj:junk") is None
    assert reference_id({"@id": "https://x/v1/keyword/yso:p916/"}) == "yso:p916"
    assert reference_id({"id": "yso:p1"}) == "yso:p1"
    assert reference_id(None) is None
    org = organisation_from_payload("ytj:0201256-6", None, Text(fi="Lahden Seniorit ry"))
    assert org.name.fi == "Lahden Seniorit ry" and org.business_id == "0201256-6" and org.kind == "ngo"
    city = organisation_from_payload("ahjo:1", {"name": "Lahden kaupunki"}, Text())
    assert city.name.fi == "Lahden kaupunki" and city.kind == "other"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None, "@id": None}, "no id"),
        ({"name": {"fi": " "}}, "no name"),
        ({"publisher": None}, "publisher"),
        ({"start_time": "tomorrow"}, "ISO 8601"),
        ({"name": ["Jumppa"]}, "translated text"),
    ],
)
def test_bad_events_raise_mapping_error(
    events: dict, context: LinkedEventsContext, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(MappingError, match=message):
        event_from_payload({**events["lahti:agx2"], **change}, [], context)
