"""The OpenAPI document of the HSDS API: generated from the routes, with the reference's response schemas.

It is a superset of the HSDS 3.0 reference OpenAPI (every path and parameter of it, the UK profile's
age, day and time parameters) plus our extensions, listed in EXTENSIONS; tests/hsds checks it against
the reference in ../shared/reference/hsds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.openapi.utils import get_openapi
from starlette.routing import BaseRoute

from app.settings import Settings

SPEC = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

# 200 answers as the reference describes them: (schema of one record, whether it is a paged list).
RESPONSES: dict[str, tuple[str, bool]] = {
    "/services": (SPEC + "compiled/service_list.json", True),
    "/services/{id}": (SPEC + "compiled/service.json", False),
    "/service_at_locations": (SPEC + "compiled/service_at_location_list.json", True),
    # The reference names compiled/service.json here, evidently a slip: the answer is a service at location.
    "/service_at_locations/{id}": (SPEC + "compiled/service_at_location.json", False),
    "/organizations": (SPEC + "compiled/organization_list.json", True),
    "/organizations/{id}": (SPEC + "compiled/organization.json", False),
    "/taxonomies": (SPEC + "taxonomy.json", True),
    "/taxonomies/{id}": (SPEC + "taxonomy.json", False),
    "/taxonomy_terms": (SPEC + "taxonomy_term.json", True),
    "/taxonomy_terms/{id}": (SPEC + "taxonomy_term.json", False),
}

EXTENSIONS = """\
Extensions to the HSDS 3.0 reference API (a superset: every reference path and parameter works as the
reference says):

- `lang` (fi, sv, en) on every endpoint: the language of the texts (HSDS has no multilingual text).
- `postcode`, `proximity` also on `/services`; the UK profile's `minimum_age`, `maximum_age`, `day`,
  `start_time`, `end_time` on `/services` and `/service_at_locations`.
- `GET /export.zip`: the whole catalogue as the HSDS tabular data package (CSV), rebuilt when the
  catalogue changes.
- Ids are UUIDs and stay the same from one sync to the next.
- With `modified_after`, services retired since are included with status `inactive`.
- Schedule times are Finnish local time (Europe/Helsinki).
- `x_hsds_3_1_capacities` on a full service: the provider's word on free places in the HSDS 3.1 draft's
  `service_capacity` shape (3.0 has no capacity).

Data licence: content from Suomi.fi Palvelutietovaranto (PTV) is CC0 1.0; other content is under the
terms its source gives (each record's `metadata` names its source). The API layout is Open Referral's
Human Services Data Specification 3.0 (https://openreferral.org/, CC BY-SA 4.0).
"""

PAGE = {
    "type": "object",
    "description": "HSDS 3.0 Page: the header of every list answer.",
    "properties": {
        "total_items": {"type": "integer", "description": "The total number of entities returned."},
        "total_pages": {"type": "integer", "description": "Count of total pages."},
        "page_number": {"type": "integer", "description": "The number of the current page."},
        "size": {"type": "integer", "description": "The number of entities in the current page."},
        "first_page": {"type": "boolean", "description": "Whether this is the first page."},
        "last_page": {"type": "boolean", "description": "Whether this is the last page."},
        "empty": {"type": "boolean", "description": "Whether the result set is empty."},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable machine-readable code."},
        "message": {"type": "string", "description": "What went wrong, in the language of the request."},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"parameter": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def hsds_openapi(settings: Settings, routes: Sequence[BaseRoute]) -> dict[str, Any]:
    base = str(settings.base_url).rstrip("/") + settings.hsds_path
    document = get_openapi(
        title="Palvelutarjotin open data (Open Referral HSDS 3.0)",
        version="3.0",
        openapi_version="3.1.0",
        summary="The hyte service catalogue as an Open Referral HSDS 3.0 API.",
        description=EXTENSIONS,
        routes=list(routes),
        servers=[{"url": base}],
        license_info={
            "name": "PTV content CC0 1.0; other content as each source allows",
            "url": "https://creativecommons.org/publicdomain/zero/1.0/",
        },
    )
    document["jsonSchemaDialect"] = "https://json-schema.org/draft/2020-12/schema"
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Page"] = PAGE
    schemas["Error"] = ERROR
    for path, item in document.get("paths", {}).items():
        operation = item.get("get")
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        ok = responses.setdefault("200", {"description": "Successful answer."})
        if path == "/export.zip":
            ok["content"] = {
                "application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}
            }
        elif path in RESPONSES:
            record, paged = RESPONSES[path]
            if paged:
                schema: dict[str, Any] = {
                    "properties": {"contents": {"type": "array", "items": {"$ref": record}}},
                    "allOf": [{"$ref": "#/components/schemas/Page"}],
                }
                ok["content"] = {
                    "application/json": {"schema": schema},
                    "application/x-ndjson": {"schema": {"$ref": record}},
                }
            else:
                ok["content"] = {"application/json": {"schema": {"$ref": record}}}
        elif path == "/":
            ok["content"] = {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "version": {"type": "string", "description": "HSDS version of this API."},
                            "profile": {
                                "type": "string",
                                "format": "uri",
                                "description": "URL of the information on the HSDS profile of this API.",
                            },
                            "openapi_url": {
                                "type": "string",
                                "format": "uri",
                                "description": "URL of the openapi JSON file which defines this API.",
                            },
                        },
                    }
                }
            }
        responses["304"] = {
            "description": "Not modified: the copy named by If-None-Match or If-Modified-Since is current."
        }
        if operation.get("parameters") or "{" in path:
            responses["422"] = _error("A parameter is not valid; the message says which and why.")
        if "{" in path:
            responses["404"] = _error("Nothing with this id.")
        responses["429"] = _error("Too many requests from this address; Retry-After says when to try again.")
    return document
