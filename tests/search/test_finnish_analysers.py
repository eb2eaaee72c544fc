"""The two Finnish analysers against each other: the system's Voikko and pyvoikko (the same voikko-fi).

A machine without Debian's libvoikko1/voikko-fi uses pyvoikko (FINNISH_ANALYSER=auto). These tests
force that path (FINNISH_ANALYSER=pyvoikko) rather than uninstalling anything: the word-by-word
comparison over the demo catalogue's vocabulary, and `make run`'s steps end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, create_engine

from app.settings import Settings
from search import finnish
from search.finnish import WordAnalysis, _Analyser, words
from search.indexer import rebuild
from search.tantivy_index import TantivyIndex
from tests.servers import require

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "ptv-v11"

# Words of the demo catalogue the two analysers read differently (checked by hand). Everything else
# has the same base forms and compound parts. The order of equally ranked base forms may differ
# ("nuorille": nuori, nuora or nuora, nuori); it decides only which one Meilisearch is sent.
KNOWN_DIFFERENCES = {
    # Written with a doubled vowel at the join once the hyphen is dropped ("vapaa-aika" ->
    # "vapaaaika"): pyvoikko's transducer reads them, native Voikko does not. The hyphenated parts are
    # analysed separately either way.
    "nuorisoohjaaja",
    "peliiltapäiviä",
    "raakaainemaksu",
    "terapiaaltaassa",
    "vapaaaika",
    "vapaaajan",
    "vauvaarkea",
    "viikkoohjelmassa",
    # pyvoikko has one reading more: ohja+aika, materia+ali+maksu.
    "ohjaajalle",
    "ohjaajalta",
    "ohjaajan",
    "ohjaajat",
    "materiaalimaksu",
}


def _native() -> _Analyser:
    analyser = _Analyser("voikko")  # falls back to Snowball (logged) when it cannot load Voikko
    require(
        analyser.backend == "voikko",
        "The system's Voikko",
        "apt-get install libvoikko1 voikko-fi (.ci/run does)",
    )
    return analyser


def _demo_vocabulary() -> list[str]:
    texts: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            texts.add(value)

    for path in DEMO.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return sorted({w for text in texts for w in words(text) if len(w) >= 2 and not w.isdigit()})


def _same(a: WordAnalysis, b: WordAnalysis) -> bool:
    return set(a.base_forms) == set(b.base_forms) and set(a.parts) == set(b.parts)


def test_both_analysers_read_the_demo_vocabulary_alike() -> None:
    native = _native()
    pip = _Analyser("pyvoikko")
    assert pip.backend == "pyvoikko"
    vocabulary = _demo_vocabulary()
    assert len(vocabulary) > 5000
    differ = {w for w in vocabulary if not _same(native.analyse(w), pip.analyse(w))}
    assert differ == KNOWN_DIFFERENCES & set(vocabulary)
    # The first base form (what Meilisearch is sent) agrees where the ranking decides it.
    for word in ("jumppaa", "tanssi", "kuntosalille", "tuolijumppaan", "lahdessa", "uimaan"):
        assert native.analyse(word).base_forms[0] == pip.analyse(word).base_forms[0], word


def test_pyvoikko_gives_base_forms_and_compound_parts() -> None:
    pip = _Analyser("pyvoikko")
    assert pip.analyse("kuntosalille") == WordAnalysis(("kuntosali",), ("kunto", "sali"))
    assert {"vertainen", "tuki", "ryhmä", "vertaistuki"} <= set(pip.analyse("vertaistukiryhmä").parts)
    assert pip.analyse("omaishoitajille").base_forms == ("omaishoitaja",)
    assert {"hyvin", "vointi", "alue"} <= set(pip.analyse("hyvinvointialue").parts)
    assert pip.analyse("kuntosli") == WordAnalysis((), ())
    assert pip.analyse("järvenpäässä").base_forms[0] == "järvenpää"


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="FINNISH_ANALYSER"):
        _Analyser("hunspell")


@pytest.fixture
def restore_analyser() -> Iterator[None]:
    before = finnish.analyser_backend()
    yield
    finnish.use(before)


def _search(client: TestClient, q: str) -> tuple[int, list[str]]:
    response = client.get("/api/v1/search", params={"q": q, "per_page": 50})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["degraded"] is False
    return body["total"], [item["id"] for item in body["items"]]


def test_make_run_finds_finnish_words_with_pyvoikko_as_with_voikko(
    tmp_path: Path, restore_analyser: None
) -> None:
    """`make run`'s steps (db upgrade, demo load with its index rebuild, serve) forced onto pyvoikko
    find what the system's Voikko finds: the walkthrough's words that Snowball missed."""
    native = _native()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "MEILISEARCH_URL", "SEARCH_INDEX_DIR")
    }
    env.update({"DATA_DIR": str(tmp_path), "FINNISH_ANALYSER": "pyvoikko"})
    tarjotin = [sys.executable, "-m", "tarjotin.cli"]
    for step in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run([*tarjotin, *step], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Snowball" not in done.stderr
    assert finnish.use("pyvoikko") == "pyvoikko"
    settings = Settings(data_dir=tmp_path, finnish_analyser="pyvoikko", _env_file=None)  # type: ignore[call-arg]
    from tarjotin.asgi import create_app

    queries = ("kuntosalille", "kuntosli", "tuolijumppaan", "uimaan")
    with TestClient(create_app(settings)) as client:
        with_pip = {q: _search(client, q) for q in queries}
    assert native.backend == finnish.use("voikko")
    index = TantivyIndex()  # the same catalogue, indexed again with the system's Voikko
    with Session(create_engine(settings.database_url)) as session:
        rebuild(session, index)
    app = create_app(settings)
    app.state.search_index = index
    with TestClient(app) as client:
        with_voikko = {q: _search(client, q) for q in queries}
    assert with_pip["kuntosalille"][0] == 23  # 12 senior gym groups and 11 youth gym hours
    assert with_pip["kuntosli"][0] == 23
    assert with_pip["tuolijumppaan"][0] >= 37
    assert with_pip["uimaan"][0] >= 10
    assert with_pip == with_voikko
