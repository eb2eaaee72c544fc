"""Provider self-service: overlays kept by the owner only, problem reports seen by owner and moderators."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.accounts.actor import Actor, Grant
from app.accounts.models import Role, UserAccount
from app.audit.models import AuditEvent
from app.catalogue.enums import ContactKind
from app.catalogue.health import catalogue_health
from app.catalogue.models import CatalogueChange
from app.catalogue.overlay import Capacity
from app.catalogue.problems import ProblemStatus
from app.catalogue.selfservice import (
    OverlayInput,
    close_problem_report,
    confirm_listing,
    get_overlay,
    is_stale,
    list_owned_services,
    list_problem_reports,
    needs_reminder,
    report_problem,
    update_overlay,
)
from app.errors import InvalidInput, NotFound, PermissionDenied
from tests.factories import make_location, make_organisation, make_service

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture
def person(session: Session):
    def make(organisation_id: uuid.UUID, *roles: Role) -> Actor:
        user = UserAccount(oidc_issuer="https://idp.test", oidc_subject=uuid.uuid4().hex)
        session.add(user)
        session.flush()
        return Actor.person(user.id, [Grant(organisation_id, role) for role in roles])

    return make


@pytest.fixture
def two_orgs(session: Session):
    ours = make_organisation(session, name_fi="Lahden Eläkeläiset ry", business_id="1111111-1")
    theirs = make_organisation(session, name_fi="Hollolan Seurakunta", business_id="2222222-2")
    return ours, theirs


def test_owner_sets_capacity_and_it_is_queued_for_search(session: Session, person, two_orgs) -> None:
    ours, _ = two_orgs
    service = make_service(session, organisation=ours)
    admin = person(ours.id, Role.PROVIDER_ADMIN)
    overlay = update_overlay(
        session,
        service.id,
        OverlayInput(
            accepts_referrals=True,
            referral_methods=("phone", "form"),
            capacity=Capacity.PLACES_FREE,
            places_free=3,
        ),
        actor=admin,
        now=NOW,
    )
    assert overlay.capacity is Capacity.PLACES_FREE and overlay.places_free == 3
    assert overlay.referral_methods == ["form", "phone"]
    assert overlay.verified_at == NOW
    assert session.exec(select(CatalogueChange).where(CatalogueChange.service_id == service.id)).first()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "service.overlay_updated")).one()
    assert "capacity" in event.details["fields"] and event.actor_label == admin.label
    assert [s.id for s in list_owned_services(session, actor=admin)] == [service.id]


def test_other_organisation_and_other_roles_cannot_change_a_listing(
    session: Session, person, two_orgs
) -> None:
    ours, theirs = two_orgs
    service = make_service(session, organisation=ours)
    for actor in (
        person(theirs.id, Role.PROVIDER_ADMIN),
        person(ours.id, Role.PROVIDER_CONTACT),
        person(ours.id, Role.REFERRER),
        person(ours.id, Role.MODERATOR),
    ):
        with pytest.raises(PermissionDenied):
            update_overlay(session, service.id, OverlayInput(capacity=Capacity.FULL), actor=actor, now=NOW)
    assert get_overlay(session, service.id) is None
    with pytest.raises(NotFound):
        update_overlay(
            session, uuid.uuid4(), OverlayInput(), actor=person(ours.id, Role.PROVIDER_ADMIN), now=NOW
        )


@pytest.mark.parametrize(
    "changes",
    [
        OverlayInput(referral_methods=("fax",)),
        OverlayInput(capacity=Capacity.FULL, places_free=2),
        OverlayInput(capacity=Capacity.PLACES_FREE, places_free=-1),
        OverlayInput(note_to_professionals="x" * 601),
    ],
)
def test_bad_overlay_input_is_refused(session: Session, person, two_orgs, changes: OverlayInput) -> None:
    ours, _ = two_orgs
    service = make_service(session, organisation=ours)
    with pytest.raises(InvalidInput):
        update_overlay(session, service.id, changes, actor=person(ours.id, Role.PROVIDER_ADMIN), now=NOW)


def test_confirming_and_staleness() -> None:
    assert is_stale(None, NOW)
    assert not is_stale(NOW - timedelta(days=200), NOW)
    assert is_stale(NOW - timedelta(days=400), NOW)
    assert not needs_reminder(NOW - timedelta(days=30), None, NOW)
    assert needs_reminder(NOW - timedelta(days=200), None, NOW)
    # Asked once since the last confirmation: not asked again for another half year.
    assert not needs_reminder(NOW - timedelta(days=200), NOW - timedelta(days=5), NOW)
    assert needs_reminder(None, None, NOW)


def test_confirm_listing_records_the_date(session: Session, person, two_orgs) -> None:
    ours, _ = two_orgs
    service = make_service(session, organisation=ours)
    overlay = confirm_listing(session, service.id, actor=person(ours.id, Role.PROVIDER_ADMIN), now=NOW)
    assert overlay.verified_at == NOW


def test_problem_reports_reach_owner_and_moderators_only(session: Session, person, two_orgs) -> None:
    ours, theirs = two_orgs
    service = make_service(session, organisation=ours)
    report = report_problem(
        session, service.id, kind="wrong_time", text=" Nykyään tiistaisin ", locale="fi", now=NOW
    )
    assert report.text == "Nykyään tiistaisin"
    owner = person(ours.id, Role.PROVIDER_CONTACT)
    moderator = person(theirs.id, Role.MODERATOR)
    stranger = person(theirs.id, Role.PROVIDER_ADMIN)
    assert [r.id for r, _ in list_problem_reports(session, actor=owner)] == [report.id]
    assert [r.id for r, _ in list_problem_reports(session, actor=moderator)] == [report.id]
    assert list_problem_reports(session, actor=stranger) == []
    assert list_problem_reports(session, actor=person(ours.id, Role.REFERRER)) == []
    with pytest.raises(NotFound):
        close_problem_report(session, report.id, resolution=ProblemStatus.RESOLVED, actor=stranger, now=NOW)
    closed = close_problem_report(session, report.id, resolution=ProblemStatus.RESOLVED, actor=owner, now=NOW)
    assert closed.status is ProblemStatus.RESOLVED and closed.closed_by == owner.label
    assert list_problem_reports(session, actor=owner) == []


@pytest.mark.parametrize("kind,text", [("nonsense", None), ("other", "x" * 1001)])
def test_bad_problem_reports_are_refused(
    session: Session, person, two_orgs, kind: str, text: str | None
) -> None:
    service = make_service(session, organisation=two_orgs[0])
    with pytest.raises(InvalidInput):
        report_problem(session, service.id, kind=kind, text=text, locale="fi", now=NOW)


def test_catalogue_health_counts_per_municipality_and_source(session: Session, person, two_orgs) -> None:
    ours, _ = two_orgs
    place = make_location(session)
    complete = make_service(
        session,
        organisation=ours,
        locations=(place,),
        area_municipalities=("398", "098"),
        weekly=(("TH", datetime(2026, 1, 1, 13).time(), datetime(2026, 1, 1, 14).time()),),
        contacts=((ContactKind.PHONE, "+358401234567"),),
        name_sv="Gymgrupp",
        source_modified_at=NOW - timedelta(days=10),
    )
    bare = make_service(session, organisation=ours, area_municipalities=("398",))
    admin = person(ours.id, Role.PROVIDER_ADMIN)
    update_overlay(
        session, bare.id, OverlayInput(accepts_referrals=True), actor=admin, now=NOW - timedelta(days=500)
    )
    report_problem(session, bare.id, kind="ended", text=None, locale="fi", now=NOW)
    rows = {
        (r.municipality_code, r.source): r
        for r in catalogue_health(session, now=NOW, municipality_codes=["398", "098"])
    }
    lahti = rows[("398", "ptv")]
    assert lahti.services == 2
    assert lahti.without_coordinates == 1
    assert lahti.with_swedish == 1
    assert lahti.with_meeting_times == 1
    assert lahti.with_contact == 1
    assert lahti.not_updated_12_months == 1
    assert lahti.referrals_without_capacity == 1
    assert lahti.open_problem_reports == 1
    assert rows[("098", "ptv")].services == 1
    assert complete.id != bare.id
