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
from typing import Protocol

import phonenumbers
import segno
from markupsafe import Markup
from sqlalchemy import ColumnElement, or_
from sqlalchemy import select as core_select
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from app.catalogue import meeting_times
from app.catalogue.codes import load_postal_codes
from app.catalogue.enums import ContactKind
from app.catalogue.models import Contact, Location, Organisation, Service, ServiceAtLocation
from app.catalogue.short_links import ShortLink, short_codes
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


class PlaceColumns(Protocol):
    """What a handout reads of a place: a Location, or a result card's PlaceRow."""

    @property
    def name_fi(self) -> str | None: ...
    @property
    def name_sv(self) -> str | None: ...
    @property
    def name_en(self) -> str | None: ...
    @property
    def street_address_fi(self) -> str | None: ...
    @property
    def street_address_sv(self) -> str | None: ...
    @property
    def postal_code(self) -> str | None: ...
    @property
    def post_office_fi(self) -> str | None: ...
    @property
    def post_office_sv(self) -> str | None: ...


class ContactColumns(Protocol):
    """What a handout reads of a contact: a Contact, or a result card's ContactRow."""

    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def label_fi(self) -> str | None: ...
    @property
    def label_sv(self) -> str | None: ...
    @property
    def label_en(self) -> str | None: ...


def post_office(location: PlaceColumns, locale: str) -> LocalText | None:
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


def address_of(location: PlaceColumns, locale: str) -> Address:
    return Address(
        name=local(location, "name", locale),
        street=local(location, "street_address", locale),
        postal_code=location.postal_code,
        post_office=post_office(location, locale),
    )


OrganisationContacts = tuple[str | None, str | None, str | None]  # phone, e-mail, web address


def choose_contacts(
    own: Iterable[ContactColumns],
    places: Iterable[ContactColumns],
    organisation: OrganisationContacts | None,
    locale: str,
) -> list[ContactView]:
    """Whom to call about this activity: its own contacts, else its places', else the provider's;
    at most one of each kind. `own` and `places` in their sort order."""
    layers: list[list[tuple[str, str, LocalText | None]]] = [
        [(str(c.kind), c.value, local(c, "label", locale)) for c in own],
        [(str(c.kind), c.value, local(c, "label", locale)) for c in places],
    ]
    if organisation is not None:
        phone, email, website = organisation
        layers.append(
            [
                (kind, value, None)
                for kind, value in (
                    (ContactKind.PHONE.value, phone),
                    (ContactKind.EMAIL.value, email),
                    (ContactKind.WEB.value, website),
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


def activity_contacts(service: Service, locale: str) -> list[ContactView]:
    """Whom to call about this activity (choose_contacts), from a whole listing."""
    organisation = service.organisation
    return choose_contacts(
        _sorted(service.contacts),
        [c for sal in service.service_at_locations for c in _sorted(sal.location.contacts)],
        None if organisation is None else (organisation.phone, organisation.email, organisation.website),
        locale,
    )


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


@dataclass(frozen=True)
class PlaceRow:
    """What a result card shows of a place: the columns of Location that an address reads."""

    id: uuid.UUID
    name_fi: str | None
    name_sv: str | None
    name_en: str | None
    street_address_fi: str | None
    street_address_sv: str | None
    postal_code: str | None
    post_office_fi: str | None
    post_office_sv: str | None


@dataclass(frozen=True)
class ContactRow:
    kind: str
    value: str
    label_fi: str | None
    label_sv: str | None
    label_en: str | None


@dataclass(frozen=True)
class CardListing:
    """What a result card's handout shows of a listing, read as plain rows: building ORM objects
    (with identity map and relationship bookkeeping) for a page of cards was most of its time."""

    id: uuid.UUID
    seed: str  # seed_of: where a short code is made from
    code: str | None  # its short code, None when it has none yet
    places: list[PlaceRow]  # in the order of its place links
    contacts: list[ContactRow]  # its own, in sort order
    place_contacts: list[ContactRow]  # its places', place by place, each place's in sort order
    organisation: OrganisationContacts | None


_PLACE_COLUMNS = tuple(col(getattr(Location, name)) for name in PlaceRow.__dataclass_fields__)


def load_card_listings(session: Session, ids: Sequence[uuid.UUID]) -> list[CardListing]:
    """What a result card's handout shows (addresses, contacts, short code; the meeting times come
    with the hits) of each listing, in the order of `ids` (unknown ids left out): four statements."""
    if not ids:
        return []
    wanted = list(ids)
    services = session.execute(
        core_select(
            col(Service.id),
            col(Service.source),
            col(Service.external_id),
            col(Organisation.id),
            col(Organisation.phone),
            col(Organisation.email),
            col(Organisation.website),
            col(ShortLink.code),
        )
        .select_from(Service)
        .outerjoin(Organisation, col(Organisation.id) == col(Service.organisation_id))
        .outerjoin(ShortLink, col(ShortLink.service_id) == col(Service.id))
        .where(col(Service.id).in_(wanted))
    ).all()
    # The place links as a listing's relationship reads them (the same statement, so the same
    # order: a card shows its first places), then the places themselves.
    links: dict[uuid.UUID, list[uuid.UUID]] = {}
    for _link_id, service_id, location_id in session.execute(
        core_select(
            col(ServiceAtLocation.id), col(ServiceAtLocation.service_id), col(ServiceAtLocation.location_id)
        ).where(col(ServiceAtLocation.service_id).in_(wanted))
    ):
        links.setdefault(service_id, []).append(location_id)
    location_ids = list({location_id for found in links.values() for location_id in found})
    places: dict[uuid.UUID, PlaceRow] = {}
    if location_ids:
        for row in session.execute(core_select(*_PLACE_COLUMNS).where(col(Location.id).in_(location_ids))):
            places[row[0]] = PlaceRow(*row)
    own: dict[uuid.UUID, list[ContactRow]] = {}
    at_place: dict[uuid.UUID, list[ContactRow]] = {}
    owners: ColumnElement[bool] = col(Contact.service_id).in_(wanted)
    if location_ids:
        owners = or_(owners, col(Contact.location_id).in_(location_ids))
    for service_id, location_id, kind, value, label_fi, label_sv, label_en in session.execute(
        core_select(
            col(Contact.service_id),
            col(Contact.location_id),
            col(Contact.kind),
            col(Contact.value),
            col(Contact.label_fi),
            col(Contact.label_sv),
            col(Contact.label_en),
        )
        .where(owners)
        .order_by(col(Contact.sort_order))
    ):
        contact = ContactRow(str(kind), value, label_fi, label_sv, label_en)
        if service_id is not None:
            own.setdefault(service_id, []).append(contact)
        if location_id is not None:
            at_place.setdefault(location_id, []).append(contact)
    by_id: dict[uuid.UUID, CardListing] = {}
    for service_id, source, external_id, organisation_id, phone, email, website, code in services:
        located = [places[location_id] for location_id in links.get(service_id, ()) if location_id in places]
        by_id[service_id] = CardListing(
            id=service_id,
            seed=f"{source}:{external_id}",
            code=code,
            places=located,
            contacts=own.get(service_id, []),
            place_contacts=[c for place in located for c in at_place.get(place.id, [])],
            organisation=None if organisation_id is None else (phone, email, website),
        )
    return [by_id[service_id] for service_id in ids if service_id in by_id]


def _handout(
    service_id: uuid.UUID,
    code: str,
    locale: str,
    base_url: str,
    places: Sequence[PlaceColumns],
    contacts: list[ContactView],
    when: list[str],
    *,
    with_qr: bool,
) -> Handout:
    url = listing_url(base_url, locale, str(service_id))
    return Handout(
        id=str(service_id),
        code=code,
        short_url=f"{base_url.rstrip('/')}/s/{code}",
        url=url,
        path=f"/{locale}/services/{service_id}",
        addresses=[address_of(place, locale) for place in places[:MAX_ADDRESSES]],
        more_places=max(0, len(places) - MAX_ADDRESSES),
        contacts=contacts,
        when=when,
        qr=qr_svg(url) if with_qr else None,
    )


def handout_of(
    service: Service,
    code: str,
    locale: str,
    base_url: str,
    *,
    with_qr: bool,
    when: list[str] | None = None,
) -> Handout:
    return _handout(
        service.id,
        code,
        locale,
        base_url,
        [sal.location for sal in service.service_at_locations],
        activity_contacts(service, locale),
        meeting_lines(service, locale) if when is None else when,
        with_qr=with_qr,
    )


def card_handout(
    listing: CardListing, code: str, locale: str, base_url: str, *, with_qr: bool, when: list[str]
) -> Handout:
    """A result card's handout: the same as handout_of a whole listing, from plain rows."""
    return _handout(
        listing.id,
        code,
        locale,
        base_url,
        listing.places,
        choose_contacts(listing.contacts, listing.place_contacts, listing.organisation, locale),
        when,
        with_qr=with_qr,
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
    times the hits carry, by id), only what a card shows is read, as plain rows."""
    uuids: list[uuid.UUID] = []
    for value in ids:
        try:
            uuids.append(uuid.UUID(value))
        except ValueError:
            continue
    if when is None:
        services = load_services(session, uuids)
        codes = short_codes(session, [(s.id, seed_of(s)) for s in services])
        return {
            str(s.id): handout_of(s, codes[s.id], locale, base_url, with_qr=with_qr)
            for s in services
            if s.id in codes
        }
    listings = load_card_listings(session, uuids)
    codes = {listing.id: listing.code for listing in listings if listing.code is not None}
    missing = [(listing.id, listing.seed) for listing in listings if listing.code is None]
    if missing:  # a listing shown for the first time gets its short code now
        codes.update(short_codes(session, missing))
    return {
        str(listing.id): card_handout(
            listing, codes[listing.id], locale, base_url, with_qr=with_qr, when=when.get(str(listing.id), [])
        )
        for listing in listings
        if listing.id in codes
    }
