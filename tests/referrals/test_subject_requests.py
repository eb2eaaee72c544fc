"""An administrator answers a resident's request: finds their referrals (by id, link, short code, or name and
contact), exports everything held (JSON and a readable page), erases it on request with a comment after a
confirmation step (statistics kept), and removes an accidental referral (entered in error). Each step is in
the access log; no one else may do any of it; CSRF as on every staff form."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts.demo import seed_demo_staff
from app.audit.models import AccessLogEntry, AuditEvent
from app.settings import Settings
from referrals import links
from referrals.models import Consent, NoticeAudience, NoticeKind, Referral, ReferralNotice
from referrals.queries import list_timeline
from referrals.service import act
from referrals.status import Action, ReferralStatus
from tests.referrals.world import (
    NOW,
    RESIDENT_EMAIL,
    RESIDENT_NAME,
    RESIDENT_PHONE,
    World,
    bearer,
    issue,
    make_world,
)
from tests.staff.conftest import csrf_token, sign_in

FIND = "/staff/admin/residents/find"


def _ids(page: str) -> set[str]:
    return set(re.findall(r'name="referral" value="([0-9a-f-]{36})"', page))


def _access(session: Session, referral: Referral, purpose: str) -> list[AccessLogEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AccessLogEntry).where(
                col(AccessLogEntry.entity_id) == str(referral.id), col(AccessLogEntry.purpose) == purpose
            )
        ).all()
    )


def _world(session: Session) -> tuple[World, Referral, Referral, str]:
    world = make_world(session)
    issued = issue(session, world)
    other = issue(session, world).referral  # the same resident's second referral
    stranger = issue(session, world).referral  # someone else sharing the e-mail address (a family's)
    stranger.resident_name, stranger.resident_phone = "Eino Testinen", None
    session.add(stranger)
    session.commit()
    return world, issued.referral, other, issued.short_code


def test_find_by_every_kind_of_reference(session: Session, client: TestClient, settings: Settings) -> None:
    world, referral, other, code = _world(session)
    # The app signs links with the settings' key; the world's referrals carry codes made with SECRET.
    settings_secret = settings.secret_key.get_secret_value()
    admin = bearer(world.admin, settings_secret)
    link = f"http://127.0.0.1:8000/fi/r/{links.link_token(referral.id, settings_secret)}"
    for reference in (str(referral.id), link):
        page = client.post(FIND, data={"how": "reference", "reference": reference}, headers=admin)
        assert page.status_code == 200, page.text
        assert _ids(page.text) == {str(referral.id)} and RESIDENT_NAME in page.text
    # The short code: found by its HMAC under the app's key (reissued here under that key).
    referral.code_hash = links.code_digest(referral.id, code, settings_secret)
    session.add(referral)
    session.commit()
    page = client.post(
        FIND, data={"how": "reference", "reference": links.format_code(code).lower()}, headers=admin
    )
    assert _ids(page.text) == {str(referral.id)}
    assert code not in page.text and links.format_code(code) not in page.text  # not shown back
    nothing = client.post(FIND, data={"how": "reference", "reference": "ABCD-EFGH"}, headers=admin)
    assert _ids(nothing.text) == set() and "Lähetteitä ei löytynyt" in nothing.text

    # Name and contact: a national phone number or an e-mail in any case; the other name sharing it is not.
    for contact in ("040 123 4567", RESIDENT_EMAIL.upper()):
        page = client.post(
            FIND,
            data={"how": "contact", "name": f"  {RESIDENT_NAME.lower()} ", "contact": contact},
            headers=admin,
        )
        assert page.status_code == 200
        assert _ids(page.text) == {str(referral.id), str(other.id)}, contact
    bad = client.post(FIND, data={"how": "contact", "name": RESIDENT_NAME, "contact": "12"}, headers=admin)
    assert bad.status_code == 422 and "Puhelinnumero ei kelpaa" in bad.text
    assert len(_access(session, referral, "subject_request.find")) == 5

    # No one else: signed-in staff get 403, a stranger to the site the sign-in page.
    for actor in (world.referrer, world.provider, world.coordinator, world.analyst):
        response = client.post(
            FIND,
            data={"how": "reference", "reference": str(referral.id)},
            headers=bearer(actor, settings_secret),
        )
        assert response.status_code == 403
    assert client.get("/staff/admin/residents", follow_redirects=False).status_code == 303
    assert client.get(f"/staff/admin/residents/{world.county.id}", headers=admin).status_code == 404


def test_export_everything_held(session: Session, client: TestClient, settings: Settings) -> None:
    world, referral, other, _ = _world(session)
    act(session, referral, Action.MESSAGE, actor=world.provider, now=NOW, note="Soitin tiistaina")
    session.commit()
    admin = bearer(world.admin, settings.secret_key.get_secret_value())
    chosen = {"referral": [str(referral.id), str(other.id)]}
    response = client.post("/staff/admin/residents/export", data={**chosen, "format": "json"}, headers=admin)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="resident-data-')
    data = json.loads(response.text)
    assert [r["id"] for r in data["referrals"]] == [str(referral.id), str(other.id)]
    first = data["referrals"][0]
    assert first["resident"]["name"] == RESIDENT_NAME and first["resident"]["phone"] == RESIDENT_PHONE
    assert first["hopes"] and first["consent"]["fields"] == ["name", "phone", "email", "hopes"]
    assert any(e["note"] == "Soitin tiistaina" for e in first["timeline"])
    assert first["handled_by"] and all("user" not in str(h) for h in first["handled_by"])

    page = client.post("/staff/admin/residents/export", data={**chosen, "format": "html"}, headers=admin)
    assert page.status_code == 200
    assert RESIDENT_NAME in page.text and RESIDENT_EMAIL in page.text and "Soitin tiistaina" in page.text
    assert len(_access(session, referral, "subject_request.export")) == 2
    events = session.scalars(
        select(AuditEvent).where(
            col(AuditEvent.action) == "referral.exported", col(AuditEvent.entity_id) == str(referral.id)
        )
    ).all()
    assert sorted(e.details["format"] for e in events) == ["html", "json"]
    none = client.post("/staff/admin/residents/export", data={"format": "json"}, headers=admin)
    assert none.status_code == 422


def test_erase_on_request_after_confirmation(
    session: Session, client: TestClient, settings: Settings
) -> None:
    world, referral, other, _ = _world(session)
    act(session, other, Action.ACCEPT, actor=world.provider, now=NOW)
    act(session, other, Action.CONTACT, actor=world.provider, now=NOW)
    act(session, other, Action.COMPLETE, actor=world.provider, now=NOW, reason="goal_met")
    act(session, referral, Action.ACCEPT, actor=world.provider, now=NOW)
    session.commit()
    admin = bearer(world.admin, settings.secret_key.get_secret_value())
    chosen = {"referral": [str(referral.id), str(other.id)]}

    first = client.post("/staff/admin/residents/erase", data=chosen, headers=admin)
    assert first.status_code == 200 and 'name="confirm" value="yes"' in first.text
    no_comment = client.post("/staff/admin/residents/erase", data={**chosen, "confirm": "yes"}, headers=admin)
    assert no_comment.status_code == 422
    session.expire_all()
    assert session.get(Referral, referral.id).resident_name == RESIDENT_NAME  # type: ignore[union-attr]

    done = client.post(
        "/staff/admin/residents/erase",
        data={**chosen, "confirm": "yes", "comment": "Pyyntö puhelimitse 7.12."},
        headers=admin,
    )
    assert done.status_code == 200 and "2 lähetteestä" in done.text
    session.expire_all()
    erased, closed = session.get(Referral, referral.id), session.get(Referral, other.id)
    assert erased is not None and closed is not None
    # The open one was closed by withdrawing consent; the completed one keeps its state and outcome.
    assert erased.status is ReferralStatus.CANCELLED and closed.status is ReferralStatus.COMPLETED
    assert closed.outcome == "goal_met"
    for r in (erased, closed):
        assert r.anonymised_at is not None and r.resident_name is None and r.resident_phone is None
        assert r.hopes is None and r.code_hash is None and not r.provider_access
        assert r.reasons == ["fall_risk", "loneliness"] and r.age_band == "70-79"  # statistics kept
        timeline = list_timeline(session, r)
        assert timeline[-1].action == "erase" and timeline[-1].note == "Pyyntö puhelimitse 7.12."
        assert all(e.note is None for e in timeline[:-1])
        assert len(_access(session, r, "subject_request.erase")) == 1
    assert [e.action for e in list_timeline(session, erased)][-2:] == ["withdraw_consent", "erase"]
    consent = session.scalars(select(Consent).where(col(Consent.referral_id) == erased.id)).one()
    assert consent.withdrawn_at is not None
    told = session.scalars(
        select(ReferralNotice).where(
            col(ReferralNotice.referral_id) == erased.id,
            col(ReferralNotice.kind) == NoticeKind.CONSENT_WITHDRAWN,
            col(ReferralNotice.sent_at).is_(None),
        )
    ).all()
    assert {n.audience for n in told} == {NoticeAudience.USER, NoticeAudience.ORGANISATION}
    again = client.post(
        "/staff/admin/residents/erase",
        data={**chosen, "confirm": "yes", "comment": "uudelleen"},
        headers=admin,
    )
    assert again.status_code == 200 and "0 lähetteestä" in again.text
    # The provider no longer sees the erased referral; the referrer sees it without the resident.
    provider = bearer(world.provider, settings.secret_key.get_secret_value())
    assert client.get(f"/api/v1/referrals/{erased.id}", headers=provider).status_code == 404
    referrer = bearer(world.referrer, settings.secret_key.get_secret_value())
    seen = client.get(f"/api/v1/referrals/{erased.id}", headers=referrer).json()
    assert seen["status"] == "cancelled" and not seen["resident"].get("name")


def test_entered_in_error_with_a_comment_and_a_confirmation(
    session: Session, client: TestClient, settings: Settings
) -> None:
    world = make_world(session)
    mistake = issue(session, world).referral
    answered = issue(session, world).referral
    act(session, answered, Action.ACCEPT, actor=world.provider, now=NOW)
    session.commit()
    admin = bearer(world.admin, settings.secret_key.get_secret_value())
    page = client.get(f"/staff/admin/residents/{mistake.id}", headers=admin)
    assert page.status_code == 200 and "entered-in-error" in page.text and RESIDENT_NAME in page.text
    assert _access(session, mistake, "subject_request.read")
    path = f"/staff/admin/residents/{mistake.id}/entered-in-error"
    empty = client.post(path, data={"comment": ""}, headers=admin)
    assert empty.status_code == 422
    confirm = client.post(path, data={"comment": "Väärä henkilö"}, headers=admin)
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.text
    session.expire_all()
    assert session.get(Referral, mistake.id).status is ReferralStatus.SENT  # type: ignore[union-attr]
    done = client.post(
        path, data={"comment": "Väärä henkilö", "confirm": "yes"}, headers=admin, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=entered_in_error")
    session.expire_all()
    removed = session.get(Referral, mistake.id)
    assert removed is not None and removed.status is ReferralStatus.ENTERED_IN_ERROR
    assert removed.resident_name is None
    event = list_timeline(session, removed)[-1]
    assert event.action == "enter_in_error" and event.note == "Väärä henkilö" and event.party.value == "admin"
    assert client.get(f"/staff/admin/residents/{mistake.id}", headers=admin).status_code == 404
    referrer = bearer(world.referrer, settings.secret_key.get_secret_value())
    assert client.get(f"/staff/referrals/{mistake.id}", headers=referrer).status_code == 404

    # Once someone has answered, it is too late: 409, and nothing is erased.
    late = client.post(
        f"/staff/admin/residents/{answered.id}/entered-in-error",
        data={"comment": "Väärä henkilö", "confirm": "yes"},
        headers=admin,
    )
    assert late.status_code == 409
    session.expire_all()
    kept = session.get(Referral, answered.id)
    assert kept is not None and kept.resident_name == RESIDENT_NAME and kept.status is ReferralStatus.ACCEPTED
    assert "entered-in-error" not in client.get(f"/staff/admin/residents/{answered.id}", headers=admin).text


def test_the_forms_need_the_csrf_token(session: Session, client: TestClient, settings: Settings) -> None:
    seed_demo_staff(session, settings)
    session.commit()
    sign_in(client, "yllapitaja@demo.example")
    page = client.get("/staff/admin/residents")
    assert page.status_code == 200 and "Asukkaiden tietopyynnöt" in page.text
    refused = client.post(FIND, data={"how": "reference", "reference": "x"})
    assert refused.status_code == 403
    token = csrf_token(client, "/staff/admin/residents")
    allowed = client.post(FIND, data={"how": "reference", "reference": "x", "csrftoken": token})
    assert allowed.status_code == 200
    assert "/staff/admin/residents" in client.get("/staff/").text  # in the administrator's navigation
