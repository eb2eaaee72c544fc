"""HSDS records -> the HSDS tabular shape (one CSV per table, a datapackage.json), and the zip of it.

`flatten` is pure and refuses a field it has no column for, so nothing a record says is lost on the
way into the tables; tests/hsds re-import the ndjson export through it and compare with the zip.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

# Table -> (resource name, columns), in the order and with the names of HSDS 3.0's datapackage.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organizations": ("organization", ("id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id", "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id")),
    "services": ("service", ("id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email", "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert", "last_modified")),
    "attributes": ("attribute", ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value")),
    "service_at_location": ("service_at_location", ("id", "service_id", "location_id", "description")),
    "locations": ("location", ("id", "location_type", "url", "organization_id", "name", "alternate_name", "description", "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type")),
    "phones": ("phone", ("id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number", "extension", "type", "description")),
    "contacts": ("contact", ("id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title", "department", "email")),
    "addresses": ("address", ("id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code", "country", "address_type")),
    "schedules": ("schedule", ("id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes")),
    "service_areas": ("service_area", ("id", "service_id", "name", "description", "extent", "extent_type", "uri")),
    "languages": ("language", ("id", "service_id", "location_id", "phone_id", "name", "code", "note")),
    "accessibility": ("accessibility", ("id", "location_id", "description", "details", "url")),
    "taxonomy_terms": ("taxonomy_term", ("id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri")),
    "metadata": ("metadata", ("id", "resource_id", "resource_type", "last_action_date", "last_action_type", "field_name", "previous_value", "replacement_value", "updated_by")),
    "cost_options": ("cost_option", ("id", "service_id", "valid_from", "valid_to", "option", "currency", "amount", "amount_description")),
    "organization_identifiers": ("organization_identifier", ("id", "organization_id", "identifier_scheme", "identifier_type", "identifier")),
    "taxonomies": ("taxonomy", ("id", "name", "description", "uri", "version")),
    # Extension: the HSDS 3.1 draft's service_capacity and unit (capacity is not in 3.0).
    "x_service_capacities": ("x_service_capacity", ("id", "service_id", "unit_id", "available", "maximum", "description", "updated")),
    "x_units": ("x_unit", ("id", "name", "scheme", "identifier", "uri")),
}  # fmt: skip

NUMBERS = {"available", "maximum", "year_incorporated", "minimum_age", "maximum_age", "latitude", "longitude", "extension", "timezone", "count", "interval", "amount"}  # fmt: skip

# A list of child objects under this key -> their table.
LIST_CHILDREN: dict[str, str] = {
    "phones": "phones",
    "schedules": "schedules",
    "service_areas": "service_areas",
    "service_at_locations": "service_at_location",
    "languages": "languages",
    "cost_options": "cost_options",
    "contacts": "contacts",
    "attributes": "attributes",
    "metadata": "metadata",
    "addresses": "addresses",
    "accessibility": "accessibility",
    "organization_identifiers": "organization_identifiers",
    "locations": "locations",
    "services": "services",
    "x_hsds_3_1_capacities": "x_service_capacities",
}
# One child object under this key -> its table.
OBJECT_CHILDREN: dict[str, str] = {
    "location": "locations",
    "organization": "organizations",
    "taxonomy_term": "taxonomy_terms",
    "service": "services",
    "unit": "x_units",
}


class FlattenError(ValueError):
    """A record holds a field the tabular shape has no column for (it would be lost)."""


Tables = dict[str, dict[str, dict[str, Any]]]  # table -> id -> row


def new_tables() -> Tables:
    return {table: {} for table in TABLES}


def flatten(
    record: Mapping[str, Any], table: str, tables: Tables, *, skip: frozenset[str] = frozenset()
) -> None:
    """Add a nested HSDS record and everything under it to `tables` (rows by id; repeats are the same)."""
    columns = TABLES[table][1]
    row: dict[str, Any] = {}
    for key, value in record.items():
        if key in skip:
            continue
        if key in LIST_CHILDREN and isinstance(value, list):
            for child in value:
                flatten(child, LIST_CHILDREN[key], tables)
        elif key in OBJECT_CHILDREN and isinstance(value, Mapping):
            flatten(value, OBJECT_CHILDREN[key], tables)
        elif key in columns:
            row[key] = value
        else:
            raise FlattenError(f"{table}.{key} has no column in the tabular shape")
    tables[table].setdefault(str(record["id"]), row)


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_row(table: str, row: Mapping[str, Any]) -> list[str]:
    return [csv_value(row.get(column)) for column in TABLES[table][1]]


def datapackage(
    *,
    name: str,
    title: str,
    description: str,
    licenses: list[dict[str, str]],
    sources: list[dict[str, str]],
    created: str,
) -> dict[str, Any]:
    """A Frictionless tabular data package descriptor of the tables."""
    resources = []
    for table, (resource, columns) in TABLES.items():
        resources.append(
            {
                "name": resource,
                "path": f"{table}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": column, "type": "number" if column in NUMBERS else "string"}
                        for column in columns
                    ],
                    "primaryKey": "id",
                },
            }
        )
    return {
        "name": name,
        "title": title,
        "description": description,
        "profile": "tabular-data-package",
        "created": created,
        "licenses": licenses,
        "sources": sources,
        "resources": resources,
    }


class TableWriter:
    """Writes rows to one CSV per table as they come (memory holds only the ids seen, to skip repeats)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self._seen: dict[str, set[str]] = {table: set() for table in TABLES}
        for table, (_, columns) in TABLES.items():
            handle = (directory / f"{table}.csv").open("w", encoding="utf-8", newline="")
            self._files[table] = handle
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            self._writers[table] = writer

    def write(self, tables: Tables) -> None:
        for table, rows in tables.items():
            seen = self._seen[table]
            writer = self._writers[table]
            for row_id, row in rows.items():
                if row_id in seen:
                    continue
                seen.add(row_id)
                writer.writerow(csv_row(table, row))

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()


def write_zip(directory: Path, target: Path, descriptor: Mapping[str, Any], extra: Mapping[str, str]) -> None:
    """Zip the tables, the descriptor and extra text files (README) into `target`, atomically."""
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2))
        for name, content in extra.items():
            archive.writestr(name, content)
        for table in TABLES:
            archive.write(directory / f"{table}.csv", f"{table}.csv")
    partial.replace(target)


def read_zip_tables(data: bytes) -> dict[str, list[dict[str, str]]]:
    """The CSV tables of an export, as lists of {column: text}."""
    tables: dict[str, list[dict[str, str]]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for table in TABLES:
            with archive.open(f"{table}.csv") as handle:
                tables[table] = list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8", newline="")))
    return tables


def as_csv_rows(tables: Tables) -> dict[str, list[dict[str, str]]]:
    """Flattened tables as the CSV would hold them (text), for comparing with an export."""
    return {
        table: [dict(zip(TABLES[table][1], csv_row(table, row), strict=True)) for row in rows.values()]
        for table, rows in tables.items()
    }


def iter_ndjson(lines: Iterable[bytes | str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line and line.strip():
            yield json.loads(line)
