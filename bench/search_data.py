"""Generated catalogue for bench/search.py: realistic Finnish (and some Swedish) hyte listings.

Deterministic for a seed. Names are compounds the way real listings are (kuntosaliryhmä,
vertaistukiryhmä), texts are inflected, places are spread over real municipalities with jitter.
"""

from __future__ import annotations

import contextlib
import os
import random
import time as clock
import uuid
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from app.catalogue.codes import load_code_tables, load_postal_codes
from app.catalogue.enums import OrganisationKind, ScheduleKind, Source, Taxonomy
from app.catalogue.models import (
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTerm,
)
from app.db import make_engine, normalise_url
from app.timeutil import utcnow

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"

ACTIVITIES = [
    # (name, inflected form for texts, theme, service class)
    ("Kuntosali", "kuntosalilla", "liikunta", "P27.1"),
    ("Kuntosaliryhmä", "kuntosaliryhmässä", "liikunta", "P27.1"),
    ("Liikuntaryhmä", "liikuntaryhmässä", "liikunta", "P27.1"),
    ("Vesijumppa", "vesijumpassa", "liikunta", "P27.1"),
    ("Tasapainoharjoittelu", "tasapainoharjoittelussa", "liikunta", "P27.1"),
    ("Tuolijumppa", "tuolijumpassa", "liikunta", "P27.1"),
    ("Sauvakävely", "sauvakävelyllä", "luonto", "P27.1"),
    ("Vertaistukiryhmä", "vertaistukiryhmässä", "vertaistuki", "P25.5"),
    ("Keskusteluryhmä", "keskusteluryhmässä", "vertaistuki", "P25.5"),
    ("Muistikahvila", "muistikahvilassa", "vertaistuki", "P25.5"),
    ("Lukupiiri", "lukupiirissä", "kulttuuri", "P25.5"),
    ("Kuoro", "kuorossa", "kulttuuri", "P25.5"),
    ("Tanssikurssi", "tanssikurssilla", "liikunta", "P27.1"),
    ("Kädentaitokerho", "kädentaitokerhossa", "kulttuuri", "P25.5"),
    ("Ystävätoiminta", "ystävätoiminnassa", "vertaistuki", "P25.5"),
    ("Ulkoiluretki", "ulkoiluretkellä", "luonto", "P27.1"),
]
AUDIENCES = [
    ("senioreille", 65, None),
    ("ikääntyneille", 65, None),
    ("eläkeläisille", 60, None),
    ("nuorille", 13, 17),
    ("lapsiperheille", None, None),
    ("omaishoitajille", None, None),
    ("maahanmuuttajille", None, None),
    ("työikäisille", 18, 64),
    ("kaikille", None, None),
]
DETAILS = [
    "Ohjaaja neuvoo ja tukee.",
    "Kokoonnumme kerran viikossa.",
    "Mukaan mahtuu uusia osallistujia.",
    "Ei ennakkoilmoittautumista.",
    "Toiminta on maksutonta.",
    "Kahvitarjoilu.",
    "Tilat ovat esteettömät.",
    "Tule tutustumaan!",
]
SWEDISH = [
    ("Seniorgymnastik", "Glad gymnastik med musik för pensionärer, på svenska."),
    ("Promenadgrupp", "Vi promenerar tillsammans i lugnt tempo."),
    ("Minneskafé", "Träffpunkt för personer med minnessjukdom och deras närstående."),
    ("Läsecirkel", "Vi läser och diskuterar böcker."),
]
KINDS = [OrganisationKind.MUNICIPALITY, OrganisationKind.NGO, OrganisationKind.NGO, OrganisationKind.PARISH]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FEATURES = ["wheelchair", "rollator", "visual", "hearing"]


def _municipality_points() -> list[tuple[str, float, float]]:
    seen: dict[str, tuple[float, float]] = {}
    for postal in load_postal_codes().values():
        if postal.municipality_code and postal.latitude and postal.longitude:
            seen.setdefault(postal.municipality_code, (postal.latitude, postal.longitude))
    return [(code, lat, lon) for code, (lat, lon) in sorted(seen.items())]


def generate(session: Session, services: int, seed: int = 5) -> dict[str, int]:
    """Insert `services` services with organisations, places, terms and schedules; flush only."""
    rng = random.Random(seed)
    now = utcnow()
    places = _municipality_points()
    provenance: dict[str, Any] = {
        "source": Source.PTV.value,
        "first_seen_at": now,
        "last_synced_at": now,
        "created_at": now,
        "updated_at": now,
        "is_demo": False,
    }
    organisations = []
    for i in range(max(50, services // 50)):
        code, _lat, _lon = rng.choice(places)
        organisations.append(
            {
                "id": uuid.uuid4(),
                "kind": rng.choice(KINDS).value,
                "name_fi": f"Yhdistys {i} ry",
                "municipality_code": code,
                "external_id": f"bench-org-{i}",
                "status": "active",
                "accessibility_features": None,
                **provenance,
            }
        )
    for org in organisations:
        org.pop("accessibility_features")
    locations = []
    for i in range(max(100, services // 5)):
        code, lat, lon = rng.choice(places)
        locations.append(
            {
                "id": uuid.uuid4(),
                "name_fi": f"Toimipaikka {i}",
                "municipality_code": code,
                "latitude": lat + rng.uniform(-0.08, 0.08),
                "longitude": lon + rng.uniform(-0.15, 0.15),
                "accessibility_features": rng.sample(FEATURES, rng.randint(0, 2)),
                "external_id": f"bench-loc-{i}",
                "status": "active",
                **provenance,
            }
        )
    session.execute(insert(Organisation), organisations)
    session.execute(insert(Location), locations)
    rows: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    schedules: list[dict[str, Any]] = []

    def flush() -> None:
        if rows:
            session.execute(insert(Service), rows)
            session.execute(insert(ServiceTerm), terms)
            session.execute(insert(ServiceAtLocation), links)
            session.execute(insert(Schedule), schedules)
        for batch in (rows, terms, links, schedules):
            batch.clear()

    for i in range(services):
        service_id = uuid.uuid4()
        organisation = rng.choice(organisations)
        row: dict[str, Any] = {
            "id": service_id,
            "organisation_id": organisation["id"],
            "external_id": f"bench-service-{i}",
            "status": "active",
            **provenance,
        }
        if rng.random() < 0.05:
            name_sv, summary_sv = rng.choice(SWEDISH)
            row.update(
                name_sv=f"{name_sv} {i}",
                summary_sv=summary_sv,
                languages=["sv"],
                name_fi=f"Ruotsinkielinen toiminta {i}",
            )
            theme, service_class = "liikunta", "P27.1"
            min_age = max_age = None
        else:
            name, inflected, theme, service_class = rng.choice(ACTIVITIES)
            audience, min_age, max_age = rng.choice(AUDIENCES)
            details = " ".join(rng.sample(DETAILS, 3))
            row.update(
                name_fi=f"{name} {audience}",
                summary_fi=f"{inflected.capitalize()} {audience} {rng.choice(['Lahdessa', 'keskustassa', 'kylätalolla', 'kirjastolla'])}.",
                description_fi=f"Tervetuloa {inflected}! {details}",
                languages=["fi"],
            )
        row.update(is_free=rng.random() < 0.7, min_age=min_age, max_age=max_age)
        rows.append(row)
        terms.append(
            {"service_id": service_id, "taxonomy": Taxonomy.THEME.value, "code": theme, "label_fi": theme}
        )
        terms.append(
            {"service_id": service_id, "taxonomy": Taxonomy.PTV_SERVICE_CLASS.value, "code": service_class}
        )
        if rng.random() < 0.3:
            terms.append(
                {"service_id": service_id, "taxonomy": Taxonomy.PTV_TARGET_GROUP.value, "code": "KR1"}
            )
        for location in rng.sample(locations, 1 if rng.random() < 0.9 else 2):
            links.append({"id": uuid.uuid4(), "service_id": service_id, "location_id": location["id"]})
        day = rng.choice(DAYS)
        start = rng.choice([9, 10, 13, 14, 17, 18])
        schedules.append(
            {
                "id": uuid.uuid4(),
                "service_id": service_id,
                "kind": ScheduleKind.SESSION.value,
                "byday": day,
                "opens_at": time(start),
                "closes_at": time(start + 1),
                "rrule": f"FREQ=WEEKLY;BYDAY={day}",
                "exdates": [],
                "timezone": "Europe/Helsinki",
                "closes_next_day": False,
                "closed": False,
                "by_appointment": False,
                "sort_order": 0,
            }
        )
        if len(rows) >= 5000:
            flush()
    flush()
    session.flush()
    return {"services": services, "organisations": len(organisations), "locations": len(locations)}


def prepare_database(db_name: str, services: int, reuse: bool) -> tuple[str, bool]:
    """A PostgreSQL database `db_name` (on TEST_POSTGRES_URL's server) migrated and filled with `services`
    generated services; with `reuse`, one of that size is kept. Returns its URL and whether it was reused."""
    admin_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)
    url = make_url(admin_url).set(database=db_name).render_as_string(hide_password=False)
    if reuse:
        with contextlib.suppress(Exception):
            engine = make_engine(normalise_url(url))
            try:
                with Session(engine) as session:
                    if session.execute(select(func.count()).select_from(Service)).scalar_one() == services:
                        print(f"reusing database {db_name} with {services} services")
                        _analyze(engine)
                        return url, True
            finally:
                engine.dispose()
    admin = make_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    _migrate_and_generate(make_engine(normalise_url(url)), services)
    return url, False


def _migrate_and_generate(engine: Engine, services: int) -> None:
    from alembic import command

    from tarjotin.cli import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    started = clock.perf_counter()
    with Session(engine) as session:
        load_code_tables(session)
        counts = generate(session, services)
        session.commit()
    print(f"generated {counts} in {clock.perf_counter() - started:.1f} s")
    _analyze(engine)
    engine.dispose()


def _analyze(engine: Engine) -> None:
    """Planner statistics for the generated tables. A production database gets them from autovacuum;
    a bench server may run without it (this machine's does), and a bulk-loaded table never analysed
    is planned as if nearly empty: the fallback's facet statement at 100,000 services took 5 s on
    nested loops planned for 119 rows."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def prepare_sqlite(path: Path, services: int, reuse: bool) -> str:
    """A SQLite file at `path`, migrated and filled with `services` generated services; with `reuse`, one
    of that size is kept. Returns its URL."""
    url = f"sqlite:///{path}"
    if reuse and path.exists():
        with contextlib.suppress(Exception):
            engine = make_engine(url)
            try:
                with Session(engine) as session:
                    if session.execute(select(func.count()).select_from(Service)).scalar_one() == services:
                        print(f"reusing {path} with {services} services")
                        return url
            finally:
                engine.dispose()
    path.unlink(missing_ok=True)
    engine = make_engine(url)
    _migrate_and_generate(engine, services)
    return url
