"""Names of the cookies the site sets, in one place (the session middleware, the security headers and the
request session read them)."""

# The staff session (signed by SECRET_KEY; residents get one only while an OIDC sign-in is under way).
SESSION_COOKIE = "tarjotin_session"
