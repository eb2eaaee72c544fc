"""The sync engine on a real database (both engines): idempotence, retire and revive, the safety
valve, incomplete crawls, failing records, and the search outbox."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlmodel import Session, select

from app.catalogue.enums import RecordStatus, ScheduleKind, ServiceStatus, Taxonomy
from app.catalogue.models import (
    CatalogueChange,
    Location,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTerm,
    SyncError,
    SyncRun,
)
from integrations.source import SyncMode
from integrations.sync import RunStatus, SyncEngine, SyncReport
from tests.integrations import v11_pages as v11

ORG = "00000000-0000-4000-8000-000000000001"
PLACE = "00000000-0000-4000-8000-0000000000c1"
REAL_ORG = "11111111-0000-4000-8000-0000000000aa"


def _sid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _crawl(
    directory: Path, count: int = 10, *, skip: tuple[int, ...] = (), changes: dict | None = None
) -> Path:
    service_changes = changes or {}
    services = [
        v11.service(_sid(n), f"Palvelu {n}", ORG, channels=(PLACE,), **service_changes.get(n, {}))
        for n in range(1, count + 1)
        if n not in skip
    ]
    return v11.write_crawl(
        directory,
        services={"398": services, "098": []},
        channels={"398": [v11.location(PLACE, "Liikuntahalli", ORG)], "098": []},
        organisations=[v11.organisation(ORG, "Liikuntaseura ry")],
    )


def _status(session: Session, n: int) -> str:
    return session.exec(select(Service.status).where(Service.external_id == _sid(n))).one()


def test_first_run_creates_and_a_second_identical_run_changes_nothing(
    session, sync_engine, v11_source, tmp_path
):
    directory = _crawl(tmp_path / "a")
    first = sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    assert (first.status, first.created, first.updated, first.failed) == (RunStatus.SUCCEEDED, 12, 0, 0)
    second = sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    assert (second.status, second.created, second.updated, second.retired, second.unchanged) == (
        RunStatus.SUCCEEDED,
        0,
        0,
        0,
        12,
    )
    run = session.get(SyncRun, second.run_id)
    assert run is not None and run.finished_at is not None and run.finished_at.tzinfo is not None
    assert (run.unchanged, run.seen, run.pages, run.complete) == (12, 12, 4, True)


def test_mapped_rows_carry_place_hours_terms_and_coordinates(session, sync_engine, v11_source, tmp_path):
    sync_engine.run(v11_source(_crawl(tmp_path / "a", 1)), mode=SyncMode.FULL)
    service = session.exec(select(Service).where(Service.external_id == _sid(1))).one()
    assert (service.name_fi, service.is_free, service.min_age, service.max_age) == (
        "Palvelu 1",
        True,
        65,
        None,
    )
    themes = set(
        session.exec(
            select(ServiceTerm.code).where(
                ServiceTerm.service_id == service.id, ServiceTerm.taxonomy == Taxonomy.THEME
            )
        ).all()
    )
    assert {"liikunta", "ikaantyneet"} <= themes
    place = session.exec(select(Location).where(Location.external_id == PLACE)).one()
    assert place.description_fi == "Liikuntahalli on tässä."
    assert abs(place.latitude - 60.9862) < 0.01 and abs(place.longitude - 25.6717) < 0.01
    link = session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id)).one()
    session_row = session.exec(select(Schedule).where(Schedule.service_at_location_id == link.id)).one()
    assert (session_row.kind, session_row.byday, session_row.rrule) == (
        ScheduleKind.SESSION,
        "TU",
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270516T235959Z",
    )


def test_a_change_updates_only_that_service_and_replaces_its_children(
    session, sync_engine, v11_source, tmp_path
):
    sync_engine.run(v11_source(_crawl(tmp_path / "a")), mode=SyncMode.FULL)
    changed = {3: {"classes": ("P27.1", "P27.2"), "modified": "2026-06-01T00:00:00Z"}}
    report = sync_engine.run(v11_source(_crawl(tmp_path / "b", changes=changed)), mode=SyncMode.FULL)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 11)
    service_id = session.exec(select(Service.id).where(Service.external_id == _sid(3))).one()
    classes = set(
        session.exec(
            select(ServiceTerm.code).where(
                ServiceTerm.service_id == service_id, ServiceTerm.taxonomy == Taxonomy.PTV_SERVICE_CLASS
            )
        ).all()
    )
    assert classes == {"P27.1", "P27.2"}
    assert (
        len(session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == service_id)).all())
        == 1
    )


def test_unseen_services_are_retired_not_deleted_and_revived_when_back(
    session, sync_engine, v11_source, tmp_path
):
    sync_engine.run(v11_source(_crawl(tmp_path / "a")), mode=SyncMode.FULL)
    gone = sync_engine.run(v11_source(_crawl(tmp_path / "b", skip=(4,))), mode=SyncMode.FULL)
    assert (gone.status, gone.retired) == (RunStatus.SUCCEEDED, 1)
    assert _status(session, 4) == ServiceStatus.RETIRED
    back = sync_engine.run(v11_source(_crawl(tmp_path / "c")), mode=SyncMode.FULL)
    assert (back.updated, back.retired) == (1, 0)
    assert _status(session, 4) == ServiceStatus.ACTIVE


def test_retiring_more_than_the_threshold_is_refused_unless_forced(
    session, sync_engine, v11_source, tmp_path
):
    sync_engine.run(v11_source(_crawl(tmp_path / "a")), mode=SyncMode.FULL)
    shrunk = _crawl(tmp_path / "b", skip=(1, 2, 3))  # 30 % of the services
    refused = sync_engine.run(v11_source(shrunk), mode=SyncMode.FULL)
    assert (refused.status, refused.retired) == (RunStatus.REFUSED, 0)
    assert "--force" in (refused.message or "")
    assert all(_status(session, n) == ServiceStatus.ACTIVE for n in range(1, 11))
    forced = sync_engine.run(v11_source(shrunk), mode=SyncMode.FULL, force=True)
    assert (forced.status, forced.retired) == (RunStatus.SUCCEEDED, 3)
    assert _status(session, 1) == ServiceStatus.RETIRED


def test_an_incomplete_crawl_stores_what_came_and_retires_nothing(session, sync_engine, v11_source, tmp_path):
    directory = _crawl(tmp_path / "a", 150)  # two pages for Lahti
    sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    (directory / "Service_398_page2.json").unlink()
    report = sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    assert (report.status, report.retired, report.complete) == (RunStatus.INCOMPLETE, 0, False)
    assert session.exec(select(Service).where(Service.status == ServiceStatus.RETIRED)).all() == []
    errors = session.exec(select(SyncError).where(SyncError.run_id == report.run_id)).all()
    assert [e.stage for e in errors] == ["fetch"] and "page=2" in (errors[0].page or "")


def test_a_record_failing_validation_is_counted_and_the_rest_goes_on(
    session, sync_engine, v11_source, tmp_path
):
    sync_engine.run(v11_source(_crawl(tmp_path / "a")), mode=SyncMode.FULL)
    directory = _crawl(tmp_path / "b", skip=(5,))
    broken = v11.service(_sid(5), "", ORG)  # no name in any language
    broken["serviceNames"] = [{"language": "fi", "value": "  ", "type": "Name"}]
    page = directory / "Service_398_page1.json"
    import json

    body = json.loads(page.read_text())
    body["itemList"].insert(0, broken)
    body["itemList"][1]["serviceNames"][0]["value"] = "Uusi nimi"
    page.write_text(json.dumps(body))
    report = sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    assert (report.status, report.failed, report.updated, report.retired) == (RunStatus.INCOMPLETE, 1, 1, 0)
    assert _status(session, 5) == ServiceStatus.ACTIVE  # kept as it was
    error = session.exec(select(SyncError).where(SyncError.run_id == report.run_id)).one()
    assert (error.stage, error.external_id) == ("map", _sid(5))


def test_services_outside_hyte_classes_or_the_area_are_not_imported(
    session, sync_engine, v11_source, tmp_path
):
    directory = tmp_path / "a"
    services = [
        v11.service(_sid(1), "Kuntosali", ORG),
        v11.service(_sid(2), "Rakennuslupa", ORG, classes=("P2.1",)),
        v11.service(_sid(3), "Kouvolan uimahalli", ORG, municipalities=("286",)),
        v11.service(
            _sid(4), "Naapurin ryhmä paikassa Lahdessa", ORG, channels=(PLACE,), municipalities=("286",)
        ),
    ]
    v11.write_crawl(
        directory,
        services={"398": services, "098": []},
        channels={"398": [v11.location(PLACE, "Halli", ORG)], "098": []},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    stored = set(session.exec(select(Service.external_id)).all())
    assert {_sid(1), _sid(4)} <= stored and not {_sid(2), _sid(3)} & stored


def test_changed_services_reach_the_outbox_and_the_callback(session, context, v11_source, tmp_path):
    seen: list[set[uuid.UUID]] = []
    engine = SyncEngine(session, known_municipalities=context.known_municipalities, after_commit=seen.append)
    report = engine.run(v11_source(_crawl(tmp_path / "a", 3)), mode=SyncMode.FULL)
    changed = set().union(*seen)
    assert len(changed) == 3 and report.created == 5
    outbox = set(session.exec(select(CatalogueChange.service_id)).all())
    assert changed <= outbox
    seen.clear()
    engine.run(v11_source(_crawl(tmp_path / "a", 3)), mode=SyncMode.FULL)
    assert seen == []


def test_organisation_and_location_rows_are_retired_too(session, sync_engine, v11_source, tmp_path):
    sync_engine.run(v11_source(_crawl(tmp_path / "a")), mode=SyncMode.FULL, force=True)
    empty = v11.write_crawl(
        tmp_path / "b", services={"398": [], "098": []}, channels={"398": [], "098": []}, organisations=[]
    )
    report = sync_engine.run(v11_source(empty), mode=SyncMode.FULL, force=True)
    assert report.retired == 10
    assert session.exec(select(Location.status)).all() == [RecordStatus.RETIRED]


def _refuse_service_named(session: Session, name: str) -> None:
    """A trigger that makes the database refuse one service row (on either engine)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "CREATE FUNCTION refuse_service() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.name_fi = '{name}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER refuse_service BEFORE INSERT ON service "
                "FOR EACH ROW EXECUTE FUNCTION refuse_service()"
            )
        )
    else:
        session.execute(
            text(
                "CREATE TRIGGER refuse_service BEFORE INSERT ON service "
                f"WHEN NEW.name_fi = '{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
    session.commit()


def test_a_record_the_database_refuses_fails_alone(session, sync_engine, v11_source, tmp_path):
    """A page that fails in the store is redone record by record: only the bad record is lost."""
    directory = tmp_path / "a"
    services = [v11.service(_sid(n), f"Palvelu {n}", ORG) for n in range(1, 6)]
    services.append(v11.service(_sid(6), "Torjuttu", ORG))
    v11.write_crawl(
        directory,
        services={"398": services, "098": []},
        channels={"398": [], "098": []},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    _refuse_service_named(session, "Torjuttu")
    report = sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    assert (report.status, report.created, report.failed, report.retired) == (RunStatus.INCOMPLETE, 6, 1, 0)
    error = session.exec(select(SyncError).where(SyncError.run_id == report.run_id)).one()
    assert (error.stage, error.external_id) == ("store", _sid(6)) and "refused" in error.message
    assert len(session.exec(select(Service)).all()) == 5


def test_a_link_that_resolves_later_is_added_then_stays_unchanged(session, sync_engine, v11_source, tmp_path):
    broken_place = v11.location(PLACE, "", ORG)
    broken_place["serviceChannelNames"] = []
    crawl: dict[str, Any] = {
        "services": {"398": [v11.service(_sid(1), "Palvelu", ORG, channels=(PLACE,))], "098": []},
        "organisations": [v11.organisation(ORG, "Seura ry")],
    }
    first = sync_engine.run(
        v11_source(v11.write_crawl(tmp_path / "a", channels={"398": [broken_place], "098": []}, **crawl)),
        mode=SyncMode.FULL,
    )
    assert (first.status, first.failed) == (RunStatus.INCOMPLETE, 1)
    assert session.exec(select(ServiceAtLocation)).all() == []
    fixed = v11.write_crawl(
        tmp_path / "b", channels={"398": [v11.location(PLACE, "Halli", ORG)], "098": []}, **crawl
    )
    second = sync_engine.run(v11_source(fixed), mode=SyncMode.FULL)
    assert (second.created, second.updated) == (1, 1)  # the place, and the service gaining its link
    assert len(session.exec(select(ServiceAtLocation)).all()) == 1
    third = sync_engine.run(v11_source(fixed), mode=SyncMode.FULL)
    assert (third.created, third.updated, third.unchanged) == (0, 0, 3)


def test_a_real_run_replaces_demo_rows_and_a_demo_load_never_retires_real_ones(
    session, context, v11_source, tmp_path
):
    demo = SyncEngine(session, known_municipalities=context.known_municipalities, is_demo=True)
    real = SyncEngine(session, known_municipalities=context.known_municipalities)
    demo.run(v11_source(_crawl(tmp_path / "demo")), mode=SyncMode.FULL)
    other = tmp_path / "real"
    v11.write_crawl(
        other,
        services={
            "398": [v11.service("11111111-0000-4000-8000-000000000001", "Oikea palvelu", ORG)],
            "098": [],
        },
        channels={"398": [], "098": []},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    report = real.run(v11_source(other), mode=SyncMode.FULL)
    assert (report.status, report.retired) == (RunStatus.SUCCEEDED, 10)  # all ten demo services, no --force
    reload = demo.run(v11_source(_crawl(tmp_path / "demo")), mode=SyncMode.FULL)
    assert reload.status == RunStatus.SUCCEEDED
    real_status = session.exec(
        select(Service.status).where(Service.external_id == "11111111-0000-4000-8000-000000000001")
    ).one()
    assert real_status == ServiceStatus.ACTIVE


def test_postgresql_statistics_are_refreshed_as_the_run_doubles_its_rows(session, sync_engine) -> None:
    analyzed: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(("ANALYZE", "SET LOCAL default_statistics_target")):
            analyzed.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", spy)
    try:
        report = SyncReport(run_id=0, source="ptv", mode="full", status=RunStatus.RUNNING, complete=False)
        for created in (10, 999, 1000, 1500, 1999, 2000, 3999, 4000):
            report.created = created
            sync_engine._keep_statistics_fresh(report)
    finally:
        event.remove(connection, "before_cursor_execute", spy)
    # At 1,000 rows, then each doubling; SQLite plans without statistics.
    expected = 3 if connection.dialect.name == "postgresql" else 0
    analyses = [statement for statement in analyzed if statement.startswith("ANALYZE")]
    assert len(analyses) == expected
    assert all("service," in statement and "location," in statement for statement in analyses)
    # Each with a small sample (a tenth of the default's rows).
    assert len(analyzed) == 2 * expected


def test_sqlite_checkpoints_less_often_during_a_run_only(session, context, v11_source, tmp_path) -> None:
    def checkpoint_pages() -> int | None:
        if session.get_bind().dialect.name != "sqlite":
            return None
        return session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()

    before = checkpoint_pages()
    during: list[int | None] = []
    engine = SyncEngine(
        session,
        known_municipalities=context.known_municipalities,
        progress=lambda page, state: during.append(checkpoint_pages()),
    )
    report = engine.run(v11_source(_crawl(tmp_path / "a")), mode=SyncMode.FULL)
    assert report.status == RunStatus.SUCCEEDED and during
    if before is not None:
        assert set(during) == {SyncEngine.RUN_CHECKPOINT_PAGES} and checkpoint_pages() == before
