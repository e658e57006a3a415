"""VanThu's tamper-evident audit log; ``record_event`` is the one call every domain makes.

Importing the package stays cheap (no SQLAlchemy): the offline verifiers in ``audit.offline``
load without the web app, and ``record_event`` is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.services import commit_event, commit_event_on, record_event

__all__ = ["commit_event", "commit_event_on", "record_event"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from audit import services

        return getattr(services, name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")
