"""What one HSDS record is built from: a catalogue row and the rows around it, plus the lookups.

Rows are read-only objects with the catalogue columns as attributes (SQLAlchemy Core rows or ORM
instances alike), so the mapping in `hsds.py` stays pure and the loader can use the fast path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

Row = Any  # a row with the columns of its table as attributes


@dataclass(frozen=True)
class Labels:
    fi: str | None = None
    sv: str | None = None
    en: str | None = None

    def get(self, lang: str) -> str | None:
        wanted = getattr(self, lang, None)
        return wanted or self.fi or self.sv or self.en


@dataclass(frozen=True)
class TermInfo:
    """A vocabulary term known from the code tables (labels in three languages, its parent)."""

    label: Labels
    parent_code: str | None = None
    description: Labels | None = None


@dataclass(frozen=True)
class Lookups:
    """Code tables the mapping names things from; loaded once and shared by every record."""

    municipalities: Mapping[str, Row] = field(default_factory=dict)
    regions: Mapping[str, Row] = field(default_factory=dict)
    terms: Mapping[tuple[str, str], TermInfo] = field(default_factory=dict)
    # Rendered objects that recur in every record (taxonomy terms), filled by the mapping as it goes.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class LocationBundle:
    row: Row
    schedules: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    # Its HSDS record by language, made once however many services of a batch are held there.
    rendered: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Kept as its JSON text (orjson.Fragment) rather than as dicts: a stream's cache holds thousands
    # of places, and the text is a fifth of the objects' memory and is not serialised again.
    as_json: bool = field(default=False, compare=False, repr=False)


@dataclass
class SalBundle:
    row: Row
    location: LocationBundle
    schedules: list[Row] = field(default_factory=list)


@dataclass
class OrganisationBundle:
    row: Row
    contacts: list[Row] = field(default_factory=list)


@dataclass
class ServiceBundle:
    row: Row
    organisation: OrganisationBundle
    terms: list[Row] = field(default_factory=list)
    areas: list[Row] = field(default_factory=list)
    sals: list[SalBundle] = field(default_factory=list)
    schedules: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    source_links: list[Row] = field(default_factory=list)
    # The provider's own overlay (capacity), if any (app/catalogue/overlay.py).
    overlay: Row | None = None


class PlaceStamp(NamedTuple):
    """What a record reads of a place once its HSDS record is made: its id and when it last changed."""

    id: Any
    updated_at: Any


@dataclass
class StreamCache:
    """Places and organisations met by earlier batches of one stream (ndjson), with the places' records.

    A place hosts many services and an organisation provides many, so a stream of the whole catalogue
    meets each again and again in later batches: loaded and rendered once instead. A place rendered by
    a batch is kept as its record's JSON text and its stamp only (under 2 KB, not its rows), and the
    cache is bounded (the oldest go first): at most about 40 MB however large the catalogue."""

    max_locations: int = 20_000
    max_organisations: int = 20_000
    locations: dict[Any, LocationBundle] = field(default_factory=dict)
    organisations: dict[Any, OrganisationBundle] = field(default_factory=dict)
    _fresh: list[Any] = field(default_factory=list)

    def loaded(self, ids: list[Any]) -> None:
        """Places just loaded in full: the next batch keeps only their rendered records."""
        self._fresh.extend(ids)

    def slim(self) -> None:
        for key in self._fresh:
            bundle = self.locations.get(key)
            if bundle is not None and bundle.rendered:
                self.locations[key] = LocationBundle(
                    PlaceStamp(bundle.row.id, bundle.row.updated_at), rendered=bundle.rendered, as_json=True
                )
        self._fresh.clear()
