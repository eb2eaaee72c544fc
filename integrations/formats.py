"""Our source-neutral activity formats (Taxonomy.FORMAT): how a resident takes part.

Lähellä.fi `hm_*` formats and channel types and LinkedEvents `type_id` are folded into these few codes
so a resident can filter "groups" or "online" across sources.
"""

from __future__ import annotations

from app.catalogue.enums import Taxonomy
from integrations.records import TermRecord, Text

FORMAT_LABELS: dict[str, Text] = {
    "group": Text(fi="Ryhmä", sv="Grupp", en="Group"),
    "course": Text(fi="Kurssi", sv="Kurs", en="Course"),
    "drop-in": Text(fi="Avoin kohtaamispaikka", sv="Öppen mötesplats", en="Drop-in"),
    "event": Text(fi="Tapahtuma", sv="Evenemang", en="Event"),
    "online": Text(fi="Verkossa", sv="På nätet", en="Online"),
    "phone": Text(fi="Puhelimessa", sv="Per telefon", en="By phone"),
    "trip": Text(fi="Leiri tai retki", sv="Läger eller utflykt", en="Camp or trip"),
    "volunteering": Text(fi="Vapaaehtoistoiminta", sv="Frivilligverksamhet", en="Volunteering"),
}


def format_terms(codes: set[str]) -> tuple[TermRecord, ...]:
    """Term records of our format codes, sorted so the record's hash does not depend on set order."""
    return tuple(TermRecord(Taxonomy.FORMAT.value, code, FORMAT_LABELS[code]) for code in sorted(codes))
