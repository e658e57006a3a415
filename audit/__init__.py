"""VanThu's tamper-evident audit log."""

from audit.services import event_write, record_event

__all__ = ["event_write", "record_event"]
