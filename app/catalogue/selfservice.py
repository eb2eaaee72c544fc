"""Provider self-service: the overlay a provider's admin keeps on its own listings, and problem reports.

Use cases take an Actor and flush, never commit. A listing is public, so a provider who may not change it
gets PermissionDenied (403), not NotFound: everyone may see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.audit.trail import record_event
from app.catalogue.models import CatalogueChange, Service
from app.catalogue.overlay import Capacity, ReferralMethod, ServiceOverlay
from app.catalogue.problems import PROBLEM_TEXT_MAX, ProblemKind, ProblemReport, ProblemStatus
from app.errors import InvalidInput, NotFound, PermissionDenied

# Owners are asked to confirm a listing every six months (LISTING_REMINDER_MONTHS); one unconfirmed for
# a year is marked stale, on its page and on its result card.
REMIND_AFTER = timedelta(days=182)
STALE_MONTHS = 12
STALE_AFTER = timedelta(days=365)
NOTE_MAX = 600
OWNER_ROLES = (Role.PROVIDER_ADMIN,)
# Who reads problem reports: the listing's own organisation, and the moderators of the catalogue.
REPORT_READER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_CONTACT)


@dataclass(frozen=True)
class OverlayInput:
    """The fields a provider admin may set; parsed and bounded by the web layer, checked again here."""

    accepts_referrals: bool | None = None
    referral_methods: Sequence[str] = ()
    capacity: Capacity | None = None
    places_free: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    note_to_professionals: str | None = None
    kaikukortti: bool | None = None
    accessibility_features: Sequence[str] = field(default_factory=tuple)


def last_verified(service: Service, overlay: ServiceOverlay | None) -> datetime | None:
    """The latest of the owner's confirmation here and the source's own modification date."""
    dates = [
        d for d in (overlay.verified_at if overlay else None, service.source_modified_at) if d is not None
    ]
    return max(dates) if dates else None


def is_stale(verified: datetime | None, now: datetime) -> bool:
    return verified is None or now - verified > STALE_AFTER


def needs_reminder(
    verified: datetime | None, reminded: datetime | None, now: datetime, after: timedelta = REMIND_AFTER
) -> bool:
    """Due for the half-yearly confirmation request, and not already asked since the last confirmation."""
    if verified is not None and now - verified < after:
        return False
    return reminded is None or (verified is not None and reminded < verified) or now - reminded > after


def months(count: int) -> timedelta:
    """A number of months as a duration (an average month: 6 months is 183 days)."""
    return timedelta(days=round(count * 365.25 / 12))


def get_overlay(session: Session, service_id: uuid.UUID) -> ServiceOverlay | None:
    return session.get(ServiceOverlay, service_id)


def get_overlays(session: Session, service_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ServiceOverlay]:
    if not service_ids:
        return {}
    rows = session.exec(select(ServiceOverlay).where(col(ServiceOverlay.service_id).in_(list(service_ids))))
    return {row.service_id: row for row in rows}


def overlays_with_last_verified(
    session: Session, service_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[ServiceOverlay | None, datetime | None]]:
    """Each service's overlay (None: none) and last verified date, in one query (result cards)."""
    if not service_ids:
        return {}
    rows = session.exec(
        select(Service.id, Service.source_modified_at, ServiceOverlay)
        .outerjoin(ServiceOverlay, col(ServiceOverlay.service_id) == Service.id)
        .where(col(Service.id).in_(list(service_ids)))
    )
    found: dict[uuid.UUID, tuple[ServiceOverlay | None, datetime | None]] = {}
    for service_id, modified, overlay in rows:
        dates = [d for d in (modified, overlay.verified_at if overlay else None) if d is not None]
        found[service_id] = (overlay, max(dates) if dates else None)
    return found


def list_owned_services(session: Session, *, actor: Actor) -> list[Service]:
    """The listings of the organisations where the actor is a provider admin."""
    organisations = actor.organisations_with(*OWNER_ROLES)
    if not organisations:
        return []
    return list(
        session.exec(
            select(Service)
            .where(col(Service.organisation_id).in_(list(organisations)))
            .where(Service.status != "retired")
            .order_by(col(Service.name_fi))
        )
    )


def get_owned_service(session: Session, service_id: uuid.UUID, *, actor: Actor) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound("No service with this id.")
    if not actor.has_role(*OWNER_ROLES, organisation_id=service.organisation_id):
        raise PermissionDenied("Only the organisation's own administrators can change this listing.")
    return service


def _clean_text(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:limit] or None


def _validate(changes: OverlayInput) -> None:
    unknown = [m for m in changes.referral_methods if m not in ReferralMethod.__members__.values()]
    if unknown:
        raise InvalidInput("Unknown way of referring: %(value)s.", value=unknown[0])
    if changes.places_free is not None and not 0 <= changes.places_free <= 10_000:
        raise InvalidInput("The number of free places must be between 0 and 10,000.")
    if changes.places_free is not None and changes.capacity is not Capacity.PLACES_FREE:
        raise InvalidInput("Give the number of free places only when there are places free.")
    if changes.note_to_professionals and len(changes.note_to_professionals) > NOTE_MAX:
        raise InvalidInput("The note may be at most %(limit)s characters long.", limit=NOTE_MAX)


def update_overlay(
    session: Session, service_id: uuid.UUID, changes: OverlayInput, *, actor: Actor, now: datetime
) -> ServiceOverlay:
    """Set the provider's own facts on a listing; saving also confirms the listing as checked today."""
    service = get_owned_service(session, service_id, actor=actor)
    _validate(changes)
    overlay = session.get(ServiceOverlay, service.id) or ServiceOverlay(service_id=service.id, created_at=now)
    values = {
        "accepts_referrals": changes.accepts_referrals,
        "referral_methods": sorted(set(changes.referral_methods)),
        "capacity": changes.capacity,
        "places_free": changes.places_free,
        "contact_name": _clean_text(changes.contact_name, 200),
        "contact_phone": _clean_text(changes.contact_phone, 64),
        "contact_email": _clean_text(changes.contact_email, 320),
        "note_to_professionals": _clean_text(changes.note_to_professionals, NOTE_MAX),
        "kaikukortti": changes.kaikukortti,
        "accessibility_features": sorted(set(changes.accessibility_features)),
    }
    changed = sorted(name for name, value in values.items() if getattr(overlay, name) != value)
    for name, value in values.items():
        setattr(overlay, name, value)
    overlay.updated_at = now
    overlay.updated_by = actor.label
    overlay.verified_at = now
    overlay.verified_by = actor.label
    session.add(overlay)
    # The search index learns of the change from the queue (capacity is searchable).
    session.add(CatalogueChange(service_id=service.id, changed_at=now))
    record_event(
        session,
        action="service.overlay_updated",
        entity_type="service",
        entity_id=service.id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=service.organisation_id,
        details={"fields": changed},
    )
    session.flush()
    return overlay


def confirm_listing(
    session: Session, service_id: uuid.UUID, *, actor: Actor, now: datetime
) -> ServiceOverlay:
    """The owner says the listing is still true as it stands."""
    service = get_owned_service(session, service_id, actor=actor)
    overlay = session.get(ServiceOverlay, service.id) or ServiceOverlay(service_id=service.id, created_at=now)
    overlay.verified_at = now
    overlay.verified_by = actor.label
    session.add(overlay)
    record_event(
        session,
        action="service.verified",
        entity_type="service",
        entity_id=service.id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=service.organisation_id,
    )
    session.flush()
    return overlay


def overlay_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(OverlayInput))


# --- problem reports -----------------------------------------------------------------------------------


def report_problem(
    session: Session, service_id: uuid.UUID, *, kind: str, text: str | None, locale: str, now: datetime
) -> ProblemReport:
    """Anyone, signed in or not, tells the owner and the moderators that a listing is wrong."""
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound("No service with this id.")
    try:
        problem = ProblemKind(kind)
    except ValueError:
        raise InvalidInput("Choose what is wrong with the listing.") from None
    text = (text or "").strip()
    if len(text) > PROBLEM_TEXT_MAX:
        raise InvalidInput(
            "The description may be at most %(limit)s characters long.", limit=PROBLEM_TEXT_MAX
        )
    report = ProblemReport(
        service_id=service.id, kind=problem, text=text or None, locale=locale, created_at=now
    )
    session.add(report)
    session.flush()
    return report


def _visible_reports(actor: Actor):  # type: ignore[no-untyped-def]
    """The one WHERE for problem reports: moderators see all, a provider its own listings' reports."""
    if actor.has_role(Role.MODERATOR):
        return None
    organisations = list(actor.organisations_with(*REPORT_READER_ROLES))
    return col(Service.organisation_id).in_(organisations)


def list_problem_reports(
    session: Session, *, actor: Actor, status: ProblemStatus | None = ProblemStatus.OPEN, limit: int = 200
) -> list[tuple[ProblemReport, Service]]:
    if not actor.has_role(Role.MODERATOR, *REPORT_READER_ROLES):
        return []
    query = select(ProblemReport, Service).join(Service, col(Service.id) == ProblemReport.service_id)
    where = _visible_reports(actor)
    if where is not None:
        query = query.where(where)
    if status is not None:
        query = query.where(ProblemReport.status == status)
    query = query.order_by(col(ProblemReport.created_at).desc()).limit(limit)
    return [(report, service) for report, service in session.exec(query)]


def close_problem_report(
    session: Session, report_id: uuid.UUID, *, resolution: ProblemStatus, actor: Actor, now: datetime
) -> ProblemReport:
    if resolution is ProblemStatus.OPEN:
        raise InvalidInput("Choose how the report was handled.")
    query = (
        select(ProblemReport, Service)
        .join(Service, col(Service.id) == ProblemReport.service_id)
        .where(ProblemReport.id == report_id)
    )
    if not actor.has_role(Role.MODERATOR, *REPORT_READER_ROLES):
        raise NotFound("No such problem report.")
    where = _visible_reports(actor)
    if where is not None:
        query = query.where(where)
    row = session.exec(query).first()
    if row is None:
        raise NotFound("No such problem report.")
    report, service = row
    report.status = resolution
    report.closed_at = now
    report.closed_by = actor.label
    session.add(report)
    record_event(
        session,
        action=f"problem_report.{resolution.value}",
        entity_type="problem_report",
        entity_id=report.id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=service.organisation_id,
    )
    session.flush()
    return report
