"""Bulk: the ndjson export re-imports losslessly into the HSDS tabular shape, which is what
/hsds/export.zip holds; the zip's tables are HSDS 3.0's, and a change in the catalogue rebuilds it."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

from fastapi.testclient import TestClient

from app.opendata import tabular
from tests.hsds.conftest import reference_dir


def _ndjson(client: TestClient, path: str) -> list[dict]:
    response = client.get(path, params={"format": "ndjson"})
    assert response.status_code == 200
    return [json.loads(line) for line in response.text.splitlines()]


def test_ndjson_reimports_losslessly_into_the_tabular_export(demo_client: TestClient) -> None:
    response = demo_client.get("/hsds/export.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    exported = tabular.read_zip_tables(response.content)
    tables = tabular.new_tables()
    services = _ndjson(demo_client, "/hsds/services")
    assert len(services) == 705
    for record in services:
        tabular.flatten(record, "services", tables, skip=frozenset({"organization"}))
    for record in _ndjson(demo_client, "/hsds/organizations"):
        tabular.flatten(record, "organizations", tables)
    for record in _ndjson(demo_client, "/hsds/taxonomies"):
        tabular.flatten(record, "taxonomies", tables)
    for record in _ndjson(demo_client, "/hsds/taxonomy_terms"):
        tabular.flatten(record, "taxonomy_terms", tables)
    reimported = tabular.as_csv_rows(tables)
    for table in tabular.TABLES:
        key = lambda row: row["id"]  # noqa: E731
        assert sorted(reimported[table], key=key) == sorted(exported[table], key=key), table
    assert len(exported["services"]) == 705 and len(exported["schedules"]) > 1000
    assert {row["link_entity"] for row in exported["attributes"]} >= {"service", "service_area"}


def test_the_zip_is_a_datapackage_of_hsds_tables(demo_client: TestClient) -> None:
    data = demo_client.get("/hsds/export.zip", params={"lang": "sv"}).content
    with zipfile.ZipFile(BytesIO(data)) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        readme = archive.read("README.txt").decode()
    reference = json.loads((reference_dir() / "3.0" / "datapackage.json").read_text(encoding="utf-8"))
    expected = {
        resource["path"]: [field["name"] for field in resource["schema"]["fields"]]
        for resource in reference["resources"]
    }
    for resource in descriptor["resources"]:
        if resource["path"].startswith("x_"):  # extensions: the HSDS 3.1 draft's capacity tables
            continue
        assert [field["name"] for field in resource["schema"]["fields"]] == expected[resource["path"]]
    assert "CC0" in readme and "HSDS" in readme
    assert any(license["name"] == "CC0-1.0" for license in descriptor["licenses"])
    # Swedish texts in the Swedish export.
    names = {row["name"] for row in tabular.read_zip_tables(data)["taxonomies"]}
    assert "PTV:s tjänsteklasser" in names
