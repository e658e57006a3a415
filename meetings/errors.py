"""Typed errors raised by the meetings package.

Raise sites pass one literal English sentence wrapped in ``N_`` (translated by the handler).
"""

from __future__ import annotations

from typing import Any

from core.errors import BadInput, Conflict, Forbidden, NotFound, VanThuError


class MeetingNotFound(NotFound):
    """No such meeting, or none the user may know about: both answer the same."""

    code = "meeting_not_found"
    audited = True

    def diagnostics(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class ItemNotFound(MeetingNotFound):
    """No such agenda item in this meeting, or one the user may not see."""

    code = "item_not_found"


class NotAllowed(Forbidden):
    """The user sees the meeting but may not do this (only its chair and secretary manage it)."""

    code = "meeting_not_allowed"


class BadMeeting(BadInput):
    """A field of a meeting, item or participant is missing or out of bounds."""

    code = "bad_meeting"


class BadMove(BadInput):
    """An agenda item cannot go there (under itself, under its own sub-item, too deep)."""

    code = "bad_move"


class WrongState(Conflict):
    """The action does not fit the meeting's status (publishing twice, editing a closed one)."""

    code = "meeting_wrong_state"


class StaleAgenda(Conflict):
    """Someone changed the meeting since this form was drawn: nothing was overwritten."""

    code = "stale_agenda"


class EmptyQuote(BadInput):
    """A note or highlight must quote some text of the page: it is what finds it again later."""

    code = "empty_quote"


class AnchorOutsideText(BadInput):
    """The page or offsets of a note lie outside the version's text (a stale or forged request)."""

    code = "anchor_outside_text"


class NothingToRemind(Conflict):
    """Every participant has opened something of the pack: a reminder would go to nobody."""

    code = "nothing_to_remind"


class EmptyPack(Conflict):
    """The participant's pack has no document they may open: there is nothing to download."""

    code = "empty_pack"


class ArchiveNotFound(NotFound):
    """No archive of this meeting has been built (yet)."""

    code = "archive_not_found"


class NoteNotFound(MeetingNotFound):
    """No such note, or one the user may not see (another's private note answers the same)."""

    code = "note_not_found"


class BadNote(BadInput):
    """A note's kind, text or document does not fit (too long, a file without text, …)."""

    code = "bad_note"


class NewVersionOnItem(Conflict):
    """The note was written on a version the item no longer holds: reload to see the new one."""

    code = "new_version_on_item"


class ExportUnavailable(VanThuError):
    """The PDF export needs a font with Vietnamese letters that this server does not have."""

    status = 503
    code = "export_unavailable"


class AlreadyAsked(Conflict):
    """The person already waits to speak on this item, or already declared this conflict."""

    code = "already_asked"


class BadConclusion(BadInput):
    """A conclusion's text, owner or due date does not fit (too long, two owners, a past date)."""

    code = "bad_conclusion"


class StaleConclusion(Conflict):
    """Someone changed this conclusion since the form was drawn: nothing was overwritten."""

    code = "stale_conclusion"


class BadMinutes(BadInput):
    """An edited minutes file that is not a readable Word (DOCX) file."""

    code = "bad_minutes"


class PollNotFound(MeetingNotFound):
    """No such vote or consultation, or one the user may not see."""

    code = "poll_not_found"


class BadPoll(BadInput):
    """A vote's question, options or rule do not fit; nothing was opened."""

    code = "bad_poll"


class PollNotOpen(Conflict):
    """The vote is closed (or the consultation's deadline passed): the ballot was not counted."""

    code = "poll_not_open"


class NotEntitled(Forbidden):
    """The user may not vote here, or not for the member they named."""

    code = "not_entitled"
    audited = True


class AlreadyVoted(Conflict):
    """This voter's ballot is already in: a second one is refused by the database."""

    code = "already_voted"
