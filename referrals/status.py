"""The referral state machine as data: states (each with its FHIR Task code), parties, actions and RULES.

RULES is the specification a reviewer reads: who may move a referral from which states to which. Nothing
else decides it; `referrals.service.transition` only looks actions up here. Actions whose `target` is None
leave the state as it is (a message, a choice of service) but are still checked and recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from app.errors import N_


class ReferralKind(StrEnum):
    WELFARE = "welfare"  # hyvinvointilähete: a handover, the provider or a coordinator contacts the resident
    EXERCISE = "exercise"  # liikuntalähete: to the municipality's exercise counselling (liikuntaneuvonta)


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"
    CONTACTED = "contacted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ENTERED_IN_ERROR = "entered_in_error"

    @property
    def fhir_task_status(self) -> str:
        """The FHIR R4 Task.status (as profiled by HL7 Gravity SDOH); our state is its businessStatus."""
        return FHIR_TASK_STATUS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN

    @property
    def is_closed(self) -> bool:
        return self in CLOSED


S = ReferralStatus

FHIR_TASK_STATUS: Mapping[ReferralStatus, str] = MappingProxyType(
    {
        S.DRAFT: "draft",
        S.SENT: "requested",
        S.RECEIVED: "received",
        S.ACCEPTED: "accepted",
        S.DECLINED: "rejected",
        S.WAITLISTED: "on-hold",
        S.CONTACTED: "in-progress",
        S.IN_PROGRESS: "in-progress",
        S.COMPLETED: "completed",
        S.DISCONTINUED: "failed",
        S.CANCELLED: "cancelled",
        S.EXPIRED: "failed",
        S.ENTERED_IN_ERROR: "entered-in-error",
    }
)

OPEN: frozenset[ReferralStatus] = frozenset(
    {S.SENT, S.RECEIVED, S.ACCEPTED, S.WAITLISTED, S.CONTACTED, S.IN_PROGRESS}
)
CLOSED: frozenset[ReferralStatus] = frozenset(
    {S.DECLINED, S.COMPLETED, S.DISCONTINUED, S.CANCELLED, S.EXPIRED, S.ENTERED_IN_ERROR}
)
# Waiting for the receiving party's first answer: reminders and expiry apply.
UNANSWERED: frozenset[ReferralStatus] = frozenset({S.SENT, S.RECEIVED})


class Party(StrEnum):
    """An actor's relation to one referral (computed in referrals/policy.py)."""

    REFERRER = "referrer"  # the issuing professional (or API client), and referrers of the same unit
    PROVIDER = "provider"  # contacts of the organisation of the chosen service, while consent stands
    COORDINATOR = "coordinator"  # the addressed municipality's coordinator (welfare) or counsellor (exercise)
    RESIDENT = "resident"  # the person referred, holding the link and the short code
    SYSTEM = "system"  # a named job (expiry)
    ADMIN = "admin"  # runs the service: marks an accidental referral entered in error, erases on request


P = Party
# Who answers a referral: the chosen service's provider, or the municipality's coordinator or counsellor.
RECEIVERS = frozenset({P.PROVIDER, P.COORDINATOR})


class Action(StrEnum):
    SEND = "send"
    RECEIVE = "receive"  # the receiving party opens it for the first time
    CHOOSE = "choose"  # a service is chosen (by the resident, or for them)
    ACCEPT = "accept"
    DECLINE = "decline"  # the receiving party declines, with a reason
    REFUSE = "refuse"  # the resident says no
    WAITLIST = "waitlist"
    CONTACT = "contact"  # contact with the resident made
    ATTEND = "attend"  # one session's attendance recorded
    COMPLETE = "complete"
    DISCONTINUE = "discontinue"
    CANCEL = "cancel"  # the referrer withdraws the referral
    # The resident withdraws their own contact request (a self-referral only, SELF_REFERRAL_ONLY): it closes
    # as cancelled and the provider keeps seeing it, withdrawn, so that no one calls the resident.
    WITHDRAW = "withdraw"
    WITHDRAW_CONSENT = "withdraw_consent"  # any party, on the resident's word: closes and removes access
    EXPIRE = "expire"
    REOPEN = "reopen"  # back to the open state it was closed from, with a note
    MESSAGE = "message"
    ENTER_IN_ERROR = "enter_in_error"  # an accidental draft or send, by an administrator, with a comment
    ERASE = (
        "erase"  # the resident's personal data erased on their request, by an administrator, with a comment
    )


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[ReferralStatus]
    target: ReferralStatus | None  # None: the state stays (REOPEN: the state it was closed from)
    by: frozenset[Party]
    reason_required: bool = False
    note_required: bool = False


def _rule(
    sources: ReferralStatus | Iterable[ReferralStatus],
    target: ReferralStatus | None,
    by: set[Party],
    *,
    reason: bool = False,
    note: bool = False,
) -> Rule:
    states = frozenset({sources}) if isinstance(sources, ReferralStatus) else frozenset(sources)
    return Rule(states, target, frozenset(by), reason, note)


A = Action
_RECEIVING = frozenset({S.SENT, S.RECEIVED})
_ENGAGED = frozenset({S.ACCEPTED, S.WAITLISTED, S.CONTACTED, S.IN_PROGRESS})

RULES: Mapping[Action, Rule] = MappingProxyType(
    {
        # The resident sends their own contact request from a service's page (a self-referral).
        A.SEND: _rule(S.DRAFT, S.SENT, {P.REFERRER, P.RESIDENT}),
        A.RECEIVE: _rule(S.SENT, S.RECEIVED, set(RECEIVERS)),
        A.CHOOSE: _rule(_RECEIVING, S.SENT, {P.RESIDENT, P.REFERRER, P.COORDINATOR}),
        A.ACCEPT: _rule(_RECEIVING | {S.WAITLISTED}, S.ACCEPTED, set(RECEIVERS)),
        A.DECLINE: _rule(_RECEIVING | _ENGAGED, S.DECLINED, set(RECEIVERS), reason=True),
        A.REFUSE: _rule(OPEN, S.DECLINED, {P.RESIDENT}),
        A.WAITLIST: _rule(_RECEIVING | {S.ACCEPTED}, S.WAITLISTED, set(RECEIVERS)),
        A.CONTACT: _rule({S.ACCEPTED, S.WAITLISTED}, S.CONTACTED, set(RECEIVERS)),
        A.ATTEND: _rule({S.ACCEPTED, S.CONTACTED, S.IN_PROGRESS}, S.IN_PROGRESS, set(RECEIVERS)),
        A.COMPLETE: _rule({S.CONTACTED, S.IN_PROGRESS}, S.COMPLETED, set(RECEIVERS), reason=True),
        A.DISCONTINUE: _rule(_ENGAGED, S.DISCONTINUED, set(RECEIVERS), reason=True),
        A.CANCEL: _rule(OPEN | {S.DRAFT}, S.CANCELLED, {P.REFERRER}),
        A.WITHDRAW: _rule(OPEN, S.CANCELLED, {P.RESIDENT}),
        # An administrator withdraws it only as part of erasing the resident's data on their request.
        A.WITHDRAW_CONSENT: _rule(
            OPEN, S.CANCELLED, {P.RESIDENT, P.REFERRER, P.PROVIDER, P.COORDINATOR, P.ADMIN}
        ),
        A.EXPIRE: _rule(_RECEIVING, S.EXPIRED, {P.SYSTEM}),
        A.REOPEN: _rule(
            {S.DECLINED, S.COMPLETED, S.DISCONTINUED, S.EXPIRED},
            None,
            {P.REFERRER, P.PROVIDER, P.COORDINATOR},
            note=True,
        ),
        A.MESSAGE: _rule(OPEN | CLOSED - {S.ENTERED_IN_ERROR}, None, {P.REFERRER, *RECEIVERS}, note=True),
        A.ENTER_IN_ERROR: _rule({S.DRAFT, S.SENT, S.RECEIVED}, S.ENTERED_IN_ERROR, {P.ADMIN}, note=True),
        # The state stays (the statistics need it); an open referral is first closed by WITHDRAW_CONSENT.
        A.ERASE: _rule(CLOSED - {S.ENTERED_IN_ERROR} | {S.DRAFT}, None, {P.ADMIN}, note=True),
    }
)

# Actions only on a self-referral (source self): the resident of a professional's referral says no (REFUSE)
# or withdraws consent instead. transition() refuses them on any other referral.
SELF_REFERRAL_ONLY: frozenset[Action] = frozenset({A.WITHDRAW})


# --- reasons -----------------------------------------------------------------------------------------------


class DeclineReason(StrEnum):
    COULD_NOT_REACH = "could_not_reach"
    DID_NOT_COME = "did_not_come"
    NOT_SUITABLE = "not_suitable"
    NO_CAPACITY = "no_capacity"
    NO_LONGER_NEEDED = "no_longer_needed"
    NOT_INTERESTED = "not_interested"
    PRACTICAL_BARRIER = "practical_barrier"
    DUPLICATE = "duplicate"
    OTHER = "other"  # needs a note


class CompletionOutcome(StrEnum):
    ATTENDED = "attended"  # attended N sessions
    GOAL_MET = "goal_met"
    CONTINUES_INDEPENDENTLY = "continues_independently"  # a success
    REFERRED_ELSEWHERE = "referred_elsewhere"


class DiscontinueReason(StrEnum):
    ILLNESS = "illness"
    LOST_INTEREST = "lost_interest"
    PRACTICAL_BARRIER = "practical_barrier"
    MOVED_AWAY = "moved_away"
    OTHER = "other"  # needs a note


REASONS: Mapping[Action, type[StrEnum]] = MappingProxyType(
    {A.DECLINE: DeclineReason, A.COMPLETE: CompletionOutcome, A.DISCONTINUE: DiscontinueReason}
)
# A reason "other" explains itself in the note.
REASONS_NEEDING_NOTE = frozenset({DeclineReason.OTHER.value, DiscontinueReason.OTHER.value})

STATUS_LABELS: Mapping[ReferralStatus, str] = MappingProxyType(
    {
        S.DRAFT: N_("Draft"),
        S.SENT: N_("Sent"),
        S.RECEIVED: N_("Received"),
        S.ACCEPTED: N_("Accepted"),
        S.DECLINED: N_("Declined"),
        S.WAITLISTED: N_("On the waiting list"),
        S.CONTACTED: N_("Contacted"),
        S.IN_PROGRESS: N_("Attending"),
        S.COMPLETED: N_("Completed"),
        S.DISCONTINUED: N_("Discontinued"),
        S.CANCELLED: N_("Cancelled"),
        S.EXPIRED: N_("Expired"),
        S.ENTERED_IN_ERROR: N_("Entered in error"),
    }
)

ACTION_LABELS: Mapping[Action, str] = MappingProxyType(
    {
        A.SEND: N_("Send"),
        A.RECEIVE: N_("Mark received"),
        A.CHOOSE: N_("Choose this activity"),
        A.ACCEPT: N_("Accept"),
        A.DECLINE: N_("Decline"),
        A.REFUSE: N_("I do not want this referral"),
        A.WAITLIST: N_("Put on the waiting list"),
        A.CONTACT: N_("Contact made"),
        A.ATTEND: N_("Record attendance"),
        A.COMPLETE: N_("Complete"),
        A.DISCONTINUE: N_("Discontinue"),
        A.CANCEL: N_("Cancel the referral"),
        A.WITHDRAW: N_("Request withdrawn by the resident"),
        A.WITHDRAW_CONSENT: N_("Withdraw consent"),
        A.EXPIRE: N_("Expire"),
        A.REOPEN: N_("Reopen"),
        A.MESSAGE: N_("Send a message"),
        A.ENTER_IN_ERROR: N_("Mark entered in error"),
        A.ERASE: N_("Personal data erased on request"),
    }
)

REASON_LABELS: Mapping[str, str] = MappingProxyType(
    {
        DeclineReason.COULD_NOT_REACH: N_("Could not reach the resident"),
        DeclineReason.DID_NOT_COME: N_("Did not come"),
        DeclineReason.NOT_SUITABLE: N_("Not suitable"),
        DeclineReason.NO_CAPACITY: N_("No capacity, the group is full"),
        DeclineReason.NO_LONGER_NEEDED: N_("No longer needed"),
        DeclineReason.NOT_INTERESTED: N_("Not interested"),
        DeclineReason.PRACTICAL_BARRIER: N_("Practical barrier (transport, cost, language)"),
        DeclineReason.DUPLICATE: N_("Duplicate"),
        DeclineReason.OTHER: N_("Other (explain in the note)"),
        CompletionOutcome.ATTENDED: N_("Attended the sessions"),
        CompletionOutcome.GOAL_MET: N_("Goal met"),
        CompletionOutcome.CONTINUES_INDEPENDENTLY: N_("Continues independently"),
        CompletionOutcome.REFERRED_ELSEWHERE: N_("Referred elsewhere"),
        DiscontinueReason.ILLNESS: N_("Illness"),
        DiscontinueReason.LOST_INTEREST: N_("Lost interest"),
        DiscontinueReason.MOVED_AWAY: N_("Moved away"),
    }
)
