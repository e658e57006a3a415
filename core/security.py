"""Security that applies to every request: trusted proxies, CSRF protection, response headers.

The content security policy allows no inline script and nothing from another origin: the UI
works offline on a government network.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_headers)


def trust_proxies(app: Flask) -> None:
    """Put the proxy fix in front of everything else of the app's WSGI stack (call it last),
    so that every layer sees the client's real address and scheme."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = _proxy_fix(app.wsgi_app, hops)  # type: ignore[method-assign]


def _proxy_fix(wsgi_app: Any, hops: int) -> ProxyFix:
    """Werkzeug's fix for ``hops`` trusted proxies: the client address and scheme they saw.
    Without it, X-Forwarded-For and X-Forwarded-Proto are headers anyone may write."""
    return ProxyFix(wsgi_app, x_for=hops, x_proto=hops)


#: Headers every response carries unless its view set its own.
EVERY_RESPONSE = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _headers(response: Response) -> Response:
    headers = response.headers
    present = {key.lower() for key, _ in headers.items()}  # one pass, not one per header
    html = response.mimetype == "text/html"
    for key, value in missing_headers(present, secure=request.is_secure, html=html):
        headers.add(key, value)
    return response


def missing_headers(present: Collection[str], *, secure: bool, html: bool) -> list[tuple[str, str]]:
    """The security headers a response lacks, given the lower-cased names it has."""
    missing = [(key, value) for key, value in EVERY_RESPONSE if key.lower() not in present]
    if secure and "strict-transport-security" not in present:
        missing.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    if html and "cache-control" not in present:
        # Pages show personal data: never keep them in a shared cache.
        missing.append(("Cache-Control", "no-store"))
    return missing


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site; refuses other hosts, schemes and protocol-relative URLs."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
