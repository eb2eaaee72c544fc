"""Local listings: activities a provider publishes only here, each version approved by a moderator.

A provider admin proposes a revision; a moderator approves (the listing reaches the catalogue as a service
with source "local", external id = listing id) or rejects it with a note. Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.audit.trail import record_event
from app.catalogue.codes import load_postal_codes
from app.catalogue.enums import ContactKind, ScheduleKind, ServiceStatus, Source, Taxonomy
from app.catalogue.listing_form import Change, diff, session_times
from app.catalogue.models import (
    CatalogueChange,
    Contact,
    Location,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
)
from app.catalogue.revisions import ListingRevision, RevisionStatus
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied

_SERVICE_TEXT = (
    "name_fi",
    "name_sv",
    "name_en",
    "summary_fi",
    "summary_sv",
    "summary_en",
    "description_fi",
    "description_sv",
    "description_en",
    "how_to_join_fi",
    "how_to_join_sv",
    "how_to_join_en",
    "price_text_fi",
)


def _latest(session: Session, listing_id: uuid.UUID, *statuses: RevisionStatus) -> ListingRevision | None:
    query = select(ListingRevision).where(ListingRevision.listing_id == listing_id)
    if statuses:
        query = query.where(col(ListingRevision.status).in_(statuses))
    return session.exec(query.order_by(col(ListingRevision.number).desc())).first()


def propose_listing(
    session: Session,
    *,
    organisation_id: uuid.UUID,
    fields: dict[str, Any],
    actor: Actor,
    now: datetime,
    listing_id: uuid.UUID | None = None,
) -> ListingRevision:
    """A new local listing, or a new version of one; waits for a moderator. An older pending one is withdrawn."""
    if not actor.has_role(Role.PROVIDER_ADMIN, organisation_id=organisation_id):
        raise PermissionDenied("Only the organisation's own administrators can change this listing.")
    number = 1
    if listing_id is not None:
        previous = _latest(session, listing_id)
        if previous is None or previous.organisation_id != organisation_id:
            raise NotFound("No such listing.")
        number = previous.number + 1
        for pending in session.exec(
            select(ListingRevision).where(
                ListingRevision.listing_id == listing_id, ListingRevision.status == RevisionStatus.PENDING
            )
        ):
            pending.status = RevisionStatus.WITHDRAWN
            session.add(pending)
    revision = ListingRevision(
        listing_id=listing_id or uuid.uuid4(),
        number=number,
        organisation_id=organisation_id,
        fields=fields,
        submitted_by=actor.label,
        submitted_at=now,
    )
    session.add(revision)
    record_event(
        session,
        action="listing.proposed",
        entity_type="listing",
        entity_id=revision.listing_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=organisation_id,
        details={"revision": number},
    )
    session.flush()
    return revision


def list_pending(session: Session, *, actor: Actor) -> list[ListingRevision]:
    """The moderation queue, oldest first."""
    if not actor.has_role(Role.MODERATOR):
        return []
    return list(
        session.exec(
            select(ListingRevision)
            .where(ListingRevision.status == RevisionStatus.PENDING)
            .order_by(col(ListingRevision.submitted_at))
        )
    )


def list_own_listings(session: Session, *, actor: Actor) -> list[ListingRevision]:
    """The newest revision of each local listing of the actor's organisations."""
    organisations = list(actor.organisations_with(Role.PROVIDER_ADMIN))
    if not organisations:
        return []
    newest = (
        select(ListingRevision.listing_id, func.max(ListingRevision.number).label("number"))
        .where(col(ListingRevision.organisation_id).in_(organisations))
        .group_by(col(ListingRevision.listing_id))
        .subquery()
    )
    return list(
        session.exec(
            select(ListingRevision)
            .join(
                newest,
                (col(ListingRevision.listing_id) == newest.c.listing_id)
                & (col(ListingRevision.number) == newest.c.number),
            )
            .order_by(col(ListingRevision.submitted_at).desc())
        )
    )


def revision_history(session: Session, listing_id: uuid.UUID, *, actor: Actor) -> list[ListingRevision]:
    revisions = list(
        session.exec(
            select(ListingRevision)
            .where(ListingRevision.listing_id == listing_id)
            .order_by(col(ListingRevision.number).desc())
        )
    )
    if not revisions or not (
        actor.has_role(Role.MODERATOR)
        or actor.has_role(Role.PROVIDER_ADMIN, organisation_id=revisions[0].organisation_id)
    ):
        raise NotFound("No such listing.")
    return revisions


def revision_diff(session: Session, revision: ListingRevision) -> list[Change]:
    """This revision against the version now published (or nothing, for a new listing)."""
    published = _latest(session, revision.listing_id, RevisionStatus.APPROVED)
    base = published.fields if published is not None and published.number < revision.number else None
    return diff(base, revision.fields)


def _pending_for_moderator(session: Session, revision_id: uuid.UUID, actor: Actor) -> ListingRevision:
    revision = session.get(ListingRevision, revision_id, with_for_update=True)
    if revision is None or not actor.has_role(Role.MODERATOR):
        raise NotFound("No such listing.")
    if revision.status is not RevisionStatus.PENDING:
        raise Conflict("This version has already been decided.")
    return revision


def reject_revision(
    session: Session, revision_id: uuid.UUID, *, note: str, actor: Actor, now: datetime
) -> ListingRevision:
    revision = _pending_for_moderator(session, revision_id, actor)
    note = note.strip()
    if not note:
        raise InvalidInput("Tell the provider why the listing was not approved.")
    revision.status = RevisionStatus.REJECTED
    revision.decided_by, revision.decided_at, revision.decision_note = actor.label, now, note[:1000]
    session.add(revision)
    record_event(
        session,
        action="listing.rejected",
        entity_type="listing",
        entity_id=revision.listing_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=revision.organisation_id,
        details={"revision": revision.number},
    )
    session.flush()
    return revision


def approve_revision(session: Session, revision_id: uuid.UUID, *, actor: Actor, now: datetime) -> Service:
    """Publish the revision: the local service is created or replaced as the revision says."""
    revision = _pending_for_moderator(session, revision_id, actor)
    revision.status = RevisionStatus.APPROVED
    revision.decided_by, revision.decided_at = actor.label, now
    session.add(revision)
    service = _publish(session, revision, now)
    record_event(
        session,
        action="listing.approved",
        entity_type="listing",
        entity_id=revision.listing_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=revision.organisation_id,
        details={"revision": revision.number, "service_id": str(service.id)},
    )
    session.flush()
    return service


def _publish(session: Session, revision: ListingRevision, now: datetime) -> Service:
    fields = revision.fields
    external_id = str(revision.listing_id)
    service = session.exec(
        select(Service).where(Service.source == Source.LOCAL, Service.external_id == external_id)
    ).first()
    if service is None:
        service = Service(
            organisation_id=revision.organisation_id, source=Source.LOCAL, external_id=external_id
        )
        session.add(service)
        session.flush()
    for name in _SERVICE_TEXT:
        setattr(service, name, fields.get(name))
    service.is_free = fields.get("is_free")
    service.min_age, service.max_age = fields.get("min_age"), fields.get("max_age")
    service.languages = list(fields.get("languages") or ["fi"])
    service.status = ServiceStatus.ACTIVE
    service.source_modified_at = service.last_synced_at = service.updated_at = now
    session.add(service)
    # Children are replaced whole: a revision is the complete listing.
    for model in (ServiceTerm, ServiceArea, Contact):
        for row in session.exec(select(model).where(model.service_id == service.id)):  # type: ignore[attr-defined]
            session.delete(row)
    for link in session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id)):
        session.delete(link)
    session.flush()
    for code in fields.get("themes", []):
        session.add(ServiceTerm(service_id=service.id, taxonomy=Taxonomy.THEME, code=code, label_fi=code))
    for code in fields.get("municipalities", []):
        session.add(ServiceArea(service_id=service.id, municipality_code=code))
    for order, (kind, key) in enumerate(
        ((ContactKind.PHONE, "phone"), (ContactKind.EMAIL, "email"), (ContactKind.WEB, "website"))
    ):
        if fields.get(key):
            session.add(Contact(service_id=service.id, kind=kind, value=fields[key], sort_order=order))
    location = _place(session, revision, fields)
    service_id: uuid.UUID | None = service.id
    link_id: uuid.UUID | None = None
    if location is not None:
        link = ServiceAtLocation(service_id=service.id, location_id=location.id)
        session.add(link)
        session.flush()
        # Meeting times belong to the place, as the sources store them.
        service_id, link_id = None, link.id
    for order, meeting in enumerate(fields.get("sessions", [])):
        starts, ends = session_times(meeting)
        session.add(
            Schedule(
                service_id=service_id,
                service_at_location_id=link_id,
                kind=ScheduleKind.SESSION,
                byday=meeting["day"],
                opens_at=starts,
                closes_at=ends,
                rrule=f"FREQ=WEEKLY;BYDAY={meeting['day']}",
                sort_order=order,
            )
        )
    session.add(CatalogueChange(service_id=service.id, changed_at=now))
    session.flush()
    session.expire(service)
    return service


def _place(session: Session, revision: ListingRevision, fields: dict[str, Any]) -> Location | None:
    """The listing's meeting place, placed on the map at its postal code's centre when no better is known."""
    if not (fields.get("place_name") or fields.get("street_address") or fields.get("postal_code")):
        return None
    external_id = f"{revision.listing_id}:place"
    location = session.exec(
        select(Location).where(Location.source == Source.LOCAL, Location.external_id == external_id)
    ).first() or Location(
        source=Source.LOCAL, external_id=external_id, organisation_id=revision.organisation_id
    )
    postal = load_postal_codes().get(fields.get("postal_code") or "")
    location.name_fi = fields.get("place_name")
    location.street_address_fi = fields.get("street_address")
    location.postal_code = fields.get("postal_code")
    location.post_office_fi = postal.name_fi if postal else None
    location.post_office_sv = postal.name_sv if postal else None
    location.municipality_code = (
        postal.municipality_code if postal else (fields.get("municipalities") or [None])[0]
    )
    location.latitude = postal.latitude if postal else None
    location.longitude = postal.longitude if postal else None
    session.add(location)
    session.flush()
    return location
