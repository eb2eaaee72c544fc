"""Our own judged query set over the demo catalogue (demo/ptv-v11), read by bench/relevance.py.

The demo catalogue repeats about sixty kinds of activity across its municipalities, so judgments are
made once per kind (the Finnish name of the listing, matched from its start) and hold for every copy:
2 = what the query asks for, 1 = related and useful, anything not named = 0 (not relevant). A query
may also require the listing to be free of charge or in a municipality (its places or service areas):
a listing that misses that is graded 0 whatever its kind.

Kinds of query: inflection, compound (whole or part), typo, synonym, sv and en (Swedish and English
queries, most of whose right answers have only a Finnish text), filter (free-of-charge words), place
(a municipality named in the query) and trap (words that appear in the wrong listings' descriptions,
or nothing relevant at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinds of activity: a short key -> the beginnings of their Finnish names.
KINDS: dict[str, tuple[str, ...]] = {
    "walk": ("Kävelyryhmä", "Kymijoen varren kävelyryhmä"),
    "nordic": ("Sauvakävelyn aloitusryhmä",),
    "chair": ("Tuolijumppa",),
    "familycafe": ("Perhekahvila",),
    "nature": ("Luontoretket lähimetsään", "Joutsan luontoretket"),
    "carers": ("Omaishoitajien vertaistukiryhmä", "Kouvolan seudun omaishoitajien vertaisryhmä"),
    "carertraining": ("Omaishoitajien valmennus",),
    "crafts": ("Käsityökerho",),
    "friends": ("Ystäväpiiri yksinäisille ikäihmisille", "Sysmän ja Joutsan ystäväpiiri"),
    "familysport": ("Perheliikuntavuoro",),
    "choir": ("Seniorikuoro", "Ruotsinkielinen seniorikuoro", "Mäntsälän ja Askolan yhteiskuoro"),
    "memorycafe": ("Muistikahvila",),
    "dance": ("Senioritanssit",),
    "games": ("Senioreiden pelikerho",),
    "village": ("Kylätalon avoimet illat",),
    "nutrition": ("Arjen ruokailo",),
    "memorypeer": ("Muistisairaiden ja läheisten vertaistukiryhmä",),
    "balance": ("Tasapainoryhmä kaatumisten ehkäisyyn",),
    "seniorgym": ("Senioreiden kuntosaliryhmä",),
    "mentalpeer": ("Mielenterveyden vertaistukiryhmä",),
    "lowthreshold": ("Matalan kynnyksen kohtaamispaikka",),
    "yoga": ("Lempeä jooga aikuisille",),
    "waterjoint": ("Vesijumppa tuki- ja liikuntaelinoireisille",),
    "volunteer": ("Vapaaehtoiseksi ystäväksi",),
    "soberroom": ("Päihteetön olohuone",),
    "youthgym": ("Nuorten kuntosalivuorot",),
    "painting": ("Maalausryhmä aikuisille",),
    "kidsport": ("Lasten liikuntakerho",),
    "adapted": ("Soveltavan liikunnan ryhmät",),
    "nightcafe": ("Nuorten perjantain yökahvila",),
    "band": ("Nuorten bändikerho",),
    "reading": ("Lukupiiri",),
    "outreach": ("Etsivä nuorisotyö",),
    "lunch": ("Yhteinen lounas ikäihmisille",),
    "grief": ("Sururyhmä",),
    "concert": ("Lounaskonsertit kirkossa",),
    "baby": ("Vauvaperheiden ryhmä",),
    "dayclub": ("Seurakunnan päiväkerho",),
    "servicecentre": ("Palvelukeskuksen avoin toiminta",),
    "seniorwater": ("Ikäihmisten vesijumppa",),
    "digital": ("Digituki kirjastossa",),
    "unemployed": ("Työttömien kohtaamispaikka",),
    "finnish": ("Suomen kielen keskusteluryhmä",),
    "youthclub": ("Nuorisotalon avoin toiminta",),
    "theatre": ("Harrastajateatteri",),
    "swedishgym": ("Seniorivoimistelu ruotsiksi",),
    "familycentre": ("Perhekeskuksen avoin kohtaamispaikka",),
    "memoryadvice": ("Muistineuvonta",),
    "mentaladvice": ("Matalan kynnyksen mielenterveys- ja päihdeneuvonta",),
    "exerciseadvice": ("Liikuntaneuvonta",),
    "homecare": ("Kotihoidon asiakkaiden liikuntaryhmä",),
    "ageadvice": ("Ikäneuvo",),
    "lifestyle": ("Elintapaohjaus",),
}


@dataclass(frozen=True)
class Judged:
    q: str
    lang: str  # the reader's language
    kind: str
    grades: dict[str, int]  # kind of activity -> 1 or 2; every other listing is 0
    free: bool = False  # only free-of-charge listings count
    municipalities: tuple[str, ...] = field(default=())  # only listings in these count


GYM = {"seniorgym": 2, "youthgym": 2}
WATER = {"seniorwater": 2, "waterjoint": 2}
CHAIR = {"chair": 2, "homecare": 1, "swedishgym": 1}
PEER = {"carers": 2, "memorypeer": 2, "mentalpeer": 2, "grief": 2}
MEMORY = {"memorycafe": 2, "memorypeer": 2, "memoryadvice": 2}
WALK = {"walk": 2, "nordic": 2, "nature": 1}
CARERS = {"carers": 2, "carertraining": 2, "memorypeer": 1}
FAMILY = {"familycafe": 2, "familysport": 2, "baby": 2, "familycentre": 2, "dayclub": 1, "kidsport": 1}
YOUTH = {"youthgym": 2, "nightcafe": 2, "band": 2, "outreach": 2, "youthclub": 2}
EXERCISE_GROUPS = {
    "homecare": 2,
    "kidsport": 2,
    "adapted": 2,
    "chair": 1,
    "seniorgym": 1,
    "balance": 1,
    "walk": 1,
    "nordic": 1,
    "yoga": 1,
    "swedishgym": 1,
    "seniorwater": 1,
    "waterjoint": 1,
    "familysport": 1,
}
LONELY = {"friends": 2, "volunteer": 1, "lunch": 1, "lowthreshold": 1, "servicecentre": 1}
MENTAL = {"mentalpeer": 2, "mentaladvice": 2, "lowthreshold": 1, "soberroom": 1}
SENIOR_EXERCISE = {
    "chair": 2,
    "seniorgym": 2,
    "seniorwater": 2,
    "swedishgym": 2,
    "balance": 2,
    "homecare": 2,
    "dance": 1,
    "walk": 1,
    "nordic": 1,
}

HYVINKAA, LAHTI, HOLLOLA, JARVENPAA = "106", "398", "098", "186"

QUERIES: list[Judged] = [
    # Finnish inflection
    Judged("kuntosalille", "fi", "inflection", GYM),
    Judged("tuolijumppaan", "fi", "inflection", CHAIR),
    Judged("uimaan", "fi", "inflection", WATER),
    Judged("vesijumppaan", "fi", "inflection", WATER),
    Judged("liikuntaryhmiä", "fi", "inflection", EXERCISE_GROUPS),
    Judged("muistisairaille", "fi", "inflection", MEMORY),
    Judged("joogaan", "fi", "inflection", {"yoga": 2}),
    Judged("omaishoitajille", "fi", "inflection", CARERS),
    Judged("yksinäisille", "fi", "inflection", LONELY),
    Judged("tanssimaan", "fi", "inflection", {"dance": 2}),
    Judged("kuoroon", "fi", "inflection", {"choir": 2}),
    Judged("lukupiiriin", "fi", "inflection", {"reading": 2}),
    Judged("nuorille", "fi", "inflection", YOUTH),
    Judged("lapsiperheille", "fi", "inflection", FAMILY),
    Judged("vauvaperheille", "fi", "inflection", {"baby": 2, "familycafe": 1, "familycentre": 1}),
    Judged("työttömille", "fi", "inflection", {"unemployed": 2}),
    # Compounds: the whole word and its parts
    Judged("kuntosali", "fi", "compound", GYM),
    Judged("vertaistuki", "fi", "compound", PEER),
    Judged("vertaistukiryhmä", "fi", "compound", PEER),
    Judged("muistikahvila", "fi", "compound", {"memorycafe": 2, "memorypeer": 1}),
    Judged("liikuntaryhmä", "fi", "compound", EXERCISE_GROUPS),
    Judged("sauvakävely", "fi", "compound", {"nordic": 2, "walk": 1}),
    Judged("vesijumppa", "fi", "compound", WATER),
    Judged("perhekahvila", "fi", "compound", {"familycafe": 2, "familycentre": 1, "baby": 1}),
    Judged("käsityökerho", "fi", "compound", {"crafts": 2}),
    Judged("sururyhmä", "fi", "compound", {"grief": 2}),
    Judged("jumppa", "fi", "compound", {**CHAIR, **WATER, "swedishgym": 2}),
    Judged("kävely", "fi", "compound", WALK),
    Judged("nuorisotalo", "fi", "compound", {"youthclub": 2, "nightcafe": 1}),
    Judged("digituki", "fi", "compound", {"digital": 2}),
    Judged("tasapaino", "fi", "compound", {"balance": 2}),
    Judged("omaishoitaja", "fi", "compound", CARERS),
    # Typos
    Judged("kuntosli", "fi", "typo", GYM),
    Judged("tuolijumpa", "fi", "typo", CHAIR),
    Judged("vesijumpa", "fi", "typo", WATER),
    Judged("tasapainoharjotelu", "fi", "typo", {"balance": 2}),
    Judged("muistikahvla", "fi", "typo", {"memorycafe": 2, "memorypeer": 1}),
    Judged("vertaistukiryhmä omaishoitajlle", "fi", "typo", {"carers": 2, "memorypeer": 1}),
    Judged("sauvakavely", "fi", "typo", {"nordic": 2, "walk": 1}),
    Judged("kasityo", "fi", "typo", {"crafts": 2}),
    # Synonyms and paraphrases
    Judged("dementia", "fi", "synonym", MEMORY),
    Judged("muistisairaat", "fi", "synonym", MEMORY),
    Judged("ikäihmisten liikunta", "fi", "synonym", SENIOR_EXERCISE),
    Judged("mielenterveys", "fi", "synonym", MENTAL),
    Judged("yksinäisyys", "fi", "synonym", LONELY),
    Judged("laulaminen", "fi", "synonym", {"choir": 2}),
    Judged("päihteet", "fi", "synonym", {"soberroom": 2, "mentaladvice": 2}),
    Judged("salitreeni", "fi", "synonym", GYM),
    Judged("ravitsemus", "fi", "synonym", {"nutrition": 2, "lifestyle": 1}),
    Judged("kaatumisten ehkäisy", "fi", "synonym", {"balance": 2}),
    Judged("vanhukset jumppa", "fi", "synonym", {**CHAIR, "swedishgym": 2, "seniorwater": 2, "homecare": 2}),
    Judged("maahanmuuttajat", "fi", "synonym", {"finnish": 2}),
    # Swedish
    Judged("vattengympa", "sv", "sv", WATER),
    Judged("simning", "sv", "sv", WATER),
    Judged("simning för seniorer", "sv", "sv", {"seniorwater": 2, "waterjoint": 1}),
    Judged("stolgympa", "sv", "sv", CHAIR),
    Judged("gym", "sv", "sv", GYM),
    Judged("promenad", "sv", "sv", WALK),
    Judged("kör", "sv", "sv", {"choir": 2}),
    Judged("demens", "sv", "sv", MEMORY),
    Judged("kamratstöd", "sv", "sv", PEER),
    Judged("närståendevårdare", "sv", "sv", CARERS),
    Judged("familjecafé", "sv", "sv", {"familycafe": 2, "familycentre": 1, "baby": 1}),
    Judged("ensamhet", "sv", "sv", LONELY),
    Judged("dans", "sv", "sv", {"dance": 2}),
    Judged("yoga", "sv", "sv", {"yoga": 2}),
    Judged("seniorgymnastik", "sv", "sv", {"swedishgym": 2, "chair": 2, "homecare": 1}),
    Judged("balans", "sv", "sv", {"balance": 2}),
    # English
    Judged("water exercise", "en", "en", WATER),
    Judged("water gym", "en", "en", WATER),
    Judged("chair exercise", "en", "en", CHAIR),
    Judged("gym", "en", "en", GYM),
    Judged("walking group", "en", "en", WALK),
    Judged("choir", "en", "en", {"choir": 2}),
    Judged("memory", "en", "en", MEMORY),
    Judged("peer support", "en", "en", PEER),
    Judged("family cafe", "en", "en", {"familycafe": 2, "familycentre": 1, "baby": 1}),
    Judged("loneliness", "en", "en", LONELY),
    Judged("dancing", "en", "en", {"dance": 2}),
    Judged("yoga", "en", "en", {"yoga": 2}),
    Judged("carers", "en", "en", CARERS),
    Judged("swimming", "en", "en", WATER),
    # Free-of-charge words
    Judged("ilmainen kuntosali", "fi", "filter", GYM, free=True),
    Judged("maksuton kävelyryhmä", "fi", "filter", WALK, free=True),
    Judged("ilmaiset liikuntaryhmät", "fi", "filter", EXERCISE_GROUPS, free=True),
    Judged("gratis promenad", "sv", "filter", WALK, free=True),
    Judged("free walking group", "en", "filter", WALK, free=True),
    Judged("free gym", "en", "filter", GYM, free=True),
    # A municipality named in the query
    Judged("kuntosali hyvinkää", "fi", "place", GYM, municipalities=(HYVINKAA,)),
    Judged("jooga Lahti", "fi", "place", {"yoga": 2}, municipalities=(LAHTI,)),
    Judged("kävelyryhmä hollola", "fi", "place", WALK, municipalities=(HOLLOLA,)),
    Judged("tuolijumppa Järvenpää", "fi", "place", CHAIR, municipalities=(JARVENPAA,)),
    Judged("muistikahvila lahdessa", "fi", "place", MEMORY, municipalities=(LAHTI,)),
    Judged("gym Hyvinge", "sv", "place", GYM, municipalities=(HYVINKAA,)),
    # Traps: the query's words in the wrong listings' descriptions, or nothing to find
    Judged("muistisairas tuolijumppa", "fi", "trap", {"chair": 2}),
    Judged("vertaistuki ruokailu", "fi", "trap", {"unemployed": 1, "lunch": 1, **PEER}),
    Judged("asdfghjkl", "fi", "trap", {}),
    Judged("<script>alert(1)</script>", "fi", "trap", {}),
]
