"""The service page says which accessibility features the data states and which it does not."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_location, make_service


def test_known_and_unknown_features(client: TestClient, session: Session) -> None:
    stated = make_location(session, name_fi="Liikuntahalli", accessibility_features=["wheelchair", "hearing"])
    silent = make_location(session, name_fi="Seurakuntatalo")
    service = make_service(session, locations=(stated, silent))
    page = " ".join(client.get(f"/fi/services/{service.id}").text.split())
    body = page[page.index('id="access-heading"') :]
    hall = body.index("<strong>Liikuntahalli</strong>")
    parish = body.index("<strong>Seurakuntatalo</strong>")
    assert "Tiedoissa kerrotaan: Pyörätuolilla esteetön, Kuulovammaisille sopiva." in body[hall:parish]
    assert "Ei kerrottu: rollaattorilla esteetön, näkövammaisille sopiva." in body[hall:parish]
    assert "Tiedoissa kerrotaan" not in body[parish:]  # nothing is claimed for the silent place
    assert "Ei kerrottu: pyörätuolilla esteetön, rollaattorilla esteetön" in body[parish:]
