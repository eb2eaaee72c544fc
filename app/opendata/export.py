"""The whole catalogue as HSDS records, streamed a batch at a time, and the tabular zip made from them.

The zip is named by the catalogue's version: a sync that changes anything changes the version, and
the next request for the zip builds a new one (web/hsds) or `tarjotin hsds export` does it at once.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.opendata import hsds, queries, tabular
from app.opendata.bundles import Lookups
from app.opendata.loading import load_lookups, load_organisation_bundles, load_service_bundles

log = logging.getLogger(__name__)

LICENCE_TEXT = """\
Palvelutarjotin: the catalogue as Open Referral HSDS 3.0 tables
================================================================

One CSV per HSDS table (datapackage.json describes them). Text is in the language the file name
names (fi, sv or en), falling back to another language where a listing lacks it. Schedule times
are Finnish local time (Europe/Helsinki). Two tables are extensions: x_service_capacities.csv and
x_units.csv hold the providers' word on free places in the HSDS 3.1 draft's service_capacity shape.

Licence of the data
-------------------
- Services, places and organisations from Suomi.fi Palvelutietovaranto (PTV): CC0 1.0.
- Content from Lähellä.fi and LinkedEvents: under the terms each source gives; the `metadata`
  table names the source of every record (field_name "source", "source_id", "source_url").
- Demo rows (metadata field "demo") are generated, fictional data.
- Municipality names: Statistics Finland, CC BY 4.0.
Attribute as: "Palvelutarjotin, data from Suomi.fi Palvelutietovaranto (DVV) and the sources named
in the metadata".

The table layout is the Human Services Data Specification (HSDS) 3.0, an Open Referral resource
(https://openreferral.org/), CC BY-SA 4.0.
"""

LICENSES = [
    {
        "name": "CC0-1.0",
        "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        "title": "PTV content: CC0 1.0",
    },
    {"name": "other", "title": "Other sources: as each source allows (see metadata.csv and README.txt)"},
]
SOURCES = [
    {"title": "Suomi.fi Palvelutietovaranto (DVV)", "path": "https://palvelutietovaranto.suomi.fi/"},
    {"title": "Lähellä.fi", "path": "https://lahella.fi/"},
    {"title": "LinkedEvents", "path": "https://api.hel.fi/linkedevents/v1/"},
]


def iter_service_records(
    session: Session, query: queries.ServiceQuery, lookups: Lookups, lang: str, *, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Full HSDS services matching `query`, in id order; memory holds one batch."""
    for ids in queries.iter_service_ids(session, query, batch=batch):
        for bundle in load_service_bundles(session, ids):
            yield hsds.service_to_hsds(bundle, lookups, lang)


def iter_organisation_records(
    session: Session, search: str | None, lang: str, *, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Organisations with their own details (phones, identifiers, provenance), without nested services."""
    for ids in queries.iter_organisation_ids(session, search, batch=batch):
        bundles = load_organisation_bundles(session, ids)
        for organisation_id in ids:
            yield hsds.organisation_to_hsds(bundles[organisation_id], lang)


def taxonomy_records(lang: str) -> list[dict[str, Any]]:
    return [hsds.taxonomy_to_hsds(name, lang) for name in hsds.taxonomy_names()]


def term_records(vocabulary: hsds.Vocabulary, lookups: Lookups, lang: str) -> Iterator[dict[str, Any]]:
    for taxonomy, code, label in vocabulary.terms.values():
        yield hsds.term_to_hsds(taxonomy, code, lookups, lang, label)


def export_name(version: queries.CatalogueVersion, lang: str) -> str:
    digest = hashlib.sha256(f"{version.token}/{lang}".encode()).hexdigest()[:16]
    return f"hsds-{lang}-{digest}.zip"


def build_export(session: Session, directory: Path, lang: str, *, now: datetime) -> Path:
    """Write the tabular export of the catalogue as it is now into `directory`; return its path.

    An export of the same catalogue version that exists already is reused. Older exports are removed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    version = queries.catalogue_version(session)
    target = directory / export_name(version, lang)
    if target.exists():
        return target
    lookups = load_lookups(session)
    vocabulary = hsds.build_vocabulary(lookups, queries.used_terms(session))
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        writer = tabular.TableWriter(Path(scratch))
        try:
            for record in iter_service_records(session, queries.ServiceQuery(), lookups, lang):
                tables = tabular.new_tables()
                tabular.flatten(record, "services", tables, skip=frozenset({"organization"}))
                writer.write(tables)
            for record in iter_organisation_records(session, None, lang):
                tables = tabular.new_tables()
                tabular.flatten(record, "organizations", tables)
                writer.write(tables)
            tables = tabular.new_tables()
            for record in taxonomy_records(lang):
                tabular.flatten(record, "taxonomies", tables)
            for record in term_records(vocabulary, lookups, lang):
                tabular.flatten(record, "taxonomy_terms", tables)
            writer.write(tables)
        finally:
            writer.close()
        descriptor = tabular.datapackage(
            name=f"palvelutarjotin-hsds-{lang}",
            title="Palvelutarjotin: hyte services as HSDS 3.0",
            description="The service catalogue in the Open Referral HSDS 3.0 tabular format.",
            licenses=LICENSES,
            sources=SOURCES,
            created=hsds.iso_datetime(now) or "",
        )
        tabular.write_zip(Path(scratch), target, descriptor, {"README.txt": LICENCE_TEXT})
    for old in directory.glob(f"hsds-{lang}-*.zip"):
        if old != target:
            old.unlink(missing_ok=True)
    log.info("HSDS export %s written", target.name)
    return target
