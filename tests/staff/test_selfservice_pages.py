"""Provider self-service, moderation, problem reports and catalogue health through the real app."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.catalogue.enums import Source
from app.catalogue.models import Organisation, Service
from tests.factories import make_service
from tests.staff.conftest import csrf_token, sign_in

VIRE = "9911951-0"


def _vire_service(session: Session) -> Service:
    vire = session.exec(select(Organisation).where(Organisation.business_id == VIRE)).one()
    service = make_service(
        session, organisation=vire, name_fi="Vireän tasapainoryhmä", area_municipalities=("098",)
    )
    session.commit()
    return service


def test_pages_need_sign_in(client: TestClient, demo_staff: dict) -> None:
    for path in (
        "/staff/listings",
        "/staff/moderation",
        "/staff/problems",
        "/staff/catalogue-health",
        "/staff/listings/local/new",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/sign-in"), path


def test_provider_admin_sets_room_and_it_shows_at_once(
    client: TestClient, session: Session, demo_staff: dict
) -> None:
    service = _vire_service(session)
    sign_in(client, "vire@demo.example")
    listing = client.get("/staff/listings")
    assert listing.status_code == 200 and "Vireän tasapainoryhmä" in listing.text
    form = client.get(f"/staff/listings/{service.id}")
    assert form.status_code == 200
    token = csrf_token(client, f"/staff/listings/{service.id}")
    bad = client.post(
        f"/staff/listings/{service.id}",
        data={"capacity": "places_free", "places_free": "²", "csrftoken": token},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "10 000" in bad.text
    saved = client.post(
        f"/staff/listings/{service.id}",
        data={
            "accepts_referrals": "true",
            "referral_methods": ["phone", "email"],
            "capacity": "waiting_list",
            "kaikukortti": "true",
            "csrftoken": token,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(f"/fi/services/{service.id}").text
    assert "Jonotuslista" in page and "Kaikukortti käy" in page
    assert client.get("/staff/listings?saved=1").text.count("Jonotuslista") >= 1


def test_another_organisation_cannot_change_the_listing(
    client: TestClient, session: Session, demo_staff: dict
) -> None:
    service = _vire_service(session)
    sign_in(client, "tules@demo.example")
    assert client.get(f"/staff/listings/{service.id}").status_code == 403
    token = csrf_token(client, "/staff/")
    response = client.post(f"/staff/listings/{service.id}", data={"capacity": "full", "csrftoken": token})
    assert response.status_code == 403
    assert "Tällä hetkellä täynnä" not in client.get(f"/fi/services/{service.id}").text


def test_a_local_listing_is_reviewed_before_it_is_published(
    client: TestClient, session: Session, demo_staff: dict
) -> None:
    vire = session.exec(select(Organisation).where(Organisation.business_id == VIRE)).one()
    sign_in(client, "vire@demo.example")
    token = csrf_token(client, "/staff/listings/local/new")
    data = {
        "organisation_id": str(vire.id),
        "name_fi": "Lenkkikerho Salpakankaalla",
        "summary_fi": "Yhteinen lenkki kerran viikossa.",
        "themes": ["liikunta"],
        "municipalities": ["098"],
        "languages": ["fi"],
        "day": ["WE", ""],
        "starts": ["18.00", ""],
        "ends": ["19.00", ""],
        "postal_code": "15880",
        "is_free": "true",
        "csrftoken": token,
    }
    assert (
        client.post("/staff/listings/local", data={**data, "themes": []}, follow_redirects=False).status_code
        == 422
    )
    posted = client.post("/staff/listings/local", data=data, follow_redirects=False)
    assert posted.status_code == 303, posted.text[-3000:]
    assert session.exec(select(Service).where(Service.source == Source.LOCAL)).first() is None

    client.cookies.clear()
    sign_in(client, "moderaattori@demo.example")
    queue = client.get("/staff/moderation")
    assert "Lenkkikerho Salpakankaalla" in queue.text
    review_path = queue.text.split('href="/staff/moderation/')[1].split('"')[0]
    review = client.get(f"/staff/moderation/{review_path}")
    assert review.status_code == 200 and "Yhteinen lenkki" in review.text
    token = csrf_token(client, f"/staff/moderation/{review_path}")
    approved = client.post(
        f"/staff/moderation/{review_path}",
        data={"decision": "approve", "csrftoken": token},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    published = session.exec(select(Service).where(Service.source == Source.LOCAL)).one()
    assert published.name_fi == "Lenkkikerho Salpakankaalla" and published.organisation_id == vire.id
    assert client.get(f"/fi/services/{published.id}").status_code == 200
    again = client.post(f"/staff/moderation/{review_path}", data={"decision": "approve", "csrftoken": token})
    assert again.status_code == 409


def test_anyone_reports_a_problem_and_the_owner_sees_it(
    client: TestClient, session: Session, demo_staff: dict
) -> None:
    service = _vire_service(session)
    form = client.get(f"/sv/services/{service.id}/problem")
    assert form.status_code == 200 and "Vad är fel?" in form.text
    token = csrf_token(client, f"/sv/services/{service.id}/problem")
    assert (
        client.post(
            f"/sv/services/{service.id}/problem", data={"kind": "nonsense", "csrftoken": token}
        ).status_code
        == 422
    )
    sent = client.post(
        f"/sv/services/{service.id}/problem",
        data={"kind": "wrong_time", "text": "Gruppen träffas numera på tisdagar.", "csrftoken": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    sign_in(client, "vire@demo.example")
    reports = client.get("/staff/problems")
    assert "Gruppen träffas numera på tisdagar." in reports.text
    client.cookies.clear()
    sign_in(client, "tules@demo.example")
    assert "Gruppen träffas numera" not in client.get("/staff/problems").text


def test_catalogue_health_for_analysts_and_moderators_only(
    client: TestClient, session: Session, demo_staff: dict
) -> None:
    _vire_service(session)
    sign_in(client, "analyytikko.lahti@demo.example")
    page = client.get("/staff/catalogue-health")
    assert page.status_code == 200 and "Hollola" in page.text
    client.cookies.clear()
    sign_in(client, "tules@demo.example")
    assert client.get("/staff/catalogue-health").status_code == 403
