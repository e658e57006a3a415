"""VanThu's tamper-evident audit log."""

from audit.services import record_event

__all__ = ["record_event"]
