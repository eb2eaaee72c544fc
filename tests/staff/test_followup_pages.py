"""The follow-up dashboard and its exports: analysts only, their own area only, no count from 1 to 4."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from referrals.queries import get_referral
from referrals.service import act
from referrals.status import Action
from tests.referrals.world import NOW, issue, make_world
from tests.staff.conftest import sign_in


@pytest.fixture
def referrals(session: Session, demo_staff: dict) -> None:
    world = make_world(session)
    for index in range(12):
        referral = issue(session, world).referral
        if index < 6:
            seen = get_referral(session, referral.id, actor=world.provider, for_update=True)
            act(session, seen, Action.ACCEPT, actor=world.provider, now=NOW)
        elif index == 6:
            seen = get_referral(session, referral.id, actor=world.provider, for_update=True)
            act(
                session,
                seen,
                Action.DECLINE,
                actor=world.provider,
                now=NOW,
                reason="no_capacity",
            )
    session.commit()


PERIOD = "from=2026-12-01&to=2026-12-31"


def _no_small_counts(values: list[str]) -> None:
    for value in values:
        assert not (value.isdigit() and 0 < int(value) < 5), values


def test_municipal_analyst_sees_charts_and_hidden_small_counts(client: TestClient, referrals: None) -> None:
    sign_in(client, "analyytikko.lahti@demo.example")
    page = client.get(f"/staff/followup?{PERIOD}")
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "&lt;5" in page.text  # the one decline is hidden
    assert ">12<" in page.text  # twelve referrals sent

    data = client.get(f"/api/v1/followup?municipality=398&{PERIOD}").json()
    assert data["total"] == 12
    assert {stage["stage"]: stage["count"] for stage in data["funnel"]}["accepted"] == 6
    assert data["declines"]["cells"] == {"no_capacity": None}

    exported = client.get(f"/api/v1/followup.csv?{PERIOD}")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][1] == "Koodi" and any(r[1] == "funnel.sent" and r[3] == "12" for r in rows)
    _no_small_counts([r[3] for r in rows[1:]])

    workbook = client.get(f"/api/v1/followup.xlsx?{PERIOD}")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = [cell for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row]
    numbers = [v for v in values if isinstance(v, int | float)]
    assert 12 in numbers
    assert not any(0 < n < 5 for n in numbers)
    _no_small_counts([str(v) for v in values if v is not None])


def test_another_municipality_and_other_roles_see_nothing(client: TestClient, referrals: None) -> None:
    sign_in(client, "analyytikko.hyvinkaa@demo.example")
    assert client.get(f"/api/v1/followup?municipality=398&{PERIOD}").status_code == 403
    own = client.get(f"/api/v1/followup?{PERIOD}").json()
    assert own["municipality_codes"] == ["106"] and own["total"] == 0
    client.cookies.clear()
    sign_in(client, "tules@demo.example")
    assert client.get("/staff/followup").status_code == 403
    assert client.get("/api/v1/followup.csv").status_code == 403
    client.cookies.clear()
    assert client.get("/api/v1/followup").status_code == 401


def test_county_analyst_sees_the_whole_area_and_bad_periods_are_refused(
    client: TestClient, referrals: None
) -> None:
    sign_in(client, "maakunta.analyytikko@demo.example")
    data = client.get(f"/api/v1/followup?{PERIOD}").json()
    assert data["total"] == 12 and "106" in data["municipality_codes"]
    assert client.get(f"/api/v1/followup?county=09&{PERIOD}").json()["total"] == 12
    assert client.get("/api/v1/followup?from=2026-12-31&to=2026-01-01").status_code == 422
    assert client.get("/api/v1/followup?from=yesterday").status_code == 422
    assert client.get("/api/v1/followup?municipality=²³⁴").status_code == 422
