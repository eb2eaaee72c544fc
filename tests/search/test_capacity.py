"""Room and referrals, the provider's own word (its overlay): filters and facets on every engine and on
the database fallback; a provider admin's change reaches the index through the outbox, without a sync."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from app.accounts.actor import Actor, Grant
from app.accounts.models import Role, UserAccount
from app.catalogue.models import Service
from app.catalogue.overlay import Capacity, ServiceOverlay
from app.catalogue.selfservice import OverlayInput, update_overlay
from app.timeutil import utcnow
from search.fallback import search_database
from search.indexer import drain_changes
from search.types import SearchQuery
from tests.factories import make_organisation, make_service
from tests.search.test_behaviour import keys


@pytest.fixture
def catalogue(session: Session) -> dict[str, Service]:
    services = {
        "room": make_service(session, name_fi="Tuolijumppa"),
        "queue": make_service(session, name_fi="Vesijumppa"),
        "full": make_service(session, name_fi="Kuntosaliryhmä"),
        "no_referrals": make_service(session, name_fi="Lukupiiri"),
        "unsaid": make_service(session, name_fi="Kävelyryhmä"),
    }
    for key, capacity, referrals in (
        ("room", Capacity.PLACES_FREE, True),
        ("queue", Capacity.WAITING_LIST, True),
        ("full", Capacity.FULL, True),
        ("no_referrals", None, False),
    ):
        session.add(
            ServiceOverlay(service_id=services[key].id, capacity=capacity, accepts_referrals=referrals)
        )
    session.flush()
    return services


QUERIES = [
    (SearchQuery(capacities=("places_free",)), {"room"}),
    (SearchQuery(capacities=("places_free", "waiting_list")), {"room", "queue"}),
    (SearchQuery(referrals=("true",)), {"room", "queue", "full"}),
    (SearchQuery(referrals=("false",)), {"no_referrals"}),
    (SearchQuery(capacities=("full",), referrals=("true",)), {"full"}),
    (SearchQuery(q="jumppa", capacities=("waiting_list",)), {"queue"}),
    (SearchQuery(), {"room", "queue", "full", "no_referrals", "unsaid"}),
]
COUNTS = {
    "capacity": {"places_free": 1, "waiting_list": 1, "full": 1},
    "referrals": {"true": 3, "false": 1},
}


def _counts(result, facet: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {v.value: v.count for v in result.facets.get(facet, [])}


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_engines_filter_by_room_and_referrals(search_index, catalogue, query, expected) -> None:  # type: ignore[no-untyped-def]
    assert set(keys(search_index.search(query), catalogue)) == expected


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_database_fallback_filters_by_room_and_referrals(
    session: Session, catalogue: dict[str, Service], query: SearchQuery, expected: set[str]
) -> None:
    assert set(keys(search_database(session, query), catalogue)) == expected


def test_engines_and_fallback_count_and_carry_room(search_index, session, catalogue) -> None:  # type: ignore[no-untyped-def]
    for result in (search_index.search(SearchQuery()), search_database(session, SearchQuery())):
        assert _counts(result, "capacity") == COUNTS["capacity"]
        assert _counts(result, "referrals") == COUNTS["referrals"]
        carried = {hit.name["fi"]: (hit.capacity, hit.accepts_referrals) for hit in result.items}
        assert carried == {
            "Tuolijumppa": ("places_free", True),
            "Vesijumppa": ("waiting_list", True),
            "Kuntosaliryhmä": ("full", True),
            "Lukupiiri": (None, False),
            "Kävelyryhmä": (None, None),
        }


def test_a_chosen_room_value_counts_its_alternatives(search_index, session, catalogue) -> None:  # type: ignore[no-untyped-def]
    query = SearchQuery(capacities=("full",))
    for result in (search_index.search(query), search_database(session, query)):
        assert result.total == 1
        # The other choices stay visible with their counts, as for every facet.
        assert _counts(result, "capacity") == COUNTS["capacity"]
        assert _counts(result, "referrals") == {"true": 1}


def test_a_provider_admins_change_is_searchable_after_the_outbox_drains(
    search_index, session, catalogue
) -> None:  # type: ignore[no-untyped-def]
    owner = make_organisation(session, name_fi="Lahden Seniorit ry", business_id="3333333-3")
    service = make_service(session, organisation=owner, name_fi="Tanssiryhmä")
    user = UserAccount(oidc_issuer="https://idp.test", oidc_subject=uuid.uuid4().hex)
    session.add(user)
    session.flush()
    admin = Actor.person(user.id, [Grant(owner.id, Role.PROVIDER_ADMIN)])
    session.commit()
    drain_changes(session, search_index)
    assert search_index.search(SearchQuery(q="tanssiryhmä", capacities=("full",))).total == 0

    update_overlay(
        session,
        service.id,
        OverlayInput(accepts_referrals=True, capacity=Capacity.FULL),
        actor=admin,
        now=utcnow(),
    )
    session.commit()
    drain_changes(session, search_index)
    result = search_index.search(SearchQuery(q="tanssiryhmä", capacities=("full",), referrals=("true",)))
    assert [hit.id for hit in result.items] == [str(service.id)]
    assert result.items[0].capacity == "full"
