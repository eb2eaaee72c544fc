"""A place filter does not drop online listings: they are shown apart, after the local results."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import Taxonomy
from app.catalogue.models import ServiceTerm
from search.indexer import rebuild
from tests.factories import make_location, make_service


def _seed(session: Session, app: FastAPI) -> None:
    lahti = make_location(session, name_fi="Liikuntakeskus", municipality_code="398")
    make_service(session, name_fi="Kuntosaliryhmä", locations=(lahti,))
    online = make_service(session, name_fi="Muistineuvonta verkossa")
    session.add(
        ServiceTerm(service_id=online.id, taxonomy=Taxonomy.FORMAT, code="online", label_fi="Verkossa")
    )
    session.flush()
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)


def test_online_listings_are_shown_apart_after_a_places_results(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    _seed(session, app)
    body = " ".join(client.get("/fi/search?municipality=398").text.split())
    local = body.index(">Kuntosaliryhmä</a>")
    apart = body.index('<h2 id="online-heading">Myös verkossa, asuitpa missä tahansa</h2>')
    assert local < apart < body.index(">Muistineuvonta verkossa</a>")
    assert "<dt>Osallistumistapa</dt><dd>Verkossa</dd>" in body[apart:]
    # Without a place filter the online listing is among the results and nothing is shown apart.
    body = client.get("/fi/search").text
    assert "online-heading" not in body
    # The format is a filter of its own.
    body = client.get("/fi/search?format=online").text
    assert ">Muistineuvonta verkossa</a>" in body and ">Kuntosaliryhmä</a>" not in body
    assert client.get("/fi/search?format=teleport").status_code == 422
    api = client.get("/api/v1/search?format=online").json()
    assert [(item["names"]["fi"], item["formats"]) for item in api["items"]] == [
        ("Muistineuvonta verkossa", ["online"])
    ]
