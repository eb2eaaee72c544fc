"""Demo referrals: a few hundred over the last six months, across the demo staff's organisations, both kinds
and every ending, driven through the real use cases (so timelines, audit and statistics are real).

Marked `is_demo`; their notices are marked skipped, so no message is ever sent to the invented names,
numbers and demo.example addresses.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from app.accounts.actor import Actor
from app.accounts.models import Membership, Role, UserAccount
from app.accounts.service import actor_for_user
from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Organisation, Service
from referrals.demo_outcomes import add_demo_outcomes
from referrals.models import ActivityLevel, ConsentMethod, ContactChannel, Referral, ReferralNotice
from referrals.service import (
    ConsentInput,
    ExercisePlan,
    ReferralInput,
    ResidentInput,
    act,
    choose_service,
    issue_referral,
    local_today,
    record_attendance,
    transition,
    withdraw_consent,
)
from referrals.status import Action, Party, ReferralKind

FIRST_NAMES = (
    "Aino",
    "Eino",
    "Helmi",
    "Toivo",
    "Kerttu",
    "Väinö",
    "Aili",
    "Onni",
    "Lyyli",
    "Arvo",
    "Saimi",
    "Reino",
)
LAST_NAMES = ("Demonen", "Esimerkki", "Kokeilu", "Malli", "Testilä", "Harjoitus", "Näyte", "Koekari")
REASONS = ("loneliness", "low_mood", "inactivity", "life_change", "fall_risk", "caregiver_strain")
HOPES = (
    "Haluaisin tavata ihmisiä ja päästä liikkeelle.",
    "Toivon jotain säännöllistä tekemistä viikkoon.",
    "Haluaisin oppia liikkumaan varmemmin.",
    "Jotain mukavaa yhdessä muiden kanssa.",
)


@dataclass(frozen=True, slots=True)
class DemoReport:
    created: int
    skipped: bool


def _actors(session: Session, role: Role) -> list[Actor]:
    users = session.scalars(
        select(UserAccount)
        .join(Membership, col(Membership.user_id) == col(UserAccount.id))
        .where(col(Membership.role) == role, col(UserAccount.is_demo).is_(True))
        .order_by(col(UserAccount.email))
    ).all()
    unique = {user.id: user for user in users}
    return [actor_for_user(session, user) for user in unique.values()]


def _provider_services(session: Session, providers: Sequence[Actor]) -> dict[uuid.UUID, list[Service]]:
    organisations = {g.organisation_id for actor in providers for g in actor.grants}
    services = session.scalars(
        select(Service)
        .where(col(Service.organisation_id).in_(organisations), col(Service.status) == ServiceStatus.ACTIVE)
        .order_by(col(Service.name_fi))
    ).all()
    by_org: dict[uuid.UUID, list[Service]] = {}
    for service in services:
        by_org.setdefault(service.organisation_id, []).append(service)
    return by_org


def load_demo_referrals(
    session: Session, *, secret: str, now: datetime, count: int = 300, seed: int = 16, replace: bool = False
) -> DemoReport:
    """Create the demo referrals unless they exist (replace: remove the old ones first). Flushes only."""
    existing = (
        session.scalar(select(func.count()).select_from(Referral).where(col(Referral.is_demo).is_(True))) or 0
    )
    if existing and not replace:
        return DemoReport(created=0, skipped=True)
    if existing:
        session.execute(delete(Referral).where(col(Referral.is_demo).is_(True)))
    referrers = _actors(session, Role.REFERRER)
    providers = _actors(session, Role.PROVIDER_CONTACT) + _actors(session, Role.PROVIDER_ADMIN)
    coordinators = _actors(session, Role.COORDINATOR)
    counsellors = _actors(session, Role.EXERCISE_COUNSELLOR)
    by_org = _provider_services(session, providers)
    if not referrers or not by_org:
        return DemoReport(created=0, skipped=True)
    provider_of = {g.organisation_id: actor for actor in providers for g in actor.grants}
    municipality_of = {
        org.id: org.municipality_code
        for org in session.scalars(
            select(Organisation).where(col(Organisation.id).in_(list(provider_of)))
        ).all()
    }
    coordinator_towns = {
        code: actor
        for actor in coordinators
        for g in actor.grants
        if (code := session.get(Organisation, g.organisation_id).municipality_code)  # type: ignore[union-attr]
    }
    counsellor_towns = {
        code: actor
        for actor in counsellors
        for g in actor.grants
        if (code := session.get(Organisation, g.organisation_id).municipality_code)  # type: ignore[union-attr]
    }
    rng = random.Random(seed)
    created = 0
    for index in range(count):
        start = now - timedelta(days=rng.uniform(1, 182))
        referrer = rng.choice(referrers)
        kind = ReferralKind.EXERCISE if rng.random() < 0.25 and counsellor_towns else ReferralKind.WELFARE
        to_coordinator = kind is ReferralKind.WELFARE and coordinator_towns and rng.random() < 0.15
        org_id = rng.choice(sorted(by_org, key=str))
        services = (
            []
            if to_coordinator or kind is ReferralKind.EXERCISE
            else rng.sample(by_org[org_id], k=min(len(by_org[org_id]), rng.choice((1, 1, 2))))
        )
        if kind is ReferralKind.EXERCISE:
            town = rng.choice(sorted(counsellor_towns))
        elif to_coordinator:
            town = rng.choice(sorted(coordinator_towns))
        else:
            town = municipality_of.get(org_id) or "398"
        channel = rng.choice(
            (
                ContactChannel.PHONE,
                ContactChannel.SMS,
                ContactChannel.EMAIL,
                ContactChannel.PROFESSIONAL,
                ContactChannel.PAPER,
            )
        )
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        data = ReferralInput(
            kind=kind,
            resident=ResidentInput(
                name=f"{first} {last}",
                contact_channel=channel,
                municipality_code=town,
                phone=f"+3584000{index:05d}"[:13],
                email=f"{first.lower()}.{index}@demo.example".replace("ä", "a").replace("ö", "o"),
                birth_year=rng.randint(1935, 2000),
                locale=rng.choice(("fi", "fi", "fi", "sv", "en")),
            ),
            reasons=tuple(rng.sample(REASONS, k=rng.choice((1, 2)))),
            hopes=rng.choice(HOPES),
            service_ids=tuple(s.id for s in services),
            consent=ConsentInput(
                method=rng.choice(tuple(ConsentMethod)),
                organisation_ids=tuple({s.organisation_id for s in services} or {org_id}),
                fields=("name", "phone", "email", "contact_channel", "contact_time", "hopes"),
                informed=True,
            ),
            exercise=ExercisePlan(
                activity_level=rng.choice(tuple(ActivityLevel)),
                goal="Liikkua 150 minuuttia viikossa",
                follow_up_dates=(
                    local_today(start) + timedelta(days=90),
                    local_today(start) + timedelta(days=180),
                ),
            )
            if kind is ReferralKind.EXERCISE
            else None,
            is_demo=True,
        )
        issued = issue_referral(session, actor=referrer, data=data, now=start, secret=secret)
        referral = issued.referral
        _play(
            session,
            referral,
            rng,
            start=start,
            now=now,
            services=services,
            org_services=by_org[org_id],
            provider=provider_of[org_id],
            coordinator=coordinator_towns.get(town),
            counsellor=counsellor_towns.get(town),
            resident=Actor.resident(referral.id),
        )
        created += 1
    add_demo_outcomes(session, now=now)
    # Demo people get no mail: everything the demo queued is marked as not sent.
    demo_ids = select(col(Referral.id)).where(col(Referral.is_demo).is_(True))
    session.execute(
        update(ReferralNotice)
        .where(col(ReferralNotice.referral_id).in_(demo_ids), col(ReferralNotice.sent_at).is_(None))
        .values(sent_at=now, result="skipped:demo")
    )
    session.flush()
    return DemoReport(created=created, skipped=False)


def _play(
    session: Session,
    referral: Referral,
    rng: random.Random,
    *,
    start: datetime,
    now: datetime,
    services: list[Service],
    org_services: list[Service],
    provider: Actor,
    coordinator: Actor | None,
    counsellor: Actor | None,
    resident: Actor,
) -> None:
    """Move one referral along a plausible path, never past today."""
    clock = start

    def later(days: float) -> datetime | None:
        nonlocal clock
        clock = clock + timedelta(days=days, hours=rng.uniform(1, 6))
        return clock if clock < now else None

    receiver = counsellor if referral.kind is ReferralKind.EXERCISE else provider
    roll = rng.random()
    if referral.addressed_to_coordinator and referral.kind is ReferralKind.WELFARE:
        if coordinator is None or (at := later(rng.uniform(1, 6))) is None:
            return
        choose_service(session, referral, actor=coordinator, service_id=rng.choice(org_services).id, now=at)
    elif len(services) > 1:
        if (at := later(rng.uniform(0.5, 4))) is None:
            return
        if roll < 0.06:
            act(session, referral, Action.REFUSE, actor=resident, now=at)
            return
        choose_service(session, referral, actor=resident, service_id=rng.choice(services).id, now=at)
    if receiver is None:
        return
    if roll < 0.12:  # nobody answered: expires at its deadline
        deadline = datetime.combine(
            referral.respond_by + timedelta(days=1), datetime.min.time(), tzinfo=start.tzinfo
        )
        if deadline < now:
            transition(
                session,
                referral,
                Action.EXPIRE,
                actor=Actor.system("referral-tick"),
                now=deadline,
                parties=frozenset({Party.SYSTEM}),
            )
        return
    if (at := later(rng.uniform(1, 9))) is None:
        return
    if roll < 0.27:
        reason = rng.choice(
            ("could_not_reach", "no_capacity", "not_suitable", "not_interested", "practical_barrier")
        )
        act(session, referral, Action.DECLINE, actor=receiver, now=at, reason=reason)
        return
    act(session, referral, Action.ACCEPT, actor=receiver, now=at)
    if roll < 0.32:
        if (at := later(rng.uniform(1, 10))) is not None:
            withdraw_consent(session, referral, actor=receiver, now=at)
        return
    if (at := later(rng.uniform(1, 5))) is None:
        return
    act(session, referral, Action.CONTACT, actor=receiver, now=at)
    sessions = rng.choice((0, 1, 2, 4, 6, 8, 10))
    for _ in range(sessions):
        if (at := later(7)) is None:
            return
        record_attendance(
            session,
            referral,
            actor=receiver,
            session_on=local_today(at),
            attended=rng.random() < 0.85,
            now=at,
        )
    if (at := later(rng.uniform(2, 14))) is None:
        return
    if sessions == 0:
        act(session, referral, Action.DECLINE, actor=receiver, now=at, reason="did_not_come")
    elif sessions <= 2 and rng.random() < 0.6:
        act(
            session,
            referral,
            Action.DISCONTINUE,
            actor=receiver,
            now=at,
            reason=rng.choice(("lost_interest", "illness", "practical_barrier")),
        )
    else:
        act(
            session,
            referral,
            Action.COMPLETE,
            actor=receiver,
            now=at,
            reason=rng.choice(("attended", "goal_met", "continues_independently", "continues_independently")),
        )
