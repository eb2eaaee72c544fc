"""The OpenID Connect client (authlib): authorisation code flow with PKCE, RP-initiated sign-out.

The provider's metadata comes from its discovery document. Authlib keeps the state, nonce and PKCE
verifier in the session cookie between the redirect and the callback.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

# Authlib 1.9 warns at import that it would rather have `httpx2` than `httpx`; httpx is the project's
# fixed HTTP client and works with it, so the warning would only print a misleading line at every start.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning, message="The httpx module")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth
from starlette.requests import Request
from starlette.responses import Response

from app.errors import N_, InvalidInput, Unavailable
from app.settings import Settings

CALLBACK_PATH = "/staff/auth/callback"
SIGNED_OUT_PATH = "/staff/signed-out"


def is_configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def absolute(settings: Settings, path: str) -> str:
    return str(settings.base_url).rstrip("/") + path


@cache
def _registry(issuer: str, client_id: str, client_secret: str, scopes: str, timeout: float) -> Any:
    oauth = OAuth()
    oauth.register(
        "staff",
        client_id=client_id,
        client_secret=client_secret or None,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": timeout},
    )
    return oauth.staff


def client_for(settings: Settings) -> Any:
    assert settings.oidc_issuer and settings.oidc_client_id
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else ""
    return _registry(
        settings.oidc_issuer,
        settings.oidc_client_id,
        secret,
        settings.oidc_scopes,
        settings.http_timeout_seconds,
    )


def _unavailable() -> Unavailable:
    return Unavailable(
        N_("The sign-in service cannot be reached. Please try again in a moment."), code="idp_unavailable"
    )


async def redirect_to_provider(request: Request, settings: Settings) -> Response:
    try:
        response: Response = await client_for(settings).authorize_redirect(
            request, absolute(settings, CALLBACK_PATH)
        )
    except (httpx.HTTPError, ValueError) as exc:
        raise _unavailable() from exc
    return response


async def claims_from_callback(request: Request, settings: Settings) -> dict[str, Any]:
    """Exchange the code for tokens and return the verified ID token's claims plus userinfo."""
    client = client_for(settings)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        raise InvalidInput(
            N_("Signing in did not succeed. Please try again."), code="sign_in_failed"
        ) from exc
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    claims: dict[str, Any] = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise InvalidInput(N_("Signing in did not succeed. Please try again."), code="sign_in_failed")
    try:
        metadata = await client.load_server_metadata()
        if metadata.get("userinfo_endpoint"):
            extra = await client.userinfo(token=token)
            # The ID token's subject is authoritative; userinfo adds claims (e.g. roles) but never replaces it.
            if extra.get("sub") == claims["sub"]:
                claims = {**dict(extra), **claims}
    except (httpx.HTTPError, OAuthError):
        pass  # the ID token alone is enough to sign in
    claims["_id_token"] = token.get("id_token")
    return claims


async def end_session_url(settings: Settings, id_token: str | None) -> str | None:
    """The provider's end-session URL for RP-initiated sign-out, or None if it has none."""
    try:
        metadata = await client_for(settings).load_server_metadata()
    except (httpx.HTTPError, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {
        "client_id": settings.oidc_client_id,
        "post_logout_redirect_uri": absolute(settings, SIGNED_OUT_PATH),
    }
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
