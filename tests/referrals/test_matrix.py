"""The authorisation matrix, written as data for a data-protection officer to read, swept over every state.

Cells: ok (allowed in every state), act:<action> (allowed where tests/referrals/test_states.py's hand-written
table allows that action in the state, else 409), 403 (may see it, may not do this), 404 (not theirs to see:
as if it did not exist), 401 (not signed in; pages redirect to the sign-in page). Not derived from
referrals.status.RULES. A referral entered in error is 404 to everyone; a draft is not yet the provider's.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from app.accounts.tokens import person_token
from app.settings import Settings
from referrals.models import FollowUp, Referral
from referrals.status import Action, ReferralStatus
from tests.referrals.test_states import _matrix
from tests.referrals.world import NOW, World, issue, make_world

# A welfare referral to one service of the NGO, issued by `referrer` in her unit.
MATRIX = """
endpoint      referrer      colleague     stranger  provider                   other_provider  coordinator  counsellor  analyst  admin  client  other_client  anonymous
api.get       ok            ok            404       ok                         404             404          404         404      404    404     404           401
api.accept    403           403           404       act:accept                 404             404          404         404      404    404     404           401
api.decline   403           403           404       act:decline                404             404          404         404      404    404     404           401
api.cancel    act:cancel    act:cancel    404       act:withdraw_consent       404             404          404         404      404    404     404           401
page.detail   ok            ok            404       ok                         404             404          404         404      404    404     404           401
page.accept   403           403           404       act:accept                 404             404          404         404      404    404     404           401
page.code     ok            ok            404       403                        404             404          404         404      404    404     404           401
page.followup_done  ok      ok            404       403                        404             404          404         404      404    404     404           401
admin.view    403           403           403       403                        403             403          403         403      ok     403     403           401
admin.export  403           403           403       403                        403             403          403         403      ok     403     403           401
admin.erase   403           403           403       403                        403             403          403         403      ok     403     403           401
admin.in_error  403         403           403       403                        403             403          403         403      act:enter_in_error  403  403  401
"""

NOT_YET_THE_PROVIDERS = {ReferralStatus.DRAFT}


def _rows() -> list[tuple[str, str, str]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    actors = lines[0][1:]
    return [(row[0], actor, cell) for row in lines[1:] for actor, cell in zip(actors, row[1:], strict=True)]


def _request(client: TestClient, endpoint: str, referral: Referral, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    base = f"/api/v1/referrals/{referral.id}"
    page = f"/staff/referrals/{referral.id}"
    version = referral.version
    match endpoint:
        case "api.get":
            return client.get(base, headers=headers)
        case "api.accept":
            return client.post(
                f"{base}/transitions", json={"to": "accepted", "version": version}, headers=headers
            )
        case "api.decline":
            return client.post(
                f"{base}/transitions",
                json={"to": "declined", "reason": "no_capacity", "version": version},
                headers=headers,
            )
        case "api.cancel":
            return client.post(
                f"{base}/transitions", json={"to": "cancelled", "version": version}, headers=headers
            )
        case "page.detail":
            return client.get(page, headers=headers, follow_redirects=False)
        case "page.accept":
            return client.post(
                f"{page}/act",
                data={"action": "accept", "version": str(version)},
                headers=headers,
                follow_redirects=False,
            )
        case "page.code":
            return client.post(f"{page}/code", headers=headers, follow_redirects=False)
        case "admin.view":
            return client.get(
                f"/staff/admin/residents/{referral.id}", headers=headers, follow_redirects=False
            )
        case "admin.export":
            return client.post(
                "/staff/admin/residents/export",
                data={"referral": str(referral.id), "format": "json"},
                headers=headers,
                follow_redirects=False,
            )
        case "admin.erase":
            return client.post(
                "/staff/admin/residents/erase",
                data={"referral": str(referral.id), "confirm": "yes", "comment": "pyyntö"},
                headers=headers,
                follow_redirects=False,
            )
        case "admin.in_error":
            return client.post(
                f"/staff/admin/residents/{referral.id}/entered-in-error",
                data={"comment": "väärä henkilö", "confirm": "yes"},
                headers=headers,
                follow_redirects=False,
            )
        case "page.followup_done":
            # The referral's follow-up date carries the referral's own id (made so in test_matrix).
            return client.post(
                f"{page}/follow-ups/{referral.id}/done", headers=headers, follow_redirects=False
            )
    raise AssertionError(endpoint)


def _expected(cell: str, actor: str, state: ReferralStatus, endpoint: str = "") -> int:
    if actor == "anonymous":
        return 401
    # The administrator's pages (a resident's data request) answer a non-administrator 403 before looking.
    if endpoint.startswith("admin.") and cell == "403":
        return 403
    if state is ReferralStatus.ENTERED_IN_ERROR or (actor == "provider" and state in NOT_YET_THE_PROVIDERS):
        return 404
    if cell == "ok":
        return 200
    if cell.startswith("act:"):
        return 200 if _matrix()[(Action(cell[4:]), state)] else 409
    return int(cell)


@pytest.mark.parametrize("state", list(ReferralStatus))
def test_matrix(session: Session, client: TestClient, settings: Settings, state: ReferralStatus) -> None:
    world: World = make_world(session)
    referral = issue(session, world).referral
    session.add(FollowUp(id=referral.id, referral_id=referral.id, due_on=NOW.date()))
    session.commit()
    secret = settings.secret_key.get_secret_value()
    headers = {
        name: {"Authorization": f"Bearer {person_token(getattr(world, name).user_id, secret)}"}
        for name in (
            "referrer",
            "colleague",
            "stranger_referrer",
            "provider",
            "other_provider",
            "coordinator",
            "counsellor",
            "analyst",
            "admin",
        )
    }
    headers["stranger"] = headers.pop("stranger_referrer")
    headers["client"] = {"Authorization": f"Bearer {world.client_tokens['client']}"}
    headers["other_client"] = {"Authorization": f"Bearer {world.client_tokens['other_client']}"}
    headers["anonymous"] = {}

    def reset() -> Referral:
        session.execute(
            update(Referral)
            .where(col(Referral.id) == referral.id)
            .values(status=state.value, provider_access=True, closed_at=None, anonymised_at=None)
        )
        session.commit()
        session.expire_all()
        fresh = session.get(Referral, referral.id)
        assert fresh is not None
        return fresh

    failures = []
    for endpoint, actor, cell in _rows():
        current = reset()
        if actor == "anonymous":
            client.cookies.clear()
        response = _request(client, endpoint, current, headers[actor])
        status = response.status_code
        if endpoint.startswith(("page.", "admin.")):
            if status == 303 and "sign-in" in response.headers.get("location", ""):
                status = 401
            elif status == 303:
                status = 200  # a successful form post redirects back to the page
        expected = _expected(cell, actor, state, endpoint)
        if status != expected:
            failures.append(
                f"{endpoint} {actor} in {state.value}: {status} != {expected} {response.text[:120]!r}"
            )
    assert not failures, "\n".join(failures)


def test_lists_hold_only_what_is_theirs(session: Session, client: TestClient, settings: Settings) -> None:
    world = make_world(session)
    mine = issue(session, world).referral
    other = issue(session, world, actor=world.stranger_referrer, services=(world.other_service,)).referral
    session.commit()
    secret = settings.secret_key.get_secret_value()

    def ids(name: str, view: str = "all") -> set[str]:
        token = person_token(getattr(world, name).user_id, secret)
        response = client.get(f"/api/v1/referrals?view={view}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert ids("referrer") == {str(mine.id)}
    assert ids("provider", "inbox") == {str(mine.id)}
    assert ids("other_provider", "inbox") == {str(other.id)}
    assert ids("analyst") == set() and ids("admin") == set()
    assert client.get("/api/v1/referrals").status_code == 401
