"""Words for verification outcomes on the pages: main statuses and sub-indications, translated.

The codes themselves (ETSI names) are shown too, so an auditor can compare with other tools.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "TOTAL_PASSED": _l("Valid"),
    "TOTAL_FAILED": _l("Invalid"),
    "INDETERMINATE": _l("Cannot be decided"),
    "INCOMPLETE": _l("Not yet sealed"),
    "UNSIGNED": _l("Not signed"),
    "UNUSABLE": _l("Unusable file"),
}

SUB_INDICATION = {
    "FORMAT_FAILURE": _l("The signature file is not a valid detached CMS signature."),
    "HASH_FAILURE": _l("The document is not the one that was signed: its bytes differ."),
    "SIG_CRYPTO_FAILURE": _l("The signature value is wrong."),
    "REVOKED": _l("The certificate was revoked before the signing time."),
    "REVOKED_NO_POE": _l(
        "The certificate was revoked for key compromise; the signing time cannot be trusted."
    ),
    "EXPIRED": _l("The certificate had expired at the signing time."),
    "NOT_YET_VALID": _l("The certificate was not yet valid at the signing time."),
    "NO_CERTIFICATE_CHAIN_FOUND": _l("The certificate does not lead to a trusted root."),
    "CHAIN_CONSTRAINTS_FAILURE": _l("The certificate may not sign documents."),
    "SIGNED_DATA_NOT_FOUND": _l("The signed file is missing."),
    "NO_SIGNING_CERTIFICATE_FOUND": _l("The signer's certificate is not in the signature."),
    "CRYPTO_CONSTRAINTS_FAILURE": _l("The signature uses an algorithm that is not accepted."),
    "SIG_CONSTRAINTS_FAILURE": _l("The signing time is in the future."),
    "TRY_LATER": _l("No valid revocation list covers the signing time."),
    "ORDER_VIOLATION": _l("The signatures were made in the wrong order."),
    "ROLE_MISMATCH": _l("A seal was made with an official's certificate, or the reverse."),
    "MODIFIED_AFTER_SIGNING": _l("The content of the PDF was changed after it was signed."),
}

SLOT = {
    "official": _l("Official's signature"),
    "seal": _l("Organisation seal"),
    "signature": _l("Signature"),
}


def status_label(code: str | None) -> str:
    return str(STATUS.get(code or "", code or ""))


def sub_label(code: str | None) -> str:
    return str(SUB_INDICATION.get(code or "", code or ""))


def slot_label(code: str | None) -> str:
    return str(SLOT.get(code or "", code or ""))


REQUEST_STATE = {
    "pending": _l("Waiting for the officials' signatures"),
    "awaiting_seal": _l("Signed; waiting for the organisation seal"),
    "sealed": _l("Signed and sealed"),
    "declined": _l("Declined"),
    "cancelled": _l("Withdrawn"),
    "superseded": _l("Replaced by a newer version"),
}

STEP_STATE = {
    "waiting": _l("Waiting"),
    "signed": _l("Signed"),
    "declined": _l("Declined"),
}


def request_state_label(code: str) -> str:
    return str(REQUEST_STATE.get(code, code))


def step_state_label(code: str) -> str:
    return str(STEP_STATE.get(code, code))


JOB_STATE = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
}


def job_state_label(code: str) -> str:
    return str(JOB_STATE.get(code, code))


TIME_BASIS = {
    "trusted_timestamp": _l("the trusted timestamp"),
    "signing_time_claim": _l("the signing time the signer states"),
    "verification_time": _l("the time of this check"),
}

HELD_MATCH = {
    "same": _l("This is the document behind the code: the same bytes as its signed original."),
    "earlier_stage": _l(
        "This is the document behind the code at an earlier signing stage: it lacks the "
        "signatures added later."
    ),
    "appended": _l(
        "This is the signed original of the document behind the code with something added "
        "after it: see below whether the addition is allowed."
    ),
    "different": _l("This file does not match the document behind the code."),
}


def time_basis_label(code: str | None) -> str:
    return str(TIME_BASIS.get(code or "", code or ""))


def held_match_label(code: str | None) -> str:
    return str(HELD_MATCH.get(code or "", code or ""))
