"""The vendored front-end files are exactly the pinned npm packages, with their licences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.servers import require

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "web" / "static" / "vendor"
NODE = ROOT / "node_modules"
COPIES = [
    ("htmx/htmx.min.js", "htmx.org/dist/htmx.min.js"),
    ("htmx/LICENSE", "htmx.org/LICENSE"),
    ("leaflet/leaflet.js", "leaflet/dist/leaflet.js"),
    ("leaflet/leaflet.css", "leaflet/dist/leaflet.css"),
    ("leaflet/LICENSE", "leaflet/LICENSE"),
    ("leaflet/images/marker-icon.png", "leaflet/dist/images/marker-icon.png"),
    ("markercluster/leaflet.markercluster.js", "leaflet.markercluster/dist/leaflet.markercluster.js"),
    ("markercluster/MarkerCluster.css", "leaflet.markercluster/dist/MarkerCluster.css"),
    ("markercluster/MIT-LICENCE.txt", "leaflet.markercluster/MIT-LICENCE.txt"),
    ("swagger-ui/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js"),
    ("swagger-ui/swagger-ui.css", "swagger-ui-dist/swagger-ui.css"),
    ("swagger-ui/LICENSE", "swagger-ui-dist/LICENSE"),
    ("swagger-ui/NOTICE", "swagger-ui-dist/NOTICE"),
]


def test_versions_are_pinned_exactly() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in package["devDependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned to an exact version, not {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert package["devDependencies"]["htmx.org"].startswith("2.")
    assert 'version:"2.0.11"' in (VENDOR / "htmx" / "htmx.min.js").read_text()


@pytest.mark.parametrize(("vendored", "installed"), COPIES)
def test_vendored_files_match_the_npm_packages(vendored: str, installed: str) -> None:
    require((NODE / installed).exists(), "node_modules", "run `make node` (npm ci)")
    assert (VENDOR / vendored).read_bytes() == (NODE / installed).read_bytes(), (
        f"{vendored} differs from the pinned package: run scripts/vendor_static.sh"
    )


def test_every_static_file_ships_in_the_package() -> None:
    """The image installs a wheel: setuptools skips folders with a dot in their name (not a package
    name) and files whose extension package-data does not list."""
    import tomllib
    from fnmatch import fnmatch

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    static = ROOT / "web" / "static"
    for path in static.rglob("*"):
        relative = path.relative_to(static)
        if path.is_dir():
            assert "." not in path.name, (
                f"web/static/{relative}: a dot in a folder name keeps it out of the wheel"
            )
        else:
            assert any(fnmatch(path.name, p) for p in patterns), f"web/static/{relative} is not package data"
