"""Size caps on synced free text: one bad record (a 50 MB summary) must not slow every search.

Sources are typed by thousands of editors, so an oversized value is plausible. Every string in a
record, however deep (texts in three languages, places, schedules, contacts), is cut to the cap of
its field, with a warning naming the record, the field and its length; the record is stored cut,
never whole. Pure functions on the frozen records of integrations/records.py.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from integrations.records import Page, Text

log = logging.getLogger(__name__)

# Characters. Names and summaries are shown in lists and search results; descriptions on one page.
CAPS: dict[str, int] = {
    "name": 300,
    "organisation_name": 300,
    "summary": 1_000,
    "description": 20_000,
    "how_to_join": 5_000,
    "price_text": 2_000,
    "accessibility": 5_000,
    "street_address": 300,
    "post_office": 100,
    "label": 300,
    "rrule": 1_000,
}
DEFAULT_CAP = 2_048  # every other string: ids, codes, URLs, e-mail addresses, phone numbers
MARK = "…"


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def _cap_value(value: Any, limit: int, where: list[str], name: str) -> Any:
    """The value with each string in it cut to `limit`; `where` collects what was cut."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        where.append(f"{name} ({len(value)} characters)")
        return value[: limit - len(MARK)].rstrip() + MARK
    if isinstance(value, Text):
        capped = {
            lang: _cap_value(getattr(value, lang), limit, where, f"{name}.{lang}")
            for lang in ("fi", "sv", "en")
        }
        if all(capped[lang] is getattr(value, lang) for lang in capped):
            return value
        return Text(**capped)
    if isinstance(value, tuple):
        items = tuple(_cap_value(item, limit, where, name) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _cap_record(value, where, name)
    return value


def _cap_record(record: Any, where: list[str], prefix: str = "") -> Any:
    changes = {}
    for name in _fields(type(record)):
        value = getattr(record, name)
        if value is None or isinstance(value, bool | int | float):
            continue
        capped = _cap_value(value, CAPS.get(name, DEFAULT_CAP), where, f"{prefix}{name}")
        if capped is not value:
            changes[name] = capped
    # replace() builds a new record, so a content hash computed for the uncut one is not carried over.
    return dataclasses.replace(record, **changes) if changes else record


def cap_record(record: Any) -> tuple[Any, list[str]]:
    """(the record with every string within its cap, the fields that were cut)."""
    where: list[str] = []
    return _cap_record(record, where), where


def cap_page(page: Page) -> int:
    """Cut oversized values in the page's records in place; returns how many records were cut."""
    cut = 0
    groups: tuple[list[Any], ...] = (page.organisations, page.locations, page.services)
    for records in groups:
        for index, record in enumerate(records):
            capped, where = cap_record(record)
            if where:
                cut += 1
                records[index] = capped
                log.warning(
                    "%s %s: cut to the size cap: %s",
                    type(record).__name__.removesuffix("Record").lower(),
                    record.provenance.external_id,
                    ", ".join(where[:5]),
                )
    return cut
