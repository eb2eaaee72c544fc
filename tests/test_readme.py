"""README.md documents every setting, by its environment variable, in the settings table."""

from __future__ import annotations

import re
from pathlib import Path

from app.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def _documented_variables() -> set[str]:
    # The first cell of each row of the settings table: | `NAME` | default | meaning |
    return set(
        re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    )


def test_every_setting_is_documented() -> None:
    documented = _documented_variables()
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in documented)
    assert not missing, f"document these settings in README.md's settings table: {', '.join(missing)}"


def test_the_table_lists_no_setting_that_does_not_exist() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    stale = sorted(_documented_variables() - fields)
    assert not stale, f"README.md documents settings that no longer exist: {', '.join(stale)}"


def test_the_two_commands_are_explained() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text and "http://127.0.0.1:8000" in text
