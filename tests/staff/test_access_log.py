"""The access log: one row per staff read or change of a resident's data, identifiers only."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from app.accounts.actor import Actor, Grant
from app.accounts.models import Role
from app.audit.access import list_access_for_subject, log_access


def test_entries_are_listed_per_resident_newest_first(session: Session) -> None:
    organisation_id = uuid.uuid4()
    nurse = Actor.person(uuid.uuid4(), [Grant(organisation_id, Role.REFERRER)])
    resident, other = f"resident:{uuid.uuid4()}", f"resident:{uuid.uuid4()}"
    referral_id = uuid.uuid4()
    log_access(
        session,
        actor=nurse,
        action="read",
        entity_type="referral",
        entity_id=referral_id,
        subject_ref=resident,
        purpose="referral.view",
        fields=("contact.phone", "needs"),
    )
    log_access(
        session,
        actor=Actor.system("referral-tick"),
        action="change",
        entity_type="referral",
        entity_id=referral_id,
        subject_ref=resident,
        purpose="referral.expire",
    )
    log_access(
        session,
        actor=nurse,
        action="export",
        entity_type="referral",
        entity_id=uuid.uuid4(),
        subject_ref=other,
        purpose="referral.print",
    )
    session.flush()
    entries = list_access_for_subject(session, resident)
    assert [e.action for e in entries] == ["change", "read"]
    read = entries[1]
    assert read.actor_label == f"user:{nurse.id}"
    assert read.organisation_id == organisation_id  # the one organisation the nurse acts for
    assert read.fields == ["contact.phone", "needs"]
    assert read.entity_id == str(referral_id)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "peek"),
        ("subject_ref", "Maija Meikäläinen"),
        ("purpose", "checked her phone number"),
        ("fields", ("Maija",)),
    ],
)
def test_free_text_is_refused(session: Session, field: str, value: object) -> None:
    arguments: dict = {
        "actor": Actor.system("x"),
        "action": "read",
        "entity_type": "referral",
        "entity_id": "1",
        "subject_ref": "resident:1",
        "purpose": "referral.view",
    }
    arguments[field] = value
    with pytest.raises(ValueError):
        log_access(session, **arguments)
