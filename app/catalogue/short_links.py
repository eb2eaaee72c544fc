"""Short addresses of services (/s/K7Q2M): five characters a person can read over the phone.

A code is given the first time a service is shown with one and is kept in `short_link` for good, so
it survives every sync, a change of the service's source and a rebuild of the search index. The
first candidate comes from the listing's source and external id (a database rebuilt from the same
sources gives mostly the same codes); a taken candidate moves on to the next.
"""

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select

from app.timeutil import UTCDateTime, utcnow

# No 0/O, 1/I/L or U/V: nothing that reads or sounds like another character.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 5
MAX_ATTEMPTS = 20


class ShortLink(SQLModel, table=True):
    """A service's short address; never reused for another service."""

    __tablename__ = "short_link"

    code: str = Field(primary_key=True, max_length=8)
    service_id: uuid.UUID = Field(foreign_key="service.id", unique=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def candidate(seed: str, attempt: int) -> str:
    """The attempt-th candidate code for a listing (pure: the same seed always gives the same codes)."""
    number = int.from_bytes(hashlib.sha256(f"{seed}\x00{attempt}".encode()).digest()[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def normalise_code(text: str) -> str | None:
    """A typed code as stored ("k7q2m", "K7Q-2M" -> "K7Q2M"), or None if it cannot be one."""
    code = "".join(ch for ch in text.upper() if ch not in " -.")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def _insert_ignoring_conflicts(session: Session, rows: list[dict[str, object]]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A code or service taken meanwhile (another request, or the same candidate for two
    # listings) is skipped here and retried with the next candidate.
    session.execute(insert(ShortLink).values(rows).on_conflict_do_nothing())  # type: ignore[attr-defined]


def short_codes(session: Session, services: Iterable[tuple[uuid.UUID, str]]) -> dict[uuid.UUID, str]:
    """The short code of each (service id, seed), given now to those that have none yet."""
    seeds = dict(services)
    if not seeds:
        return {}
    found = _existing(session, seeds)
    for attempt in range(MAX_ATTEMPTS):
        missing = [service_id for service_id in seeds if service_id not in found]
        if not missing:
            break
        rows: list[dict[str, object]] = []
        taken_now: set[str] = set()
        for service_id in missing:
            code = candidate(seeds[service_id], attempt)
            if code in taken_now:
                continue
            taken_now.add(code)
            rows.append({"code": code, "service_id": service_id, "created_at": utcnow()})
        _insert_ignoring_conflicts(session, rows)
        found.update(_existing(session, {service_id: seeds[service_id] for service_id in missing}))
    return found


def _existing(session: Session, seeds: dict[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    statement = select(ShortLink.service_id, ShortLink.code).where(col(ShortLink.service_id).in_(list(seeds)))
    return {service_id: code for service_id, code in session.exec(statement)}


def service_for_code(session: Session, code: str) -> uuid.UUID | None:
    return session.exec(select(ShortLink.service_id).where(ShortLink.code == code)).first()
