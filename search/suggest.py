"""Did-you-mean: when a query finds nothing, the closest words the catalogue's own service names use.

Engines already forgive small typos, so this only runs for queries that found nothing. The words are
kept per database until the catalogue changes: one cheap query (when a service last changed) tells;
reading every name again took half a second at 100,000 services.
"""

from __future__ import annotations

import difflib
import re
import threading
from datetime import datetime

from sqlalchemy import func, select
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


_cache: dict[str, tuple[datetime | None, set[str]]] = {}  # database URL -> (catalogue state, words)
_cache_lock = threading.Lock()


def catalogue_state(session: Session) -> datetime | None:
    """What changes whenever a name could have: the latest change of any service, retired ones too.

    A new service, a renamed one and a retirement each set updated_at (integrations.sync retires with
    it), so the maximum moves with them. Over every row it is one read of ix_service_updated_at; counting
    the active services as well scanned the table (about 20 ms per query that found nothing, at 100,000).
    """
    return session.execute(select(func.max(col(Service.updated_at)))).scalar()


def catalogue_vocabulary(session: Session) -> set[str]:
    """The words of active services' names (cached until the catalogue changes)."""
    url = str(session.get_bind().engine.url)  # the bind may be a connection (tests)
    state = catalogue_state(session)
    with _cache_lock:
        cached = _cache.get(url)
    if cached is not None and cached[0] == state:
        return cached[1]
    words = _read_vocabulary(session)
    with _cache_lock:
        _cache[url] = (state, words)
    return words


def _read_vocabulary(session: Session) -> set[str]:
    rows = session.execute(
        select(col(Service.name_fi), col(Service.name_sv), col(Service.name_en)).where(
            col(Service.status) != ServiceStatus.RETIRED
        )
    )
    return words_of([text for row in rows for text in row])
