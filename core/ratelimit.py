"""Per-address limits on the pages anyone may load without signing in (verification, /log/).

Counters are in memory for one process; several processes share them through
``RATELIMIT_STORAGE_URI`` (``VANTHU_RATELIMIT_STORAGE_URI``, e.g. ``redis://cache:6379/0``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from core.errors import N_, TooManyAttempts

F = TypeVar("F", bound=Callable[..., object])


def client_address() -> str:
    """The client's address; ProxyFix (installed by the app) makes it the real one."""
    return request.remote_addr or "unknown"


def _public_limit() -> str:
    return str(current_app.config["PUBLIC_RATE_LIMIT"])


limiter = Limiter(client_address)
_public = limiter.shared_limit(_public_limit, scope="public")


def public(view: F) -> F:
    """Count a view against the public limit every anonymous page shares, per address."""
    return _public(view)  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    """Install the limiter and its 429 answer (settings: core.config)."""
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _limited(error: RateLimitExceeded) -> Response:
        seconds = max(1, int(error.limit.limit.get_expiry()))
        refusal = TooManyAttempts(
            N_("Too many requests from your address. Please wait %(seconds)s seconds."),
            retry_after=seconds,
            seconds=seconds,
        )
        return app.handle_user_exception(refusal)  # type: ignore[return-value]
