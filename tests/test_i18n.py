"""Every user-facing message has a translation in fi, sv and en, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from app.i18n import LOCALES, gettext, read_catalogues

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": (2,),
    "ngettext": (2, 3),
    "NotFound": None,
    "PermissionDenied": None,
    "Conflict": None,
    "InvalidInput": None,
    "Unavailable": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _method_map() -> list[tuple[str, str]]:
    return [
        ("tarjotin/**.py", "python"),
        ("app/**.py", "python"),
        ("web/**.py", "python"),
        ("search/**.py", "python"),
        ("referrals/**.py", "python"),
        ("web/templates/**.html", "jinja2"),
    ]


def extracted_plurals() -> dict[str, str]:
    """Every message found, by its msgid; the value is the plural msgid, or "" for a plain message.

    A .po file keys a plural entry by its singular, so the plural is checked as part of that entry.
    """
    messages: dict[str, str] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=_method_map(),
        options_map={"web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
        keywords=KEYWORDS,
    ):
        if isinstance(message, tuple):
            singular, plural = (*message, "", "")[:2]
            if singular:
                messages[singular] = plural or messages.get(singular, "")
        elif message:
            messages.setdefault(message, "")
    return messages


def extracted_messages() -> set[str]:
    return set(extracted_plurals())


def test_messages_are_found() -> None:
    messages = extracted_messages()
    assert "No service with this id." in messages
    assert "%(name)s must be at least %(limit)s." in messages


def test_every_message_is_translated_in_every_language() -> None:
    messages = extracted_plurals()
    problems: list[str] = []
    for locale in LOCALES:
        catalogues = list(read_catalogues(locale))
        for message, plural in sorted(messages.items()):
            entry = next((c.get(message) for c in catalogues if c.get(message) is not None), None)
            if entry is None:
                problems.append(f"{locale}: missing {message!r}")
                continue
            if bool(plural) != entry.pluralizable:
                problems.append(f"{locale}: {message!r} must {'' if plural else 'not '}be a plural entry")
                continue
            translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if not all(translations) or entry.fuzzy:
                problems.append(f"{locale}: untranslated {message!r}")
                continue
            # A plural form may leave out the count ("one result"), never bring in a name of its own.
            expected = set(PLACEHOLDER.findall(message)) | set(PLACEHOLDER.findall(plural))
            for translation in translations:
                found = set(PLACEHOLDER.findall(str(translation)))
                if (found != expected) if not plural else not (found <= expected):
                    problems.append(f"{locale}: placeholders differ in {message!r}")
    assert not problems, "\n".join(problems)


def test_gettext_interpolates() -> None:
    assert gettext("sv", "Unknown municipality code %(value)s.", value="999") == "Okänd kommunkod 999."
