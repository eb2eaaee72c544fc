"""A small catalogue for the behaviour suite: the listings the Finnish checks must find, and decoys."""

from __future__ import annotations

from datetime import time

from sqlmodel import Session

from app.catalogue.enums import AccessibilityFeature, OrganisationKind
from app.catalogue.models import Service, ServiceTerm
from tests.factories import make_location, make_organisation, make_service

LAHTI = (60.9827, 25.6612)
HOLLOLA = (60.9886, 25.5137)
HYVINKAA = (60.6333, 24.8667)
HEINOLA = (61.2050, 26.0380)


def build_catalogue(session: Session) -> dict[str, Service]:
    """Services by a short key. Names and texts are what real listings say."""
    city = make_organisation(session, name_fi="Lahden kaupunki", kind=OrganisationKind.MUNICIPALITY)
    ngo = make_organisation(
        session, name_fi="Lahden Seudun Liikunta ry", kind=OrganisationKind.NGO, business_id="1234567-8"
    )
    parish = make_organisation(
        session, name_fi="Hyvinkään seurakunta", kind=OrganisationKind.PARISH, municipality_code="106"
    )
    lahti = make_location(
        session,
        name_fi="Liikuntakeskus",
        municipality_code="398",
        latitude=LAHTI[0],
        longitude=LAHTI[1],
        accessibility_features=[AccessibilityFeature.WHEELCHAIR.value],
    )
    hollola = make_location(
        session,
        name_fi="Hollolan uimahalli",
        municipality_code="098",
        latitude=HOLLOLA[0],
        longitude=HOLLOLA[1],
    )
    hyvinkaa = make_location(
        session,
        name_fi="Seurakuntakoti",
        municipality_code="106",
        latitude=HYVINKAA[0],
        longitude=HYVINKAA[1],
    )
    heinola = make_location(
        session,
        name_fi="Heinolan kylätalo",
        municipality_code="111",
        latitude=HEINOLA[0],
        longitude=HEINOLA[1],
    )
    services = {
        "kuntosali": make_service(
            session,
            organisation=city,
            name_fi="Kuntosali",
            summary_fi="Kaupungin kuntosali on avoinna kaikille aikuisille.",
            locations=(lahti,),
            is_free=False,
            weekly=(("MO,WE", time(8), time(20)),),
            min_age=16,
        ),
        "liikuntaryhma": make_service(
            session,
            organisation=ngo,
            name_fi="Liikuntaryhmä ikääntyneille",
            summary_fi="Ohjattu liikuntaryhmä, jossa liikutaan omaan tahtiin.",
            locations=(hollola,),
            target_groups=("KR1",),
            weekly=(("TU", time(10), time(11)),),
            min_age=65,
        ),
        "vertaistuki": make_service(
            session,
            organisation=ngo,
            name_fi="Omaishoitajien vertaistukiryhmä",
            summary_fi="Keskustelua ja tukea toisilta omaishoitajilta.",
            themes=("vertaistuki",),
            service_classes=(),
            locations=(lahti,),
            weekly=(("TH", time(18), time(19, 30)),),
        ),
        "tasapaino": make_service(
            session,
            organisation=city,
            name_fi="Tasapainoharjoittelu",
            summary_fi="Tasapainoharjoittelua kaatumisten ehkäisemiseksi.",
            locations=(lahti,),
            weekly=(("FR", time(13), time(14)),),
            min_age=60,
        ),
        "vesijumppa": make_service(
            session,
            organisation=city,
            name_fi="Vesijumppa",
            summary_fi="Rauhallista vesijumppaa lämpimässä altaassa.",
            locations=(hollola,),
            weekly=(("WE", time(9), time(10)),),
        ),
        "seniorgymnastik": make_service(
            session,
            organisation=ngo,
            name_fi="Seniorijumppa ruotsiksi",
            name_sv="Seniorgymnastik på svenska",
            summary_sv="Glad gymnastik med musik för pensionärer, på svenska.",
            languages=["sv"],
            locations=(lahti,),
            weekly=(("MO", time(10), time(11)),),
        ),
        "muistikahvila": make_service(
            session,
            organisation=parish,
            name_fi="Muistikahvila",
            summary_fi="Kohtaamispaikka muistisairaille ja heidän läheisilleen.",
            themes=("vertaistuki",),
            service_classes=(),
            locations=(hyvinkaa,),
        ),
        "lukupiiri": make_service(
            session,
            organisation=parish,
            name_fi="Lukupiiri",
            name_en="Reading circle",
            summary_fi="Luemme ja keskustelemme kirjoista.",
            summary_en="We read books and talk about them.",
            themes=("kulttuuri",),
            service_classes=("P25.5",),
            locations=(heinola,),
            is_free=None,
            languages=["fi", "en"],
            weekly=(("SA", time(17), time(19)),),
        ),
        "nuorten": make_service(
            session,
            organisation=city,
            name_fi="Nuorten kuntosalivuoro",
            summary_fi="Ohjattu vuoro 13-17-vuotiaille.",
            locations=(lahti,),
            min_age=13,
            max_age=17,
        ),
    }
    # A keyword term (as LinkedEvents sends them) with labels in three languages.
    session.add(
        ServiceTerm(
            service_id=services["muistikahvila"].id,
            taxonomy="keyword",
            code="yso:p3342",
            label_fi="muistisairaudet",
            label_sv="minnessjukdomar",
            label_en="memory disorders",
        )
    )
    session.flush()
    return services
