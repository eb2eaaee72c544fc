"""Local listings: proposed by a provider admin, approved or rejected by a moderator, with history and diff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time

import pytest
from sqlmodel import Session, select

from app.accounts.actor import Actor, Grant
from app.accounts.models import Role, UserAccount
from app.catalogue.enums import ScheduleKind, Source
from app.catalogue.listing_form import diff, listing_from_form, parse_sessions
from app.catalogue.local_listings import (
    approve_revision,
    list_own_listings,
    list_pending,
    propose_listing,
    reject_revision,
    revision_diff,
    revision_history,
)
from app.catalogue.models import CatalogueChange, Schedule, Service
from app.catalogue.queries import get_service
from app.catalogue.revisions import RevisionStatus
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.factories import make_organisation

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
THEMES = {"liikunta", "vertaistuki"}
AREA = {"398", "098"}


def fields(**overrides):
    form = {
        "name_fi": "Kävelyryhmä Launeella",
        "summary_fi": "Reipas kävely kerran viikossa.",
        "place_name": "Launeen perhepuisto",
        "street_address": "Launeenkatu 10",
        "postal_code": "15610",
        "phone": "044 123 4567",
        "is_free": "true",
        "min_age": "60",
    } | overrides
    return listing_from_form(
        form,
        themes=["liikunta"],
        municipalities=["398"],
        languages=["fi"],
        sessions=parse_sessions(["TH"], ["13.00"], ["14:30"]),
        known_themes=THEMES,
        known_municipalities=AREA,
    )


@pytest.fixture
def person(session: Session):
    def make(organisation_id: uuid.UUID, *roles: Role) -> Actor:
        user = UserAccount(oidc_issuer="https://idp.test", oidc_subject=uuid.uuid4().hex)
        session.add(user)
        session.flush()
        return Actor.person(user.id, [Grant(organisation_id, role) for role in roles])

    return make


def test_form_parsing_is_strict_and_bounded() -> None:
    parsed = fields()
    assert parsed["sessions"] == [{"day": "TH", "starts": "13:00", "ends": "14:30"}]
    assert parsed["is_free"] is True and parsed["min_age"] == 60
    for bad in (
        {"name_fi": ""},
        {"summary_fi": ""},
        {"postal_code": "1561"},
        {"min_age": "²"},
        {"min_age": "70", "max_age": "60"},
        {"email": "not-an-address"},
        {"website": "javascript:alert(1)"},
        {"name_fi": "x" * 201},
        {"is_free": "maybe"},
    ):
        with pytest.raises(InvalidInput):
            fields(**bad)
    with pytest.raises(InvalidInput):
        parse_sessions(["TH"], ["14:00"], ["13:00"])
    with pytest.raises(InvalidInput):
        parse_sessions(["XX"], ["14:00"], ["15:00"])
    with pytest.raises(InvalidInput):
        parse_sessions(["TH"], ["25:00"], ["26:00"])
    assert parse_sessions(["", "MO"], ["", "9.15"], ["", "10.00"]) == [
        {"day": "MO", "starts": "09:15", "ends": "10:00"}
    ]
    with pytest.raises(InvalidInput):
        listing_from_form(
            {"name_fi": "A", "summary_fi": "B"},
            themes=["sport"],
            municipalities=["398"],
            languages=[],
            sessions=[],
            known_themes=THEMES,
            known_municipalities=AREA,
        )
    with pytest.raises(InvalidInput):
        listing_from_form(
            {"name_fi": "A", "summary_fi": "B"},
            themes=["liikunta"],
            municipalities=["091"],
            languages=[],
            sessions=[],
            known_themes=THEMES,
            known_municipalities=AREA,
        )


def test_diff_names_changed_fields_only() -> None:
    before = fields()
    after = fields(name_fi="Kävelyryhmä Jalkarannassa")
    assert [(c.field, c.before, c.after) for c in diff(before, after)] == [
        ("name_fi", "Kävelyryhmä Launeella", "Kävelyryhmä Jalkarannassa")
    ]
    assert {c.field for c in diff(None, before)} >= {"name_fi", "sessions", "themes"}


def test_a_listing_waits_for_a_moderator_then_reaches_the_catalogue(session: Session, person) -> None:
    ngo = make_organisation(session, name_fi="Lahden Latu ry", business_id="3333333-3")
    county = make_organisation(session, name_fi="Päijät-Hämeen hyvinvointialue", business_id="4444444-4")
    admin = person(ngo.id, Role.PROVIDER_ADMIN)
    moderator = person(county.id, Role.MODERATOR)

    first = propose_listing(session, organisation_id=ngo.id, fields=fields(), actor=admin, now=NOW)
    assert first.status is RevisionStatus.PENDING
    assert session.exec(select(Service).where(Service.source == Source.LOCAL)).first() is None
    assert [r.id for r in list_pending(session, actor=moderator)] == [first.id]
    assert list_pending(session, actor=admin) == []
    assert {c.field for c in revision_diff(session, first)} >= {"name_fi", "sessions"}

    service = approve_revision(session, first.id, actor=moderator, now=NOW)
    published = get_service(session, service.id)
    assert published.name_fi == "Kävelyryhmä Launeella" and published.is_free is True
    assert published.organisation_id == ngo.id
    [link] = published.service_at_locations
    assert link.location.post_office_fi and link.location.latitude is not None
    meeting = session.exec(select(Schedule).where(Schedule.service_at_location_id == link.id)).one()
    assert (meeting.kind, meeting.byday, meeting.opens_at) == (ScheduleKind.SESSION, "TH", time(13, 0))
    assert session.exec(select(CatalogueChange).where(CatalogueChange.service_id == service.id)).first()
    with pytest.raises(Conflict):
        approve_revision(session, first.id, actor=moderator, now=NOW)

    # A change is a new revision; the published version stays until it is approved.
    second = propose_listing(
        session,
        organisation_id=ngo.id,
        fields=fields(name_fi="Kävelyryhmä Jalkarannassa"),
        actor=admin,
        now=NOW,
        listing_id=first.listing_id,
    )
    assert [c.field for c in revision_diff(session, second)] == ["name_fi"]
    assert get_service(session, service.id).name_fi == "Kävelyryhmä Launeella"
    reject_revision(session, second.id, note="Nimi on jo toisella ryhmällä.", actor=moderator, now=NOW)
    history = revision_history(session, first.listing_id, actor=admin)
    assert [(r.number, r.status) for r in history] == [
        (2, RevisionStatus.REJECTED),
        (1, RevisionStatus.APPROVED),
    ]
    assert [r.number for r in list_own_listings(session, actor=admin)] == [2]


def test_only_the_owner_proposes_and_only_moderators_decide(session: Session, person) -> None:
    ngo = make_organisation(session, name_fi="Lahden Latu ry", business_id="3333333-3")
    other = make_organisation(session, name_fi="Hollolan Latu ry", business_id="5555555-5")
    admin = person(ngo.id, Role.PROVIDER_ADMIN)
    with pytest.raises(PermissionDenied):
        propose_listing(
            session,
            organisation_id=ngo.id,
            fields=fields(),
            actor=person(other.id, Role.PROVIDER_ADMIN),
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        propose_listing(
            session,
            organisation_id=ngo.id,
            fields=fields(),
            actor=person(ngo.id, Role.PROVIDER_CONTACT),
            now=NOW,
        )
    revision = propose_listing(session, organisation_id=ngo.id, fields=fields(), actor=admin, now=NOW)
    with pytest.raises(NotFound):
        propose_listing(
            session,
            organisation_id=other.id,
            fields=fields(),
            actor=person(other.id, Role.PROVIDER_ADMIN),
            now=NOW,
            listing_id=revision.listing_id,
        )
    with pytest.raises(NotFound):
        approve_revision(session, revision.id, actor=admin, now=NOW)
    with pytest.raises(NotFound):
        revision_history(session, revision.listing_id, actor=person(other.id, Role.PROVIDER_ADMIN))
    with pytest.raises(InvalidInput):
        reject_revision(session, revision.id, note="  ", actor=person(other.id, Role.MODERATOR), now=NOW)
