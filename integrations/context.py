"""What pure mapping functions need to know about this installation, read once per run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlmodel import Session, select

from app.catalogue.codes import PostalCode, load_postal_codes, served_municipality_codes, theme_mapping
from app.catalogue.enums import Taxonomy
from app.catalogue.models import Municipality, Theme
from app.settings import Settings
from app.timeutil import HELSINKI
from integrations.records import Text


@dataclass(frozen=True)
class MappingContext:
    # Municipalities the catalogue serves (settings: counties and municipalities).
    served_municipalities: frozenset[str]
    # Every municipality code in the code table; anything else is dropped (foreign keys).
    known_municipalities: frozenset[str]
    # (taxonomy, code) -> hyte theme codes, from app/catalogue/data/theme_mapping.csv.
    themes_by_code: Mapping[tuple[str, str], frozenset[str]]
    theme_labels: Mapping[str, Text] = field(default_factory=dict)
    postal_codes: Mapping[str, PostalCode] = field(default_factory=dict)
    # Municipality code -> (region code, wellbeing services county code), for areas given as either.
    municipality_areas: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # The local date of the run: which year's date a holiday PTV names by name falls on.
    today: date | None = None

    def municipalities_in(self, *, regions: Iterable[str] = (), counties: Iterable[str] = ()) -> list[str]:
        """The municipalities of the given regions (maakunta) and wellbeing services counties."""
        wanted_regions, wanted_counties = set(regions), set(counties)
        return sorted(
            code
            for code, (region, county) in self.municipality_areas.items()
            if region in wanted_regions or county in wanted_counties
        )

    @cached_property  # asked once per PTV service: computed once per run
    def hyte_service_classes(self) -> frozenset[str]:
        """The PTV service classes we import: those the mapping table gives a theme."""
        return frozenset(
            code for taxonomy, code in self.themes_by_code if taxonomy == Taxonomy.PTV_SERVICE_CLASS
        )


def load_mapping_context(session: Session, settings: Settings) -> MappingContext:
    mapping = {key: frozenset(value) for key, value in theme_mapping(session).items()}
    themes = {
        theme.code: Text(fi=theme.name_fi, sv=theme.name_sv, en=theme.name_en)
        for theme in session.exec(select(Theme)).all()
    }
    areas = {
        municipality.code: (municipality.region_code, municipality.wellbeing_county_code)
        for municipality in session.exec(select(Municipality)).all()
    }
    return MappingContext(
        served_municipalities=frozenset(served_municipality_codes(session, settings)),
        known_municipalities=frozenset(areas),
        themes_by_code=mapping,
        theme_labels=themes,
        postal_codes=load_postal_codes(),
        municipality_areas=areas,
        today=datetime.now(HELSINKI).date(),
    )
