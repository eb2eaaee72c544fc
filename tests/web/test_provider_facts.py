"""The provider's own word on room and referrals shows on the service page and on result cards at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.actor import Actor, Grant
from app.accounts.models import Role, UserAccount
from app.catalogue.overlay import Capacity
from app.catalogue.selfservice import OverlayInput, update_overlay
from app.timeutil import utcnow
from search.indexer import rebuild
from tests.factories import make_organisation, make_service


def _admin(session: Session, organisation_id: uuid.UUID) -> Actor:
    user = UserAccount(oidc_issuer="https://idp.test", oidc_subject=uuid.uuid4().hex)
    session.add(user)
    session.flush()
    return Actor.person(user.id, [Grant(organisation_id, Role.PROVIDER_ADMIN)])


def test_capacity_shows_on_the_card_and_the_page_without_reindexing(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    ngo = make_organisation(session, name_fi="Lahden Seniorit ry")
    service = make_service(session, organisation=ngo, name_fi="Tuolijumppa", area_municipalities=("398",))
    other = make_service(
        session, organisation=ngo, name_fi="Tuolijumppa Hollola", area_municipalities=("098",)
    )
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)
    page = client.get(f"/fi/services/{service.id}").text
    assert "vapaana" not in page and "Kaikukortti" not in page

    admin = _admin(session, ngo.id)
    update_overlay(
        session,
        service.id,
        OverlayInput(
            accepts_referrals=True,
            referral_methods=("phone",),
            capacity=Capacity.PLACES_FREE,
            places_free=2,
            kaikukortti=True,
        ),
        actor=admin,
        now=utcnow(),
    )
    update_overlay(session, other.id, OverlayInput(capacity=Capacity.FULL), actor=admin, now=utcnow())
    session.commit()

    page = client.get(f"/fi/services/{service.id}").text
    assert "2 paikkaa vapaana" in page
    assert "Ottaa vastaan lähetteitä: puhelin" in page
    assert "Kaikukortti käy" in page
    assert "Järjestäjä tarkisti tiedot" in page
    assert "Tietoja ei ole päivitetty" not in page
    sv = client.get(f"/sv/services/{service.id}").text
    assert "2 lediga platser" in sv

    results = client.get("/fi/search?q=tuolijumppa").text
    assert "2 paikkaa vapaana" in results
    assert "Tällä hetkellä täynnä" in results


def test_a_listing_nobody_has_touched_in_a_year_is_marked(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    service = make_service(session, source_modified_at=datetime(2024, 1, 1, tzinfo=UTC))
    page = client.get(f"/en/services/{service.id}").text
    assert "has not been updated for over a year" in page
