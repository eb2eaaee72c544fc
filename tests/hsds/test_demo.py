"""Over the whole demo catalogue (loaded once per engine, the way `make run` loads it): every answer of
every /hsds/ endpoint validates against HSDS 3.0's JSON schemas (../shared/reference/hsds/3.0/schema),
and the ndjson export re-imports losslessly into the tabular shape that /hsds/export.zip holds."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from app.opendata import tabular
from tests.hsds.conftest import assert_valid, page_schema, reference_dir
from web.hsds import routes

ALL = {"per_page": 1000}


def _page(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params={**ALL, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    Draft202012Validator(page_schema()).validate(body)
    assert body["total_items"] == len(body["contents"]) and body["last_page"] is True
    return body


def test_root_names_the_version_and_where_the_openapi_is(demo_client: TestClient) -> None:
    body = demo_client.get("/hsds/").json()
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("/hsds/openapi.json") and body["profile"].startswith("https://")


def test_services_lists_and_each_service_validate(demo_client: TestClient) -> None:
    brief = _page(demo_client, "/hsds/services")["contents"]
    assert len(brief) == 705  # the demo catalogue's hyte services (demo/README.md)
    for item in brief:
        assert_valid("compiled_service_list.json", item)
        assert "service_at_locations" not in item  # a list item has the one-to-one fields only
    full = _page(demo_client, "/hsds/services", full="true")["contents"]
    assert [s["id"] for s in full] == [s["id"] for s in brief]
    for service in full:
        assert_valid("service.json", service)
    for lang in ("sv", "en"):  # the same mapping in other languages: a sample keeps the test short
        for service in _page(demo_client, "/hsds/services", full="true", lang=lang)["contents"][::7]:
            assert_valid("service.json", service)
    # The by-id answer and the ndjson line are the same record as the full list item.
    for service in full[::50]:
        assert demo_client.get(f"/hsds/services/{service['id']}").json() == service
    lines = demo_client.get("/hsds/services", params={"format": "ndjson"}).text.splitlines()
    assert [json.loads(line) for line in lines] == full
    for item in _page(demo_client, "/hsds/services", minimal="true")["contents"]:
        assert set(item) == {"id", "last_modified"}


def test_services_at_locations_validate(demo_client: TestClient) -> None:
    brief = _page(demo_client, "/hsds/service_at_locations")["contents"]
    assert len(brief) > 300
    for item in brief:
        assert_valid("compiled_service_at_location_list.json", item)
    full = _page(demo_client, "/hsds/service_at_locations", full="true")["contents"]
    for item in full:
        assert_valid("service_at_location.json", item)
        assert_valid("location.json", item["location"])
    for item in full[::40]:
        response = demo_client.get(f"/hsds/service_at_locations/{item['id']}")
        assert response.status_code == 200
        assert_valid("service_at_location.json", response.json())
        assert {**response.json(), "service": None} == {**item, "service": None}
    # The stream keeps places it met in earlier batches as their JSON text: the same records.
    lines = demo_client.get("/hsds/service_at_locations", params={"format": "ndjson"}).text.splitlines()
    assert [json.loads(line) for line in lines] == full


def test_pages_walk_the_whole_list_across_the_page_index(demo_client: TestClient) -> None:
    """Pages start from the page index's nearest anchor (every 500th id): walked in pages of 60 and of
    100 (one page starting exactly on an anchor), they are the list, in order, and then nothing."""
    everything = [s["id"] for s in _page(demo_client, "/hsds/services")["contents"]]
    for per_page in (60, 100):
        walked: list[str] = []
        page = 1
        while True:
            body = demo_client.get("/hsds/services", params={"per_page": per_page, "page": page}).json()
            assert body["total_items"] == len(everything) and body["page_number"] == page
            walked.extend(item["id"] for item in body["contents"])
            if body["last_page"]:
                break
            page += 1
        assert walked == everything
        beyond = demo_client.get("/hsds/services", params={"per_page": per_page, "page": page + 1}).json()
        assert beyond["contents"] == [] and beyond["total_items"] == len(everything)
    # A filtered list has its own index.
    liikunta = _page(demo_client, "/hsds/services", search="liikunta")["contents"]
    assert len(liikunta) > 10
    second = demo_client.get("/hsds/services", params={"search": "liikunta", "per_page": 5, "page": 2}).json()
    assert [s["id"] for s in second["contents"]] == [s["id"] for s in liikunta[5:10]]


def test_organizations_validate(demo_client: TestClient) -> None:
    brief = _page(demo_client, "/hsds/organizations")["contents"]
    assert len(brief) > 50
    for item in brief:
        assert_valid("organization.json", item)
    for item in _page(demo_client, "/hsds/organizations", full="true")["contents"]:
        assert_valid("organization.json", item)
        for service in item.get("services", []):
            assert_valid("compiled_service_list.json", service)
    for item in brief[::15]:
        body = demo_client.get(f"/hsds/organizations/{item['id']}", params={"full_service": "true"}).json()
        assert_valid("organization.json", body)
        for service in body.get("services", []):
            assert_valid("service.json", service)


def test_taxonomies_and_terms_validate(demo_client: TestClient) -> None:
    taxonomies = _page(demo_client, "/hsds/taxonomies")["contents"]
    for taxonomy in taxonomies:
        assert_valid("taxonomy.json", taxonomy)
        assert demo_client.get(f"/hsds/taxonomies/{taxonomy['id']}").json() == taxonomy
    names = {t["name"] for t in _page(demo_client, "/hsds/taxonomies", lang="en")["contents"]}
    assert {"PTV service classes", "PTV target groups", "Wellbeing themes", "YSO and KOKO keywords"} <= names
    terms = _page(demo_client, "/hsds/taxonomy_terms", per_page=1000, page=1)
    everything = terms["contents"]
    page = 2
    while not terms["last_page"]:
        terms = demo_client.get("/hsds/taxonomy_terms", params={"per_page": 1000, "page": page}).json()
        everything += terms["contents"]
        page += 1
    assert len(everything) > 500
    for term in everything:
        assert_valid("taxonomy_term.json", term)
    for term in everything[::100]:
        assert demo_client.get(f"/hsds/taxonomy_terms/{term['id']}").json() == term


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


def test_every_streamed_service_is_byte_for_byte_its_single_record(
    demo_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ndjson stream reads in batches and keeps places and organisations met by earlier batches (the
    places as their JSON text); each of its lines is still exactly the bytes /services/{id} answers, for
    every service of the demo catalogue. Small batches, so most places come from that cache."""
    monkeypatch.setattr(routes, "BATCH", 37)
    for lang in ("fi", "sv"):
        response = demo_client.get("/hsds/services", params={"format": "ndjson", "lang": lang})
        assert response.status_code == 200
        lines = response.content.splitlines()
        assert len(lines) == 705
        for line in lines:
            service_id = orjson.loads(line)["id"]
            single = demo_client.get(f"/hsds/services/{service_id}", params={"lang": lang})
            assert single.status_code == 200
            assert single.content == line, service_id
