"""Errors raised by account services, each with a message a user can act on."""

from __future__ import annotations

from core.errors import BadInput, Conflict, Forbidden, NotFound, TooManyAttempts, VanThuError


class InvalidCredentials(VanThuError):
    status = 401
    code = "invalid_credentials"


class AccountLocked(TooManyAttempts):
    code = "account_locked"


class AddressThrottled(TooManyAttempts):
    code = "address_throttled"


class SessionEnded(VanThuError):
    """A session that may no longer act: revoked on the server, idle too long or too old.

    ``reason`` is "revoked", "idle" or "expired".
    """

    status = 401
    code = "session_ended"


class AccountInactive(Forbidden):
    code = "account_inactive"


class PermissionDenied(Forbidden):
    code = "permission_denied"


class UserNotFound(NotFound):
    code = "user_not_found"


class UnitNotFound(NotFound):
    code = "unit_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class InvalidUserData(BadInput):
    code = "invalid_user_data"


class InvalidUnitData(BadInput):
    code = "invalid_unit_data"


#: (line number, message template, values for the template)
LineProblem = tuple[int, str, dict[str, object]]


class ImportRejected(BadInput):
    """A CSV import with at least one bad row, listing every problem by line number."""

    code = "import_rejected"

    def __init__(self, message: str, problems: list[LineProblem]) -> None:
        super().__init__(message)
        self.problems = problems

    def diagnostics(self) -> dict[str, object]:
        lines = [{"line": n, "message": t % v if v else t} for n, t, v in self.problems]
        return {**super().diagnostics(), "problems": lines}


class NotificationNotFound(NotFound):
    """Also what someone else's notification looks like: whether it exists is not theirs to know."""

    code = "notification_not_found"


class BadPick(BadInput):
    """A picker posted a unit or person that does not exist or was not offered."""

    code = "bad_pick"
