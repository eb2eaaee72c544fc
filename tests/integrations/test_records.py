"""Source-neutral records: language fallback and the content hash that makes sync idempotent."""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import replace
from datetime import UTC, datetime, time

from app.catalogue.enums import Taxonomy
from integrations.records import (
    Page,
    Provenance,
    ScheduleRecord,
    ServiceRecord,
    TermRecord,
    Text,
    content_hash,
    precompute_hashes,
    term,
)


def _service(**changes) -> ServiceRecord:
    record = ServiceRecord(
        provenance=Provenance("ptv", "s-1", source_modified_at=datetime(2026, 1, 2, tzinfo=UTC)),
        organisation_external_id="o-1",
        name=Text(fi="Tuolijumppa"),
        schedules=(ScheduleRecord(kind="session", byday="MO", opens_at=time(10), closes_at=time(11)),),
    )
    return replace(record, **changes)


def test_text_first_language_present() -> None:
    assert Text(sv="Gymnastik", en="Gym").first() == "Gymnastik"
    assert Text().first() is None
    assert not Text()
    assert Text(en="x")


def test_content_hash_is_stable_and_sensitive() -> None:
    assert content_hash(_service()) == content_hash(_service())
    assert content_hash(_service()) != content_hash(_service(name=Text(fi="Tuolijumppa", sv="Stolgympa")))
    later = Provenance("ptv", "s-1", source_modified_at=datetime(2026, 1, 3, tzinfo=UTC))
    assert content_hash(_service()) != content_hash(_service(provenance=later))


def test_content_hash_is_kept_on_the_record_and_travels_with_it() -> None:
    record = _service()
    digest = content_hash(record)
    assert digest == hashlib.sha256(repr(_service()).encode("utf-8")).hexdigest()
    # Kept outside the fields: repr, equality and a changed copy are unaffected.
    assert record == _service() and repr(record) == repr(_service())
    assert content_hash(replace(record, name=Text(fi="Muu"))) != digest
    page = Page(label="p", services=[_service()])
    precompute_hashes(page)  # what the crawl process does before it sends a page
    travelled = pickle.loads(pickle.dumps(page)).services[0]
    assert travelled.__dict__["_content_hash"] == digest == content_hash(travelled)


def test_terms_are_shared_and_hash_as_before() -> None:
    label = Text(fi="Liikunta")
    shared = term(Taxonomy.THEME, "liikunta", label)
    assert shared is term(Taxonomy.THEME, "liikunta", Text(fi="Liikunta"))  # one object per term
    assert shared == TermRecord(taxonomy=Taxonomy.THEME, code="liikunta", label=label)
    # A str taxonomy is not the enum's object: their reprs (and so content hashes) differ.
    plain = term("theme", "liikunta", label)
    assert plain is not shared and repr(plain) == repr(TermRecord("theme", "liikunta", label))
    record = _service(terms=(shared,))
    assert content_hash(record) == content_hash(
        _service(terms=(TermRecord(Taxonomy.THEME, "liikunta", label),))
    )
    # Shared terms cross the process boundary once per page.
    page = Page(label="p", services=[_service(terms=(shared,)), _service(terms=(shared,))])
    travelled = pickle.loads(pickle.dumps(page))
    assert travelled.services[0].terms[0] is travelled.services[1].terms[0]
