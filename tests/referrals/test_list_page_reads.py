"""The staff list page: each row it shows is in the access log (written by one insert), with the name among
the fields only where the viewer may see it; the page says whether more follow instead of counting them all."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts.actor import Actor
from app.audit.access import Accessed, log_accesses
from app.audit.models import AccessLogEntry
from app.settings import Settings
from tests.referrals.world import RESIDENT_NAME, World, bearer, issue, make_world
from web.referrals import staff


def _listed(session: Session) -> list[AccessLogEntry]:
    return list(
        session.scalars(
            select(AccessLogEntry)
            .where(col(AccessLogEntry.purpose) == "referral.list")
            .order_by(col(AccessLogEntry.id))
        ).all()
    )


def test_every_row_shown_is_logged_with_the_fields_shown(
    session: Session, client: TestClient, settings: Settings
) -> None:
    world = make_world(session)
    named = issue(session, world, fields=("name", "phone")).referral
    unnamed = issue(session, world, fields=("phone",)).referral
    session.commit()
    secret = settings.secret_key.get_secret_value()

    page = client.get("/staff/referrals?view=inbox", headers=bearer(world.provider, secret))
    assert page.status_code == 200, page.text
    assert page.text.count(RESIDENT_NAME) == 1  # the consent names the name on one of the two
    entries = _listed(session)
    assert {e.entity_id: e.fields for e in entries} == {str(named.id): ["name"], str(unnamed.id): []}
    assert {e.actor_label for e in entries} == {world.provider.label}
    assert {(e.action, e.subject_ref) for e in entries} == {
        ("read", f"referral:{named.id}"),
        ("read", f"referral:{unnamed.id}"),
    }
    assert {e.organisation_id for e in entries} == {world.provider.grants[0].organisation_id}

    # The referrer sees every name; an empty list logs nothing.
    assert client.get("/staff/referrals?view=mine", headers=bearer(world.referrer, secret)).status_code == 200
    assert [e.fields for e in _listed(session)[2:]] == [["name"], ["name"]]
    before = len(_listed(session))
    empty = client.get("/staff/referrals?view=inbox", headers=bearer(world.other_provider, secret))
    assert empty.status_code == 200 and "Ei lähetteitä" in empty.text
    assert len(_listed(session)) == before


def test_pages_say_whether_more_follow(
    session: Session, client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(session)
    for _ in range(3):
        issue(session, world)
    session.commit()
    headers = bearer(world.referrer, settings.secret_key.get_secret_value())

    assert "3 lähetettä" in client.get("/staff/referrals?view=mine", headers=headers).text
    monkeypatch.setattr(staff, "PER_PAGE", 2)
    first = client.get("/staff/referrals?view=mine", headers=headers).text
    assert "Lähetteet 1–2, lisää seuraavalla sivulla" in first
    assert "page=2" in first and "page=0" not in first
    last = client.get("/staff/referrals?view=mine&page=2", headers=headers).text
    assert "Lähetteet 3–3, yhteensä 3" in last
    assert "page=1" in last and "page=3" not in last
    english = client.get("/staff/referrals?view=mine", headers={**headers, "Accept-Language": "en"}).text
    assert "Referrals 1–2, more on the next page" in english


def test_a_page_of_entries_is_checked_like_one(session: Session, world_actor: Actor) -> None:
    # Free text where an identifier belongs could carry personal data: refused, and nothing is written.
    with pytest.raises(ValueError, match="subject reference"):
        log_accesses(
            session,
            actor=world_actor,
            action="read",
            entity_type="referral",
            purpose="referral.list",
            items=[Accessed("1", "referral:1", ["name"]), Accessed("2", "Maija Meikäläinen", ["name"])],
        )
    with pytest.raises(ValueError, match="field name"):
        log_accesses(
            session,
            actor=world_actor,
            action="read",
            entity_type="referral",
            purpose="referral.list",
            items=[Accessed("1", "referral:1", ["puhelin 040 123"])],
        )
    assert _listed(session) == []


@pytest.fixture
def world_actor(session: Session) -> Actor:
    world: World = make_world(session)
    return world.provider
