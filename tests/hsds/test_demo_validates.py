"""Every answer of every /hsds/ endpoint over the whole demo catalogue validates against HSDS 3.0's
JSON schemas (../shared/reference/hsds/3.0/schema), on both engines."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from tests.hsds.conftest import assert_valid, page_schema

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
    lines = demo_client.get("/hsds/service_at_locations", params={"format": "ndjson"}).text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [item["id"] for item in full]


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
