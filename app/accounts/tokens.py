"""Bearer tokens: API client secrets (stored hashed) and short-lived personal tokens (development only).

An API client's token is `tjc_<client id>_<secret>`: the id finds the row, the secret is compared with the
stored sha256 in constant time. A personal token is `tjp_<signed user id and time>` (itsdangerous), so a
developer can try the API with curl as a demo user; production refuses to issue or accept them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CLIENT_PREFIX = "tjc_"
PERSON_PREFIX = "tjp_"
_PERSON_SALT = "tarjotin.person-bearer"


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def client_token(client_id: uuid.UUID, secret: str) -> str:
    return f"{CLIENT_PREFIX}{client_id.hex}_{secret}"


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: uuid.UUID
    secret: str


def parse_client_token(token: str) -> ClientCredentials | None:
    """The client id and secret of a `tjc_` token, or None if it is not one."""
    if not token.startswith(CLIENT_PREFIX):
        return None
    id_hex, sep, secret = token[len(CLIENT_PREFIX) :].partition("_")
    if not sep or not secret or len(id_hex) != 32:
        return None
    try:
        return ClientCredentials(uuid.UUID(hex=id_hex), secret)
    except ValueError:
        return None


def person_token(user_id: uuid.UUID, secret_key: str) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_PERSON_SALT)
    return PERSON_PREFIX + serializer.dumps({"u": str(user_id)})


def parse_person_token(token: str, secret_key: str, *, max_age_seconds: int) -> uuid.UUID | None:
    """The user id of a valid, unexpired `tjp_` token, else None."""
    if not token.startswith(PERSON_PREFIX):
        return None
    serializer = URLSafeTimedSerializer(secret_key, salt=_PERSON_SALT)
    try:
        payload = serializer.loads(token[len(PERSON_PREFIX) :], max_age=max_age_seconds)
        return uuid.UUID(payload["u"])
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
        return None
