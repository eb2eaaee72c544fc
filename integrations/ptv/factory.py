"""Which PTV client a sync uses: v12 with a key (the main path), v11 as a stop-gap, or recorded files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from app.catalogue.enums import RecordStatus, ServiceStatus, Source
from app.catalogue.models import Service, ServiceSourceLink
from app.settings import Settings
from integrations.context import MappingContext
from integrations.errors import IntegrationError
from integrations.source import SyncSource


def directory_version(directory: Path) -> str:
    """'v11' for v11 list pages (Service_{code}_page{N}.json), 'v12' for v12 search pages."""
    if any(directory.glob("Service_*_page*.json")) or any(directory.glob("ServiceChannel_*_page*.json")):
        return "v11"
    if any(directory.glob("service_search*.json")):
        return "v12"
    raise IntegrationError(f"{directory} holds no recorded PTV pages (see the README, Sync)")


def held_service_ids(session: Session) -> frozenset[str]:
    """PTV ids of the services the catalogue holds (not retired), lower-cased as the client compares."""
    own = session.execute(
        select(col(Service.external_id)).where(
            col(Service.source) == Source.PTV, col(Service.status) != ServiceStatus.RETIRED
        )
    ).scalars()
    # PTV provenances of services another source holds (integrations.dedupe).
    linked = session.execute(
        select(col(ServiceSourceLink.external_id)).where(
            col(ServiceSourceLink.source) == Source.PTV, col(ServiceSourceLink.status) == RecordStatus.ACTIVE
        )
    ).scalars()
    return frozenset(external_id.lower() for external_id in (*own, *linked))


def make_source(
    session: Session, settings: Settings, context: MappingContext, from_dir: Path | None
) -> SyncSource:
    version = directory_version(from_dir) if from_dir is not None else settings.ptv_api_version
    municipalities = sorted(context.served_municipalities)
    if version == "v11":
        from integrations.ptv.v11.client import make_v11_source

        return make_v11_source(
            context,
            municipalities,
            base_url=settings.ptv_v11_base_url,
            timeout=settings.http_timeout_seconds,
            from_dir=from_dir,
        )
    if version == "v12":
        from integrations.ptv.v12.client import make_v12_source

        key = settings.ptv_api_key.get_secret_value() if settings.ptv_api_key else None
        return make_v12_source(
            context,
            municipalities,
            base_url=settings.ptv_base_url,
            api_key=key,
            timeout=settings.http_timeout_seconds,
            from_dir=from_dir,
            held_services=held_service_ids(session),
        )
    raise IntegrationError(f"PTV_API_VERSION must be v12 or v11, not {version!r}")
