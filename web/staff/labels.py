"""Names of roles and organisation kinds, in the reader's language."""

from __future__ import annotations

from app.accounts.models import Role
from app.catalogue.enums import OrganisationKind
from app.errors import N_
from app.i18n import gettext

ROLE_LABELS: dict[Role, str] = {
    Role.REFERRER: N_("Referrer (health or social care professional)"),
    Role.COORDINATOR: N_("Wellbeing coordinator"),
    Role.EXERCISE_COUNSELLOR: N_("Exercise counsellor"),
    Role.PROVIDER_CONTACT: N_("Provider contact"),
    Role.PROVIDER_ADMIN: N_("Provider administrator"),
    Role.MUNICIPAL_ANALYST: N_("Municipal analyst"),
    Role.COUNTY_ANALYST: N_("County analyst"),
    Role.MODERATOR: N_("Moderator"),
    Role.ADMIN: N_("Administrator"),
}

KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.MUNICIPALITY: N_("Municipality"),
    OrganisationKind.WELLBEING_COUNTY: N_("Wellbeing services county"),
    OrganisationKind.NGO: N_("Association or foundation"),
    OrganisationKind.PARISH: N_("Parish"),
    OrganisationKind.COMPANY: N_("Company"),
    OrganisationKind.STATE_AGENCY: N_("State agency"),
    OrganisationKind.OTHER: N_("Other"),
}


def role_label(role: Role | str, locale: str) -> str:
    try:
        return gettext(locale, ROLE_LABELS[Role(role)])
    except ValueError:
        return str(role)


def kind_label(kind: OrganisationKind | str, locale: str) -> str:
    try:
        return gettext(locale, KIND_LABELS[OrganisationKind(kind)])
    except ValueError:
        return str(kind)
