"""The search page reads "ilmainen" and a municipality named in the words as filters, says so, and undoes it."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.web.test_pages import get, names_in, seed


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx"])
def test_free_and_place_words_are_filters_said_on_the_page(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    seed(session, app)
    status, body = get(client, "/sv/search?q=gym+Lahtis", hx)
    assert status == 200
    assert names_in(body) == ["Gymgrupp för seniorer"]
    assert "Aktiviteter i Lahtis visas, eftersom kommunen nämns i sökningen." in body
    undo = "/sv/search?q=gym+Lahtis&amp;plain=1"
    assert f'href="{undo}"' in body
    # As typed, "Lahtis" is a word the listing does not have: nothing matches every word.
    status, body = get(client, undo.replace("&amp;", "&"), hx)
    assert status == 200 and "nämns i sökningen" not in body

    status, body = get(client, "/fi/search?q=ilmainen+kuntosali", hx)
    assert "Näytetään vain maksuttomat, koska haussa on sana ”ilmainen”." in body
