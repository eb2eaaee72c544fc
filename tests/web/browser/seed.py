"""A small catalogue for the browser tests: enough for facets, pages, a map and the Swedish scenario."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from sqlmodel import Session

from app.catalogue.enums import ContactKind, OrganisationKind, ScheduleKind
from app.catalogue.short_links import short_codes
from tests.factories import add_place_schedule, make_location, make_organisation, make_service

# (municipality, postal code, post office, latitude, longitude)
PLACES = [
    ("398", "15110", "Lahti", 60.9827, 25.6612),
    ("398", "15140", "Lahti", 60.9750, 25.6420),
    ("098", "15870", "Hollola", 60.9886, 25.5126),
    ("111", "18100", "Heinola", 61.2050, 26.0380),
    ("106", "05800", "Hyvinkää", 60.6310, 24.8600),
]


def seed_catalogue(session: Session) -> dict[str, str]:
    """Services in Finnish, some with Swedish and English; returns the ids the tests open."""
    ngo = make_organisation(
        session,
        name_fi="Lahden Seniorit ry",
        name_sv="Lahtis seniorer rf",
        kind=OrganisationKind.NGO,
        phone="+358 44 123 4567",
        email="info@seniorit.example.fi",
    )
    city = make_organisation(
        session,
        name_fi="Lahden kaupunki",
        name_sv="Lahtis stad",
        name_en="City of Lahti",
        phone="+358 3 814 11",
    )
    locations = [
        make_location(
            session,
            name_fi=f"Liikuntapaikka {post_office} {code}",
            name_sv=f"Idrottsplats {post_office} {code}",
            street_address_fi=f"Urheilukatu {index + 1}",
            street_address_sv=f"Idrottsgatan {index + 1}",
            postal_code=code,
            post_office_fi=post_office,
            municipality_code=municipality,
            latitude=lat,
            longitude=lon,
            accessibility_fi="Esteetön sisäänkäynti ja hissi." if index % 2 == 0 else None,
            accessibility_sv="Tillgänglig ingång och hiss." if index % 2 == 0 else None,
            accessibility_features=["wheelchair", "rollator"] if index % 2 == 0 else [],
        )
        for index, (municipality, code, post_office, lat, lon) in enumerate(PLACES)
    ]
    ids: dict[str, str] = {}
    ids["senior_gym"] = str(
        make_service(
            session,
            organisation=ngo,
            name_fi="Senioreiden maksuton kuntosaliryhmä",
            name_sv="Avgiftsfri gymgrupp för seniorer",
            name_en="Free gym group for seniors",
            summary_fi="Ohjattua kuntosaliharjoittelua ikäihmisille.",
            summary_sv="Ledd gymträning för äldre.",
            summary_en="Guided gym training for older people.",
            description_fi="Ryhmä kokoontuu tiistaisin ja torstaisin.",
            description_sv="Gruppen träffas på tisdagar och torsdagar.",
            how_to_join_fi="Tule paikalle, ilmoittautumista ei tarvita.",
            how_to_join_sv="Kom på plats, ingen anmälan behövs.",
            themes=("liikunta",),
            target_groups=("KR1.1",),
            locations=(locations[0],),
            weekly=(("TU", time(10), time(11, 30)), ("TH", time(10), time(11, 30))),
            contacts=((ContactKind.PHONE, "+358 3 814 1234"), (ContactKind.EMAIL, "seniorit@example.fi")),
            is_free=True,
            languages=["fi", "sv"],
            is_demo=True,
        ).id
    )
    ids["finnish_only"] = str(
        make_service(
            session,
            organisation=city,
            name_fi="Kuorolaulu",
            summary_fi="Laulua yhdessä kerran viikossa.",
            themes=("kulttuuri",),
            locations=(locations[2],),
            is_free=False,
            price_text_fi="20 € kaudelta",
        ).id
    )
    activities = [
        ("Vesijumppa", "Vattengympa", "liikunta", "KR1.1", True),
        ("Tuolijumppa", "Stolgympa", "liikunta", "KR1.1", False),
        ("Kävelyryhmä", "Promenadgrupp", "liikunta", "KR1.1", True),
        ("Lukupiiri", "Läscirkel", "kulttuuri", None, True),
        ("Vertaistukiryhmä", "Kamratstödsgrupp", "vertaistuki", "KR1.4", True),
        ("Perhekahvila", "Familjekafé", "osallisuus", "KR1.2", True),
        ("Nuorten sähly", "Innebandy för unga", "liikunta", "KR1.3", False),
        ("Luontoretki", "Naturutflykt", "luonto", None, True),
    ]
    for round_ in range(3):
        for index, (name_fi, name_sv, theme, group, free) in enumerate(activities):
            place = locations[(index + round_) % len(locations)]
            make_service(
                session,
                organisation=ngo if index % 2 else city,
                name_fi=f"{name_fi} {round_ + 1}",
                name_sv=f"{name_sv} {round_ + 1}",
                summary_fi=f"{name_fi}: avointa toimintaa kaikille.",
                summary_sv=f"{name_sv}: öppen verksamhet för alla.",
                themes=(theme,),
                target_groups=(group,) if group else (),
                locations=(place,),
                weekly=((("MO", "WE", "FR")[index % 3], time(9 + index), time(10 + index)),),
                is_free=free,
                languages=["fi", "sv"] if index % 2 else ["fi"],
            )
    session.flush()
    ids["chair_exercise"] = str(seed_chair_exercise(session))
    # A shortlist of two listings for the page tests (codes are given as the pages would give them).
    gym, choir = (uuid.UUID(ids[key]) for key in ("senior_gym", "finnish_only"))
    codes = short_codes(session, [(gym, "seed:gym"), (choir, "seed:choir")])
    ids["shortlist"] = f"list={codes[gym]}&list={codes[choir]}"
    return ids


def seed_chair_exercise(session: Session) -> uuid.UUID:
    """Issue 11's case: Asikkala's chair exercise meets Thursdays 13.00–13.45 at a service centre
    that is open Monday to Friday 8–16."""
    seniors = make_organisation(session, name_fi="Asikkalan Liikkuvat Seniorit ry", kind=OrganisationKind.NGO)
    centre = make_location(
        session,
        name_fi="Asikkalan palvelukeskus",
        street_address_fi="Keskustie 1",
        postal_code="17200",
        post_office_fi="Vääksy",
        municipality_code="016",
        latitude=61.1733,
        longitude=25.5400,
    )
    chair = make_service(
        session,
        organisation=seniors,
        name_fi="Tuolijumppa",
        summary_fi="Rauhallista jumppaa tuolilla istuen.",
        locations=(centre,),
    )
    season_end = date(datetime.now(UTC).year + 1, 5, 16)
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.OPENING_HOURS,
        byday="MO,TU,WE,TH,FR",
        opens=time(8),
        closes=time(16),
        at_place=False,
    )
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.SESSION,
        byday="TH",
        opens=time(13),
        closes=time(13, 45),
        valid_from=date(2026, 8, 31),
        valid_to=season_end,
        description_fi="Syys- ja kevätkausi",
        rrule=f"FREQ=WEEKLY;BYDAY=TH;UNTIL={season_end:%Y%m%d}T235959Z",
        dtstart=date(2026, 8, 31),
        until=season_end,
    )
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.EXCEPTION,
        closed=True,
        description_fi="Joulutauko",
        valid_from=date(2026, 12, 19),
        valid_to=date(2027, 1, 6),
    )
    return chair.id
