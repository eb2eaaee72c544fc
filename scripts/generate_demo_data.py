"""Generate the demo catalogue in PTV v11 wire format (list pages) under demo/ptv-v11/.

    python scripts/generate_demo_data.py            # rewrites demo/ptv-v11/
    python scripts/generate_demo_data.py --out DIR  # writes elsewhere (the tests compare the two)

Everything is fictional and deterministic: every choice is drawn from a random generator seeded with
SEED and the name of the thing being decided, ids are uuid5 of a stable key, and timestamps are offsets
from a fixed date, so the output is byte-for-byte the same on every run and an edit to one table changes
only what it touches. Shapes follow DVV's v11 models (see demo/README.md); the contents are ours.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pyproj import Transformer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.catalogue.codes import PostalCode, load_postal_codes, read_csv  # noqa: E402

SEED = 20261123
PAGE_SIZE = 100
ORGANIZATION_BATCH = 100
DEMO_NAMESPACE = uuid.UUID("6f1d3c2e-9b57-4c1e-a7d4-3e0f2b8c5d11")
MODIFIED_FROM = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SEASON_FROM = "2026-08-31T00:00:00Z"
SEASON_TO = "2027-05-16T00:00:00Z"

Json = dict[str, Any]
LangText = dict[str, str]  # language -> text; a missing language is simply absent

TO_TM35FIN = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)


# ---------------------------------------------------------------------------------------------------------
# Deterministic helpers
# ---------------------------------------------------------------------------------------------------------


def rnd(*key: object) -> random.Random:
    """A generator for one decision; seeding with a string is stable across runs and Python versions."""
    return random.Random(f"{SEED}:" + ":".join(str(part) for part in key))


def demo_id(*key: object) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, ":".join(str(part) for part in key)))


def modified(*key: object) -> str:
    at = MODIFIED_FROM + timedelta(seconds=rnd("modified", *key).randrange(0, 200 * 24 * 3600))
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rnd('ms', *key).randrange(1000, 999999):06d}Z"


def slug(text: str) -> str:
    table = str.maketrans("äöåÄÖÅéü :", "aoaAOAeu--")
    kept = "".join(ch for ch in text.translate(table).lower() if ch.isalnum() or ch == "-")
    while "--" in kept:
        kept = kept.replace("--", "-")
    return kept.strip("-")


def lang_values(texts: LangText, kind: str | None = None) -> list[Json]:
    items: list[Json] = []
    for language in ("fi", "sv", "en"):
        if language in texts:
            item: Json = {"language": language, "value": texts[language]}
            if kind is not None:
                item["type"] = kind
            items.append(item)
    return items


def named(texts: LangText) -> list[Json]:
    return [{"value": texts[lang], "language": lang} for lang in ("fi", "sv", "en") if lang in texts]


def fictional_phone(*key: object) -> str:
    # The 000 trunk does not exist in the Finnish numbering plan, so no real line can be reached.
    return f"000{rnd('phone', *key).randrange(1000000, 9999999)}"


def business_id(*key: object) -> str:
    # Y-tunnus with a valid check digit in the unassigned 99xxxxx range.
    r = rnd("ytunnus", *key)
    while True:
        digits = f"99{r.randrange(0, 100000):05d}"
        total = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if total == 1:
            continue
        check = 0 if total == 0 else 11 - total
        return f"{digits}-{check}"


# ---------------------------------------------------------------------------------------------------------
# Code lists from the repository's own tables
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Municipality:
    code: str
    name: LangText
    genitive: str
    is_city: bool
    county: str
    size: str  # "L", "M" or "S": how much activity the municipality gets


def load_municipality_names() -> dict[str, LangText]:
    return {
        row["code"]: {"fi": row["name_fi"], "sv": row["name_sv"], "en": row["name_en"]}
        for row in read_csv("municipalities.csv")
    }


def load_labels(name: str) -> dict[str, tuple[LangText, str | None]]:
    return {
        row["code"]: (
            {lang: row[f"label_{lang}"] for lang in ("fi", "sv", "en") if row[f"label_{lang}"]},
            row["parent_code"] or None,
        )
        for row in read_csv(name)
    }


NAMES = load_municipality_names()
SERVICE_CLASSES = load_labels("ptv_service_class.csv")
TARGET_GROUPS = load_labels("ptv_target_group.csv")
POSTAL = load_postal_codes()

COUNTY_NAMES = {
    "09": {
        "fi": "Päijät-Hämeen hyvinvointialue",
        "sv": "Päijänne-Tavastlands välfärdsområde",
        "en": "Päijät-Häme Wellbeing Services County",
    },
    "02": {
        "fi": "Keski-Uudenmaan hyvinvointialue",
        "sv": "Mellersta Nylands välfärdsområde",
        "en": "Central Uusimaa Wellbeing Services County",
    },
}
COUNTY_REGION = {"09": ("Province", "07"), "02": ("Municipality", None)}


def municipality(code: str, genitive: str, is_city: bool, county: str, size: str) -> Municipality:
    return Municipality(code, NAMES[code], genitive, is_city, county, size)


MUNICIPALITIES = [
    municipality("398", "Lahden", True, "09", "L"),
    municipality("098", "Hollolan", False, "09", "M"),
    municipality("111", "Heinolan", True, "09", "M"),
    municipality("016", "Asikkalan", False, "09", "S"),
    municipality("081", "Hartolan", False, "09", "S"),
    municipality("560", "Orimattilan", True, "09", "M"),
    municipality("142", "Iitin", False, "09", "S"),
    municipality("316", "Kärkölän", False, "09", "S"),
    municipality("576", "Padasjoen", False, "09", "S"),
    municipality("781", "Sysmän", False, "09", "S"),
    municipality("106", "Hyvinkään", True, "02", "M"),
    municipality("186", "Järvenpään", True, "02", "M"),
    municipality("858", "Tuusulan", False, "02", "M"),
    municipality("543", "Nurmijärven", False, "02", "M"),
    municipality("505", "Mäntsälän", False, "02", "M"),
    municipality("611", "Pornaisten", False, "02", "S"),
]
BY_CODE = {m.code: m for m in MUNICIPALITIES}


# ---------------------------------------------------------------------------------------------------------
# Places: districts with a real postal code and real street names of the municipality
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    name: str
    genitive: str
    postal_code: str
    streets: tuple[str, ...]


PLACES: dict[str, list[Place]] = {
    "398": [
        Place(
            "Keskusta", "Lahden", "15110", ("Aleksanterinkatu", "Vapaudenkatu", "Hämeenkatu", "Rautatienkatu")
        ),
        Place("Kartano", "Kartanon", "15140", ("Saimaankatu", "Vesijärvenkatu", "Kannaksenkatu")),
        Place("Mukkula", "Mukkulan", "15240", ("Mukkulankatu", "Ritaniemenkatu")),
        Place("Liipola", "Liipolan", "15300", ("Liipolankatu", "Karjalankatu")),
        Place("Ahtiala", "Ahtialan", "15680", ("Ahtialantie", "Kivimaankatu")),
        Place("Laune", "Launeen", "15610", ("Launeenkatu", "Okeroistentie")),
        Place("Kiveriö", "Kiveriön", "15320", ("Kiveriönkatu", "Uudenmaankatu")),
        Place("Jalkaranta", "Jalkarannan", "15200", ("Jalkarannantie", "Ilmarisentie")),
        Place("Nastola", "Nastolan", "15560", ("Pajulahdentie", "Nastolantie", "Rauhankatu")),
        Place("Villähde", "Villähteen", "15540", ("Villähteentie", "Kirkkotie")),
        Place("Renkomäki", "Renkomäen", "15850", ("Renkomäentie", "Kaivomestarinkatu")),
        Place("Kärpänen", "Kärpäsen", "15160", ("Karistonkatu", "Vanha Helsingintie")),
    ],
    "098": [
        Place("Salpakangas", "Hollolan", "15870", ("Virastotie", "Hämeenlinnantie", "Kankaantie")),
        Place(
            "Hollolan kirkonkylä", "Hollolan kirkonkylän", "16710", ("Hollolan kirkkotie", "Tiilijärventie")
        ),
        Place("Kukkila", "Kukkilan", "15270", ("Kukkilantie", "Uudenmaantie")),
        Place("Hämeenkoski", "Hämeenkosken", "16800", ("Koskentie", "Kirkkotie")),
        Place("Herrala", "Herralan", "16500", ("Herralantie", "Asematie")),
        Place("Nostava", "Nostavan", "15880", ("Nostavantie", "Kalliolantie")),
    ],
    "111": [
        Place("Keskusta", "Heinolan", "18100", ("Kauppakatu", "Savontie", "Siltakatu", "Rautatienkatu")),
        Place("Jyränkö", "Jyrängön", "18150", ("Jyrängöntie", "Kymijoentie")),
        Place("Vierumäki", "Vierumäen", "19120", ("Vierumäentie", "Urheiluopistontie")),
        Place("Lusi", "Lusin", "19210", ("Lusintie", "Kirkkotie")),
        Place("Heinolan maalaiskunta", "Heinolan kirkonkylän", "18300", ("Kirkonkyläntie", "Harjulantie")),
    ],
    "016": [
        Place("Vääksy", "Asikkalan", "17200", ("Urheilutie", "Kanavatie", "Vääksyntie")),
        Place("Kalkkinen", "Kalkkisten", "17240", ("Kalkkistentie", "Kanavantie")),
        Place("Vesivehmaa", "Vesivehmaan", "17130", ("Vesivehmaantie", "Lentoasemantie")),
    ],
    "081": [
        Place("Hartolan keskusta", "Hartolan", "19600", ("Koskipääntie", "Kirkkotie", "Urheilutie")),
        Place("Koitti", "Koitin", "19540", ("Koitintie", "Kirkkotie")),
    ],
    "560": [
        Place("Keskusta", "Orimattilan", "16300", ("Erkontie", "Kauppatie", "Puistokatu")),
        Place("Artjärvi", "Artjärven", "16200", ("Artjärventie", "Kirkkotie")),
        Place("Pennala", "Pennalan", "16320", ("Pennalantie", "Koulutie")),
        Place("Virenoja", "Virenojan", "16310", ("Virenojantie", "Mäntyläntie")),
        Place("Heinämaa", "Heinämaan", "16330", ("Heinämaantie", "Lahdentie")),
    ],
    "142": [
        Place("Kausala", "Iitin", "47400", ("Kausalantie", "Rautatienkatu", "Urheilutie")),
        Place("Iitin kirkonkylä", "Iitin kirkonkylän", "47520", ("Iitintie", "Kirkkotie")),
        Place("Haapa-Kimola", "Haapa-Kimolan", "47310", ("Kimolantie", "Kanavatie")),
    ],
    "316": [
        Place("Järvelä", "Kärkölän", "16600", ("Kauppatie", "Asematie", "Kärköläntie")),
        Place("Lappila", "Lappilan", "16670", ("Lappilantie", "Koulutie")),
    ],
    "576": [
        Place("Padasjoen keskusta", "Padasjoen", "17500", ("Kauppatie", "Kirkkotie", "Rantatie")),
        Place("Auttoinen", "Auttoisten", "17610", ("Auttoistentie", "Kyläntie")),
    ],
    "781": [
        Place("Sysmän keskusta", "Sysmän", "19700", ("Sysmäntie", "Kirkkotie", "Mäkiläntie")),
        Place("Nuoramoinen", "Nuoramoisten", "19370", ("Nuoramoistentie", "Kyläraitti")),
    ],
    "106": [
        Place("Keskusta", "Hyvinkään", "05800", ("Hämeenkatu", "Uudenmaankatu", "Kauppalankatu", "Torikatu")),
        Place("Paavola", "Paavolan", "05830", ("Paavolantie", "Villatehtaankatu")),
        Place("Sveitsi", "Sveitsin", "05880", ("Sveitsintie", "Jukolanmäentie")),
        Place("Martti", "Martin", "05860", ("Martinkatu", "Kenraalinkatu")),
        Place("Kytäjä", "Kytäjän", "05720", ("Kytäjäntie", "Kartanontie")),
        Place("Hakala", "Hakalan", "05820", ("Hakalantie", "Munckinkatu")),
    ],
    "186": [
        Place(
            "Keskusta",
            "Järvenpään",
            "04400",
            ("Sibeliuksenkatu", "Mannilantie", "Helsingintie", "Asemankatu"),
        ),
        Place("Saunakallio", "Saunakallion", "04440", ("Wärtsilänkatu", "Saunakalliontie")),
        Place("Haarajoki", "Haarajoen", "04480", ("Kartanontie", "Haarajoentie")),
        Place("Jampankaari", "Jampan", "04410", ("Seutulantie", "Pajalantie")),
        Place("Kyrölä", "Kyrölän", "04430", ("Ristinummentie", "Kyröläntie")),
    ],
    "858": [
        Place("Hyrylä", "Tuusulan", "04300", ("Hyryläntie", "Tuusulantie", "Kauppatie")),
        Place("Tuusulan kirkonkylä", "Tuusulan kirkonkylän", "04310", ("Kirkkotie", "Rantatie")),
        Place("Kellokoski", "Kellokosken", "04500", ("Kellokoskentie", "Ruukintie")),
        Place("Jokela", "Jokelan", "05400", ("Jokelantie", "Keskustie")),
        Place("Lahela", "Lahelan", "04330", ("Lahelantie", "Vanha Tuusulantie")),
    ],
    "543": [
        Place("Kirkonkylä", "Nurmijärven", "01900", ("Keskustie", "Kirkkotie", "Aleksis Kiven tie")),
        Place("Klaukkala", "Klaukkalan", "01800", ("Klaukkalantie", "Kuonomäentie", "Seurakuntatie")),
        Place("Rajamäki", "Rajamäen", "05200", ("Rajamäentie", "Harjutie")),
        Place("Palojoki", "Palojoen", "01940", ("Palojoentie", "Kyläntie")),
        Place("Kiljava", "Kiljavan", "05250", ("Kiljavantie", "Harjuntie")),
    ],
    "505": [
        Place("Keskusta", "Mäntsälän", "04600", ("Keskuskatu", "Sepänkatu", "Asematie")),
        Place("Ohkola", "Ohkolan", "04530", ("Ohkolantie", "Kyläntie")),
        Place("Numminen", "Nummisten", "04660", ("Nummisentie", "Kartanontie")),
        Place("Hirvihaara", "Hirvihaaran", "04680", ("Hirvihaarantie", "Koulutie")),
    ],
    "611": [
        Place(
            "Pornaisten kirkonkylä", "Pornaisten", "07170", ("Pornaistentie", "Kirkkotie", "Kirveskoskentie")
        ),
        Place("Laukkoski", "Laukkosken", "07150", ("Laukkoskentie", "Myllytie")),
    ],
}


# ---------------------------------------------------------------------------------------------------------
# Venues (ServiceLocation channels)
# ---------------------------------------------------------------------------------------------------------

# kind -> (name pattern fi, name pattern sv or None, who runs it)
VENUE_KINDS: dict[str, tuple[str, str | None, str]] = {
    "kirjasto": ("{gen} kirjasto", "{sv} bibliotek", "municipality"),
    "uimahalli": ("{gen} uimahalli", "{sv} simhall", "municipality"),
    "liikuntahalli": ("{gen} liikuntahalli", None, "municipality"),
    "kuntosali": ("Kuntosali {place}", None, "municipality"),
    "nuorisotalo": ("{gen} nuorisotalo", "Ungdomsgården i {place}", "municipality"),
    "seurakuntakeskus": ("{gen} seurakuntakeskus", "{sv} församlingshem", "parish"),
    "palvelukeskus": ("{gen} palvelukeskus", "{sv} servicecentral", "county"),
    "perhekeskus": ("{gen} perhekeskus", "{sv} familjecenter", "county"),
    "terveysasema": ("{gen} terveysasema", "{sv} hälsostation", "county"),
    "jarjestotalo": ("{gen} järjestötalo", None, "ngo"),
    "kylatalo": ("{gen} kylätalo", None, "ngo"),
    "ulkoilualue": ("{gen} ulkoilualue, lähtöpiste", None, "municipality"),
    "kansalaisopisto": ("{gen} kansalaisopisto", None, "municipality"),
    "virastotalo": ("{gen} kaupungintalo", None, "municipality"),
}

# Which venues each size of municipality gets, as (kind, index of the place).
VENUE_PLAN: dict[str, list[tuple[str, int]]] = {
    "398": [
        ("kirjasto", 0),
        ("kirjasto", 2),
        ("kirjasto", 3),
        ("kirjasto", 8),
        ("kirjasto", 5),
        ("uimahalli", 1),
        ("uimahalli", 8),
        ("liikuntahalli", 1),
        ("liikuntahalli", 4),
        ("liikuntahalli", 8),
        ("kuntosali", 6),
        ("kuntosali", 11),
        ("nuorisotalo", 0),
        ("nuorisotalo", 2),
        ("nuorisotalo", 3),
        ("nuorisotalo", 4),
        ("nuorisotalo", 8),
        ("nuorisotalo", 10),
        ("seurakuntakeskus", 0),
        ("seurakuntakeskus", 2),
        ("seurakuntakeskus", 5),
        ("seurakuntakeskus", 8),
        ("seurakuntakeskus", 9),
        ("palvelukeskus", 0),
        ("palvelukeskus", 3),
        ("palvelukeskus", 8),
        ("palvelukeskus", 7),
        ("perhekeskus", 0),
        ("perhekeskus", 8),
        ("perhekeskus", 2),
        ("terveysasema", 0),
        ("terveysasema", 4),
        ("terveysasema", 8),
        ("terveysasema", 6),
        ("jarjestotalo", 0),
        ("jarjestotalo", 1),
        ("jarjestotalo", 3),
        ("kylatalo", 9),
        ("kylatalo", 10),
        ("ulkoilualue", 2),
        ("ulkoilualue", 5),
        ("ulkoilualue", 8),
        ("kansalaisopisto", 0),
        ("virastotalo", 0),
    ],
    "M": [
        ("kirjasto", 0),
        ("kirjasto", 2),
        ("uimahalli", 0),
        ("liikuntahalli", 0),
        ("liikuntahalli", 1),
        ("kuntosali", 3),
        ("nuorisotalo", 0),
        ("nuorisotalo", 2),
        ("nuorisotalo", 1),
        ("seurakuntakeskus", 0),
        ("seurakuntakeskus", 2),
        ("palvelukeskus", 0),
        ("palvelukeskus", 1),
        ("perhekeskus", 0),
        ("terveysasema", 0),
        ("terveysasema", 2),
        ("jarjestotalo", 0),
        ("kylatalo", 4),
        ("ulkoilualue", 1),
        ("kansalaisopisto", 0),
        ("virastotalo", 0),
    ],
    "S": [
        ("kirjasto", 0),
        ("liikuntahalli", 0),
        ("nuorisotalo", 0),
        ("seurakuntakeskus", 0),
        ("palvelukeskus", 0),
        ("terveysasema", 0),
        ("jarjestotalo", 0),
        ("kylatalo", 1),
        ("ulkoilualue", 0),
        ("kirjasto", 1),
        ("kansalaisopisto", 0),
        ("virastotalo", 0),
    ],
}
# A few towns have no indoor pool of their own; their residents use the neighbour's.
NO_POOL = {"505"}


@dataclass(eq=False)
class Venue:
    key: str
    kind: str
    municipality: Municipality
    place: Place
    name: LangText
    street: str
    street_number: str
    postal: PostalCode
    latitude: float
    longitude: float
    coordinate_state: str
    operator_kind: str
    services: list[Service] = field(default_factory=list)

    @property
    def id(self) -> str:
        return demo_id("channel", self.key)


def venue_name(kind: str, m: Municipality, place: Place, first_of_kind: bool) -> LangText:
    fi_pattern, sv_pattern, _ = VENUE_KINDS[kind]
    central = place is PLACES[m.code][0]
    gen = place.genitive
    if kind == "kirjasto" and central:
        fi = f"{m.genitive} pääkirjasto"
    elif kind == "virastotalo":
        fi = f"{m.genitive} {'kaupungintalo' if m.is_city else 'kunnantalo'}"
    elif kind == "kuntosali":
        fi = fi_pattern.format(place=place.name)
    else:
        fi = fi_pattern.format(gen=gen, place=place.name)
    if kind == "uimahalli" and not first_of_kind:
        fi = f"{place.genitive} uimahalli"
    names: LangText = {"fi": fi}
    # Bilingual names where the municipality has a Swedish name, and on the county's own premises.
    county_premises = kind in ("terveysasema", "perhekeskus", "palvelukeskus")
    if sv_pattern and central and (m.name["sv"] != m.name["fi"] or county_premises):
        names["sv"] = sv_pattern.format(sv=m.name["sv"], place=place.name)
    return names


def jitter(key: str, postal: PostalCode, metres: float = 450.0) -> tuple[float, float]:
    r = rnd("jitter", key)
    angle = r.uniform(0, 2 * math.pi)
    distance = r.uniform(60.0, metres)
    dlat = distance * math.cos(angle) / 111_200.0
    dlon = distance * math.sin(angle) / (111_200.0 * math.cos(math.radians(postal.latitude)))
    return round(postal.latitude + dlat, 6), round(postal.longitude + dlon, 6)


def build_venues() -> list[Venue]:
    venues: list[Venue] = []
    for m in MUNICIPALITIES:
        plan = VENUE_PLAN.get(m.code) or VENUE_PLAN[m.size]
        seen: dict[str, int] = {}
        for kind, place_index in plan:
            if kind == "uimahalli" and m.code in NO_POOL:
                continue
            places = PLACES[m.code]
            place = places[place_index % len(places)]
            count = seen.get(kind, 0)
            seen[kind] = count + 1
            key = f"{m.code}-{kind}-{count}"
            postal = POSTAL[place.postal_code]
            if postal.municipality_code != m.code:
                raise SystemExit(f"{place.postal_code} is not in {m.code}")
            r = rnd("venue", key)
            latitude, longitude = jitter(key, postal)
            state = "Ok" if r.random() < 0.85 else "EnteredByUser"
            venues.append(
                Venue(
                    key=key,
                    kind=kind,
                    municipality=m,
                    place=place,
                    name=venue_name(kind, m, place, count == 0),
                    street=r.choice(place.streets),
                    street_number=str(r.randrange(1, 60)) + ("" if r.random() < 0.85 else r.choice("ABC")),
                    postal=postal,
                    latitude=latitude,
                    longitude=longitude,
                    coordinate_state=state,
                    operator_kind=VENUE_KINDS[kind][2],
                )
            )
    # Real data has places whose coordinates never arrived: PTV sends "0","0" with NotReceived.
    for key in ("398-kylatalo-1", "111-kylatalo-0", "858-ulkoilualue-0", "781-kylatalo-0"):
        for venue in venues:
            if venue.key == key:
                venue.coordinate_state = "NotReceived"
    return venues


# ---------------------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Organisation:
    key: str
    kind: str  # municipality, county, parish, ngo, company
    name: LangText
    organization_type: str
    municipality: Municipality | None
    focus: tuple[str, ...] = ()
    description: LangText = field(default_factory=dict)
    swedish: bool = False
    place: Place | None = None  # the district a local association is rooted in

    @property
    def id(self) -> str:
        return demo_id("organization", self.key)


PARISH_NAMES = {
    "398": "Lahden seurakuntayhtymä",
    "098": "Hollolan seurakunta",
    "111": "Heinolan seurakunta",
    "016": "Asikkalan seurakunta",
    "081": "Hartolan seurakunta",
    "560": "Orimattilan seurakunta",
    "142": "Iitin seurakunta",
    "316": "Kärkölän seurakunta",
    "576": "Padasjoen seurakunta",
    "781": "Sysmän seurakunta",
    "106": "Hyvinkään seurakunta",
    "186": "Järvenpään seurakunta",
    "858": "Tuusulan seurakunta",
    "543": "Nurmijärven seurakunta",
    "505": "Mäntsälän seurakunta",
    "611": "Pornaisten seurakunta",
}

# Invented associations: (name pattern, activities they run, which sizes of municipality have one).
NGO_TYPES: list[tuple[str, tuple[str, ...], str]] = [
    ("{gen} Liikkuvat Seniorit ry", ("kavelyryhma", "tanssi_seniorit", "tuolijumppa", "pelikerho"), "LMS"),
    ("{gen} Omaishoitajaverkko ry", ("omaishoitajat", "ystavapiiri"), "LMS"),
    ("{gen} Muistiystävät ry", ("muisti_vertais", "muistikahvila"), "LM"),
    ("{gen} Mielen Tuki ry", ("mielenterveys_vertais", "kohtaamispaikka"), "LM"),
    ("{gen} Perheverkko ry", ("perhekahvila", "perheliikunta"), "LM"),
    ("{gen} Kädentaitajat ry", ("kasityot", "ravitsemus_ryhma"), "LMS"),
    ("Urheiluseura {place} Vire ry", ("lasten_liikuntakerho", "sauvakavely"), "LM"),
    ("{gen} Kyläyhdistys ry", ("kylatalo_illat", "luontoretket"), "LMS"),
    ("{gen} Teatteriharrastajat ry", ("harrastajateatteri",), "L"),
    ("{gen} Työttömät ry", ("tyottomat",), "L"),
    ("{gen} Raittiusseura Selvä ry", ("paihteeton_olohuone",), "LM"),
    ("{gen} Tules-ryhmä ry", ("vesijumppa_tules",), "LM"),
    ("{gen} Kieliklubi ry", ("kielikahvila",), "L"),
    ("{gen} Vapaaehtoiset ry", ("vapaaehtoiskoulutus",), "LM"),
]

REGIONAL_NGOS: list[tuple[str, LangText, tuple[str, ...], str, bool]] = [
    (
        "ngo-ph-muisti",
        {"fi": "Päijänteen Muistiyhdistys ry", "sv": "Minnesföreningen vid Päijänne rf"},
        ("muisti_vertais", "muistikahvila"),
        "398",
        False,
    ),
    (
        "ngo-ku-mieli",
        {"fi": "Keski-Uudenmaan Mielen Tuki ry", "sv": "Mellersta Nylands Sinnesstöd rf"},
        ("mielenterveys_vertais", "kohtaamispaikka"),
        "186",
        False,
    ),
    (
        "ngo-lahti-sv",
        {"fi": "Lahden Ruotsinkieliset Seniorit ry", "sv": "Svenska seniorer i Lahtis rf"},
        ("seniorgymnastik", "svensk_kor"),
        "398",
        True,
    ),
    (
        "ngo-ku-sv",
        {
            "fi": "Keski-Uudenmaan Ruotsinkieliset Eläkeläiset ry",
            "sv": "Mellersta Nylands svenska pensionärer rf",
        },
        ("seniorgymnastik", "svensk_kor"),
        "858",
        True,
    ),
]

COMPANIES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("company-lahti-kunto", "Liikuntakeskus Kuntodemo Oy", "398", ("kuntosali_seniorit", "jooga")),
    ("company-hyvinkaa-voima", "Hyvinvointipalvelu Voimademo Oy", "106", ("kuntosali_seniorit",)),
    ("company-jarvenpaa-tanssi", "Tanssistudio Askeldemo Oy", "186", ("tanssi_seniorit",)),
]


def build_organisations() -> list[Organisation]:
    orgs: list[Organisation] = []
    for m in MUNICIPALITIES:
        kind_word = ("kaupunki", "stad", "City of") if m.is_city else ("kunta", "kommun", "Municipality of")
        name: LangText = {"fi": f"{m.genitive} {kind_word[0]}"}
        if m.name["sv"] != m.name["fi"]:
            name["sv"] = f"{m.name['sv']} {kind_word[1]}"
        name["en"] = f"{kind_word[2]} {m.name['en']}"
        orgs.append(Organisation(f"municipality-{m.code}", "municipality", name, "Municipality", m))
    for code, names in COUNTY_NAMES.items():
        home = BY_CODE["398" if code == "09" else "186"]
        orgs.append(Organisation(f"county-{code}", "county", names, "RegionalOrganization", home))
    for m in MUNICIPALITIES:
        orgs.append(
            Organisation(
                f"parish-{m.code}",
                "parish",
                {"fi": PARISH_NAMES[m.code]},
                "Organization",
                m,
                description={
                    "fi": f"{PARISH_NAMES[m.code]} on evankelis-luterilainen seurakunta. Demoaineiston kuvaukset ovat kuvitteellisia."
                },
            )
        )
    for m in MUNICIPALITIES:
        # A city has associations in its districts too (Mukkulan..., Nastolan...).
        homes = [PLACES[m.code][i] for i in NGO_DISTRICTS.get(m.code, (0,))]
        for place in homes:
            for pattern, focus, sizes in NGO_TYPES:
                if m.size not in sizes:
                    continue
                is_centre = place is PLACES[m.code][0]
                if not is_centre and rnd("district-ngo", place.name, pattern).random() < 0.3:
                    continue
                gen = m.genitive if is_centre else place.genitive
                ngo_name = pattern.format(gen=gen, place=m.name["fi"] if is_centre else place.name)
                word = slug(pattern.split(" ")[1] if pattern.startswith("{gen}") else pattern)
                key = f"ngo-{m.code}-{word}" if is_centre else f"ngo-{m.code}-{slug(place.name)}-{word}"
                orgs.append(
                    Organisation(
                        key,
                        "ngo",
                        {"fi": ngo_name},
                        "Organization",
                        m,
                        focus=focus,
                        description={
                            "fi": f"{ngo_name} on kuvitteellinen yhdistys, joka on luotu demoaineistoa varten."
                        },
                        place=place,
                    )
                )
    for key, names, focus, home_code, swedish in REGIONAL_NGOS:
        orgs.append(
            Organisation(
                key,
                "ngo",
                names,
                "Organization",
                BY_CODE[home_code],
                focus=focus,
                swedish=swedish,
                description={
                    "fi": f"{names['fi']} on kuvitteellinen alueellinen yhdistys, joka on luotu demoaineistoa varten.",
                    "sv": f"{names['sv']} är en påhittad förening i demodata.",
                },
            )
        )
    for key, company_name, home_code, focus in COMPANIES:
        orgs.append(
            Organisation(key, "company", {"fi": company_name}, "Company", BY_CODE[home_code], focus=focus)
        )
    return orgs


# ---------------------------------------------------------------------------------------------------------
# Activities: what a service is about
# ---------------------------------------------------------------------------------------------------------

YSO: dict[str, tuple[str, LangText]] = {
    "liikunta": (
        "http://www.yso.fi/onto/yso/p916",
        {"fi": "liikunta", "sv": "motion", "en": "physical activity"},
    ),
    "hyvinvointi": (
        "http://www.yso.fi/onto/yso/p1947",
        {"fi": "hyvinvointi", "sv": "välbefinnande", "en": "well-being"},
    ),
    "keskustelu": (
        "http://www.yso.fi/onto/yso/p14004",
        {"fi": "keskustelu", "sv": "diskussion", "en": "discussion"},
    ),
    "konsertit": (
        "http://www.yso.fi/onto/yso/p11185",
        {"fi": "konsertit", "sv": "konserter", "en": "concerts"},
    ),
    "kuvataide": (
        "http://www.yso.fi/onto/yso/p2739",
        {"fi": "kuvataide", "sv": "bildkonst", "en": "visual arts"},
    ),
    "musiikki": ("http://www.yso.fi/onto/yso/p1808", {"fi": "musiikki", "sv": "musik", "en": "music"}),
    "luennot": (
        "http://www.yso.fi/onto/yso/p15875",
        {"fi": "luennot", "sv": "föreläsningar", "en": "lectures"},
    ),
    "ulkoilu": (
        "http://www.yso.fi/onto/yso/p2771",
        {"fi": "ulkoilu", "sv": "friluftsliv", "en": "outdoor recreation"},
    ),
    "urheilu": ("http://www.yso.fi/onto/yso/p965", {"fi": "urheilu", "sv": "idrott", "en": "sports"}),
    "tanssi": ("http://www.yso.fi/onto/yso/p1278", {"fi": "tanssi", "sv": "dans", "en": "dance"}),
    "ruoka": ("http://www.yso.fi/onto/yso/p3670", {"fi": "ruoka", "sv": "mat", "en": "food"}),
    "tyopajat": (
        "http://www.yso.fi/onto/yso/p19245",
        {"fi": "työpajat", "sv": "verkstäder", "en": "workshops"},
    ),
    "pelit": ("http://www.yso.fi/onto/yso/p6062", {"fi": "pelit", "sv": "spel", "en": "games"}),
    "osallistuminen": (
        "http://www.yso.fi/onto/yso/p10727",
        {"fi": "osallistuminen", "sv": "deltagande", "en": "participation"},
    ),
    "leikkiminen": ("http://www.yso.fi/onto/yso/p316", {"fi": "leikkiminen", "sv": "lek", "en": "playing"}),
    "opastus": ("http://www.yso.fi/onto/yso/p2149", {"fi": "opastus", "sv": "handledning", "en": "guidance"}),
    "teatteritaide": (
        "http://www.yso.fi/onto/yso/p2625",
        {"fi": "teatteritaide", "sv": "teaterkonst", "en": "theatre"},
    ),
    "lapset": (
        "http://www.yso.fi/onto/yso/p4354",
        {"fi": "lapset (ikään liittyvä rooli)", "sv": "barn", "en": "children"},
    ),
    "lapsiperheet": (
        "http://www.yso.fi/onto/yso/p13050",
        {"fi": "lapsiperheet", "sv": "barnfamiljer", "en": "families with children"},
    ),
    "nuoret": (
        "http://www.yso.fi/onto/yso/p11617",
        {"fi": "nuoret (ikään liittyvä rooli)", "sv": "unga", "en": "young people"},
    ),
    "maahanmuuttajat": (
        "http://www.yso.fi/onto/yso/p6165",
        {"fi": "maahanmuuttajat", "sv": "invandrare", "en": "immigrants"},
    ),
    "vammaiset": (
        "http://www.yso.fi/onto/yso/p7179",
        {"fi": "vammaiset", "sv": "funktionshindrade", "en": "disabled people"},
    ),
    "ikaantyneet": (
        "http://www.yso.fi/onto/yso/p2433",
        {"fi": "ikääntyneet", "sv": "äldre", "en": "older people"},
    ),
    "jarjestot": (
        "http://www.yso.fi/onto/yso/p1393",
        {"fi": "järjestöt", "sv": "organisationer", "en": "organisations"},
    ),
    "mielenterveyspotilaat": (
        "http://www.yso.fi/onto/yso/p12297",
        {"fi": "mielenterveyspotilaat", "sv": "mentalvårdspatienter", "en": "mental health patients"},
    ),
    "tyottomat": (
        "http://www.yso.fi/onto/yso/p7708",
        {"fi": "työttömät", "sv": "arbetslösa", "en": "unemployed"},
    ),
    "uimahallit": (
        "http://www.yso.fi/onto/koko/p11070",
        {"fi": "uimahallit", "sv": "simhallar", "en": "indoor swimming pools"},
    ),
    "uinti": ("http://www.yso.fi/onto/koko/p32246", {"fi": "uinti", "sv": "simning", "en": "swimming"}),
}


@dataclass(frozen=True)
class Activity:
    key: str
    name: LangText
    summary: LangText
    description: LangText
    classes: tuple[str, ...]
    targets: tuple[str, ...]
    terms: tuple[str, ...]
    venues: tuple[str, ...]
    sessions: tuple[tuple[str, str, str], ...]
    charge: str | None = "FreeOfCharge"  # v11 words: "FreeOfCharge", "Chargeable"; None = not given
    price: str = ""
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("fi",)
    age: str = ""


def act(
    key: str,
    name: LangText,
    summary: LangText,
    description: str,
    classes: Sequence[str],
    targets: Sequence[str],
    terms: Sequence[str],
    venues: Sequence[str],
    sessions: Sequence[tuple[str, str, str]],
    **extra: Any,
) -> Activity:
    return Activity(
        key,
        name,
        summary,
        {"fi": description},
        tuple(classes),
        tuple(targets),
        tuple(terms),
        tuple(venues),
        tuple(sessions),
        **extra,
    )


MON, TUE, WED, THU, FRI, SAT, SUN = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

ACTIVITIES: dict[str, Activity] = {
    a.key: a
    for a in [
        act(
            "vesijumppa_seniorit",
            {
                "fi": "Ikäihmisten vesijumppa",
                "sv": "Vattengympa för seniorer",
                "en": "Aqua aerobics for seniors",
            },
            {
                "fi": "Ohjattua vesijumppaa rauhalliseen tahtiin lämpimässä terapia-altaassa.",
                "sv": "Ledd vattengympa i lugnt tempo i den varma terapibassängen.",
                "en": "Guided water exercise at a gentle pace in the warm therapy pool.",
            },
            "Vesijumppa vahvistaa lihaksia ja parantaa liikkuvuutta nivelille ystävällisesti. Ryhmässä harjoitellaan myös tasapainoa. Uimataitoa ei tarvita, sillä allas on matala.",
            ("P27.1",),
            ("KR1.1",),
            ("liikunta", "uinti", "uimahallit", "ikaantyneet"),
            ("uimahalli",),
            ((TUE, "10:00:00", "10:45:00"), (THU, "10:00:00", "10:45:00")),
            charge="Chargeable",
            price="Uimahallin sisäänpääsymaksu, eläkeläisille 4,50 €. Ohjaus ei maksa erikseen.",
            keywords=("vesijumppa", "vesiliikunta", "senioriliikunta"),
            age="Ryhmä on tarkoitettu yli 65-vuotiaille.",
        ),
        act(
            "vesijumppa_tules",
            {"fi": "Vesijumppa tuki- ja liikuntaelinoireisille"},
            {"fi": "Kevyt vesijumppa nivel- ja selkävaivoista kärsiville."},
            "Ryhmä sopii reuma-, nivelrikko- ja selkäoireisille. Liikkeet tehdään oman voinnin mukaan ja ohjaaja neuvoo vaihtoehtoisia liikkeitä.",
            ("P27.1", "P5.16"),
            ("KR1.4", "KR1"),
            ("liikunta", "uinti"),
            ("uimahalli",),
            ((WED, "18:00:00", "18:45:00"),),
            charge="Chargeable",
            price="Jäsenille 3 €, muille 6 € kerta + uimahallimaksu.",
            keywords=("vesijumppa", "nivelrikko", "reuma"),
            age="Aikuisille, ei ikärajaa.",
        ),
        act(
            "kuntosali_seniorit",
            {
                "fi": "Senioreiden kuntosaliryhmä",
                "sv": "Gymgrupp för seniorer",
                "en": "Gym group for seniors",
            },
            {
                "fi": "Ohjattu kuntosaliharjoittelu lihasvoiman ja toimintakyvyn ylläpitoon.",
                "sv": "Ledd gymträning för att behålla muskelstyrka och funktionsförmåga.",
            },
            "Harjoittelu alkaa laitteiden esittelyllä, ja jokainen saa oman ohjelman. Lihasvoimaharjoittelu ehkäisee kaatumisia ja helpottaa arjen askareita.",
            ("P27.1",),
            ("KR1.1",),
            ("liikunta", "ikaantyneet"),
            ("kuntosali", "liikuntahalli", "palvelukeskus"),
            ((MON, "09:00:00", "10:00:00"), (WED, "09:00:00", "10:00:00")),
            charge="Chargeable",
            price="Kausimaksu 35 € / syyskausi, kertamaksu 4 €.",
            keywords=("kuntosali", "lihaskunto", "senioriliikunta"),
            age="Yli 65-vuotiaille ja eläkeläisille.",
        ),
        act(
            "tasapaino",
            {
                "fi": "Tasapainoryhmä kaatumisten ehkäisyyn",
                "sv": "Balansgrupp för att förebygga fall",
                "en": "Balance group to prevent falls",
            },
            {
                "fi": "Tasapaino- ja lihasvoimaharjoittelua pienryhmässä.",
                "sv": "Balans- och styrketräning i liten grupp.",
                "en": "Balance and strength training in a small group.",
            },
            "Kymmenen kerran ryhmässä harjoitellaan tasapainoa, nousemista ja turvallista liikkumista. Ryhmään voi hakeutua itse tai liikuntaneuvonnan kautta.",
            ("P27.1", "P5.17"),
            ("KR1.1",),
            ("liikunta", "ikaantyneet", "hyvinvointi"),
            ("liikuntahalli", "palvelukeskus", "terveysasema"),
            ((TUE, "13:00:00", "14:00:00"),),
            keywords=("tasapainoharjoittelu", "kaatumisten ehkäisy"),
            age="Yli 70-vuotiaille.",
        ),
        act(
            "kavelyryhma",
            {"fi": "Kävelyryhmä", "sv": "Promenadgrupp", "en": "Walking group"},
            {
                "fi": "Yhteinen kävelylenkki lähimaastossa joka viikko.",
                "sv": "Gemensam promenad i närmiljön varje vecka.",
            },
            "Kävelemme noin tunnin rauhalliseen tahtiin säällä kuin säällä. Lenkin jälkeen on mahdollisuus jäädä kahville.",
            ("P27.2", "P27.1"),
            ("KR1", "KR1.1"),
            ("ulkoilu", "liikunta"),
            ("ulkoilualue", "palvelukeskus", "seurakuntakeskus", "kirjasto"),
            ((WED, "10:00:00", "11:00:00"),),
            keywords=("kävely", "ulkoilu", "kävelyryhmä"),
            age="Kaikenikäisille aikuisille.",
        ),
        act(
            "sauvakavely",
            {"fi": "Sauvakävelyn aloitusryhmä"},
            {"fi": "Opettele sauvakävelyn oikea tekniikka."},
            "Ohjaaja neuvoo sauvojen pituuden ja tekniikan. Lainasauvoja on rajoitetusti.",
            ("P27.2",),
            ("KR1",),
            ("ulkoilu", "liikunta"),
            ("ulkoilualue",),
            ((SAT, "10:00:00", "11:30:00"),),
            keywords=("sauvakävely",),
            age="Aikuisille.",
        ),
        act(
            "tuolijumppa",
            {"fi": "Tuolijumppa", "sv": "Stolgympa", "en": "Chair exercise"},
            {"fi": "Istuen tehtävää jumppaa, joka sopii myös apuvälineillä liikkuville."},
            "Liikkeet tehdään tuolilla istuen tai tuolin tukea käyttäen. Sopii hyvin myös muistisairaille läheisineen.",
            ("P27.1",),
            ("KR1.1", "KR1.6"),
            ("liikunta", "ikaantyneet", "vammaiset"),
            ("palvelukeskus", "seurakuntakeskus", "kylatalo"),
            ((THU, "13:00:00", "13:45:00"),),
            keywords=("tuolijumppa", "senioriliikunta"),
            age="Ikäihmisille.",
        ),
        act(
            "seniorgymnastik",
            {
                "fi": "Seniorivoimistelu ruotsiksi",
                "sv": "Seniorgymnastik på svenska",
                "en": "Senior gymnastics in Swedish",
            },
            {
                "sv": "Glad gymnastik med musik för pensionärer, på svenska.",
                "fi": "Iloista musiikkivoimistelua eläkeläisille ruotsin kielellä.",
            },
            "Ryhmä kokoontuu ruotsiksi. Jumppa sisältää lämmittelyn, kevyitä lihaskuntoliikkeitä ja venyttelyn.",
            ("P27.1",),
            ("KR1.1",),
            ("liikunta", "ikaantyneet"),
            ("jarjestotalo", "liikuntahalli", "seurakuntakeskus"),
            ((MON, "11:00:00", "12:00:00"),),
            charge="Chargeable",
            price="Medlemsavgift 15 € / år. Jäsenmaksu 15 € / vuosi.",
            keywords=("seniorgymnastik", "gympa"),
            languages=("sv",),
            age="För pensionärer. Eläkeläisille.",
        ),
        act(
            "soveltava_liikunta",
            {
                "fi": "Soveltavan liikunnan ryhmät",
                "sv": "Grupper för anpassad motion",
                "en": "Adapted physical activity groups",
            },
            {"fi": "Liikuntaryhmiä pitkäaikaissairaille ja vammaisille henkilöille."},
            "Ryhmissä liikunta sovitetaan osallistujan toimintakyvyn mukaan. Ryhmiin ilmoittaudutaan liikuntapalveluihin.",
            ("P27.1",),
            ("KR1.6", "KR1.4"),
            ("liikunta", "vammaiset"),
            ("liikuntahalli", "uimahalli"),
            ((MON, "14:00:00", "15:00:00"), (FRI, "10:00:00", "11:00:00")),
            charge="Chargeable",
            price="Kausimaksu 10 €.",
            keywords=("soveltava liikunta", "erityisliikunta"),
            age="Aikuisille.",
        ),
        act(
            "perheliikunta",
            {"fi": "Perheliikuntavuoro", "sv": "Familjemotion", "en": "Family sports hour"},
            {"fi": "Vapaata liikkumista ja leikkiä koko perheelle salissa."},
            "Salissa on esillä palloja, puolapuut ja temppurata. Lapset liikkuvat aikuisen kanssa.",
            ("P27.1", "P3.7"),
            ("KR1.2",),
            ("liikunta", "lapsiperheet", "leikkiminen"),
            ("liikuntahalli",),
            ((SUN, "10:00:00", "12:00:00"),),
            keywords=("perheliikunta", "temppurata"),
            age="0–6-vuotiaille lapsille ja heidän aikuisilleen.",
        ),
        act(
            "nuorten_kuntosali",
            {"fi": "Nuorten kuntosalivuorot", "en": "Gym hours for young people"},
            {"fi": "Maksuttomat ohjatut kuntosalivuorot nuorille."},
            "Nuoriso-ohjaaja on paikalla ja neuvoo laitteiden käytössä. Ota mukaan sisäkengät.",
            ("P28.2", "P27.1"),
            ("KR1.3",),
            ("liikunta", "nuoret"),
            ("liikuntahalli", "nuorisotalo"),
            ((TUE, "16:00:00", "18:00:00"), (THU, "16:00:00", "18:00:00")),
            keywords=("kuntosali", "nuoret"),
            age="13–17-vuotiaille.",
        ),
        act(
            "tanssi_seniorit",
            {"fi": "Senioritanssit", "sv": "Seniordans", "en": "Dance afternoons for seniors"},
            {"fi": "Lavatansseja ja rivitanssia iltapäivisin."},
            "Tanssiminen ilman omaa paria onnistuu, sillä vuorossa on myös rivitanssia. Tervetuloa yksin tai yhdessä!",
            ("P27.1", "P25.5"),
            ("KR1.1",),
            ("tanssi", "liikunta", "musiikki"),
            ("jarjestotalo", "seurakuntakeskus", "palvelukeskus"),
            ((FRI, "13:00:00", "15:00:00"),),
            charge="Chargeable",
            price="5 € / kerta, sisältää kahvin.",
            keywords=("lavatanssi", "rivitanssi"),
            age="Eläkeikäisille.",
        ),
        act(
            "jooga",
            {"fi": "Lempeä jooga aikuisille", "en": "Gentle yoga for adults"},
            {"fi": "Rauhallinen joogatunti kehonhuoltoon ja rentoutumiseen."},
            "Tunti sopii aloittelijoille. Harjoitus tehdään matolla, ja liikkeistä näytetään kevennetyt versiot.",
            ("P25.7", "P27.1"),
            ("KR1",),
            ("liikunta", "hyvinvointi"),
            ("kansalaisopisto", "liikuntahalli", "kuntosali"),
            ((WED, "18:30:00", "19:45:00"),),
            charge="Chargeable",
            price="Kurssimaksu 48 € / 12 kertaa.",
            keywords=("jooga", "rentoutuminen"),
            age="Aikuisille.",
        ),
        act(
            "luontoretket",
            {"fi": "Luontoretket lähimetsään", "sv": "Naturutflykter i närskogen"},
            {"fi": "Ohjattuja retkiä lähiluontoon kerran kuussa."},
            "Retket ovat 3–5 kilometrin mittaisia ja sopivat kaikille. Nuotiolla paistetaan makkaraa.",
            ("P27.2",),
            ("KR1", "KR1.2"),
            ("ulkoilu", "hyvinvointi"),
            ("ulkoilualue", "kylatalo"),
            ((SUN, "11:00:00", "14:00:00"),),
            keywords=("retkeily", "luonto", "metsä"),
            age="Kaikenikäisille; lapset aikuisen kanssa.",
        ),
        act(
            "omaishoitajat",
            {
                "fi": "Omaishoitajien vertaistukiryhmä",
                "sv": "Kamratstödsgrupp för närståendevårdare",
                "en": "Peer support group for family carers",
            },
            {
                "fi": "Keskustelua ja jaksamista tukevaa toimintaa omaishoitajille.",
                "sv": "Samtal och stöd för närståendevårdare.",
                "en": "Conversation and support for family carers.",
            },
            "Ryhmässä jaetaan kokemuksia ja saadaan tietoa palveluista. Hoidettavalle voi järjestää hoitoapua ryhmän ajaksi – kysy ohjaajalta.",
            ("P4.12", "P5.16"),
            ("KR1", "KR1.1"),
            ("keskustelu", "jarjestot", "hyvinvointi"),
            ("jarjestotalo", "palvelukeskus", "seurakuntakeskus"),
            ((TUE, "17:00:00", "18:30:00"),),
            keywords=("omaishoitaja", "vertaistuki", "jaksaminen"),
            age="Omaishoitajille iästä riippumatta.",
        ),
        act(
            "muisti_vertais",
            {
                "fi": "Muistisairaiden ja läheisten vertaistukiryhmä",
                "sv": "Kamratstöd för personer med minnessjukdom och deras närstående",
                "en": "Peer support for people with memory disorders and their families",
            },
            {"fi": "Vertaistukea muistisairauden kanssa eläville ja heidän läheisilleen."},
            "Ryhmässä on kaksi osaa: muistisairaat ja läheiset keskustelevat omissa ryhmissään ja kahvittelevat yhdessä.",
            ("P5.16", "P4.12"),
            ("KR1.1", "KR1.4"),
            ("keskustelu", "ikaantyneet"),
            ("jarjestotalo", "palvelukeskus"),
            ((THU, "14:00:00", "15:30:00"),),
            keywords=("muistisairaus", "dementia", "vertaistuki"),
            age="Aikuisille.",
        ),
        act(
            "muistikahvila",
            {"fi": "Muistikahvila", "sv": "Minneskafé", "en": "Memory café"},
            {"fi": "Avoin kohtaamispaikka muistiasioista kiinnostuneille."},
            "Muistikahvilassa kuullaan lyhyt alustus muistin hyvinvoinnista ja keskustellaan kahvin äärellä. Muistiystävällinen tila.",
            ("P4.12",),
            ("KR1.1", "KR1.4"),
            ("keskustelu", "ikaantyneet", "luennot"),
            ("kirjasto", "palvelukeskus", "seurakuntakeskus"),
            ((MON, "13:00:00", "14:30:00"),),
            keywords=("muisti", "muistikahvila", "muistiystävällinen"),
            age="Kaikille kiinnostuneille.",
        ),
        act(
            "mielenterveys_vertais",
            {
                "fi": "Mielenterveyden vertaistukiryhmä",
                "sv": "Kamratstödsgrupp för psykisk hälsa",
                "en": "Mental health peer support group",
            },
            {"fi": "Turvallinen ryhmä mielen hyvinvoinnin tueksi."},
            "Ryhmää ohjaa koulutettu vertaisohjaaja. Ryhmässä ei tarvitse puhua, jos ei halua. Ei diagnoosivaatimusta.",
            ("P5.7", "P5.16"),
            ("KR1", "KR1.4"),
            ("mielenterveyspotilaat", "keskustelu"),
            ("jarjestotalo",),
            ((MON, "17:30:00", "19:00:00"),),
            keywords=("masennus", "ahdistus", "vertaistuki", "mielenterveys"),
            age="Yli 18-vuotiaille.",
        ),
        act(
            "kohtaamispaikka",
            {
                "fi": "Matalan kynnyksen kohtaamispaikka",
                "sv": "Lågtröskelmötesplats",
                "en": "Low-threshold drop-in centre",
            },
            {"fi": "Avoin olohuone arkipäivisin – tule juttelemaan tai vain olemaan."},
            "Kohtaamispaikassa voi keittää kahvit, lukea lehtiä ja osallistua yhteisiin tekemisiin. Ohjaaja on paikalla.",
            ("P5.7", "P4.12"),
            ("KR1",),
            ("osallistuminen", "hyvinvointi"),
            ("jarjestotalo",),
            (
                (MON, "09:00:00", "15:00:00"),
                (TUE, "09:00:00", "15:00:00"),
                (WED, "09:00:00", "15:00:00"),
                (THU, "09:00:00", "15:00:00"),
            ),
            keywords=("olohuone", "yksinäisyys", "kohtaamispaikka"),
            age="Aikuisille.",
        ),
        act(
            "ystavapiiri",
            {"fi": "Ystäväpiiri yksinäisille ikäihmisille", "sv": "Vänskapsgrupp för ensamma äldre"},
            {"fi": "Pienryhmä, jossa tutustutaan uusiin ihmisiin."},
            "Ryhmä kokoontuu 12 kertaa. Ryhmäläiset ideoivat yhdessä tekemistä, kuten retkiä ja peli-iltapäiviä.",
            ("P4.12",),
            ("KR1.1",),
            ("osallistuminen", "ikaantyneet"),
            ("seurakuntakeskus", "palvelukeskus", "jarjestotalo"),
            ((WED, "13:00:00", "15:00:00"),),
            keywords=("yksinäisyys", "ystävä", "ystäväpiiri"),
            age="Yli 65-vuotiaille.",
        ),
        act(
            "sururyhma",
            {"fi": "Sururyhmä läheisensä menettäneille", "sv": "Sorgegrupp för anhöriga"},
            {"fi": "Suljettu ryhmä läheisen kuoleman kohdanneille."},
            "Ryhmä kokoontuu kuusi kertaa. Ryhmää ohjaavat diakoniatyöntekijä ja vapaaehtoinen. Ilmoittautuminen diakoniatoimistoon.",
            ("P25.6", "P4.12"),
            ("KR1",),
            ("keskustelu",),
            ("seurakuntakeskus",),
            ((TUE, "18:00:00", "19:30:00"),),
            keywords=("suru", "sururyhmä"),
            age="Aikuisille.",
        ),
        act(
            "paihteeton_olohuone",
            {"fi": "Päihteetön olohuone", "en": "Substance-free living room"},
            {"fi": "Päihteetön kohtaamispaikka iltaisin ja viikonloppuisin."},
            "Tarjolla on kahvia, seuraa ja vertaistukea päihteettömyyteen. Paikalla on vapaaehtoisia, joilla on omaa kokemusta toipumisesta.",
            ("P5.7",),
            ("KR1",),
            ("osallistuminen", "keskustelu"),
            ("jarjestotalo",),
            ((FRI, "17:00:00", "21:00:00"), (SAT, "12:00:00", "18:00:00")),
            keywords=("päihteettömyys", "raittius", "toipuminen"),
            age="Aikuisille.",
        ),
        act(
            "tyottomat",
            {"fi": "Työttömien kohtaamispaikka ja ruokailu"},
            {"fi": "Edullinen lounas ja yhteistä tekemistä työttömille."},
            "Yhdistyksen tiloissa on tarjolla edullinen lounas, tietokoneita työnhakuun ja vertaistukea.",
            ("P10.8",),
            ("KR1",),
            ("tyottomat", "ruoka"),
            ("jarjestotalo",),
            ((MON, "10:00:00", "14:00:00"), (WED, "10:00:00", "14:00:00"), (FRI, "10:00:00", "13:00:00")),
            charge="Chargeable",
            price="Lounas 3,50 €.",
            keywords=("työttömät", "lounas"),
            age="Työttömille ja lomautetuille.",
        ),
        act(
            "perhekahvila",
            {"fi": "Perhekahvila", "sv": "Familjecafé", "en": "Family café"},
            {
                "fi": "Leikkiä lapsille ja juttuseuraa vanhemmille.",
                "sv": "Lek för barnen och sällskap för föräldrarna.",
            },
            "Perhekahvilaan voi tulla ilman ilmoittautumista. Tarjolla kahvia ja välipalaa pientä maksua vastaan.",
            ("P3.7", "P4.12"),
            ("KR1.2",),
            ("lapsiperheet", "leikkiminen"),
            ("seurakuntakeskus", "perhekeskus", "kirjasto"),
            ((WED, "09:30:00", "11:30:00"),),
            keywords=("perhekahvila", "vauvat", "vanhemmat"),
            age="Alle kouluikäiset lapset ja heidän aikuisensa.",
        ),
        act(
            "vauvaryhma",
            {"fi": "Vauvaperheiden ryhmä", "sv": "Babygrupp", "en": "Baby group"},
            {"fi": "Ryhmä vauvaperheille vertaistueksi."},
            "Ryhmässä käsitellään vauva-arkea, unta ja vanhempana jaksamista. Mukana perhekeskuksen työntekijä.",
            ("P3.7",),
            ("KR1.2",),
            ("lapsiperheet", "keskustelu"),
            ("perhekeskus",),
            ((THU, "10:00:00", "11:30:00"),),
            keywords=("vauva", "vauvaperhe"),
            age="0–1-vuotiaat vauvat ja heidän vanhempansa.",
        ),
        act(
            "lasten_liikuntakerho",
            {"fi": "Lasten liikuntakerho", "sv": "Idrottsklubb för barn"},
            {"fi": "Monipuolista liikuntaa ja pallopelejä lapsille."},
            "Kerhossa harjoitellaan perustaitoja: juoksemista, hyppäämistä ja heittämistä leikin kautta.",
            ("P27.1", "P6.3"),
            ("KR1.2",),
            ("liikunta", "lapset", "leikkiminen"),
            ("liikuntahalli",),
            ((TUE, "17:00:00", "18:00:00"),),
            charge="Chargeable",
            price="Kausimaksu 60 €, sisarale 40 €.",
            keywords=("lapset", "liikuntakerho"),
            age="5–8-vuotiaille.",
        ),
        act(
            "paivakerho",
            {"fi": "Seurakunnan päiväkerho", "sv": "Församlingens dagklubb"},
            {"fi": "Kerho 3–5-vuotiaille kahtena aamupäivänä viikossa."},
            "Kerhossa leikitään, lauletaan, askarrellaan ja ulkoillaan. Kerhossa on myös hiljentymisen hetki.",
            ("P6.3", "P25.6"),
            ("KR1.2",),
            ("lapset", "leikkiminen"),
            ("seurakuntakeskus",),
            ((TUE, "09:00:00", "12:00:00"), (THU, "09:00:00", "12:00:00")),
            charge="Chargeable",
            price="Kerhomaksu 30 € / kausi.",
            keywords=("päiväkerho", "kerho"),
            age="3–5-vuotiaille.",
        ),
        act(
            "nuorisotalo_avoin",
            {
                "fi": "Nuorisotalon avoin toiminta",
                "sv": "Öppen ungdomsverksamhet",
                "en": "Open youth centre activities",
            },
            {"fi": "Paikka hengailla, pelata ja tavata kavereita turvallisen aikuisen läsnä ollessa."},
            "Nuorisotalolla on biljardia, konsolipelejä, bänditila ja keittiö. Talo on päihteetön.",
            ("P28.1",),
            ("KR1.3",),
            ("nuoret", "pelit", "osallistuminen"),
            ("nuorisotalo",),
            (),
            keywords=("nuorisotalo", "nuoret", "vapaa-aika"),
            age="13–17-vuotiaille; varhaisnuorille (10–12 v) omat illat.",
        ),
        act(
            "yokahvila",
            {"fi": "Nuorten perjantain yökahvila", "en": "Friday night café for young people"},
            {"fi": "Päihteetöntä illanviettoa perjantaisin puoleenyöhön asti."},
            "Yökahvila on auki perjantaisin iltakuudesta yhteen yöllä. Ohjelmassa pelejä, musiikkia ja iltapalaa.",
            ("P28.1",),
            ("KR1.3",),
            ("nuoret", "musiikki"),
            ("nuorisotalo",),
            (),
            keywords=("yökahvila", "päihteetön", "nuoret"),
            age="15–20-vuotiaille.",
        ),
        act(
            "etsiva",
            {"fi": "Etsivä nuorisotyö", "sv": "Uppsökande ungdomsarbete", "en": "Outreach youth work"},
            {"fi": "Henkilökohtaista tukea nuorille, jotka ovat koulutuksen tai työn ulkopuolella."},
            "Etsivä nuorisotyöntekijä auttaa esimerkiksi opiskelupaikan hakemisessa, asumisasioissa ja arjen hallinnassa. Palvelu on vapaaehtoista ja luottamuksellista.",
            ("P28.4",),
            ("KR1.3",),
            ("nuoret", "opastus"),
            ("nuorisotalo",),
            (),
            keywords=("etsivä nuorisotyö", "ohjaus"),
            age="15–28-vuotiaille.",
        ),
        act(
            "bandikerho",
            {"fi": "Nuorten bändikerho"},
            {"fi": "Soita bändissä – soittimet löytyvät talolta."},
            "Kerhossa perustetaan bändejä ja harjoitellaan yhdessä ohjaajan kanssa. Aiempaa soittokokemusta ei tarvita.",
            ("P28.2", "P25.2"),
            ("KR1.3",),
            ("musiikki", "nuoret"),
            ("nuorisotalo",),
            ((WED, "17:00:00", "19:00:00"),),
            keywords=("bändi", "musiikki"),
            age="12–18-vuotiaille.",
        ),
        act(
            "digituki",
            {
                "fi": "Digituki kirjastossa",
                "sv": "Digistöd på biblioteket",
                "en": "Digital support at the library",
            },
            {
                "fi": "Apua älypuhelimen, tabletin ja tietokoneen käyttöön.",
                "sv": "Hjälp med smarttelefon, surfplatta och dator.",
                "en": "Help with smartphones, tablets and computers.",
            },
            "Digitukija auttaa esimerkiksi pankkitunnusten, Omakannan ja videopuheluiden kanssa. Varaa aika tai tule pudotuspäivänä.",
            ("P9.4", "P25.1"),
            ("KR1", "KR1.1"),
            ("opastus", "ikaantyneet"),
            ("kirjasto",),
            ((TUE, "13:00:00", "15:00:00"),),
            keywords=("digituki", "älypuhelin", "tietokone", "neuvonta"),
            age="Kaikenikäisille.",
        ),
        act(
            "lukupiiri",
            {"fi": "Lukupiiri", "sv": "Läsecirkel", "en": "Reading circle"},
            {"fi": "Keskustelemme kerran kuussa yhdessä valitusta kirjasta."},
            "Lukupiiri on avoin kaikille. Kirjoja on lainattavissa kirjastosta.",
            ("P25.1",),
            ("KR1",),
            ("keskustelu",),
            ("kirjasto",),
            ((THU, "17:30:00", "19:00:00"),),
            keywords=("lukupiiri", "kirjallisuus"),
            age="Aikuisille.",
        ),
        act(
            "kuoro",
            {"fi": "Seniorikuoro", "sv": "Seniorkör", "en": "Senior choir"},
            {"fi": "Laulamme yhdessä tuttuja lauluja ja virsiä."},
            "Kuoroon ei ole koelaulua. Kuoro esiintyy muutaman kerran vuodessa palvelutaloissa.",
            ("P25.2", "P25.6"),
            ("KR1.1",),
            ("musiikki", "ikaantyneet"),
            ("seurakuntakeskus", "kansalaisopisto"),
            ((WED, "15:00:00", "16:30:00"),),
            keywords=("kuoro", "laulu"),
            age="Eläkeikäisille.",
        ),
        act(
            "svensk_kor",
            {"fi": "Ruotsinkielinen seniorikuoro", "sv": "Svenskspråkig seniorkör"},
            {"sv": "Vi sjunger visor och sånger på svenska.", "fi": "Laulamme lauluja ruotsiksi."},
            "Kuoro harjoittelee ruotsiksi. Uudet laulajat ovat tervetulleita.",
            ("P25.2",),
            ("KR1.1",),
            ("musiikki",),
            ("jarjestotalo", "seurakuntakeskus"),
            ((THU, "18:00:00", "19:30:00"),),
            keywords=("kör", "kuoro"),
            languages=("sv",),
            age="För seniorer. Senioreille.",
        ),
        act(
            "kasityot",
            {"fi": "Käsityökerho", "sv": "Handarbetsklubb", "en": "Craft club"},
            {"fi": "Neulontaa, virkkausta ja yhdessäoloa."},
            "Ota mukaan oma käsityö tai aloita uusi. Lankoja on tarjolla lahjoituksina.",
            ("P25.5",),
            ("KR1",),
            ("tyopajat",),
            ("jarjestotalo", "kylatalo", "seurakuntakeskus"),
            ((TUE, "12:00:00", "14:00:00"),),
            charge="Chargeable",
            price="Materiaalimaksu 5 € / kausi.",
            keywords=("käsityö", "neulonta"),
            age="Kaikenikäisille.",
        ),
        act(
            "maalaus",
            {"fi": "Maalausryhmä aikuisille"},
            {"fi": "Akvarelli- ja akryylimaalausta aloittelijoille ja jatkajille."},
            "Kurssilla tutustutaan värioppiin ja sommitteluun. Materiaalit hankitaan itse.",
            ("P25.7",),
            ("KR1",),
            ("kuvataide",),
            ("kansalaisopisto",),
            ((MON, "18:00:00", "20:15:00"),),
            charge="Chargeable",
            price="Kurssimaksu 62 €.",
            keywords=("maalaus", "kuvataide"),
            age="Aikuisille.",
        ),
        act(
            "ravitsemus_ryhma",
            {"fi": "Arjen ruokailo – ravitsemusryhmä", "sv": "Kost i vardagen – näringsgrupp"},
            {"fi": "Vinkkejä terveelliseen ja edulliseen ruokaan."},
            "Ryhmässä kokataan yhdessä helppoja arkiruokia ja keskustellaan ravitsemuksesta ikääntyessä.",
            ("P5.20",),
            ("KR1", "KR1.1"),
            ("ruoka", "hyvinvointi"),
            ("jarjestotalo", "palvelukeskus", "kylatalo"),
            ((THU, "11:00:00", "13:00:00"),),
            charge="Chargeable",
            price="Raaka-ainemaksu 4 € / kerta.",
            keywords=("ravitsemus", "ruoanlaitto"),
            age="Aikuisille.",
        ),
        act(
            "lounas",
            {"fi": "Yhteinen lounas ikäihmisille", "sv": "Gemensam lunch för äldre"},
            {"fi": "Lämmin lounas ja seuraa arkipäivisin."},
            "Lounas tarjoillaan palvelukeskuksen ravintolassa. Erityisruokavaliot huomioidaan, kun niistä ilmoitetaan etukäteen.",
            ("P4.2", "P5.20"),
            ("KR1.1",),
            ("ruoka", "ikaantyneet"),
            ("palvelukeskus",),
            (),
            charge="Chargeable",
            price="Lounas 7,50 €.",
            keywords=("lounas", "ruokailu"),
            age="Eläkeläisille.",
        ),
        act(
            "palvelukeskus_avoin",
            {
                "fi": "Palvelukeskuksen avoin toiminta",
                "sv": "Servicecentralens öppna verksamhet",
                "en": "Open activities at the service centre",
            },
            {"fi": "Kohtaamispaikka, jossa on päivittäin ohjelmaa ikäihmisille."},
            "Viikko-ohjelmassa on bingoa, luentoja, musiikkituokioita ja liikuntaa. Ohjelma julkaistaan ilmoitustaululla.",
            ("P4.2", "P4.12"),
            ("KR1.1",),
            ("osallistuminen", "ikaantyneet", "luennot"),
            ("palvelukeskus",),
            (),
            keywords=("palvelukeskus", "päivätoiminta"),
            age="Ikäihmisille.",
        ),
        act(
            "kylatalo_illat",
            {"fi": "Kylätalon avoimet illat", "sv": "Byhusets öppna kvällar"},
            {"fi": "Kylän yhteinen ilta: kahvia, pelejä ja talkoita."},
            "Avoimissa illoissa suunnitellaan kylän tapahtumia ja pelataan lautapelejä. Kaikki kyläläiset ja mökkiläiset ovat tervetulleita.",
            ("P25.5",),
            ("KR1",),
            ("osallistuminen", "pelit"),
            ("kylatalo",),
            ((THU, "18:00:00", "21:00:00"),),
            keywords=("kylätalo", "yhteisö"),
            age="Kaikenikäisille.",
        ),
        act(
            "vapaaehtoiskoulutus",
            {"fi": "Vapaaehtoiseksi ystäväksi – koulutus", "en": "Training for volunteer befrienders"},
            {"fi": "Koulutus vapaaehtoiseksi ystäväksi ikäihmiselle."},
            "Koulutus on neljän illan mittainen. Koulutuksen jälkeen sinulle etsitään ystävä.",
            ("P4.12",),
            ("KR1",),
            ("osallistuminen", "jarjestot"),
            ("jarjestotalo", "seurakuntakeskus"),
            ((MON, "17:00:00", "20:00:00"),),
            keywords=("vapaaehtoistyö", "ystävätoiminta"),
            age="Yli 18-vuotiaille.",
        ),
        act(
            "pelikerho",
            {"fi": "Senioreiden pelikerho", "sv": "Spelklubb för seniorer"},
            {"fi": "Bocciaa, biljardia ja korttipelejä."},
            "Pelikerhossa pelataan rennolla otteella. Välineet löytyvät paikan päältä.",
            ("P25.5", "P27.1"),
            ("KR1.1",),
            ("pelit", "ikaantyneet"),
            ("palvelukeskus", "kylatalo", "jarjestotalo"),
            ((FRI, "10:00:00", "12:00:00"),),
            keywords=("boccia", "biljardi", "pelit"),
            age="Eläkeläisille.",
        ),
        act(
            "kielikahvila",
            {
                "fi": "Suomen kielen keskusteluryhmä",
                "sv": "Samtalsgrupp på finska",
                "en": "Finnish conversation group",
            },
            {
                "fi": "Harjoittele suomen puhumista rennossa ryhmässä.",
                "en": "Practise speaking Finnish in a relaxed group.",
            },
            "Ryhmä sopii kaikille suomen kielen oppijoille. Vapaaehtoiset ohjaajat juttelevat arjen aiheista.",
            ("P4.11", "P22.3"),
            ("KR1",),
            ("maahanmuuttajat", "keskustelu"),
            ("kirjasto", "jarjestotalo"),
            ((TUE, "17:00:00", "18:30:00"),),
            keywords=("suomen kieli", "kielikahvila", "kotoutuminen"),
            languages=("fi", "en"),
            age="Aikuisille.",
        ),
        act(
            "konsertit",
            {"fi": "Lounaskonsertit kirkossa", "sv": "Lunchkonserter i kyrkan"},
            {"fi": "Puolen tunnin lounaskonsertit keskiviikkoisin."},
            "Konserteissa esiintyvät seurakunnan muusikot ja vierailevat taiteilijat.",
            ("P25.2", "P25.6"),
            ("KR1",),
            ("konsertit", "musiikki"),
            ("seurakuntakeskus",),
            ((WED, "12:00:00", "12:30:00"),),
            keywords=("konsertti", "musiikki"),
            age="Kaikille.",
        ),
        act(
            "harrastajateatteri",
            {"fi": "Harrastajateatteri aikuisille"},
            {"fi": "Näyttelemistä, improa ja esityksiä."},
            "Ryhmä valmistaa keväällä esityksen. Mukaan mahtuu myös lavastajia ja puvustajia.",
            ("P25.2",),
            ("KR1",),
            ("teatteritaide",),
            ("jarjestotalo",),
            ((MON, "18:00:00", "20:30:00"),),
            charge="Chargeable",
            price="Jäsenmaksu 20 € / vuosi.",
            keywords=("teatteri", "improvisaatio"),
            age="Yli 16-vuotiaille.",
        ),
    ]
}

# Who runs what.
MUNICIPAL_ACTIVITIES = (
    "vesijumppa_seniorit", "kuntosali_seniorit", "soveltava_liikunta", "perheliikunta", "nuorten_kuntosali",
    "nuorisotalo_avoin", "yokahvila", "etsiva", "bandikerho", "digituki", "lukupiiri", "jooga", "maalaus",
    "kuoro", "luontoretket", "tasapaino", "kavelyryhma",
)  # fmt: skip
COUNTY_LOCAL_ACTIVITIES = ("palvelukeskus_avoin", "lounas", "vauvaryhma", "perhekahvila", "tuolijumppa")
PARISH_ACTIVITIES = (
    "perhekahvila", "paivakerho", "kuoro", "sururyhma", "ystavapiiri", "kasityot", "konsertit", "muistikahvila",
    "tuolijumppa", "kavelyryhma", "omaishoitajat",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------
# County-wide services, services outside the hyte classes, and services for places outside the area
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountyService:
    key: str
    name: LangText
    summary: LangText
    description: LangText
    classes: tuple[str, ...]
    targets: tuple[str, ...]
    terms: tuple[str, ...]
    venues: tuple[str, ...]
    keywords: tuple[str, ...]
    phone: bool = False


COUNTY_SERVICES = [
    CountyService(
        "liikuntaneuvonta",
        {"fi": "Liikuntaneuvonta", "sv": "Motionsrådgivning", "en": "Exercise counselling"},
        {
            "fi": "Henkilökohtaista neuvontaa liikunnan aloittamiseen tai lisäämiseen.",
            "sv": "Personlig rådgivning för att börja röra på sig.",
            "en": "Personal advice for becoming more physically active.",
        },
        {
            "fi": "Liikuntaneuvoja kartoittaa kanssasi liikkumisen tilanteen ja tekee suunnitelman. Neuvontaan voi hakeutua itse tai liikuntalähetteellä.\n\n**Huom!** Ota mukaan mahdollinen liikuntaresepti.\n\n- ensikäynti 60 min\n- seurantakäynnit 3 ja 6 kuukauden kuluttua",
            "sv": "Motionsrådgivaren kartlägger din situation och gör upp en plan tillsammans med dig.",
            "en": "The adviser reviews your situation and makes a plan with you. You can come on your own or with an exercise referral.",
        },
        ("P27.1", "P5.17"),
        ("KR1", "KR1.4"),
        ("liikunta", "opastus", "hyvinvointi"),
        ("terveysasema",),
        ("liikuntaneuvonta", "liikuntaresepti", "liikuntalähete"),
    ),
    CountyService(
        "elintapaohjaus",
        {"fi": "Elintapaohjaus", "sv": "Livsstilshandledning", "en": "Lifestyle guidance"},
        {
            "fi": "Ryhmä- ja yksilöohjausta ravitsemukseen, uneen ja liikuntaan.",
            "sv": "Handledning om kost, sömn och motion.",
            "en": "Guidance on nutrition, sleep and exercise.",
        },
        {
            "fi": "<p>Elintapaohjaus on tarkoitettu aikuisille, joilla on riski sairastua tyypin 2 diabetekseen tai sydän- ja verisuonitauteihin.</p><ul><li>ryhmä kokoontuu 6 kertaa</li><li>ohjaajana terveydenhoitaja ja ravitsemusterapeutti</li></ul>",
            "sv": "<p>Livsstilshandledning för vuxna med förhöjd risk för typ 2-diabetes.</p>",
            "en": "<p>Lifestyle guidance for adults at risk of type 2 diabetes.</p>",
        },
        ("P5.17", "P5.20"),
        ("KR1", "KR1.4"),
        ("hyvinvointi", "ruoka"),
        ("terveysasema",),
        ("elintavat", "ravitsemus", "uni", "painonhallinta"),
    ),
    CountyService(
        "omaishoitajavalmennus",
        {
            "fi": "Omaishoitajien valmennus",
            "sv": "Träning för närståendevårdare",
            "en": "Coaching for family carers",
        },
        {
            "fi": "Tietoa ja tukea omaishoitajuuden alkuun.",
            "sv": "Information och stöd i början av närståendevården.",
            "en": "Information and support for new family carers.",
        },
        {
            "fi": "Valmennus sisältää tietoa palveluista, etuuksista ja omasta jaksamisesta. Valmennukseen ilmoittaudutaan omaishoidon tuen ohjaajalle.",
            "sv": "Träningen ger information om tjänster, förmåner och ork.",
            "en": "The coaching covers services, benefits and coping.",
        },
        ("P4.12", "P4.2"),
        ("KR1", "KR1.1"),
        ("keskustelu", "luennot"),
        ("palvelukeskus",),
        ("omaishoito", "omaishoitaja", "valmennus"),
    ),
    CountyService(
        "ikaneuvo",
        {
            "fi": "Ikäneuvo – ikäihmisten palveluneuvonta",
            "sv": "Rådgivning för äldre",
            "en": "Advice service for older people",
        },
        {
            "fi": "Neuvontaa ikääntyneille ja läheisille puhelimitse ja paikan päällä.",
            "sv": "Rådgivning för äldre och anhöriga per telefon och på plats.",
            "en": "Advice for older people and their families by phone and in person.",
        },
        {
            "fi": "Ikäneuvosta saat tietoa harrastuksista, liikunnasta, vertaisryhmistä ja palveluista. Neuvonta on maksutonta.",
            "sv": "Rådgivningen ger information om hobbyer, motion och tjänster.",
            "en": "Ask about hobbies, exercise, peer groups and services.",
        },
        ("P4.13", "P4.2"),
        ("KR1.1",),
        ("opastus", "ikaantyneet"),
        ("palvelukeskus",),
        ("neuvonta", "ikäihmiset", "palveluohjaus"),
        phone=True,
    ),
    CountyService(
        "perhekeskus_avoin",
        {
            "fi": "Perhekeskuksen avoin kohtaamispaikka",
            "sv": "Familjecentrets öppna mötesplats",
            "en": "Family centre drop-in",
        },
        {
            "fi": "Avoin kohtaamispaikka lapsiperheille.",
            "sv": "Öppen mötesplats för barnfamiljer.",
            "en": "An open meeting place for families with children.",
        },
        {
            "fi": "Kohtaamispaikassa voi tavata muita perheitä ja kysyä neuvoa perhekeskuksen työntekijöiltä. Ei ajanvarausta.",
            "sv": "Träffa andra familjer och fråga personalen om råd.",
            "en": "Meet other families and ask the staff for advice.",
        },
        ("P3.7",),
        ("KR1.2",),
        ("lapsiperheet", "leikkiminen"),
        ("perhekeskus",),
        ("perhekeskus", "lapsiperheet", "vertaistuki"),
    ),
    CountyService(
        "mielenterveysneuvonta",
        {
            "fi": "Matalan kynnyksen mielenterveys- ja päihdeneuvonta",
            "sv": "Lågtröskelrådgivning om psykisk hälsa och missbruk",
            "en": "Walk-in mental health and substance use advice",
        },
        {
            "fi": "Keskusteluapua ilman lähetettä ja ajanvarausta.",
            "sv": "Samtalshjälp utan remiss eller tidsbokning.",
            "en": "Someone to talk to, no referral or appointment needed.",
        },
        {
            "fi": "Voit tulla keskustelemaan mielialaan, jaksamiseen tai päihteiden käyttöön liittyvistä huolista. Kriisipuhelin päivystää viikonloppuöinä.",
            "sv": "Du kan komma och prata om humör, ork eller rusmedel.",
            "en": "Come and talk about mood, coping or substance use.",
        },
        ("P5.7",),
        ("KR1", "KR1.3"),
        ("mielenterveyspotilaat", "keskustelu"),
        ("terveysasema",),
        ("mielenterveys", "päihteet", "keskusteluapu", "kriisi"),
        phone=True,
    ),
    CountyService(
        "muistineuvonta",
        {"fi": "Muistineuvonta", "sv": "Minnesrådgivning", "en": "Memory advice"},
        {
            "fi": "Neuvontaa muistihuolissa ja muistia tukevaan arkeen.",
            "sv": "Rådgivning vid minnesproblem.",
            "en": "Advice when you are worried about memory.",
        },
        {
            "fi": "Muistihoitaja neuvoo muistin hyvinvoinnissa ja ohjaa tarvittaessa tutkimuksiin sekä vertaistukiryhmiin.",
            "sv": "Minnesskötaren ger råd och hänvisar vid behov vidare.",
            "en": "The memory nurse advises and refers you on when needed.",
        },
        ("P5.17", "P4.2"),
        ("KR1.1", "KR1.4"),
        ("ikaantyneet", "opastus"),
        ("terveysasema", "palvelukeskus"),
        ("muisti", "muistineuvonta", "dementia"),
    ),
]

# (key, name, class, target, venue kind, provider kind)
NON_HYTE = [
    ("rakennuslupa", {"fi": "Rakennuslupa", "sv": "Bygglov"}, "P2.1", "KR1", "virastotalo", "municipality"),
    ("kaavoitus", {"fi": "Asemakaavoitus"}, "P2.3", "KR1", "virastotalo", "municipality"),
    ("perusopetus", {"fi": "Perusopetus"}, "P6.2", "KR1.2", "virastotalo", "municipality"),
    ("neuvola", {"fi": "Lastenneuvola", "sv": "Barnrådgivning"}, "P5.2", "KR1.2", "perhekeskus", "county"),
    (
        "rokotukset",
        {"fi": "Rokotukset aikuisille", "sv": "Vaccinationer för vuxna"},
        "P5.3",
        "KR1",
        "terveysasema",
        "county",
    ),
    ("laboratorio", {"fi": "Laboratoriopalvelut"}, "P5.4", "KR1", "terveysasema", "county"),
    ("kotihoito", {"fi": "Kotihoito", "sv": "Hemvård"}, "P4.3", "KR1.1", "palvelukeskus", "county"),
    ("vastaanotto", {"fi": "Lääkärin vastaanotto terveysasemalla"}, "P5.1", "KR1", "terveysasema", "county"),
]

# Services whose area reaches outside Päijät-Häme and Keski-Uusimaa, listed under a served municipality.
# (key, name, provider key, area municipality codes, venue key)
OUTSIDE_AREA = [
    (
        "kymi-kavely",
        {"fi": "Kymijoen varren kävelyryhmä"},
        "ngo-142-liikkuvat",
        ("142", "286"),
        "142-ulkoilualue-0",
    ),
    (
        "joutsa-ystava",
        {"fi": "Sysmän ja Joutsan ystäväpiiri"},
        "ngo-781-liikkuvat",
        ("781", "172"),
        "781-jarjestotalo-0",
    ),
    (
        "askola-kuoro",
        {"fi": "Mäntsälän ja Askolan yhteiskuoro"},
        "parish-505",
        ("505", "018"),
        "505-seurakuntakeskus-0",
    ),
    (
        "kouvola-vertais",
        {"fi": "Kouvolan seudun omaishoitajien vertaisryhmä"},
        "ngo-142-omaishoitajaverkko",
        ("286",),
        "142-jarjestotalo-0",
    ),
    ("joutsa-retket", {"fi": "Joutsan luontoretket"}, "ngo-081-kylayhdistys", ("172",), "081-kylatalo-0"),
]


# ---------------------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Service:
    key: str
    name: LangText
    summary: LangText
    description: LangText
    classes: tuple[str, ...]
    targets: tuple[str, ...]
    terms: tuple[str, ...]
    keywords: tuple[str, ...]
    charge: str | None
    price: str
    languages: tuple[str, ...]
    responsible: Organisation
    producer: Organisation | None
    area_codes: tuple[str, ...]
    county_area: str | None
    venues: list[Venue]
    sessions: tuple[tuple[str, str, str], ...]
    listed_under: tuple[str, ...]
    extra_channels: list[Json] = field(default_factory=list)

    @property
    def id(self) -> str:
        return demo_id("service", self.key)


def translations_for(org: Organisation, base: LangText, key: str) -> LangText:
    """Which translations a real provider of this kind would have written."""
    r = rnd("translate", key)
    keep: LangText = {"fi": base["fi"]}
    if org.kind == "county":
        chance_sv, chance_en = 1.0, 0.9
    elif org.kind == "ngo":
        chance_sv, chance_en = 0.4, 0.25
    elif org.kind == "municipality":
        chance_sv, chance_en = 0.3, 0.15
    else:
        chance_sv, chance_en = 0.15, 0.05
    if "sv" in base and (org.swedish or r.random() < chance_sv):
        keep["sv"] = base["sv"]
    if "en" in base and r.random() < chance_en:
        keep["en"] = base["en"]
    return keep


def decorate(description: str, key: str, org: Organisation) -> str:
    """Some providers paste HTML or Markdown into PTV; the importer has to cope."""
    r = rnd("markup", key)
    roll = r.random()
    if org.kind == "ngo" and roll < 0.12:
        sentences = [s.strip() for s in description.split(". ") if s.strip()]
        items = "".join(f"<li>{s.rstrip('.')}</li>" for s in sentences[1:])
        return f"<p>{sentences[0].rstrip('.')}.</p>" + (f"<ul>{items}</ul>" if items else "")
    if roll > 0.9:
        return (
            description
            + "\n\n**Tervetuloa mukaan!**\n\n- ei ennakkoilmoittautumista\n- tilaan on esteetön pääsy"
        )
    return description


def service_from_activity(
    activity: Activity,
    key: str,
    org: Organisation,
    m: Municipality,
    venues: list[Venue],
    producer: Organisation | None = None,
) -> Service:
    name = translations_for(org, activity.name, key + ":name")
    if activity.languages == ("sv",):
        name = dict(activity.name)
    summary = {lang: text for lang, text in activity.summary.items() if lang in name}
    summary.setdefault("fi", activity.summary.get("fi", activity.name["fi"]))
    description: LangText = {"fi": decorate(activity.description["fi"], key, org)}
    if activity.age:
        description["fi"] += f"\n\n{activity.age}"
    for lang in ("sv", "en"):
        if lang in name and lang in summary:
            description[lang] = summary[lang]
    return Service(
        key=key,
        name=name,
        summary=summary,
        description=description,
        classes=activity.classes,
        targets=activity.targets,
        terms=activity.terms,
        keywords=activity.keywords,
        charge=activity.charge,
        price=activity.price,
        languages=activity.languages,
        responsible=org,
        producer=producer,
        area_codes=(m.code,),
        county_area=None,
        venues=venues,
        sessions=activity.sessions,
        listed_under=(m.code,),
    )


def venues_of(venues: list[Venue], m: Municipality, kinds: Iterable[str]) -> list[Venue]:
    wanted = list(kinds)
    found = [v for v in venues if v.municipality is m and v.kind in wanted]
    return sorted(found, key=lambda v: (wanted.index(v.kind), v.key))


INCLUDE_CHANCE = {"L": 0.95, "M": 0.75, "S": 0.5}
NGO_DISTRICTS = {"398": (0, 2, 8, 3)}  # Lahti: the centre, Mukkula, Nastola, Liipola


def build_services(venues: list[Venue], orgs: list[Organisation]) -> list[Service]:
    by_key = {o.key: o for o in orgs}
    services: list[Service] = []

    for m in MUNICIPALITIES:
        municipal = by_key[f"municipality-{m.code}"]
        county = by_key[f"county-{m.county}"]
        parish = by_key[f"parish-{m.code}"]
        chance = INCLUDE_CHANCE[m.size]

        for activity_key in MUNICIPAL_ACTIVITIES:
            activity = ACTIVITIES[activity_key]
            candidates = venues_of(venues, m, activity.venues)
            if not candidates or rnd("include", m.code, activity_key).random() > chance:
                continue
            if activity_key in ("nuorisotalo_avoin", "digituki"):
                # One service per youth centre or library, as municipalities tend to record them.
                for venue in candidates:
                    service = service_from_activity(
                        activity, f"{m.code}:{activity_key}:{venue.key}", municipal, m, [venue]
                    )
                    service.name = {**service.name, "fi": f"{activity.name['fi']}, {venue.place.name}"}
                    services.append(service)
                continue
            take = max(1, min(len(candidates), rnd("fan", m.code, activity_key).randrange(1, 4)))
            # Some municipal groups are bought from a local association, which PTV records as the producer.
            local_ngos = [o for o in orgs if o.kind == "ngo" and o.municipality is m]
            buys = bool(local_ngos) and rnd("purchase", m.code, activity_key).random() < 0.2
            producer = rnd("producer", m.code, activity_key).choice(local_ngos) if buys else None
            services.append(
                service_from_activity(
                    activity, f"{m.code}:{activity_key}", municipal, m, candidates[:take], producer
                )
            )

        for activity_key in COUNTY_LOCAL_ACTIVITIES:
            activity = ACTIVITIES[activity_key]
            candidates = venues_of(venues, m, activity.venues)
            if not candidates or rnd("include-county", m.code, activity_key).random() > chance:
                continue
            services.append(
                service_from_activity(activity, f"{m.code}:county:{activity_key}", county, m, candidates[:2])
            )

        for activity_key in PARISH_ACTIVITIES:
            activity = ACTIVITIES[activity_key]
            candidates = venues_of(venues, m, ("seurakuntakeskus",))
            if not candidates or rnd("include-parish", m.code, activity_key).random() > chance * 0.8:
                continue
            take = 1 + (m.size == "L" and rnd("parish-fan", activity_key).random() < 0.5)
            services.append(
                service_from_activity(
                    activity, f"{m.code}:parish:{activity_key}", parish, m, candidates[:take]
                )
            )

    for org in orgs:
        if org.kind not in ("ngo", "company") or org.municipality is None:
            continue
        m = org.municipality
        for activity_key in org.focus:
            activity = ACTIVITIES[activity_key]
            candidates = venues_of(venues, m, activity.venues)
            if not candidates:
                candidates = venues_of(venues, m, ("jarjestotalo", "kylatalo"))
            local = [v for v in candidates if v.place is org.place]
            if local and org.place is not PLACES[m.code][0]:
                candidates = local
            r = rnd("ngo-fan", org.key, activity_key)
            first = r.randrange(len(candidates))
            chosen = [candidates[first]] + (
                [candidates[(first + 1) % len(candidates)]] if r.random() < 0.25 else []
            )
            chosen = list(dict.fromkeys(chosen))
            service = service_from_activity(activity, f"{org.key}:{activity_key}", org, m, chosen)
            if org.key.startswith(("ngo-ph-", "ngo-ku-")):
                # Regional associations: groups in several towns of their county.
                others = [
                    v
                    for v in venues
                    if v.municipality.county == m.county
                    and v.municipality is not m
                    and v.kind in activity.venues
                ]
                extra = rnd("regional", org.key, activity_key).sample(others, k=min(2, len(others)))
                service.venues = chosen + sorted(extra, key=lambda v: v.key)
                service.area_codes = tuple(dict.fromkeys(v.municipality.code for v in service.venues))
                service.listed_under = service.area_codes
            services.append(service)

    for cs in COUNTY_SERVICES:
        for county_code in COUNTY_NAMES:
            org = by_key[f"county-{county_code}"]
            county_venues = [
                v for v in venues if v.municipality.county == county_code and v.kind in cs.venues
            ]
            r = rnd("county-fan", cs.key, county_code)
            chosen = sorted(
                r.sample(county_venues, k=min(len(county_venues), 3 + r.randrange(0, 4))), key=lambda v: v.key
            )
            members = tuple(m.code for m in MUNICIPALITIES if m.county == county_code)
            key = f"county-{county_code}:{cs.key}"
            service = Service(
                key=key,
                name=dict(cs.name),
                summary=dict(cs.summary),
                description=dict(cs.description),
                classes=cs.classes,
                targets=cs.targets,
                terms=cs.terms,
                keywords=cs.keywords,
                charge="FreeOfCharge",
                price="Maksuton.",
                languages=("fi", "sv", "en") if county_code == "02" else ("fi", "en"),
                responsible=org,
                producer=org,
                area_codes=members,
                county_area=county_code,
                venues=chosen,
                sessions=(),
                listed_under=members,
            )
            services.append(service)

    for key, name, class_code, target, venue_kind, provider_kind in NON_HYTE:
        for m in MUNICIPALITIES:
            if rnd("non-hyte", key, m.code).random() > (0.45 if provider_kind == "municipality" else 0.25):
                continue
            org = by_key[
                f"municipality-{m.code}" if provider_kind == "municipality" else f"county-{m.county}"
            ]
            candidates = venues_of(venues, m, (venue_kind,))
            if not candidates:
                continue
            services.append(
                Service(
                    key=f"{m.code}:{key}",
                    name=translations_for(org, name, f"{m.code}:{key}"),
                    summary={"fi": f"{name['fi']} – {m.name['fi']}."},
                    description={"fi": f"{name['fi']}. Palvelun tiedot ovat demoaineistoa."},
                    classes=(class_code,),
                    targets=(target,),
                    terms=(),
                    keywords=(),
                    charge=None,
                    price="",
                    languages=("fi",),
                    responsible=org,
                    producer=None,
                    area_codes=(m.code,),
                    county_area=None,
                    venues=candidates[:1],
                    sessions=(),
                    listed_under=(m.code,),
                )
            )

    # A hyte activity recorded under a class we do not import plus one we do: the importer keeps it.
    for m in (BY_CODE["398"], BY_CODE["106"]):
        activity = ACTIVITIES["tuolijumppa"]
        candidates = venues_of(venues, m, ("palvelukeskus",))
        service = service_from_activity(
            activity, f"{m.code}:kotihoito-liikunta", by_key[f"county-{m.county}"], m, candidates[:1]
        )
        service.name = {"fi": "Kotihoidon asiakkaiden liikuntaryhmä"}
        service.classes = ("P4.3", "P27.1")
        services.append(service)

    for key, name, org_key, area, venue_key in OUTSIDE_AREA:
        org = by_key[org_key]
        venue = next(v for v in venues if v.key == venue_key)
        host = venue.municipality
        services.append(
            Service(
                key=f"outside:{key}",
                name=name,
                summary={"fi": f"{name['fi']} kokoontuu vuorotellen eri paikkakunnilla."},
                description={"fi": f"{name['fi']}. Ryhmä on avoin myös naapurikunnan asukkaille."},
                classes=("P4.12", "P27.2") if "kavely" in key or "retket" in key else ("P4.12",),
                targets=("KR1",),
                terms=("osallistuminen",),
                keywords=(),
                charge="FreeOfCharge",
                price="",
                languages=("fi",),
                responsible=org,
                producer=None,
                area_codes=area,
                county_area=None,
                venues=[venue],
                sessions=((THU, "17:00:00", "18:30:00"),),
                listed_under=(host.code,),
            )
        )

    # Edge cases real PTV data has: a Swedish name left empty, a missing charge type.
    for index, service in enumerate(sorted(services, key=lambda s: s.key)):
        if index % 97 == 13 and "sv" in service.name:
            service.name["sv"] = ""
        if index % 89 == 5:
            service.charge = None
    for service in services:
        for venue in service.venues:
            venue.services.append(service)
    return services


# ---------------------------------------------------------------------------------------------------------
# PTV v11 JSON
# ---------------------------------------------------------------------------------------------------------


def municipality_json(code: str) -> Json:
    names = NAMES[code]
    return {"code": code, "name": named(names)}


def areas_json(service: Service) -> tuple[str, list[Json]]:
    if service.county_area is not None:
        kind, region = COUNTY_REGION[service.county_area]
        if kind == "Province":
            region_names = {"fi": "Päijät-Häme", "sv": "Päijänne-Tavastland", "en": "Päijät-Häme"}
            return "LimitedType", [
                {
                    "type": "Province",
                    "code": region,
                    "name": named(region_names),
                    "municipalities": [municipality_json(code) for code in service.area_codes],
                }
            ]
    return "LimitedType", [
        {
            "type": "Municipality",
            "code": None,
            "name": None,
            "municipalities": [municipality_json(code) for code in service.area_codes],
        }
    ]


def classification_json(code: str, labels: dict[str, tuple[LangText, str | None]], kind: str) -> Json:
    texts, parent = labels[code]
    scheme = "ptvserclass2" if kind == "PTVL" else "ptvkohderyhmat"
    base = f"http://uri.suomi.fi/codelist/ptv/{scheme}/code/"
    return {
        "name": named(texts),
        **({"description": []} if kind == "PTVL" else {}),
        "code": code,
        "ontologyType": kind,
        "uri": base + code,
        "parentId": None,
        "parentUri": base + parent if parent else None,
    }


def ontology_json(term: str) -> Json:
    uri, labels = YSO[term]
    return {
        "name": named(labels),
        "code": uri.rsplit("/", 1)[1],
        "ontologyType": "KOKO" if "/koko/" in uri else "YSO",
        "uri": uri,
        "parentId": None,
        "parentUri": None,
    }


def opening(day: str, start: str, end: str, day_to: str = "") -> Json:
    return {"dayFrom": day, "dayTo": day_to, "from": start, "to": end}


def hours(kind: str, entries: list[Json], info: LangText | None = None, **extra: Any) -> Json:
    return {
        "serviceHourType": kind,
        "validFrom": extra.get("valid_from"),
        "validTo": extra.get("valid_to"),
        "isClosed": extra.get("closed", False),
        "validForNow": extra.get("valid_for_now", extra.get("valid_from") is None),
        "isAlwaysOpen": extra.get("always_open", False),
        "isReservation": extra.get("reservation", False),
        "additionalInformation": named(info or {}),
        "openingHour": entries,
    }


CHRISTMAS = hours(
    "Exceptional", [], {"fi": "Joulu: suljettu", "sv": "Julen: stängt"},
    valid_from="2026-12-24T00:00:00Z", valid_to="2026-12-26T00:00:00Z", closed=True,
)  # fmt: skip
NEW_YEARS_EVE = hours(
    "Exceptional", [opening(THU, "10:00:00", "14:00:00")], {"fi": "Uudenvuodenaatto: lyhennetty aukiolo"},
    valid_from="2026-12-31T00:00:00Z", valid_to="2026-12-31T00:00:00Z",
)  # fmt: skip
MIDSUMMER = hours(
    "Exceptional", [], {"fi": "Juhannus: suljettu", "sv": "Midsommar: stängt", "en": "Midsummer: closed"},
    valid_from="2027-06-25T00:00:00Z", valid_to="2027-06-27T00:00:00Z", closed=True,
)  # fmt: skip


def venue_hours(venue: Venue) -> list[Json]:
    kind = venue.kind
    if kind == "kirjasto":
        return [
            hours("DaysOfTheWeek", [opening(MON, "10:00:00", "20:00:00", THU), opening(FRI, "10:00:00", "18:00:00"), opening(SAT, "10:00:00", "16:00:00")]),
            CHRISTMAS, NEW_YEARS_EVE, MIDSUMMER,
        ]  # fmt: skip
    if kind == "uimahalli":
        return [
            hours("DaysOfTheWeek", [opening(day, "06:30:00", "21:00:00") for day in (MON, TUE, WED, THU, FRI)] + [opening(SAT, "10:00:00", "18:00:00"), opening(SUN, "10:00:00", "18:00:00")]),
            hours("Exceptional", [], {"fi": "Kesähuoltotauko", "sv": "Underhållspaus på sommaren"}, valid_from="2027-06-07T00:00:00Z", valid_to="2027-08-08T00:00:00Z", closed=True),
            CHRISTMAS,
        ]  # fmt: skip
    if kind in ("liikuntahalli", "kuntosali"):
        return [
            hours(
                "DaysOfTheWeek",
                [opening(MON, "07:00:00", "22:00:00", FRI), opening(SAT, "09:00:00", "20:00:00", SUN)],
            ),
            MIDSUMMER,
        ]
    if kind == "nuorisotalo":
        week = [opening(day, "14:00:00", "20:00:00") for day in (MON, TUE, WED, THU)]
        if rnd("late", venue.key).random() < 0.6:
            # Friday night café: open past midnight.
            week.append(opening(FRI, "18:00:00", "01:00:00", SAT))
        else:
            week.append(opening(FRI, "14:00:00", "22:00:00"))
        return [hours("DaysOfTheWeek", week, {"fi": "Kouluvuoden aukioloajat"}), CHRISTMAS]
    if kind in ("palvelukeskus", "perhekeskus", "terveysasema", "virastotalo"):
        return [hours("DaysOfTheWeek", [opening(MON, "08:00:00", "16:00:00", FRI)]), CHRISTMAS, MIDSUMMER]
    if kind == "seurakuntakeskus":
        return [
            hours(
                "DaysOfTheWeek",
                [opening(day, "09:00:00", "15:00:00") for day in (MON, TUE, WED, THU)]
                + [opening(SUN, "10:00:00", "13:00:00")],
            )
        ]
    if kind == "jarjestotalo":
        return [
            hours("DaysOfTheWeek", [opening(day, "10:00:00", "14:00:00") for day in (MON, TUE, WED, THU)])
        ]
    if kind == "ulkoilualue":
        return [hours("DaysOfTheWeek", [], {"fi": "Ulkoilualue on aina avoinna."}, always_open=True)]
    if kind == "kansalaisopisto":
        return [
            hours(
                "DaysOfTheWeek",
                [opening(MON, "09:00:00", "16:00:00", THU)],
                valid_from=SEASON_FROM,
                valid_to=SEASON_TO,
            )
        ]
    return []  # village halls keep no office hours


def session_hours(service: Service) -> list[Json]:
    if not service.sessions:
        return []
    sessions = [opening(day, start, end) for day, start, end in service.sessions]
    return [
        hours("DaysOfTheWeek", sessions, {"fi": "Syys- ja kevätkausi"}, valid_from=SEASON_FROM, valid_to=SEASON_TO, valid_for_now=False),
        hours("Exceptional", [], {"fi": "Joulutauko"}, valid_from="2026-12-19T00:00:00Z", valid_to="2027-01-06T00:00:00Z", closed=True),
    ]  # fmt: skip


def phone_json(key: str, info: str, language: str = "fi") -> Json:
    return {
        "type": "Phone",
        "additionalInformation": info,
        "serviceChargeType": "Chargeable",
        "chargeDescription": "Puhelun hinta määräytyy oman liittymäsopimuksen mukaan.",
        "prefixNumber": "+358",
        "isFinnishServiceNumber": False,
        "number": fictional_phone(key),
        "language": language,
    }


def domain_of(org: Organisation) -> str:
    return f"{slug(org.name['fi'])}.example"


def street_address_json(venue: Venue) -> Json:
    if venue.coordinate_state == "NotReceived":
        northing, easting = "0", "0"
    else:
        x, y = TO_TM35FIN.transform(venue.longitude, venue.latitude)
        northing, easting = f"{y:.0f}", f"{x:.0f}"
    post_office = {"fi": venue.postal.name_fi.upper()}
    if venue.postal.name_sv != venue.postal.name_fi:
        post_office["sv"] = venue.postal.name_sv.upper()
    return {
        "street": named({"fi": venue.street}),
        "streetNumber": venue.street_number,
        "postalCode": venue.postal.postal_code,
        "postOffice": named(post_office),
        "municipality": municipality_json(venue.municipality.code),
        "additionalInformation": named({"fi": "Sisäänkäynti pihan puolelta."})
        if rnd("door", venue.key).random() < 0.2
        else [],
        "latitude": northing,
        "longitude": easting,
        "coordinateState": venue.coordinate_state,
    }


ACCESSIBILITY = [
    (
        {
            "fi": "Reitti pääsisäänkäynnille",
            "sv": "Rutten till huvudingången",
            "en": "The route to the main entrance",
        },
        [
            {
                "fi": "Kulkureitti sisäänkäynnille on tasainen ja valaistu.",
                "sv": "Rutten till ingången är jämn och belyst.",
                "en": "The route to the entrance is even and lit.",
            },
            {
                "fi": "Invapysäköintipaikka on alle 20 metrin päässä sisäänkäynnistä.",
                "sv": "Parkeringsplatsen för rörelsehindrade ligger under 20 meter från ingången.",
                "en": "The accessible parking space is less than 20 metres from the entrance.",
            },
        ],
    ),
    (
        {"fi": "Pääsisäänkäynti", "sv": "Huvudingången", "en": "The main entrance"},
        [
            {
                "fi": "Ovi avautuu automaattisesti.",
                "sv": "Dörren öppnas automatiskt.",
                "en": "The door opens automatically.",
            },
            {
                "fi": "Sisäänkäynnillä ei ole kynnystä eikä portaita.",
                "sv": "Ingången har ingen tröskel och inga trappor.",
                "en": "There is no threshold or steps at the entrance.",
            },
        ],
    ),
    (
        {"fi": "Tilat", "sv": "Lokalerna", "en": "The premises"},
        [
            {
                "fi": "Tiloissa on esteetön wc ja induktiosilmukka.",
                "sv": "I lokalerna finns en tillgänglig toalett och en hörslinga.",
                "en": "There is an accessible toilet and an induction loop.",
            },
            {
                "fi": "Kerrosten välillä on hissi.",
                "sv": "Det finns en hiss mellan våningarna.",
                "en": "There is a lift between floors.",
            },
        ],
    ),
]


def entrances_json(venue: Venue) -> list[Json]:
    r = rnd("access", venue.key)
    if venue.kind in ("ulkoilualue", "kylatalo") or r.random() < 0.35:
        return []
    groups = ACCESSIBILITY[: 1 + r.randrange(len(ACCESSIBILITY))]
    if venue.coordinate_state == "NotReceived":
        coordinates: Json = {"latitude": None, "longitude": None}
    else:
        x, y = TO_TM35FIN.transform(venue.longitude, venue.latitude)
        coordinates = {"latitude": f"{y + 4:.0f}", "longitude": f"{x - 3:.0f}"}
    return [
        {
            "name": [],
            "isMainEntrance": True,
            "coordinates": coordinates,
            "contactInfo": None,
            "accessibilitySentences": [
                {
                    "sentenceGroup": named(group),
                    "sentences": [{"sentence": named(sentence)} for sentence in sentences],
                }
                for group, sentences in groups
            ],
        }
    ]


def operator_of(venue: Venue, by_key: dict[str, Organisation]) -> Organisation:
    m = venue.municipality
    if venue.operator_kind == "parish":
        return by_key[f"parish-{m.code}"]
    if venue.operator_kind == "county":
        return by_key[f"county-{m.county}"]
    if venue.operator_kind == "ngo":
        for service in venue.services:
            if service.responsible.kind == "ngo":
                return service.responsible
    return by_key[f"municipality-{m.code}"]


def connection_json(service: Service, venue: Venue, for_channel: bool) -> Json:
    target = (
        {"service": {"id": service.id, "name": service.name["fi"]}}
        if for_channel
        else {"serviceChannel": {"id": venue.id, "name": venue.name["fi"]}}
    )
    return {
        **target,
        "serviceChargeType": None,
        "description": [],
        "extraTypes": [],
        "serviceHours": session_hours(service),
        "contactDetails": None,
        "digitalAuthorizations": [],
        "modified": modified("connection", service.key, venue.key),
    }


def location_channel_json(venue: Venue, by_key: dict[str, Organisation]) -> Json:
    operator = operator_of(venue, by_key)
    r = rnd("channel", venue.key)
    descriptions: list[Json] = []
    summary = {"fi": f"{venue.name['fi']} – {venue.place.name}, {venue.municipality.name['fi']}."}
    descriptions += lang_values(summary, "Summary")
    description: LangText = {
        "fi": f"{venue.name['fi']} sijaitsee osoitteessa {venue.street} {venue.street_number}."
    }
    if "sv" in venue.name:
        description["sv"] = f"{venue.name['sv']} ligger på adressen {venue.street} {venue.street_number}."
    descriptions += lang_values(description, "Description")
    languages = ["fi", "sv"] if "sv" in venue.name else ["fi"]
    return {
        "id": venue.id,
        "sourceId": f"demo-{venue.key}",
        "oid": None,
        "serviceChannelType": "ServiceLocation",
        "organizationId": operator.id,
        "serviceChannelNames": lang_values(venue.name, "Name"),
        "displayNameType": [{"type": "Name", "language": lang} for lang in venue.name],
        "serviceChannelDescriptions": descriptions,
        "areaType": "LimitedType",
        "areas": [{"type": "Municipality", "code": None, "name": None, "municipalities": [municipality_json(venue.municipality.code)]}],
        "phoneNumbers": [phone_json(venue.key, "Asiakaspalvelu")] if r.random() < 0.8 else [],
        "emails": named({"fi": f"{slug(venue.name['fi'])}@{domain_of(operator)}"}) if r.random() < 0.6 else [],
        "languages": languages,
        "webPages": [{"url": f"https://{domain_of(operator)}/{slug(venue.name['fi'])}", "value": venue.name["fi"], "language": "fi"}],
        "addresses": [
            {
                "type": "Location",
                "subType": "Single",
                "postOfficeBoxAddress": None,
                "streetAddress": street_address_json(venue),
                "otherAddress": None,
                "locationAbroad": None,
                "entrances": entrances_json(venue),
                "country": "FI",
            }
        ],
        "serviceHours": venue_hours(venue),
        "services": [connection_json(s, venue, for_channel=True) for s in sorted(venue.services, key=lambda s: s.id)],
        "serviceCollections": [],
        "publishingStatus": "Published",
        "modified": modified("channel", venue.key),
        "responsibleSoteOrganization": None,
        "ontologyTerms": [],
    }  # fmt: skip


def phone_channel_json(service: Service) -> Json:
    org = service.responsible
    key = f"phone:{service.key}"
    night_line = "mielenterveys" in service.key
    week = [opening(MON, "09:00:00", "15:00:00", FRI)]
    if night_line:
        week += [opening(FRI, "18:00:00", "02:00:00", SAT), opening(SAT, "18:00:00", "02:00:00", SUN)]
    return {
        "id": demo_id("channel", key),
        "sourceId": f"demo-{slug(key)}",
        "serviceChannelType": "Phone",
        "organizationId": org.id,
        "serviceChannelNames": lang_values({lang: f"{text} – puhelin" if lang == "fi" else text for lang, text in service.name.items()}, "Name"),
        "serviceChannelDescriptions": lang_values({"fi": "Soita ja kysy neuvoa."}, "Summary"),
        "areaType": "LimitedType",
        "areas": areas_json(service)[1],
        "phoneNumbers": [phone_json(key, "Neuvonta"), phone_json(key + ":sv", "Rådgivning", "sv")],
        "supportEmails": [],
        "languages": ["fi", "sv"],
        "webPages": [],
        "serviceHours": [hours("DaysOfTheWeek", week, {"fi": "Kriisipuhelin päivystää viikonloppuöinä." if night_line else "Arkisin"}), CHRISTMAS],
        "services": [
            {
                "service": {"id": service.id, "name": service.name["fi"]},
                "serviceChargeType": None,
                "description": [],
                "extraTypes": [],
                "serviceHours": [],
                "contactDetails": None,
                "digitalAuthorizations": [],
                "modified": modified("connection", key),
            }
        ],
        "serviceCollections": [],
        "publishingStatus": "Published",
        "modified": modified("channel", key),
        "responsibleSoteOrganization": None,
        "ontologyTerms": [],
    }  # fmt: skip


def web_channel_json(org: Organisation, services: list[Service], area_codes: tuple[str, ...]) -> Json:
    key = f"web:{org.key}"
    return {
        "id": demo_id("channel", key),
        "sourceId": f"demo-{slug(key)}",
        "serviceChannelType": "WebPage",
        "organizationId": org.id,
        "serviceChannelNames": lang_values({"fi": f"{org.name['fi']} – verkkosivut"}, "Name"),
        "serviceChannelDescriptions": lang_values({"fi": "Ajankohtaiset ryhmät ja tapahtumat verkossa."}, "Summary"),
        "areaType": "LimitedType",
        "areas": [{"type": "Municipality", "code": None, "name": None, "municipalities": [municipality_json(c) for c in area_codes]}],
        "supportPhones": [],
        "supportEmails": named({"fi": f"info@{domain_of(org)}"}),
        "languages": ["fi"],
        "webPages": [{"url": f"https://{domain_of(org)}/", "value": org.name["fi"], "language": "fi"}],
        "serviceHours": [],
        "accessibilityClassification": [],
        "services": [
            {
                "service": {"id": s.id, "name": s.name["fi"]},
                "serviceChargeType": None,
                "description": [],
                "extraTypes": [],
                "serviceHours": [],
                "contactDetails": None,
                "digitalAuthorizations": [],
                "modified": modified("connection", key, s.key),
            }
            for s in sorted(services, key=lambda s: s.id)
        ],
        "serviceCollections": [],
        "publishingStatus": "Published",
        "modified": modified("channel", key),
        "responsibleSoteOrganization": None,
        "ontologyTerms": [],
    }  # fmt: skip


def service_json(service: Service) -> Json:
    descriptions = lang_values(service.summary, "Summary") + lang_values(service.description, "Description")
    if service.price:
        descriptions += lang_values({"fi": service.price}, "ChargeTypeAdditionalInfo")
    if service.sessions and rnd("instruction", service.key).random() < 0.5:
        descriptions += lang_values(
            {"fi": "Ilmoittaudu ohjaajalle ensimmäisellä kerralla."}, "UserInstruction"
        )
    area_type, areas = areas_json(service)
    organizations: list[Json] = [
        {
            "organization": {"id": service.responsible.id, "name": service.responsible.name["fi"]},
            "roleType": "Responsible",
            "provisionType": None,
            "additionalInformation": [],
        }
    ]
    if service.producer is not None:
        organizations.append(
            {
                "organization": {"id": service.producer.id, "name": service.producer.name["fi"]},
                "roleType": "Producer",
                "provisionType": (
                    "SelfProducedServices" if service.producer is service.responsible else "PurchaseServices"
                ),
                "additionalInformation": [],
            }
        )
    channels = [connection_json(service, venue, for_channel=False) for venue in service.venues]
    channels += service.extra_channels
    return {
        "id": service.id,
        "sourceId": f"demo-{slug(service.key)}",
        "generalDescriptionId": None,
        "subType": None,
        "type": "Service",
        "fundingType": "MarketFunded" if service.responsible.kind == "company" else "PubliclyFunded",
        "serviceNames": lang_values(service.name, "Name"),
        "serviceChargeType": service.charge,
        "areaType": area_type,
        "areas": areas,
        "serviceDescriptions": descriptions,
        "languages": list(service.languages),
        "serviceClasses": [classification_json(code, SERVICE_CLASSES, "PTVL") for code in service.classes],
        "ontologyTerms": [ontology_json(term) for term in service.terms],
        "targetGroups": [classification_json(code, TARGET_GROUPS, "TARGETGROUP") for code in service.targets],
        "lifeEvents": [],
        "industrialClasses": [],
        "legislation": [],
        "keywords": [{"value": word, "language": "fi"} for word in service.keywords],
        "requirements": [],
        "serviceChannels": channels,
        "organizations": organizations,
        "serviceVouchersInUse": False,
        "serviceVouchers": [],
        "serviceCollections": [],
        "publishingStatus": "Published",
        "modified": modified("service", service.key),
        "responsibleSoteOrganization": None,
    }  # fmt: skip


def organization_json(org: Organisation, services: list[Service]) -> Json:
    m = org.municipality
    venue_postal = POSTAL[PLACES[m.code][0].postal_code] if m else None
    addresses: list[Json] = []
    if m and venue_postal:
        place = PLACES[m.code][0]
        r = rnd("org-address", org.key)
        latitude, longitude = jitter(org.key, venue_postal)
        x, y = TO_TM35FIN.transform(longitude, latitude)
        addresses.append(
            {
                "type": "Visiting",
                "subType": "Street",
                "postOfficeBoxAddress": None,
                "streetAddress": {
                    "street": named({"fi": r.choice(place.streets)}),
                    "streetNumber": str(r.randrange(1, 40)),
                    "postalCode": venue_postal.postal_code,
                    "postOffice": named({"fi": venue_postal.name_fi.upper()}),
                    "municipality": municipality_json(m.code),
                    "additionalInformation": [],
                    "latitude": f"{y:.0f}",
                    "longitude": f"{x:.0f}",
                    "coordinateState": "Ok",
                },
                "otherAddress": None,
                "foreignAddress": None,
                "country": "FI",
            }
        )
    description = org.description or {"fi": f"{org.name['fi']} tuottaa hyvinvointia edistäviä palveluja."}
    return {
        "id": org.id,
        "sourceId": f"demo-{org.key}",
        "oid": None,
        "parentOrganizationId": None,
        "organizationRootId": org.id,
        "municipality": municipality_json(m.code) if org.kind == "municipality" and m else None,
        "organizationType": org.organization_type,
        "businessCode": business_id(org.key),
        "businessName": org.name["fi"],
        "organizationNames": lang_values(org.name, "Name"),
        "displayNameType": [{"type": "Name", "language": lang} for lang in org.name],
        "areaType": "LimitedType" if org.kind in ("municipality", "county") else None,
        "areas": (
            [{"type": "Municipality", "code": None, "name": None, "municipalities": [municipality_json(c.code) for c in MUNICIPALITIES if c.county == org.key[-2:]]}]
            if org.kind == "county"
            else [{"type": "Municipality", "code": None, "name": None, "municipalities": [municipality_json(m.code)]}]
            if org.kind == "municipality" and m
            else []
        ),
        "organizationDescriptions": lang_values(description, "Description"),
        "emails": [{"description": "Yleinen sähköposti", "value": f"info@{domain_of(org)}", "language": "fi"}],
        "phoneNumbers": [{k: v for k, v in phone_json(org.key, "Vaihde").items() if k != "type"}],
        "webPages": [{"url": f"https://{domain_of(org)}/", "value": org.name["fi"], "language": "fi"}],
        "addresses": addresses,
        "electronicInvoicings": [],
        "publishingStatus": "Published",
        "services": [
            {"service": {"id": s.id, "name": s.name["fi"]}, "roleType": "Responsible" if s.responsible is org else "Producer", "provisionType": None, "additionalInformation": []}
            for s in sorted(services, key=lambda s: s.id)
        ],
        "modified": modified("organization", org.key),
        "subOrganizations": [],
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Catalogue:
    venues: list[Venue]
    organisations: list[Organisation]
    services: list[Service]
    phone_channels: list[tuple[Json, tuple[str, ...]]]
    web_channels: list[tuple[Json, tuple[str, ...]]]


def build_catalogue() -> Catalogue:
    venues = build_venues()
    orgs = build_organisations()
    services = build_services(venues, orgs)
    phone_channels: list[tuple[Json, tuple[str, ...]]] = []
    for service in services:
        if service.county_area and any(cs.phone and service.key.endswith(cs.key) for cs in COUNTY_SERVICES):
            channel = phone_channel_json(service)
            service.extra_channels.append(
                {
                    "serviceChannel": {
                        "id": channel["id"],
                        "name": channel["serviceChannelNames"][0]["value"],
                    },
                    "serviceChargeType": None,
                    "description": [],
                    "extraTypes": [],
                    "serviceHours": [],
                    "contactDetails": None,
                    "digitalAuthorizations": [],
                    "modified": channel["services"][0]["modified"],
                }
            )
            phone_channels.append((channel, service.area_codes))
    web_channels: list[tuple[Json, tuple[str, ...]]] = []
    for org in orgs:
        if org.kind != "ngo" or org.municipality is None:
            continue
        own = [s for s in services if s.responsible is org]
        if not own or rnd("web", org.key).random() > 0.3:
            continue
        area = tuple(dict.fromkeys(code for s in own for code in s.listed_under))
        channel = web_channel_json(org, own, area)
        for service in own:
            service.extra_channels.append(
                {
                    "serviceChannel": {
                        "id": channel["id"],
                        "name": channel["serviceChannelNames"][0]["value"],
                    },
                    "serviceChargeType": None,
                    "description": [],
                    "extraTypes": [],
                    "serviceHours": [],
                    "contactDetails": None,
                    "digitalAuthorizations": [],
                    "modified": modified("connection", channel["id"], service.key),
                }
            )
        web_channels.append((channel, area))
    return Catalogue(venues, orgs, services, phone_channels, web_channels)


def pages(items: list[Json]) -> list[Json]:
    count = max(1, math.ceil(len(items) / PAGE_SIZE))
    return [
        {
            "pageNumber": n + 1,
            "pageSize": PAGE_SIZE,
            "pageCount": count,
            "itemList": items[n * PAGE_SIZE : (n + 1) * PAGE_SIZE],
        }
        for n in range(count)
    ]


def dump_item(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dump_page(page: Json) -> str:
    # One item per line keeps the files small and their diffs readable.
    head = {k: v for k, v in page.items() if k != "itemList"}
    items = ",\n".join(dump_item(item) for item in page["itemList"])
    return dump_item(head)[:-1] + ',"itemList":[\n' + items + "\n]}\n"


def dump_list(values: list[Json]) -> str:
    return "[\n" + ",\n".join(dump_item(v) for v in values) + "\n]\n"


def render(catalogue: Catalogue) -> dict[str, str]:
    """File name -> content of every file of the demo directory."""
    by_key = {o.key: o for o in catalogue.organisations}
    files: dict[str, str] = {}
    service_docs = {s.id: service_json(s) for s in catalogue.services}
    for m in MUNICIPALITIES:
        listed = sorted((s for s in catalogue.services if m.code in s.listed_under), key=lambda s: s.id)
        for page in pages([service_docs[s.id] for s in listed]):
            files[f"Service_{m.code}_page{page['pageNumber']}.json"] = dump_page(page)
        channels = [location_channel_json(v, by_key) for v in catalogue.venues if v.municipality is m]
        channels += [doc for doc, area in catalogue.phone_channels + catalogue.web_channels if m.code in area]
        channels.sort(key=lambda c: c["id"])
        for page in pages(channels):
            files[f"ServiceChannel_{m.code}_page{page['pageNumber']}.json"] = dump_page(page)
    referenced: dict[str, Organisation] = {}
    for service in catalogue.services:
        for org in (service.responsible, service.producer):
            if org is not None:
                referenced[org.id] = org
    for venue in catalogue.venues:
        operator = operator_of(venue, by_key)
        referenced[operator.id] = operator
    orgs = [referenced[key] for key in sorted(referenced)]
    for n in range(0, len(orgs), ORGANIZATION_BATCH):
        batch = orgs[n : n + ORGANIZATION_BATCH]
        docs = [
            organization_json(o, [s for s in catalogue.services if s.responsible is o or s.producer is o])
            for o in batch
        ]
        files[f"Organization_batch{n // ORGANIZATION_BATCH + 1}.json"] = dump_list(docs)
    return files


def write(files: dict[str, str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for name, content in sorted(files.items()):
        (out / name).write_text(content, encoding="utf-8")


def summary(catalogue: Catalogue) -> str:
    lines = ["municipality  services  locations"]
    for m in MUNICIPALITIES:
        services = sum(1 for s in catalogue.services if m.code in s.listed_under)
        locations = sum(1 for v in catalogue.venues if v.municipality is m)
        lines.append(f"{m.code} {m.name['fi']:<12} {services:>6} {locations:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the demo catalogue (PTV v11 list pages).")
    parser.add_argument("--out", type=Path, default=ROOT / "demo" / "ptv-v11")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    catalogue = build_catalogue()
    files = render(catalogue)
    write(files, args.out)
    if not args.quiet:
        print(f"{len(files)} files, {len(catalogue.services)} services, {len(catalogue.venues)} locations, "
              f"{len({s.responsible.key for s in catalogue.services})} organisations with services -> {args.out}")  # fmt: skip
        print(summary(catalogue))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
