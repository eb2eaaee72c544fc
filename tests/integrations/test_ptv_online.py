"""PTV services used online (an e-service or web page with no place here, or nationwide) carry our
"online" format, so a place filter does not hide them."""

from __future__ import annotations

import pytest

from app.catalogue.enums import Taxonomy
from integrations.ptv.common import offered_online
from integrations.ptv.v11.mapping import ChannelInfo, service_from_v11
from tests.integrations import v11_pages as v11
from tests.integrations.test_ptv_common import CONTEXT

ORG = "0a000000-0000-4000-8000-000000000001"
PLACE = "00000000-0000-4000-8000-0000000000c1"
WEB = "00000000-0000-4000-8000-0000000000e1"
ESERVICE = "00000000-0000-4000-8000-0000000000e2"
CHANNELS = {
    PLACE: ChannelInfo(is_location=True, municipality_code="398", channel_type="ServiceLocation"),
    WEB: ChannelInfo(is_location=False, channel_type="WebPage"),
    ESERVICE: ChannelInfo(is_location=False, channel_type="EChannel"),
}


@pytest.mark.parametrize(
    ("types", "has_place", "nationwide", "online"),
    [
        (["EChannel"], True, False, True),  # an e-service is online even beside a place
        (["WebPage"], False, False, True),
        (["WebPage"], True, False, False),  # a local group's web page: the group meets at its place
        ([], False, True, True),  # nationwide with no place here: a national service
        ([], True, True, False),
        (["Phone"], False, False, False),
    ],
)
def test_offered_online(types: list[str], has_place: bool, nationwide: bool, online: bool) -> None:
    assert offered_online(types, has_place=has_place, nationwide=nationwide) is online


def _formats(item: dict) -> set[str]:  # type: ignore[type-arg]
    record = service_from_v11(item, CHANNELS, CONTEXT)
    assert record is not None
    return {t.code for t in record.terms if t.taxonomy == Taxonomy.FORMAT}


def test_v11_services_get_the_online_format() -> None:
    assert _formats(v11.service("S-1", "Muistineuvonta verkossa", ORG, channels=(WEB,))) == {"online"}
    assert _formats(v11.service("S-2", "Oma terveysvalmennus", ORG, channels=(ESERVICE, PLACE))) == {"online"}
    assert _formats(v11.service("S-3", "Kuntosaliryhmä", ORG, channels=(PLACE, WEB))) == set()
    national = v11.service("S-4", "Mielenterveystalo", ORG, channels=())
    national["areaType"] = "Nationwide"
    national["areas"] = []
    assert _formats(national) == {"online"}
