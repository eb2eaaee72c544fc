"""What people type besides the activity: "ilmainen" / "gratis" / "free", and a municipality's name.

"kuntosali hyvinkää" means gyms in Hyvinkää, "ilmainen jooga" free yoga. Matched as words, a town's
name finds only listings that happen to mention it, and "ilmainen" only those that say so. These
words become the free-of-charge filter and a municipality filter instead; the page says what it did
and offers the search as typed (SearchQuery.read_words=False).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, union
from sqlmodel import Session, col

from app.catalogue.models import Location, Municipality, ServiceArea
from search.finnish import analyse_word, fold, words

# Base forms (Finnish, by Voikko) and words (Swedish, English) that mean "free of charge".
FREE_BASE_FORMS = frozenset({"ilmainen", "maksuton"})
FREE_WORDS = frozenset(
    {
        "gratis",
        "avgiftsfri",
        "avgiftsfritt",
        "avgiftsfria",
        "kostnadsfri",
        "kostnadsfritt",
        "kostnadsfria",
        "free",
    }
)
_SPLIT = re.compile(r"\s+")


@dataclass(frozen=True)
class ReadQuery:
    q: str  # the words left for the engine
    free_word: str | None  # the word read as "free of charge", as typed
    places: tuple[tuple[str, str], ...]  # (word as typed, municipality code)


def _is_free_word(word: str) -> bool:
    folded = fold(word)
    if folded in FREE_WORDS:
        return True
    return any(fold(base) in FREE_BASE_FORMS for base in analyse_word(word).base_forms)


def _municipality(word: str, names: Mapping[str, str]) -> str | None:
    for candidate in (fold(word), *(fold(base) for base in analyse_word(word).base_forms)):
        if candidate in names:
            return names[candidate]
    return None


def read_query(q: str, names: Mapping[str, str]) -> ReadQuery:
    """Split the free-of-charge words and municipality names (folded name -> code) off the query."""
    kept: list[str] = []
    free_word: str | None = None
    places: list[tuple[str, str]] = []
    for token in _SPLIT.split(q.strip()):
        if not token:
            continue
        parts = words(token)
        word = parts[-1] if parts else ""  # a hyphenated token's whole word comes last
        if word and len(parts) == 1 and free_word is None and _is_free_word(word):
            free_word = token
            continue
        code = _municipality(word, names) if word and len(parts) == 1 else None
        if code is not None and code not in {c for _w, c in places}:
            places.append((token, code))
            continue
        kept.append(token)
    return ReadQuery(" ".join(kept), free_word, tuple(places))


# Which municipalities have listings changes with a sync or a new place, their names with the code
# tables: rarely. Checking the catalogue's state on every search scanned the service table (about
# 140 ms a search at 100,000 services on a busy PostgreSQL), so each process keeps the names for
# NAMES_TTL_S seconds: a town that gets its first listing is read as a place at most that much later.
NAMES_TTL_S = 300.0
_clock = time.monotonic
_cache: dict[str, tuple[float, dict[str, str]]] = {}  # database URL -> (when read, names)
_cache_lock = threading.Lock()


def municipality_names(session: Session) -> dict[str, str]:
    """Folded Finnish and Swedish names -> code, of the municipalities that have listings (kept for
    NAMES_TTL_S). Only those: "Lahti" means the town where there is one, "lahti" a bay elsewhere."""
    url = str(session.get_bind().engine.url)  # the bind may be a connection (tests)
    now = _clock()
    with _cache_lock:
        cached = _cache.get(url)
    if cached is not None and now - cached[0] < NAMES_TTL_S:
        return cached[1]
    names = _read_names(session)
    with _cache_lock:
        _cache[url] = (now, names)
    return names


def forget_municipality_names() -> None:
    """Read the names again on the next search (tests, which change the catalogue between searches)."""
    with _cache_lock:
        _cache.clear()


def _read_names(session: Session) -> dict[str, str]:
    codes = union(
        select(col(Location.municipality_code)).where(col(Location.municipality_code).is_not(None)),
        select(col(ServiceArea.municipality_code)),
    ).subquery()
    rows = session.execute(
        select(col(Municipality.code), col(Municipality.name_fi), col(Municipality.name_sv)).where(
            col(Municipality.code).in_(select(codes.c[0]))
        )
    ).all()
    names: dict[str, str] = {}
    for code, name_fi, name_sv in rows:
        for name in (name_fi, name_sv):
            if name and " " not in name.strip():
                names.setdefault(fold(name.strip()), code)
    return names
