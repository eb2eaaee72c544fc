"""What a handout needs of a listing: its place's address, the contact for this activity, its short
address and a QR code. Used by the result cards, both print views and the shortlist.

The search engines' hits carry no addresses or phone numbers, so these come from the database in a
fixed number of queries for the whole page of hits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import segno
from markupsafe import Markup
from sqlalchemy.orm import load_only, selectinload
from sqlmodel import Session, col, select

from app.catalogue import meeting_times
from app.catalogue.codes import load_postal_codes
from app.catalogue.enums import ContactKind
from app.catalogue.models import Contact, Location, Organisation, Service, ServiceAtLocation
from app.catalogue.short_links import short_codes
from web.pages.content import LocalText, local, safe_href


@dataclass(frozen=True)
class ContactView:
    kind: str
    value: str  # as shown: a phone number in national format
    href: str
    label: LocalText | None


@dataclass(frozen=True)
class Address:
    name: LocalText | None
    street: LocalText | None
    postal_code: str | None
    post_office: LocalText | None


@dataclass(frozen=True)
class Handout:
    id: str
    code: str
    short_url: str  # BASE_URL/s/K7Q2M
    url: str  # the listing's own address in the reader's language
    path: str  # the same on this site (/fi/services/...)
    addresses: list[Address]  # the first places of the activity
    more_places: int  # places beyond those
    contacts: list[ContactView]  # at most one phone, e-mail and web address
    when: list[str]  # the group's weekly meeting times per place (app.catalogue.meeting_times)
    qr: Markup | None  # an inline SVG, only where a handout is printed

    @property
    def short_text(self) -> str:
        """The short address as printed and read out: without "https://"."""
        return self.short_url.split("://", 1)[-1]


MAX_ADDRESSES = 2


def title_case(name: str) -> str:
    """PTV gives post offices in capitals ("HIRVIHAARA"); shown as a name ("Hirvihaara")."""
    if not name.isupper():
        return name
    return "-".join(" ".join(word.capitalize() for word in part.split(" ")) for part in name.split("-"))


def format_phone(value: str) -> tuple[str, str]:
    """A phone number as shown (national format for Finnish numbers) and its tel: link."""
    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, "FI")
    except phonenumbers.NumberParseException:
        return raw, "tel:" + "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number):
        fmt = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if phonenumbers.region_code_for_number(number) == "FI"
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, fmt), "tel:" + e164
    # Not a number the library knows (e.g. a service number it has not heard of): the digits as
    # written, a Finnish one without its country code.
    shown = "0" + raw[4:].lstrip() if raw.startswith("+358") else raw
    return shown, "tel:" + "".join(ch for ch in raw if ch.isdigit() or ch == "+")


def contact_view(kind: str, value: str, label: LocalText | None = None) -> ContactView:
    if kind == ContactKind.PHONE:
        shown, href = format_phone(value)
        return ContactView(kind, shown, href, label)
    if kind == ContactKind.EMAIL:
        return ContactView(kind, value.strip(), "mailto:" + value.strip(), label)
    return ContactView(kind, value.strip(), safe_href(value) or "", label)


def post_office(location: Location, locale: str) -> LocalText | None:
    """The post office in the reader's language, as a name; Swedish names come from the postal code
    table when the source gives only the Finnish one. Place names are not translated into English."""
    text = local(location, "post_office", locale)
    if (text is None or text.fallback) and location.postal_code:
        postal = load_postal_codes().get(location.postal_code)
        if postal is not None:
            name = postal.name_sv if locale == "sv" and postal.name_sv else postal.name_fi
            return LocalText(title_case(name), locale, False)
    if text is None:
        return None
    return LocalText(title_case(text.text), text.lang, text.fallback)


def address_of(location: Location, locale: str) -> Address:
    return Address(
        name=local(location, "name", locale),
        street=local(location, "street_address", locale),
        postal_code=location.postal_code,
        post_office=post_office(location, locale),
    )


def activity_contacts(service: Service, locale: str) -> list[ContactView]:
    """Whom to call about this activity: its own contacts, else its places', else the provider's;
    at most one of each kind."""
    layers: list[list[tuple[str, str, LocalText | None]]] = [
        [(str(c.kind), c.value, local(c, "label", locale)) for c in _sorted(service.contacts)],
        [
            (str(c.kind), c.value, local(c, "label", locale))
            for sal in service.service_at_locations
            for c in _sorted(sal.location.contacts)
        ],
    ]
    organisation = service.organisation
    if organisation is not None:
        layers.append(
            [
                (kind, value, None)
                for kind, value in (
                    (ContactKind.PHONE.value, organisation.phone),
                    (ContactKind.EMAIL.value, organisation.email),
                    (ContactKind.WEB.value, organisation.website),
                )
                if value
            ]
        )
    chosen: dict[str, ContactView] = {}
    for layer in layers:
        for kind, value, label in layer:
            if kind not in chosen and value.strip():
                chosen[kind] = contact_view(kind, value, label)
        if ContactKind.PHONE in chosen or ContactKind.EMAIL in chosen:
            break  # the closest layer that can be called or written to
    order = (ContactKind.PHONE, ContactKind.EMAIL, ContactKind.WEB)
    return [chosen[kind] for kind in order if kind in chosen]


def meeting_lines(service: Service, locale: str) -> list[str]:
    """When the group meets, place by place, as on a result card."""
    places = (
        (
            {
                lang: text
                for lang in ("fi", "sv", "en")
                if (text := getattr(sal.location, f"name_{lang}", None))
            },
            sal.schedules,
        )
        for sal in service.service_at_locations
    )
    lines = meeting_times.card_lines(places, service.schedules)
    return lines.get(locale) or lines.get("fi") or []


def _sorted(contacts: Iterable[Contact]) -> list[Contact]:
    return sorted(contacts, key=lambda c: c.sort_order)


@lru_cache(maxsize=4096)
def qr_svg(url: str) -> Markup:
    """A QR code of `url` as inline SVG; hidden from screen readers, the address is printed beside it."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


def listing_url(base_url: str, locale: str, service_id: str) -> str:
    return f"{base_url.rstrip('/')}/{locale}/services/{service_id}"


def load_services(session: Session, ids: Sequence[uuid.UUID]) -> list[Service]:
    """The services with what a handout shows, in the order of `ids` (unknown ids left out)."""
    if not ids:
        return []
    # The place links without their own descriptions (a card shows the place, not what is said of it).
    sal = selectinload(Service.service_at_locations).load_only(  # type: ignore[arg-type]
        ServiceAtLocation.id,  # type: ignore[arg-type]
        ServiceAtLocation.service_id,  # type: ignore[arg-type]
        ServiceAtLocation.location_id,  # type: ignore[arg-type]
    )
    location = sal.selectinload(ServiceAtLocation.location)  # type: ignore[arg-type]
    statement = (
        select(Service)
        .where(col(Service.id).in_(list(ids)))
        .options(
            selectinload(Service.organisation),  # type: ignore[arg-type]
            selectinload(Service.contacts),  # type: ignore[arg-type]
            selectinload(Service.schedules),  # type: ignore[arg-type]
            sal.selectinload(ServiceAtLocation.schedules),  # type: ignore[arg-type]
            location.selectinload(Location.contacts),  # type: ignore[arg-type]
        )
    )
    by_id = {service.id: service for service in session.exec(statement)}
    return [by_id[service_id] for service_id in ids if service_id in by_id]


# What a result card's handout reads (handout_of without meeting_lines): the columns a page of hits
# needs, not whole listings and places with their descriptions.
_SERVICE_COLUMNS = (Service.id, Service.source, Service.external_id, Service.organisation_id)
_LOCATION_COLUMNS = tuple(
    getattr(Location, name)
    for name in (
        "id",
        "name_fi",
        "name_sv",
        "name_en",
        "street_address_fi",
        "street_address_sv",
        "postal_code",
        "post_office_fi",
        "post_office_sv",
    )
)


def load_card_services(session: Session, ids: Sequence[uuid.UUID]) -> list[Service]:
    """The services with what a result card's handout shows (addresses and contacts; the meeting
    times come with the hits), in the order of `ids`."""
    if not ids:
        return []
    # The place links without their own descriptions (a card shows the place, not what is said of it).
    sal = selectinload(Service.service_at_locations).load_only(  # type: ignore[arg-type]
        ServiceAtLocation.id,  # type: ignore[arg-type]
        ServiceAtLocation.service_id,  # type: ignore[arg-type]
        ServiceAtLocation.location_id,  # type: ignore[arg-type]
    )
    location = sal.selectinload(ServiceAtLocation.location).load_only(*_LOCATION_COLUMNS)  # type: ignore[arg-type]
    statement = (
        select(Service)
        .where(col(Service.id).in_(list(ids)))
        .options(
            load_only(*_SERVICE_COLUMNS),  # type: ignore[arg-type]
            selectinload(Service.organisation).load_only(  # type: ignore[arg-type]
                Organisation.id,  # type: ignore[arg-type]
                Organisation.phone,  # type: ignore[arg-type]
                Organisation.email,  # type: ignore[arg-type]
                Organisation.website,  # type: ignore[arg-type]
            ),
            selectinload(Service.contacts),  # type: ignore[arg-type]
            location.selectinload(Location.contacts),  # type: ignore[arg-type]
        )
    )
    by_id = {service.id: service for service in session.exec(statement)}
    return [by_id[service_id] for service_id in ids if service_id in by_id]


def handout_of(
    service: Service,
    code: str,
    locale: str,
    base_url: str,
    *,
    with_qr: bool,
    when: list[str] | None = None,
) -> Handout:
    url = listing_url(base_url, locale, str(service.id))
    locations = [sal.location for sal in service.service_at_locations]
    return Handout(
        id=str(service.id),
        code=code,
        short_url=f"{base_url.rstrip('/')}/s/{code}",
        url=url,
        path=f"/{locale}/services/{service.id}",
        addresses=[address_of(loc, locale) for loc in locations[:MAX_ADDRESSES]],
        more_places=max(0, len(locations) - MAX_ADDRESSES),
        contacts=activity_contacts(service, locale),
        when=meeting_lines(service, locale) if when is None else when,
        qr=qr_svg(url) if with_qr else None,
    )


def seed_of(service: Service) -> str:
    return f"{service.source}:{service.external_id}"


def handouts(
    session: Session,
    ids: Sequence[str],
    locale: str,
    base_url: str,
    *,
    with_qr: bool = False,
    when: Mapping[str, list[str]] | None = None,
) -> dict[str, Handout]:
    """Handout details of each listed service id, by id. With `when` (a results page: the meeting
    times the hits carry, by id), only the columns a card needs are read, in fewer queries."""
    uuids: list[uuid.UUID] = []
    for value in ids:
        try:
            uuids.append(uuid.UUID(value))
        except ValueError:
            continue
    services = load_services(session, uuids) if when is None else load_card_services(session, uuids)
    codes = short_codes(session, [(s.id, seed_of(s)) for s in services])
    return {
        str(s.id): handout_of(
            s,
            codes[s.id],
            locale,
            base_url,
            with_qr=with_qr,
            when=None if when is None else when.get(str(s.id), []),
        )
        for s in services
        if s.id in codes
    }
