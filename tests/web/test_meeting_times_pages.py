"""Meeting times on the service page, the result card, both print views, the .ics and the JSON API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import ScheduleKind
from search.indexer import rebuild
from tests.factories import add_place_schedule, make_location, make_service

NEXT_YEAR = datetime.now(UTC).year + 1


def _seed(session: Session, app: FastAPI) -> uuid.UUID:
    centre = make_location(session, name_fi="Asikkalan palvelukeskus", municipality_code="016")
    chair = make_service(session, name_fi="Tuolijumppa", name_en="Chair exercise", locations=(centre,))
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.OPENING_HOURS,
        byday="MO,TU,WE,TH,FR",
        opens=time(8),
        closes=time(16),
        at_place=False,
    )
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.SESSION,
        byday="TH",
        opens=time(13),
        closes=time(13, 45),
        valid_from=date(2026, 8, 31),
        valid_to=date(NEXT_YEAR, 5, 16),
        description_fi="Syys- ja kevätkausi",
    )
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.EXCEPTION,
        closed=True,
        valid_from=date(NEXT_YEAR, 4, 1),
        valid_to=date(NEXT_YEAR, 4, 7),
        description_fi="Pääsiäistauko",
    )
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)
    return chair.id


def _flat(body: str) -> str:
    return " ".join(body.split())


def test_service_page_shows_meeting_times_first_and_the_places_hours_folded(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    service_id = _seed(session, app)
    body = _flat(client.get(f"/fi/services/{service_id}").text)
    meeting = body.index("torstaisin klo 13.00–13.45 (Syys- ja kevätkausi 31.8.2026–16.5.")
    hours = body.index("<summary>Paikan Asikkalan palvelukeskus aukioloajat</summary>")
    assert body.index("<h3>Asikkalan palvelukeskus</h3>") < meeting < hours
    assert '<details class="hours">' in body  # folded: the group meets on Thursdays only
    assert "arkisin klo 8.00–16.00" in body[hours:]
    assert f"Pääsiäistauko 1.–7.4.{NEXT_YEAR}: ei kokoontumisia" in body
    assert "Seuraavat kerrat: to " in body
    assert f'href="/fi/services/{service_id}/calendar.ics" download' in body
    en = _flat(client.get(f"/en/services/{service_id}").text)
    assert "Thursdays 1:00–1:45 pm (31 August 2026 – 16 May" in en  # the Finnish season name stays out
    assert "Weekdays 8:00 am–4:00 pm" in en


def test_card_and_print_views_show_when_and_where(app: FastAPI, client: TestClient, session: Session) -> None:
    service_id = _seed(session, app)
    line = "torstaisin klo 13.00–13.45 · Asikkalan palvelukeskus"
    assert line in _flat(client.get("/fi/search?q=tuolijumppa").text)
    assert line in _flat(client.get("/fi/search/print?q=tuolijumppa").text)
    printed = _flat(client.get(f"/fi/services/{service_id}/print").text)
    assert "torstaisin klo 13.00–13.45" in printed
    assert "<h3>Paikan Asikkalan palvelukeskus aukioloajat</h3>" in printed  # unfolded on paper
    assert "calendar.ics" not in printed
    sv = _flat(client.get("/sv/search?q=tuolijumppa").text)
    assert "torsdagar kl. 13.00–13.45 · Asikkalan palvelukeskus" in sv


def test_calendar_file(app: FastAPI, client: TestClient, session: Session) -> None:
    service_id = _seed(session, app)
    response = client.get(f"/en/services/{service_id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    events: list[Any] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    (event,) = events
    assert str(event["summary"]) == "Chair exercise"
    assert event.decoded("dtstart").isoformat() == "2026-09-03T13:00:00+03:00"
    assert event["rrule"]["BYDAY"] == ["TH"]
    easter_break = {date(NEXT_YEAR, 4, 1) + timedelta(days=i) for i in range(7)}
    assert {d.dt.date() for d in event["exdate"].dts} == {d for d in easter_break if d.weekday() == 3}
    assert "Asikkalan palvelukeskus" in str(event["location"])
    # A listing with no meeting times has nothing to add: a clear 404 in the reader's language.
    other = make_service(session, name_fi="Neuvonta")
    response = client.get(f"/fi/services/{other.id}/calendar.ics")
    assert response.status_code == 404
    assert "kokoontumisaikoja" in response.text


def test_service_json_has_each_places_meeting_times(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    service_id = _seed(session, app)
    (place,) = client.get(f"/api/v1/services/{service_id}").json()["locations"]
    session_row, exception = place["meeting_times"]
    assert session_row["kind"] == "session"
    assert session_row["rrule"] == "FREQ=WEEKLY;BYDAY=TH"
    assert session_row["valid_from"] == "2026-08-31"
    assert session_row["text"]["fi"].startswith("torstaisin klo 13.00–13.45 (Syys- ja kevätkausi 31.8.2026–")
    assert session_row["text"]["sv"].startswith("torsdagar kl. 13.00–13.45 (31.8.2026–")
    assert session_row["text"]["en"].startswith("Thursdays 1:00–1:45 pm (31 August 2026 – ")
    assert exception["text"]["fi"] == f"Pääsiäistauko 1.–7.4.{NEXT_YEAR}: ei kokoontumisia"
    assert place["schedules"][0]["text"]["fi"] == "arkisin klo 8.00–16.00"
