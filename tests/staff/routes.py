"""Every route of the app, walked from the app itself, so a new route is covered by the sweeps at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from web.auth import require_signed_in

# Staff paths anyone may open: signing in and out, the language choice.
PUBLIC_STAFF_PATHS = frozenset(
    {
        "/staff/sign-in",
        "/staff/sign-in/oidc",
        "/staff/sign-in/demo",
        "/staff/auth/callback",
        "/staff/sign-out",
        "/staff/signed-out",
        "/staff/language",
    }
)


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    requires_sign_in: bool

    def example_path(self) -> str:
        """The path with its parameters filled in: a language where one is expected, else an id."""
        parts = []
        for part in self.path.split("/"):
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1].split(":")[0]
                parts.append("fi" if name == "lang" else "K7Q2M" if name == "code" else str(uuid.uuid4()))
            else:
                parts.append(part)
        return "/".join(parts)


def _depends_on_sign_in(dependant: Any) -> bool:
    if dependant is None:
        return False
    if getattr(dependant, "call", None) is require_signed_in:
        return True
    return any(_depends_on_sign_in(sub) for sub in getattr(dependant, "dependencies", ()))


def _walk(routes: Any) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _walk(route.effective_candidates())
        else:
            yield route


def app_routes(app: FastAPI) -> list[RouteInfo]:
    found = []
    for route in _walk(app.routes):
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None)
        if not path or not methods:
            continue
        found.append(
            RouteInfo(
                path, frozenset(methods) - {"HEAD"}, _depends_on_sign_in(getattr(route, "dependant", None))
            )
        )
    return found
