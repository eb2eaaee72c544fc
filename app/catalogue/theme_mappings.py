"""Reviewing and changing the theme mapping table (external code -> our hyte themes), with its history.

A change replaces the themes of one (taxonomy, code), records who, when, old -> new and why (history and
audit trail), and derives the themes of the services tagged with that code again at once: a theme the code
no longer gives is removed unless another of the service's codes still gives it, a new one is added, and the
services are queued for the search index (catalogue_change). Services of a PTV service class mapped for the
first time arrive with the next sync (the sync imports only classes the table maps).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, or_, select

from app.accounts.actor import Actor
from app.accounts.service import require_admin
from app.audit.trail import record_event
from app.catalogue.codes import read_csv
from app.catalogue.enums import ServiceStatus, Taxonomy
from app.catalogue.models import CatalogueChange, Service, ServiceTerm, TaxonomyTerm, Theme, ThemeMapping
from app.catalogue.theme_mapping_changes import ThemeMappingChange
from app.errors import N_, InvalidInput

# The vocabularies the sync maps to themes (integrations/*/mapping.py); the order of the page.
TAXONOMIES: tuple[str, ...] = (
    Taxonomy.PTV_SERVICE_CLASS,
    Taxonomy.PTV_TARGET_GROUP,
    Taxonomy.KEYWORD,
    Taxonomy.LAHELLA_THEME,
    Taxonomy.LAHELLA_FORMAT,
    Taxonomy.LAHELLA_TYPE,
    Taxonomy.LINKEDEVENTS_KEYWORD,
)
MAX_COMMENT = 1000


@dataclass(frozen=True)
class MappingRow:
    taxonomy: str
    code: str
    label: str  # the code's name where the data has one (PTV classes, the CSV's note)
    themes: list[str]
    changed: bool  # an administrator has changed it


def _class_with_ancestors(code: str) -> list[str]:
    """'P27.1.2' -> ['P27.1.2', 'P27.1', 'P27'], as the PTV mapping reads it (integrations/ptv/common.py)."""
    parts = code.split(".")
    return [".".join(parts[:length]) for length in range(len(parts), 0, -1)]


def _key(taxonomy: str, code: str) -> tuple[str, str]:
    return (taxonomy, code.casefold() if taxonomy == Taxonomy.KEYWORD else code)


def current_mapping(session: Session) -> dict[tuple[str, str], set[str]]:
    mapping: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in session.exec(select(ThemeMapping)).all():
        mapping[(row.taxonomy, row.code)].add(row.theme_code)
    return mapping


def list_mappings(session: Session) -> list[MappingRow]:
    notes = {(row["taxonomy"], row["code"]): row.get("note", "") for row in read_csv("theme_mapping.csv")}
    labels = {
        (term.taxonomy, term.code): term.label_fi
        for term in session.exec(
            select(TaxonomyTerm).where(
                col(TaxonomyTerm.taxonomy).in_([Taxonomy.PTV_SERVICE_CLASS, Taxonomy.PTV_TARGET_GROUP])
            )
        ).all()
    }
    changed = set(session.exec(select(ThemeMappingChange.taxonomy, ThemeMappingChange.code)).all())
    mapping = current_mapping(session)
    for key in changed:  # a code whose themes were all removed is still listed, with none
        mapping.setdefault(key, set())
    order = {taxonomy: index for index, taxonomy in enumerate(TAXONOMIES)}
    return [
        MappingRow(
            taxonomy,
            code,
            labels.get((taxonomy, code)) or notes.get((taxonomy, code)) or "",
            sorted(themes),
            (taxonomy, code) in changed,
        )
        for (taxonomy, code), themes in sorted(
            mapping.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1])
        )
    ]


def history(session: Session, *, limit: int = 100) -> list[ThemeMappingChange]:
    return list(
        session.exec(
            select(ThemeMappingChange).order_by(col(ThemeMappingChange.id).desc()).limit(limit)
        ).all()
    )


def overrides(session: Session) -> dict[tuple[str, str], list[str]]:
    """The latest administrator's themes of every changed code (they win over the CSV at a reload)."""
    latest = (
        select(func.max(col(ThemeMappingChange.id)))
        .group_by(col(ThemeMappingChange.taxonomy), col(ThemeMappingChange.code))
        .scalar_subquery()
    )
    rows = session.exec(select(ThemeMappingChange).where(col(ThemeMappingChange.id).in_(latest))).all()
    return {(row.taxonomy, row.code): list(row.new_themes) for row in rows}


def _affected_services(session: Session, taxonomy: str, code: str) -> list[uuid.UUID]:
    if taxonomy == Taxonomy.PTV_SERVICE_CLASS:
        matches = or_(col(ServiceTerm.code) == code, col(ServiceTerm.code).startswith(f"{code}."))
    elif taxonomy == Taxonomy.KEYWORD:
        matches = func.lower(col(ServiceTerm.code)) == code.casefold()
    else:
        matches = col(ServiceTerm.code) == code
    return list(
        session.exec(
            select(col(ServiceTerm.service_id))
            .join(Service, col(Service.id) == col(ServiceTerm.service_id))
            .where(
                col(ServiceTerm.taxonomy) == taxonomy,
                matches,
                col(Service.source) != "local",
                col(Service.status) != ServiceStatus.RETIRED,
            )
            .distinct()
        ).all()
    )


def _derivable(terms: Iterable[ServiceTerm], mapping: dict[tuple[str, str], set[str]]) -> set[str]:
    """Every theme the service's codes give under `mapping`."""
    themes: set[str] = set()
    for term in terms:
        codes = (
            _class_with_ancestors(term.code) if term.taxonomy == Taxonomy.PTV_SERVICE_CLASS else [term.code]
        )
        for code in codes:
            themes |= mapping.get(_key(term.taxonomy, code), set())
    return themes


def _derive_again(
    session: Session, service_ids: list[uuid.UUID], added: set[str], removed: set[str], now: datetime
) -> None:
    mapping = {_key(t, c): themes for (t, c), themes in current_mapping(session).items()}
    theme_names = {theme.code: theme for theme in session.exec(select(Theme)).all()}
    for start in range(0, len(service_ids), 500):
        chunk = service_ids[start : start + 500]
        terms: dict[uuid.UUID, list[ServiceTerm]] = defaultdict(list)
        for term in session.exec(select(ServiceTerm).where(col(ServiceTerm.service_id).in_(chunk))).all():
            terms[term.service_id].append(term)
        for service_id in chunk:
            own = terms[service_id]
            present = {t.code for t in own if t.taxonomy == Taxonomy.THEME}
            still_given = _derivable([t for t in own if t.taxonomy != Taxonomy.THEME], mapping)
            drop = (removed & present) - still_given
            if drop:
                session.execute(
                    delete(ServiceTerm).where(
                        col(ServiceTerm.service_id) == service_id,
                        col(ServiceTerm.taxonomy) == Taxonomy.THEME,
                        col(ServiceTerm.code).in_(sorted(drop)),
                    )
                )
            for code in sorted(added - present):
                theme = theme_names[code]
                session.add(
                    ServiceTerm(
                        service_id=service_id,
                        taxonomy=Taxonomy.THEME,
                        code=code,
                        label_fi=theme.name_fi,
                        label_sv=theme.name_sv,
                        label_en=theme.name_en,
                    )
                )
            session.add(CatalogueChange(service_id=service_id, changed_at=now))


def change_mapping(
    session: Session,
    *,
    actor: Actor,
    taxonomy: str,
    code: str,
    themes: Iterable[str],
    comment: str,
    now: datetime,
) -> ThemeMappingChange:
    require_admin(actor)
    code = code.strip()
    comment = comment.strip()
    if taxonomy not in TAXONOMIES:
        raise InvalidInput(N_("Choose a vocabulary from the list."), code="invalid_taxonomy")
    if not code or len(code) > 255:
        raise InvalidInput(N_("Give the code (at most 255 characters)."), code="invalid_code")
    if taxonomy == Taxonomy.KEYWORD:
        code = code.casefold()  # keywords are matched without regard to case (integrations/ptv/common.py)
    known = set(session.exec(select(Theme.code)).all())
    chosen = set(themes)
    if not chosen <= known:
        raise InvalidInput(N_("Choose the themes from the list."), code="invalid_theme")
    if not comment or len(comment) > MAX_COMMENT:
        raise InvalidInput(N_("Say why in a comment (at most 1,000 characters)."), code="comment_required")
    old = current_mapping(session).get((taxonomy, code), set())
    if old == chosen:
        raise InvalidInput(N_("The themes are the same as before: nothing to change."), code="unchanged")
    session.execute(
        delete(ThemeMapping).where(col(ThemeMapping.taxonomy) == taxonomy, col(ThemeMapping.code) == code)
    )
    for theme in sorted(chosen):
        session.add(ThemeMapping(taxonomy=taxonomy, code=code, theme_code=theme))
    session.flush()
    affected = _affected_services(session, taxonomy, code)
    _derive_again(session, affected, chosen - old, old - chosen, now)
    change = ThemeMappingChange(
        changed_at=now,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        taxonomy=taxonomy,
        code=code,
        old_themes=sorted(old),
        new_themes=sorted(chosen),
        comment=comment,
        affected_services=len(affected),
    )
    session.add(change)
    session.flush()
    record_event(
        session,
        action="theme_mapping.changed",
        entity_type="theme_mapping",
        entity_id=f"{taxonomy}:{code}",
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        details={
            "old": sorted(old),
            "new": sorted(chosen),
            "comment": comment,
            "services": len(affected),
            "change": change.id,
        },
    )
    session.flush()
    return change
