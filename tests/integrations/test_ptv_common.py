"""Pure PTV helpers: languages, coordinates, hours, phones, charges, codes, accessibility, text."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.catalogue.enums import OrganisationKind, ScheduleKind, Taxonomy
from integrations.context import MappingContext
from integrations.ptv import common
from integrations.ptv.common import (
    accessibility_text,
    business_id,
    class_with_ancestors,
    is_free_from_charge_type,
    is_hyte_service,
    organisation_kind,
    parse_date,
    parse_datetime,
    parse_time,
    phone_number,
    pick_by_language,
    schedules_from_hours,
    text_from,
    theme_terms,
    weekly_rows,
    wgs84_from_3067,
)
from integrations.records import Text
from integrations.text import age_range_from_text, safe_text

CONTEXT = MappingContext(
    served_municipalities=frozenset({"398"}),
    known_municipalities=frozenset({"398", "098", "286"}),
    themes_by_code={
        ("ptv_service_class", "P27.1"): frozenset({"liikunta"}),
        ("ptv_service_class", "P25.5"): frozenset({"osallisuus"}),
        ("ptv_target_group", "KR1.1"): frozenset({"ikaantyneet"}),
    },
    theme_labels={"liikunta": Text(fi="Liikunta", sv="Motion", en="Physical activity")},
)


def test_text_by_language_field_never_by_position() -> None:
    items = [
        {"language": "en", "value": "Gym", "type": "Name"},
        {"language": "fi", "value": "Kuntosali", "type": "Name"},
        {"language": "sv", "value": "", "type": "Name"},
        {"language": "fi", "value": "Lyhyesti", "type": "Summary"},
    ]
    assert text_from(items, type_="Name") == Text(fi="Kuntosali", sv=None, en="Gym")
    assert text_from(items, type_="Summary") == Text(fi="Lyhyesti")
    assert text_from(None) == Text()
    assert text_from([{"language": "fi", "value": None}]) == Text()


def test_fallback_fi_then_sv_then_en() -> None:
    assert Text(sv="Gym", en="Gym (en)").first() == "Gym"
    pages = [{"url": "https://en.example", "language": "en"}, {"url": "https://sv.example", "language": "sv"}]
    assert pick_by_language(pages, "url") == pages[1]
    assert pick_by_language([{"url": " ", "language": "fi"}], "url") is None


def test_epsg3067_to_wgs84() -> None:
    # ETRS-TM35FIN: the central meridian is 27°E, and 6,651,411 m north on it is 60°N.
    latitude, longitude = wgs84_from_3067("6651411", "500000")  # type: ignore[misc]
    assert latitude == pytest.approx(60.0, abs=1e-4) and longitude == pytest.approx(27.0, abs=1e-6)
    # A Lahti address: v11 `latitude` holds the northing, `longitude` the easting.
    # within a kilometre of the postal code point of 15140 Lahti (60.9904, 25.6608 in postal_codes.csv)
    assert wgs84_from_3067("6762574", "427733") == pytest.approx((60.9915, 25.6641), abs=1e-3)


@pytest.mark.parametrize(
    ("north", "east"),
    [("0", "0"), (None, None), ("", ""), ("abc", "1"), ("427733", "6762574"), ("60.98", "25.66")],
)
def test_missing_or_swapped_coordinates_are_none(north, east) -> None:
    assert wgs84_from_3067(north, east) is None


def test_times_and_dates() -> None:
    assert parse_time("08:30:00") == time(8, 30)
    assert parse_time("17:59") == time(17, 59)
    assert parse_time("24:00") == time(0, 0)
    assert parse_time("25:00") is None and parse_time("") is None
    assert parse_date("2026-08-31T00:00:00Z") == date(2026, 8, 31)
    assert parse_date("31.8.2026") is None
    modified = parse_datetime("2026-03-12T15:02:13.166775Z")
    assert modified is not None and modified.utcoffset() is not None


def test_weekly_rows_single_day_range_and_over_midnight() -> None:
    eight, four = time(8), time(16)
    assert weekly_rows("Monday", None, eight, four) == [("MO", eight, four, False)]
    assert weekly_rows("Monday", "Friday", eight, four) == [("MO,TU,WE,TH,FR", eight, four, False)]
    # Friday 18:00 – Saturday 02:00 is one evening, not two days of 18–02.
    assert weekly_rows("Friday", "Saturday", time(18), time(2)) == [("FR", time(18), time(2), True)]
    assert weekly_rows("Sunday", None, time(22), time(1)) == [("SU", time(22), time(1), True)]
    # Friday 18:00 – Monday 08:00 (a weekend crisis line): cut at midnight.
    assert weekly_rows("Friday", "Monday", time(18), time(8)) == [
        ("FR", time(18), time(0), True),
        ("SA", time(0), time(0), True),
        ("SU", time(0), time(0), True),
        ("MO", time(0), time(8), False),
    ]
    assert weekly_rows("Saturday", "Monday", eight, four) == [("SA,SU,MO", eight, four, False)]
    assert weekly_rows("Someday", None, eight, four) == []


def test_schedules_weekly_exceptions_and_always_open() -> None:
    hours: list[dict] = [
        {
            "serviceHourType": "DaysOfTheWeek",
            "validFrom": None,
            "openingHour": [{"dayFrom": "Monday", "dayTo": "Friday", "from": "08:00:00", "to": "16:00:00"}],
        },
        {
            "serviceHourType": "Exceptional",
            "validFrom": "2026-12-24T00:00:00Z",
            "validTo": "2026-12-26T00:00:00Z",
            "isClosed": True,
            "additionalInformation": [{"value": "Joulu", "language": "fi"}],
            "openingHour": [],
        },
        {
            "serviceHourType": "Exceptional",
            "validFrom": "2026-12-31T00:00:00Z",
            "validTo": None,
            "isClosed": False,
            "openingHour": [{"dayFrom": "Thursday", "from": "10:00:00", "to": "14:00:00"}],
        },
        {"serviceHourType": "DaysOfTheWeek", "isAlwaysOpen": True, "openingHour": []},
    ]
    weekly, christmas, new_year, always = schedules_from_hours(hours, weekly_kind=ScheduleKind.OPENING_HOURS)
    assert (weekly.kind, weekly.byday, weekly.opens_at, weekly.rrule) == (
        ScheduleKind.OPENING_HOURS,
        "MO,TU,WE,TH,FR",
        time(8),
        None,
    )
    assert (christmas.kind, christmas.closed, christmas.valid_from, christmas.valid_to) == (
        ScheduleKind.EXCEPTION,
        True,
        date(2026, 12, 24),
        date(2026, 12, 26),
    )
    assert christmas.description == Text(fi="Joulu")
    assert (new_year.closed, new_year.opens_at, new_year.closes_at, new_year.valid_to) == (
        False,
        time(10),
        time(14),
        date(2026, 12, 31),
    )
    assert (always.byday, always.closes_next_day) == ("MO,TU,WE,TH,FR,SA,SU", True)


def test_group_sessions_carry_a_bounded_weekly_rule() -> None:
    hours = [
        {
            "serviceHourType": "DaysOfTheWeek",
            "validFrom": "2026-08-31T00:00:00Z",
            "validTo": "2027-05-16T00:00:00Z",
            "isReservation": True,
            "openingHour": [{"dayFrom": "Friday", "dayTo": "Saturday", "from": "18:00:00", "to": "01:00:00"}],
        }
    ]
    (row,) = schedules_from_hours(hours, weekly_kind=ScheduleKind.SESSION)
    assert row.rrule == "FREQ=WEEKLY;BYDAY=FR;UNTIL=20270516T235959Z"
    assert (row.dtstart, row.until, row.closes_next_day, row.by_appointment) == (
        date(2026, 8, 31),
        date(2027, 5, 16),
        True,
        True,
    )


def test_phone_numbers_with_prefixes() -> None:
    assert phone_number("+358", "040 123 4567") == "+358401234567"
    assert phone_number("+358", "401234567") == "+358401234567"
    assert phone_number("358", "03 814 11") == "+35838141 1".replace(" ", "")
    assert phone_number(None, "03 814 4000") == "038144000"
    assert phone_number("+358", "0800 12345", is_service_number=True) == "080012345"
    assert phone_number("+358", "+46 8 123") == "+468123"
    assert phone_number("+358", "") is None


def test_charge_type_in_each_versions_own_words(caplog) -> None:
    assert is_free_from_charge_type("FreeOfCharge", version="v11") is True
    assert is_free_from_charge_type("Chargeable", version="v11") is False
    assert is_free_from_charge_type("Other", version="v11") is None  # free for some, charged for others
    assert is_free_from_charge_type("Free", version="v12") is True
    assert is_free_from_charge_type("Charged", version="v12") is False
    for version in ("v11", "v12"):
        assert is_free_from_charge_type(None, version=version) is None
        assert is_free_from_charge_type(" ", version=version) is None
    # The other version's word is not guessed at: stored as unknown, logged once per value.
    common._unknown_charge_types_logged.clear()
    with caplog.at_level("WARNING", logger="integrations.ptv.common"):
        assert [is_free_from_charge_type("Free", version="v11") for _ in range(3)] == [None] * 3
        assert is_free_from_charge_type("FreeOfCharge", version="v12") is None
        assert is_free_from_charge_type({"odd": 1}, version="v12") is None
    messages = [r.getMessage() for r in caplog.records]
    assert sum("'Free'" in m and "v11" in m for m in messages) == 1
    assert sum("'FreeOfCharge'" in m and "v12" in m for m in messages) == 1
    assert len(messages) == 3


def test_organisation_kinds_and_business_ids() -> None:
    assert organisation_kind("Municipality", "Lahden kaupunki") is OrganisationKind.MUNICIPALITY
    assert (
        organisation_kind("RegionalOrganization", "Päijät-Hämeen hyvinvointialue")
        is OrganisationKind.WELLBEING_COUNTY
    )
    assert organisation_kind("Organization", "Lahden seurakuntayhtymä") is OrganisationKind.PARISH
    assert organisation_kind("Organization", "Liikuntaseura ry") is OrganisationKind.NGO
    assert organisation_kind("Company", "Oy") is OrganisationKind.COMPANY
    assert organisation_kind(None, "x") is OrganisationKind.OTHER
    assert business_id("0126521-7") == "0126521-7"
    assert business_id("126521-7") is None and business_id("") is None


def test_hyte_classes_themes_and_target_groups() -> None:
    assert class_with_ancestors("P27.1.2") == ["P27.1.2", "P27.1", "P27"]
    assert is_hyte_service(["P2.1", "P27.1.3"], CONTEXT)
    assert not is_hyte_service(["P2.1"], CONTEXT)
    terms = theme_terms(["P27.1.3"], ["KR1.1", "KR2"], CONTEXT)
    assert [(t.taxonomy, t.code) for t in terms] == [
        (Taxonomy.THEME, "ikaantyneet"),
        (Taxonomy.THEME, "liikunta"),
    ]
    assert terms[1].label == Text(fi="Liikunta", sv="Motion", en="Physical activity")


def test_accessibility_sentences_per_language() -> None:
    entrances = [
        {
            "accessibilitySentences": [
                {
                    "sentenceGroup": [
                        {"value": "Pääsisäänkäynti", "language": "fi"},
                        {"value": "Huvudingången", "language": "sv"},
                    ],
                    "sentences": [
                        {
                            "sentence": [
                                {"value": "Ovi avautuu automaattisesti.", "language": "fi"},
                                {"value": "Dörren öppnas automatiskt.", "language": "sv"},
                            ]
                        },
                        {"sentence": [{"value": "Ei kynnystä.", "language": "fi"}]},
                    ],
                }
            ]
        }
    ]
    text = accessibility_text(entrances)
    assert text.fi == "Pääsisäänkäynti: Ovi avautuu automaattisesti. Ei kynnystä."
    assert text.sv == "Huvudingången: Dörren öppnas automatiskt."
    assert text.en is None
    assert accessibility_text(None) == Text()


def test_html_and_markdown_become_safe_text() -> None:
    assert safe_text("<p>Avoin ilta.</p><ul><li>Kahvia</li><li>Pelejä &amp; talkoita</li></ul>") == (
        "Avoin ilta.\n- Kahvia\n- Pelejä & talkoita"
    )
    assert (
        safe_text("**Tervetuloa!**\n\n- ei ilmoittautumista\n- maksuton")
        == "Tervetuloa!\n- ei ilmoittautumista\n- maksuton"
    )
    assert (
        safe_text('Klikkaa <a href="javascript:alert(1)">tästä</a><script>alert(2)</script>')
        == "Klikkaa tästä"
    )
    assert safe_text("Hinta 5 € < 10 €") == "Hinta 5 € < 10 €"
    assert safe_text("  ") is None and safe_text(None) is None


def test_age_ranges_from_prose() -> None:
    assert age_range_from_text("13–17-vuotiaille; varhaisnuorille (10–12 v) omat illat.") == (13, 17)
    assert age_range_from_text("Ryhmä on tarkoitettu yli 65-vuotiaille.") == (65, None)
    assert age_range_from_text("Alle 18-vuotiaille maksuton.") == (None, 17)
    assert age_range_from_text("Kaikenikäisille.") == (None, None)
    assert age_range_from_text(None) == (None, None)
