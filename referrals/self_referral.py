"""Self-referral: a resident asks a service's provider to contact them, from the service's page, without
signing in and without any professional. It arrives in the provider's inbox as a referral whose source is
`self`, and the provider is told by e-mail (no personal data, only a link), as for any new referral. The
resident is shown their link and short code, to see the request later or withdraw it (Action.WITHDRAW: the
provider still sees it, withdrawn).

Only for a service whose provider has said in its overlay that it takes referrals. The resident gives the
minimum (a name, how to reach them, a short message without health details) and consents, on the form, to
these going to that one provider; nothing else is stored. Abuse is the web layer's to stop (a honeypot,
a signed time stamp, a rate limit); this module validates and writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts.actor import Actor
from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Location, Municipality, Organisation, Service, ServiceArea, ServiceAtLocation
from app.catalogue.overlay import ServiceOverlay
from app.errors import N_, NotFound
from referrals import links
from referrals.followup_facts import targets_key
from referrals.models import (
    Consent,
    ConsentMethod,
    ContactChannel,
    Referral,
    ReferralSource,
    ReferralTarget,
)
from referrals.service import (
    _EMAIL,
    DEFAULT_RESPONSE_DAYS,
    HOPES_MAX,
    FieldErrors,
    Issued,
    local_today,
    normalise_phone,
    transition,
)
from referrals.status import Action, Party, ReferralKind, ReferralStatus

# What the resident can choose: a message needs a number or an address to reach them at.
CHANNELS = (ContactChannel.PHONE, ContactChannel.SMS, ContactChannel.EMAIL)
# What the provider may see: exactly what the form asks for.
SHARED_FIELDS = ("name", "phone", "email", "contact_channel", "contact_time", "hopes")
RECORDED_BY = "resident:self-referral"


class NotTakingContactRequests(NotFound):
    code = "no_contact_requests"

    def __init__(self) -> None:
        super().__init__(N_("This activity does not take contact requests through this service."))


@dataclass(frozen=True, slots=True)
class ContactRequest:
    name: str
    contact_channel: str
    contact: str  # the phone number or e-mail address, as typed
    message: str = ""
    contact_time: str = ""
    consent: bool = False
    locale: str = "fi"


def accepting_service(session: Session, service_id: UUID) -> Service:
    """The service, if it is active and its provider takes referrals; else NotTakingContactRequests."""
    service = session.get(Service, service_id)
    overlay = session.get(ServiceOverlay, service_id)
    if (
        service is None
        or service.status is not ServiceStatus.ACTIVE
        or overlay is None
        or overlay.accepts_referrals is not True
    ):
        raise NotTakingContactRequests()
    return service


def takes_contact_requests(session: Session, service: Service) -> bool:
    overlay = session.get(ServiceOverlay, service.id)
    return (
        service.status is ServiceStatus.ACTIVE and overlay is not None and overlay.accepts_referrals is True
    )


def _municipality(session: Session, service: Service) -> str | None:
    """Where the request counts in the statistics: the service's area, its place, or its provider's home."""
    candidates = [
        session.scalars(
            select(col(ServiceArea.municipality_code))
            .where(col(ServiceArea.service_id) == service.id)
            .order_by(col(ServiceArea.municipality_code))
        ).first(),
        session.scalars(
            select(col(Location.municipality_code))
            .join(ServiceAtLocation, col(ServiceAtLocation.location_id) == col(Location.id))
            .where(
                col(ServiceAtLocation.service_id) == service.id, col(Location.municipality_code).is_not(None)
            )
        ).first(),
    ]
    organisation = session.get(Organisation, service.organisation_id)
    candidates.append(organisation.municipality_code if organisation else None)
    for code in candidates:
        if code and session.get(Municipality, code) is not None:
            return code
    return None


def _validate(data: ContactRequest) -> tuple[dict[str, str], ContactChannel | None, str | None, str | None]:
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = N_("Write your name.")
    elif len(name) > 200:
        errors["name"] = N_("The name is too long.")
    channel = next((c for c in CHANNELS if c.value == data.contact_channel), None)
    phone = email = None
    if channel is None:
        errors["contact_channel"] = N_("Choose how you would like to be contacted.")
    elif channel is ContactChannel.EMAIL:
        email = data.contact.strip()
        if not email:
            errors["contact"] = N_("Write your e-mail address.")
        elif len(email) > 320 or not _EMAIL.match(email):
            errors["contact"] = N_("This is not a valid e-mail address.")
    else:
        if not data.contact.strip():
            errors["contact"] = N_("Write your phone number.")
        else:
            phone = normalise_phone(data.contact)
            if phone is None:
                errors["contact"] = N_("This is not a valid phone number.")
    if len(data.message) > HOPES_MAX:
        errors["message"] = N_("Write at most 600 characters.")
    if len(data.contact_time) > 200:
        errors["contact_time"] = N_("The contact time is too long.")
    if not data.consent:
        errors["consent"] = N_("Tick the box to agree that your details are passed to the provider.")
    return errors, channel, phone, email


def send_contact_request(
    session: Session,
    *,
    service_id: UUID,
    data: ContactRequest,
    now: datetime,
    secret: str,
    response_days: int = DEFAULT_RESPONSE_DAYS,
) -> Issued:
    """Record the resident's contact request as a self-referral to the service's provider, and send it;
    with the resident's link and short code, to see or withdraw it later."""
    service = accepting_service(session, service_id)
    errors, channel, phone, email = _validate(data)
    municipality = _municipality(session, service)
    if municipality is None:
        # Cannot be counted anywhere: the listing lacks every place; refuse rather than guess.
        raise NotTakingContactRequests()
    if errors or channel is None:
        raise FieldErrors(errors)
    today = local_today(now)
    referral = Referral(
        kind=ReferralKind.WELFARE,
        source=ReferralSource.SELF,
        status=ReferralStatus.DRAFT,
        created_at=now,
        updated_at=now,
        respond_by=today + timedelta(days=response_days),
        referrer_organisation_id=None,  # no one referred the resident; the provider only receives
        addressed_to_coordinator=False,
        municipality_code=municipality,
        chosen_service_id=service.id,
        provider_organisation_id=service.organisation_id,
        provider_access=True,
        resident_name=data.name.strip(),
        resident_phone=phone,
        resident_email=email,
        resident_locale=data.locale if data.locale in ("fi", "sv", "en") else "fi",
        contact_channel=channel,
        contact_time=data.contact_time.strip() or None,
        reasons=[],
        hopes=data.message.strip() or None,
        practical_needs=[],
        targets_key=targets_key([service.id]),  # a follow-up report fact
    )
    session.add(referral)
    session.flush()
    # Shown to the resident once, on the page they sent it from (web/referrals/self_referral.py).
    code = links.new_short_code()
    referral.code_hash = links.code_digest(referral.id, code, secret)
    target = ReferralTarget(
        referral_id=referral.id, service_id=service.id, organisation_id=service.organisation_id
    )
    session.add(target)
    consent = Consent(
        referral_id=referral.id,
        given_at=now,
        method=ConsentMethod.ELECTRONIC,
        organisation_ids=[str(service.organisation_id)],
        fields=list(SHARED_FIELDS),
        purpose="self_referral",
        valid_until=today + relativedelta(months=12),
        informed=True,
        recorded_by=RECORDED_BY,
    )
    session.add(consent)
    session.flush()
    event = transition(
        session,
        referral,
        Action.SEND,
        actor=Actor.resident(referral.id, locale=referral.resident_locale),
        now=now,
        parties=frozenset({Party.RESIDENT}),
        details={"source": ReferralSource.SELF.value, "channel": channel.value},
    )
    return Issued(
        referral=referral,
        short_code=code,
        link_token=links.link_token(referral.id, secret),
        consent=consent,
        targets=[(target, service)],
        timeline=[event],
    )
