"""Every table of the core, imported in one place for Alembic and the test fixtures."""

from app.accounts.models import ApiClient, Membership, Unit, UserAccount
from app.audit.models import AccessLogEntry, AuditEvent
from app.catalogue.models import (
    CatalogueChange,
    Contact,
    Location,
    Municipality,
    Organisation,
    Region,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSourceLink,
    ServiceTerm,
    SyncError,
    SyncRun,
    TaxonomyTerm,
    Theme,
    ThemeMapping,
    WellbeingCounty,
)
from app.catalogue.overlay import ServiceOverlay
from app.catalogue.problems import ProblemReport
from app.catalogue.revisions import ListingRevision
from app.catalogue.short_links import ShortLink
from app.catalogue.sync_requests import SyncRequest
from app.catalogue.theme_mapping_changes import ThemeMappingChange
from app.geo.models import AddressPoint
from app.retention.models import RetentionSetting

__all__ = [
    "AccessLogEntry",
    "AddressPoint",
    "ApiClient",
    "AuditEvent",
    "CatalogueChange",
    "Contact",
    "ListingRevision",
    "Location",
    "Membership",
    "Municipality",
    "Organisation",
    "ProblemReport",
    "Region",
    "RetentionSetting",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceOverlay",
    "ServiceSourceLink",
    "ServiceTerm",
    "ShortLink",
    "SyncError",
    "SyncRequest",
    "SyncRun",
    "TaxonomyTerm",
    "Theme",
    "ThemeMapping",
    "ThemeMappingChange",
    "Unit",
    "UserAccount",
    "WellbeingCounty",
]
