"""The resident's way in: a signed, expiring link that by itself shows nothing, and a short code.

The link names the referral; the short code (given on paper or by the professional, never in the same
message as the link) proves the holder is the resident. Codes are stored as an HMAC only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from referrals.errors import LinkInvalid

_LINK_SALT = "referral-link"
# No 0/O, 1/I/L: read aloud over the phone and typed from paper by older people.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def link_token(referral_id: uuid.UUID, secret: str) -> str:
    return URLSafeTimedSerializer(secret, salt=_LINK_SALT).dumps(str(referral_id))


def referral_id_from_token(token: str, secret: str, *, max_age_seconds: int) -> uuid.UUID:
    """The referral a link names; LinkInvalid when forged, mangled or expired."""
    try:
        value = URLSafeTimedSerializer(secret, salt=_LINK_SALT).loads(token, max_age=max_age_seconds)
        return uuid.UUID(str(value))
    except (BadSignature, SignatureExpired, ValueError) as exc:
        raise LinkInvalid() from exc


def new_short_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(code: str) -> str:
    """ABCD-EFGH: easier to read out and copy."""
    return f"{code[:4]}-{code[4:]}"


def code_digest(referral_id: uuid.UUID, code: str, secret: str) -> str:
    message = f"{referral_id}:{normalise_code(code)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def code_matches(referral_id: uuid.UUID, code: str, digest: str | None, secret: str) -> bool:
    if not digest:
        return False
    return hmac.compare_digest(code_digest(referral_id, code, secret), digest)


def staff_path(referral_id: uuid.UUID) -> str:
    return f"/staff/referrals/{referral_id}"


def resident_path(token: str) -> str:
    return f"/r/{token}"


def notice_link_for(base_url: str, secret: str):  # type: ignore[no-untyped-def]
    """The link a notice carries: the resident's signed link, a staff page, an activity's public page, or the
    provider's self-service page."""
    base = base_url.rstrip("/")

    def link_for(notice, referral) -> str:  # type: ignore[no-untyped-def]
        if notice.kind == "listing_reminder":
            return f"{base}/staff/listings"  # the self-service page: one click confirms a listing
        if notice.referral_id is None:
            return f"{base}/fi/services/{notice.service_id}" if notice.service_id else base
        if notice.audience == "resident":
            return base + resident_path(link_token(notice.referral_id, secret))
        return base + staff_path(notice.referral_id)

    return link_for
