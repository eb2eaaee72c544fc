"""Translations with Babel, usable by every package (pages, e-mails sent by a CLI job, domain errors).

Message ids are English. Each language's catalogue is every `.po` file in `app/locale/<lang>/LC_MESSAGES/`
(`messages.po` for the resident web, and one file per area such as `staff.po`), merged in name order, so
areas added side by side do not edit the same file. Catalogues are compiled in memory at first use: no
build step and no compiled file to forget. tests/test_i18n.py fails when a message lacks a translation.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LOCALE = "fi"


def po_files(locale: str) -> list[Path]:
    """The catalogue files of one language, `messages.po` first."""
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    return sorted(folder.glob("*.po"), key=lambda path: (path.name != "messages.po", path.name))


def read_catalogues(locale: str) -> Iterator[Catalog]:
    for path in po_files(locale):
        with path.open("rb") as handle:
            yield read_po(handle, locale=locale)


@cache
def get_translations(locale: str) -> Translations:
    merged = Translations()
    for catalog in read_catalogues(locale):
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        merged.merge(Translations(fp=buffer))
    return merged


def gettext(locale: str, message: str, **params: Any) -> str:
    text = get_translations(locale).ugettext(message)
    return text % params if params else text


def ngettext(locale: str, singular: str, plural: str, n: int, **params: Any) -> str:
    text = get_translations(locale).ungettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def translator(locale: str) -> Callable[..., str]:
    def _(message: str, **params: Any) -> str:
        return gettext(locale, message, **params)

    return _


def locale_display_name(locale: str) -> str:
    """A language's own name for itself: suomi, svenska, English."""
    return Locale.parse(locale).get_display_name(locale) or locale
