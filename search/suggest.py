"""Did-you-mean: when a query finds nothing, the closest words the catalogue's own service names use.

Engines already forgive small typos, so this only runs for queries that found nothing; it reads the
names from the database each time (a zero-result page is rare, and a cache would go stale after a sync).
"""

from __future__ import annotations

import difflib
import re

from sqlalchemy import select
from sqlmodel import Session, col

from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Service

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Below this similarity a "correction" is a different word, which would mislead more than help.
CUTOFF = 0.72


def words_of(texts: list[str | None]) -> set[str]:
    """Lower-cased words of three letters or more."""
    return {word.lower() for text in texts if text for word in WORD.findall(text)}


def closest_query(q: str, vocabulary: set[str]) -> str | None:
    """The query with each unknown word replaced by its closest known word; None when nothing changes."""
    changed = False
    corrected: list[str] = []
    candidates = sorted(vocabulary)
    for word in q.split():
        lower = word.lower()
        if lower in vocabulary or not WORD.fullmatch(lower):
            corrected.append(word)
            continue
        match = difflib.get_close_matches(lower, candidates, n=1, cutoff=CUTOFF)
        if match:
            corrected.append(match[0])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else None


def catalogue_vocabulary(session: Session) -> set[str]:
    rows = session.execute(
        select(col(Service.name_fi), col(Service.name_sv), col(Service.name_en)).where(
            col(Service.status) != ServiceStatus.RETIRED
        )
    )
    return words_of([text for row in rows for text in row])
