"""Dockerfile, entrypoint and compose.yaml: no Docker engine runs here, so check what can be read."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_every_variable_compose_gives_the_app_is_a_setting() -> None:
    environment = _compose()["services"]["app"]["environment"]
    fields = set(Settings.model_fields)
    unknown = [name for name in environment if name.lower() not in fields]
    assert not unknown, f"compose.yaml sets variables that are not Settings fields: {unknown}"
    for required in ("DATABASE_URL", "MEILISEARCH_URL", "MEILISEARCH_API_KEY", "SECRET_KEY", "ENVIRONMENT"):
        assert required in environment
    assert {"OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"} <= set(environment)
    assert environment["ENVIRONMENT"] == "production"


def test_compose_uses_official_images_with_healthchecks_and_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["search"]["image"] == "getmeili/meilisearch:v1.21"
    for name in ("db", "search"):
        assert services[name]["healthcheck"]["test"]
        assert services[name]["volumes"]
        assert services["app"]["depends_on"][name]["condition"] == "service_healthy"
    declared = set(compose["volumes"])
    used = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert used == declared
    # The app's database URL and the database container agree on names.
    db_env = services["db"]["environment"]
    url = services["app"]["environment"]["DATABASE_URL"]
    assert f"//{db_env['POSTGRES_USER']}:" in url and url.endswith(f"@db:5432/{db_env['POSTGRES_DB']}")


def test_dockerfile_is_multi_stage_non_root_and_migrates_on_start() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, flags=re.MULTILINE)
    assert stages == ["builder", "runtime"]
    assert "pip wheel" in dockerfile and "--no-index" in dockerfile
    assert re.search(r"^USER (?!root)\w+$", dockerfile, flags=re.MULTILINE)
    assert "libvoikko1" in dockerfile and "voikko-fi" in dockerfile
    assert 'ENTRYPOINT ["tarjotin-entrypoint"]' in dockerfile
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text(encoding="utf-8")
    assert entrypoint.index("tarjotin db upgrade") < entrypoint.index("exec tarjotin serve --host 0.0.0.0")
    assert "--workers" in entrypoint
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", ".env", "data"} <= set(ignored)
    # `demo load` in the container reads the pages the image ships beside the installed wheel.
    assert "COPY demo/ptv-v11 /opt/tarjotin/demo/ptv-v11" in dockerfile
    assert not {"demo", "demo/", "demo/ptv-v11"} & set(ignored)
