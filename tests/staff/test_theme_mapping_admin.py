"""The theme mapping table: reviewed and changed by an administrator, with history, the services' themes
derived again at once, and the change kept when the code tables are reloaded at a deploy."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.catalogue.codes import load_code_tables
from app.catalogue.enums import Taxonomy
from app.catalogue.models import CatalogueChange, ServiceTerm, ThemeMapping
from app.catalogue.theme_mapping_changes import ThemeMappingChange
from tests.factories import make_service
from tests.staff.conftest import csrf_token, sign_in

ADMIN = "yllapitaja@demo.example"


def _themes(session: Session, service_id) -> set[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return set(
        session.exec(
            select(ServiceTerm.code).where(
                ServiceTerm.service_id == service_id, ServiceTerm.taxonomy == Taxonomy.THEME
            )
        ).all()
    )


def _mapped(session: Session, taxonomy: str, code: str) -> set[str]:
    return set(
        session.exec(
            select(ThemeMapping.theme_code).where(
                ThemeMapping.taxonomy == taxonomy, ThemeMapping.code == code
            )
        ).all()
    )


def _change(client: TestClient, token: str, code: str, themes: list[str], comment: str = "Katselmoitu"):  # type: ignore[no-untyped-def]
    return client.post(
        "/staff/admin/theme-mapping",
        data={
            "csrftoken": token,
            "taxonomy": "ptv_service_class",
            "code": code,
            "themes": themes,
            "comment": comment,
        },
        follow_redirects=False,
    )


def test_a_change_derives_the_services_themes_again_and_is_kept_in_history(
    client: TestClient, demo_staff: dict, session: Session
) -> None:
    gym = make_service(session, service_classes=("P27.1.2",), themes=("liikunta",))
    library = make_service(
        session, name_fi="Kirjasto", service_classes=("P25.1",), themes=("kulttuuri", "oppiminen")
    )
    local = make_service(
        session, name_fi="Oma", service_classes=("P27.1",), themes=("liikunta",), source="local"
    )
    session.commit()
    assert _mapped(session, "ptv_service_class", "P27.1") == {"liikunta"}
    sign_in(client, ADMIN)
    page = client.get("/staff/admin/theme-mapping")
    assert page.status_code == 200 and "P27.1" in page.text and "Liikunta ja urheilu" in page.text
    assert (
        client.get("/staff/admin/theme-mapping/edit?taxonomy=ptv_service_class&code=P27.1").status_code == 200
    )
    token = csrf_token(client, "/staff/admin/theme-mapping/edit?taxonomy=ptv_service_class&code=P27.1")

    added = _change(client, token, "P27.1", ["liikunta", "luonto"], "Ulkoliikunta on myös luontoa")
    assert added.status_code == 303 and added.headers["location"].endswith("changed=1")
    assert _themes(session, gym.id) == {"liikunta", "luonto"}  # a subclass of P27.1 gets it too
    assert _themes(session, library.id) == {"kulttuuri", "oppiminen"}
    assert _themes(session, local.id) == {"liikunta"}  # a local listing's themes are its owner's choice
    assert (
        session.exec(select(CatalogueChange).where(CatalogueChange.service_id == gym.id)).first() is not None
    )

    # P27 still gives liikunta to everything under it: removing it from P27.1 keeps it on the gym.
    assert _change(client, token, "P27.1", ["luonto"]).status_code == 303
    assert _themes(session, gym.id) == {"liikunta", "luonto"}
    assert _change(client, token, "P27", []).status_code == 303
    assert _themes(session, gym.id) == {"luonto"}

    history = session.exec(select(ThemeMappingChange).order_by(col(ThemeMappingChange.id))).all()
    assert [(h.code, h.old_themes, h.new_themes, h.affected_services) for h in history] == [
        ("P27.1", ["liikunta"], ["liikunta", "luonto"], 1),
        ("P27.1", ["liikunta", "luonto"], ["luonto"], 1),
        ("P27", ["liikunta"], [], 1),
    ]
    assert history[0].comment == "Ulkoliikunta on myös luontoa"
    assert history[0].actor_label == f"user:{demo_staff[ADMIN]}"
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "theme_mapping.changed")).all()
    assert [e.entity_id for e in events] == [
        "ptv_service_class:P27.1",
        "ptv_service_class:P27.1",
        "ptv_service_class:P27",
    ]
    assert events[0].details["old"] == ["liikunta"] and events[0].details["new"] == ["liikunta", "luonto"]
    listing = client.get("/staff/admin/theme-mapping").text
    assert "Ulkoliikunta on myös luontoa" in listing and "muutettu" in listing

    # A deploy reloads the code tables from the CSV: the reviewed change stays.
    load_code_tables(session)
    session.flush()
    assert _mapped(session, "ptv_service_class", "P27.1") == {"luonto"}
    assert _mapped(session, "ptv_service_class", "P27") == set()
    assert _mapped(session, "ptv_service_class", "P25.1") == {"kulttuuri", "oppiminen"}


def test_a_change_needs_a_comment_and_known_themes(
    client: TestClient, demo_staff: dict, session: Session
) -> None:
    sign_in(client, ADMIN)
    token = csrf_token(client, "/staff/admin/theme-mapping/edit?taxonomy=keyword&code=kuntosali")
    assert _change(client, token, "P27.1", ["luonto"], comment="  ").status_code == 422
    assert _change(client, token, "P27.1", ["no-such-theme"]).status_code == 422
    assert _change(client, token, "P27.1", ["liikunta"]).status_code == 422  # the same as before
    bad_vocabulary = client.post(
        "/staff/admin/theme-mapping",
        data={"csrftoken": token, "taxonomy": "theme", "code": "x", "themes": ["luonto"], "comment": "x"},
    )
    assert bad_vocabulary.status_code == 422
    assert session.exec(select(ThemeMappingChange)).first() is None
    # A new keyword (matched without regard to case) can be mapped.
    new = client.post(
        "/staff/admin/theme-mapping",
        data={
            "csrftoken": token,
            "taxonomy": "keyword",
            "code": "Kuntosali",
            "themes": ["liikunta"],
            "comment": "Uusi",
        },
        follow_redirects=False,
    )
    assert new.status_code == 303
    assert _mapped(session, "keyword", "kuntosali") == {"liikunta"}


def test_non_administrators_cannot_see_or_change_the_mapping(
    client: TestClient, demo_staff: dict, session: Session
) -> None:
    sign_in(client, "moderaattori@demo.example")
    token = csrf_token(client, "/staff/")
    assert client.get("/staff/admin/theme-mapping").status_code == 403
    assert client.get("/staff/admin/theme-mapping/edit?taxonomy=keyword&code=x").status_code == 403
    assert _change(client, token, "P27.1", ["luonto"]).status_code == 403
    assert _mapped(session, "ptv_service_class", "P27.1") == {"liikunta"}
    assert "/staff/admin/theme-mapping" not in client.get("/staff/").text
