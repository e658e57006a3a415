"""Event types in words: the label an auditor reads for each "source:subject:action" code.

Audit owns the names every domain records, so the one table is here; a test fails when the code
records an event type this table does not name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

#: The domains that record events, in the order the type filter lists them.
DOMAINS: dict[str, Any] = {
    "documents": _l("Documents"),
    "signing": _l("Digital signatures"),
    "meetings": _l("Meetings"),
    "accounts": _l("Accounts"),
}

LABELS: dict[str, Any] = {
    "accounts:access:denied": _l("Access refused"),
    "accounts:mail:failed": _l("E-mail not sent"),
    "accounts:mail:sent": _l("E-mail sent"),
    "accounts:notification:sent": _l("Notification sent"),
    "accounts:session:ended_everywhere": _l("Signed out everywhere"),
    "accounts:session:login": _l("Signed in"),
    "accounts:session:login_failed": _l("Sign-in failed"),
    "accounts:session:logout": _l("Signed out"),
    "accounts:session:refused_inactive": _l("Sign-in refused: account deactivated"),
    "accounts:session:refused_locked": _l("Sign-in refused: account locked"),
    "accounts:session:throttled": _l("Sign-in attempts slowed down"),
    "accounts:unit:create": _l("Unit created"),
    "accounts:unit:update": _l("Unit changed"),
    "accounts:user:activated": _l("Account activated"),
    "accounts:user:activation_issued": _l("Activation code issued"),
    "accounts:user:create": _l("Account created"),
    "accounts:user:import": _l("Accounts imported"),
    "accounts:user:locked": _l("Account locked"),
    "accounts:user:unlocked": _l("Account unlocked"),
    "accounts:user:update": _l("Account changed"),
    "documents:assignment:create": _l("Document assigned for handling"),
    "documents:assignment:progress": _l("Handling progress reported"),
    "documents:assignment:remind": _l("Handling reminder sent"),
    "documents:attachment:upload": _l("Attachment uploaded"),
    "documents:conversion:cancel": _l("PDF conversion cancelled"),
    "documents:conversion:fail": _l("PDF conversion failed"),
    "documents:conversion:request": _l("PDF conversion requested"),
    "documents:document:circulate": _l("Document sent"),
    "documents:document:create": _l("Document drafted"),
    "documents:document:signer": _l("Signer chosen"),
    "documents:document:issue": _l("Document issued"),
    "documents:document:recall": _l("Document recalled"),
    "documents:incoming:register": _l("Incoming document registered"),
    "documents:metadata:export": _l("Document metadata exported"),
    "documents:number:reserve": _l("Number assigned and registered"),
    "documents:number:void": _l("Number voided"),
    "documents:recall:confirm": _l("Recall confirmed by a recipient"),
    "documents:receipt:acknowledge": _l("Receipt acknowledged for the unit"),
    "documents:receipt:return": _l("Document returned to the sender"),
    "documents:register:export": _l("Register exported"),
    "documents:register:fields": _l("Register columns changed"),
    "documents:reply:link": _l("Reply linked to a document"),
    "documents:return:correct": _l("Returned document corrected"),
    "documents:return:resend": _l("Corrected document sent again"),
    "documents:return:sealed": _l("Sealed original of a corrected document"),
    "documents:upload:refused_unsafe": _l("Unsafe file refused"),
    "documents:version:open": _l("Document opened"),
    "documents:version:pdf_original": _l("PDF original set"),
    "documents:version:upload": _l("Document file uploaded"),
    "meetings:archive:download": _l("Meeting archive downloaded"),
    "meetings:attachment:add": _l("Meeting document added"),
    "meetings:attachment:remove": _l("Meeting document removed"),
    "meetings:attachment:replace": _l("Meeting document replaced"),
    "meetings:attendance:mark": _l("Attendance marked"),
    "meetings:calendar_feed:create": _l("Calendar link created"),
    "meetings:calendar_feed:revoke": _l("Calendar link revoked"),
    "meetings:conclusion:update": _l("Conclusion written"),
    "meetings:conflict:declare": _l("Conflict of interest declared"),
    "meetings:consultation:answer": _l("Written opinion given"),
    "meetings:consultation:remind": _l("Written consultation reminder sent"),
    "meetings:consultation:send": _l("Written consultation sent"),
    "meetings:consultation:summarise": _l("Written consultation summarised"),
    "meetings:invitation:again": _l("Invitation sent again"),
    "meetings:invitation:cancel": _l("Cancellation notice sent"),
    "meetings:invitation:late": _l("Invitation sent to a late participant"),
    "meetings:invitation:send": _l("Invitations sent"),
    "meetings:invitation:submit": _l("Invitation letter submitted for signature"),
    "meetings:invitation:update": _l("Change of time or place sent"),
    "meetings:item:add": _l("Agenda item added"),
    "meetings:item:delete": _l("Agenda item deleted"),
    "meetings:item:edit": _l("Agenda item changed"),
    "meetings:item:move": _l("Agenda item moved"),
    "meetings:item:restrict": _l("Agenda item readers restricted"),
    "meetings:material:open": _l("Meeting document opened"),
    "meetings:material:upload": _l("Meeting document uploaded"),
    "meetings:meeting:archive": _l("Meeting archived"),
    "meetings:meeting:archived": _l("Meeting archive built"),
    "meetings:meeting:cancel": _l("Meeting cancelled"),
    "meetings:meeting:close": _l("Meeting closed"),
    "meetings:meeting:create": _l("Meeting created"),
    "meetings:meeting:edit": _l("Meeting changed"),
    "meetings:meeting:publish": _l("Meeting published"),
    "meetings:meeting:start": _l("Meeting started"),
    "meetings:minutes:draft": _l("Minutes drafted"),
    "meetings:minutes:send": _l("Minutes sent"),
    "meetings:minutes:submit": _l("Minutes submitted for signature"),
    "meetings:minutes:upload": _l("Minutes file uploaded"),
    "meetings:note:share": _l("Note shared"),
    "meetings:note:unshare": _l("Note no longer shared"),
    "meetings:notes:export": _l("Notes exported"),
    "meetings:participant:add": _l("Participant added"),
    "meetings:participant:remove": _l("Participant removed"),
    "meetings:participant:represent": _l("Representative named"),
    "meetings:quorum:change": _l("Quorum changed"),
    "meetings:readiness:remind": _l("Reminder to read the documents sent"),
    "meetings:reminder:send": _l("Meeting reminder sent"),
    "meetings:room:current_item": _l("Current agenda item changed"),
    "meetings:speakers:ask": _l("Asked to speak"),
    "meetings:speakers:limit": _l("Speaking time limit set"),
    "meetings:speakers:move": _l("Speaker moved in the list"),
    "meetings:speakers:start": _l("Speaker given the floor"),
    "meetings:speakers:stop": _l("Speaker finished"),
    "meetings:speakers:withdraw": _l("Request to speak withdrawn"),
    "meetings:vote:cast": _l("Vote cast"),
    "meetings:vote:close": _l("Vote closed"),
    "meetings:vote:open": _l("Vote opened"),
    "meetings:vote:publish": _l("Vote result published"),
    "signing:bundle:export": _l("Signature bundle exported"),
    "signing:bundle:verify": _l("Signature bundle verified"),
    "signing:certificate:import": _l("Certificate imported"),
    "signing:certificate:issue": _l("Certificate issued"),
    "signing:certificate:revoke": _l("Certificate revoked"),
    "signing:crl:import": _l("Revocation list imported"),
    "signing:crl:publish": _l("Revocation list published"),
    "signing:document:verify": _l("Document signatures verified"),
    "signing:enrolment:authorise": _l("Key enrolment authorised"),
    "signing:image:set": _l("Signature image set"),
    "signing:pdf:match": _l("PDF matched to a signed document"),
    "signing:pdf:verify": _l("PDF signatures verified"),
    "signing:pin:change": _l("Signing PIN changed"),
    "signing:pin:fail": _l("Wrong signing PIN"),
    "signing:pin:unblock": _l("Signing PIN unblocked"),
    "signing:pki:init": _l("Signing authority set up"),
    "signing:request:cancel": _l("Signature request cancelled"),
    "signing:request:create": _l("Submitted for signature"),
    "signing:request:decline": _l("Signature declined"),
    "signing:request:supersede": _l("Signature request replaced"),
    "signing:seal:create": _l("Sealed (the organisation's digital signature)"),
    "signing:signature:create": _l("Signed"),
    "signing:signature:verify": _l("Signature verified"),
    "signing:trust:add": _l("Trusted certificate added"),
    "signing:verification:bulk": _l("Signatures verified in bulk"),
    "signing:verification:pdf_bulk": _l("PDF signatures verified in bulk"),
}


@dataclass(frozen=True)
class TypeGroup:
    """The event types of one domain, for the filter's <optgroup>: (code, label) by label."""

    key: str
    label: str
    types: list[tuple[str, str]]


def label(action: str) -> str:
    """The event type in the reader's language; the code itself for one no label names."""
    text = LABELS.get(action)
    return action if text is None else str(text)


def groups() -> list[TypeGroup]:
    """Every labelled type, grouped by the domain that records it."""
    result = []
    for key, name in DOMAINS.items():
        types = [(code, str(text)) for code, text in LABELS.items() if code.split(":")[0] == key]
        result.append(TypeGroup(key, str(name), sorted(types, key=lambda t: t[1].casefold())))
    return result
