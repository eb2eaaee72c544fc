"""The resident templates' own helpers give the HTML that jinja2's and markupsafe's would."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from app.i18n import LOCALES, get_translations, read_catalogues
from web.pages.content import LocalText
from web.pages.templating import environment


def _msgids(locale: str) -> list[str]:
    return sorted(
        {m.id for catalogue in read_catalogues(locale) for m in catalogue if isinstance(m.id, str) and m.id}
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_translated_labels_are_jinjas_newstyle_gettext(locale: str) -> None:
    """`_` translates a message without parameters once per language: every message of the
    catalogue, escaped or not, comes out as jinja2.ext's newstyle gettext gives it."""
    reference = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    reference.install_gettext_translations(get_translations(locale), newstyle=True)  # type: ignore[attr-defined]
    ours = environment(locale)
    source = "{{ _(m) }}|{% autoescape false %}{{ _(m) }}{% endautoescape %}"
    checked = 0
    for message in _msgids(locale):
        if "%(" in message:
            continue  # a message with parameters, asked for without them, is an error either way
        expected = reference.from_string(source).render(m=message)
        assert ours.from_string(source).render(m=message) == expected, message
        checked += 1
    assert checked > 100
    # With parameters: escaped values, the same as jinja2's.
    with_params = '{{ _("%(km)s km", km="<5>") }}'
    assert ours.from_string(with_params).render() == reference.from_string(with_params).render()
    assert "&lt;5&gt;" in ours.from_string(with_params).render()


@pytest.mark.parametrize(
    ("value", "local", "name"),
    [
        (LocalText("Kisa & <Puisto>", "fi", False), "Kisa &amp; &lt;Puisto&gt;", "Kisa &amp; &lt;Puisto&gt;"),
        (
            LocalText('Sali "B"', "sv", True),
            '<span lang="sv">Sali &#34;B&#34;</span> <span class="fallback">(kielellä ruotsi)</span>',
            '<span lang="sv">Sali &#34;B&#34;</span>',
        ),
        (None, "", ""),
    ],
)
def test_catalogue_texts_with_their_language(value: LocalText | None, local: str, name: str) -> None:
    env = environment("fi")
    assert env.from_string("{{ v|local }}").render(v=value) == local
    assert env.from_string("{{ v|name }}").render(v=value) == name
