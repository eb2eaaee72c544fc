"""Domain errors of the referral loop. No HTTP here: web/errors.py maps their base classes to statuses.

Every message is English, marked for translation, and shown in the user's language; params never carry
personal data.
"""

from __future__ import annotations

from app.errors import N_, Conflict, InvalidInput, NotFound, PermissionDenied


class ReferralNotFound(NotFound):
    """Not there, or not the actor's to see: the two are deliberately indistinguishable (404 before 403)."""

    code = "referral_not_found"

    def __init__(self) -> None:
        super().__init__(N_("No referral with this id, or it is not yours to see."))


class NotAParty(PermissionDenied):
    """The actor may see the referral but may not take this action on it."""

    code = "not_a_party"

    def __init__(self) -> None:
        super().__init__(N_("You may not take this action on this referral."))


class TransitionNotAllowed(Conflict):
    """The action is not possible in the referral's present state."""

    code = "transition_not_allowed"

    def __init__(self, *, status_label: str) -> None:
        super().__init__(
            N_("This cannot be done now: the referral is %(status)s."),
            status=status_label,
        )


class StaleVersion(Conflict):
    """Someone else changed the referral since the caller read it."""

    code = "stale_version"

    def __init__(self) -> None:
        super().__init__(N_("Someone else changed this referral at the same time. Reload it and try again."))


class ReasonRequired(InvalidInput):
    code = "reason_required"

    def __init__(self) -> None:
        super().__init__(N_("Choose a reason from the list."))


class NoteRequired(InvalidInput):
    code = "note_required"

    def __init__(self) -> None:
        super().__init__(N_("Write a short note explaining this."))


class ConsentRequired(InvalidInput):
    """Personal data would reach an organisation the resident has not consented to."""

    code = "consent_required"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "The resident's consent does not cover this organisation. Record consent for it, "
                "or give the resident an activity card instead."
            )
        )


class CodeRejected(InvalidInput):
    code = "code_rejected"

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(
            N_("The code is not right. You can try %(attempts)s more times."),
            attempts=str(attempts_left),
        )


class CodeLocked(Conflict):
    code = "code_locked"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "Too many wrong codes. Try again in half an hour, or ask the professional who "
                "referred you for help."
            )
        )


class LinkInvalid(NotFound):
    code = "link_invalid"

    def __init__(self) -> None:
        super().__init__(
            N_("This link is not valid or has expired. Ask the professional who referred you for a new one.")
        )
