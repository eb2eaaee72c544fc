"""A service whose organisation is known only from the summary it carries (PTV did not return the
organisation): the page names the organisation, claims no kind for it, and the API says it is a summary."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import OrganisationKind
from tests.factories import make_organisation, make_service


def test_an_organisation_known_from_a_summary_only(client: TestClient, session: Session) -> None:
    organisation = make_organisation(
        session,
        name_fi="Lahden Perheyhdistys ry",
        kind=OrganisationKind.OTHER,
        business_id=None,
        municipality_code=None,
        summary_only=True,
    )
    service = make_service(session, organisation=organisation, name_fi="Perhekahvila")
    session.commit()
    page = client.get(f"/en/services/{service.id}")
    assert page.status_code == 200
    assert "Lahden Perheyhdistys ry" in page.text and "Other provider" not in page.text
    body = client.get(f"/api/v1/services/{service.id}").json()
    assert body["organisation"]["summary_only"] is True and body["organisation"]["kind"] == "other"
    full = client.get(f"/api/v1/organisations/{organisation.id}").json()
    assert full["summary_only"] is True
