"""safe_text skips the Markdown parser for plain text: the result must be what the parser gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integrations.text import _MARKUP, _from_markup, safe_text

DEMO = Path(__file__).resolve().parents[2] / "demo" / "ptv-v11"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_demo_text_reads_the_same_with_and_without_the_parser() -> None:
    texts = {
        text.strip() for path in DEMO.glob("*.json") for text in _strings(json.loads(path.read_text("utf-8")))
    }
    texts.discard("")
    assert len(texts) > 1000
    fast = [text for text in texts if not _MARKUP.search(text)]
    assert len(fast) > len(texts) / 2  # the fast path is the common case
    for text in texts:
        assert safe_text(text) == _from_markup(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Tuolijumppa ikäihmisille",
        "Rivi yksi\nrivi kaksi",
        "Kappale.\n\n\nToinen kappale.",
        "  sisennetty   teksti  ",
        "Hinta 5 € / kerta, alle 18-v. ilmaiseksi.",
        "Kello 10.00–11.30 (tauko 15 min).",
        "1. kerros",
        "- lista",
        "Otsikko\n=====",
        "Otsikko\n---",
        "*tärkeä*",
        "a_b",
        "<p>HTML</p>",
        "AT&amp;T",
        "    koodi",
        "viiva - keskellä",
        "2026. vuonna",
        "rivi  \nvaihto",
    ],
)
def test_fast_path_matches_the_parser(text: str) -> None:
    assert safe_text(text) == _from_markup(text.strip())
